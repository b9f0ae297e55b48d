"""Compare the SQL read models with the engine's reference replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from consumers.domain.alerts import DRIFTING_ONSET
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.replay import event_clock, fold_accounts, replay
from schemas.events import BaseEvent
from services.ops.verify.compare import (
    health_differences,
    master_data_differences,
    purchase_differences,
    stakeholder_differences,
)
from services.read_models import schema as t


def read_models(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every read-model table as sorted lists of rows."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (dict(r) for r in conn.execute(sa.select(table)).mappings()),
                key=lambda row: [str(row[c.name]) for c in table.primary_key.columns],
            )
            for table in t.DATA_TABLES
        }


def differences(engine: sa.Engine, events: list[BaseEvent]) -> list[str]:
    """What differs between the read models and the replay of ``events`` (empty: equal).

    * accounts, stakeholders: equal to the replayed state, stakeholders as of
      the profile's as_of;
    * current health: exactly the engine's evaluation of the replayed state
      at the account's newest evaluation time the rows show (a snapshot is
      republished only when it changes), and the band the replay gives at
      the end;
      these checks (and the messages) are ``keypulse verify``'s own
      (services/ops/verify/compare.py);
    * open alerts: the replay's open alerts at the end (ids included, but
      for the drifting-onset kinds, health_drop and team_single_threaded,
      whose id comes from the evaluation that first saw the condition);
    * queues: each KAM lists exactly the replay's accounts of that KAM, ranked
      by priority, with the health and open-alert count the other tables show.
    """
    end = event_clock(events)
    if end is None:
        return ["no events"]
    oracle = replay(events, end)
    states = fold_accounts(events)
    rows = read_models(engine)
    diffs: list[str] = []

    accounts = {r["account_id"]: r for r in rows["accounts"]}
    if set(accounts) != set(states):
        return [f"accounts: {sorted(accounts)} != {sorted(states)}"]
    stakeholders: dict[str, list[dict[str, Any]]] = {}
    for r in rows["stakeholders"]:
        stakeholders.setdefault(r["account_id"], []).append(r)
    health = {r["account_id"]: r for r in rows["account_health"]}

    def newest(account_id: str) -> datetime:
        """The account's newest evaluation time the rows show (verify's alerts_time, simpler)."""
        times: list[datetime] = [accounts[account_id]["as_of"]]
        if account_id in health:
            times.append(health[account_id]["as_of"])
        return max(times)

    for account_id, state in states.items():
        # The checks keypulse verify makes too (services/ops/verify/compare.py).
        row = accounts[account_id]
        found = [
            *master_data_differences(account_id, state, row),
            *purchase_differences(account_id, state, row),
            *stakeholder_differences(
                account_id, state, stakeholders.get(account_id, []), row["as_of"], DEFAULT_POLICY
            ),
            *health_differences(
                account_id, state, health.get(account_id), DEFAULT_POLICY, at=newest(account_id)
            ),
        ]
        diffs += [d.describe() for d in found]
        if account_id in health and health[account_id]["band"] != oracle[account_id].health.band:
            band = health[account_id]["band"]
            diffs.append(f"{account_id} band {band} != {oracle[account_id].health.band} at the end")

    def key(kind: str, alert_id: str, *rest: Any) -> tuple[Any, ...]:
        return ("" if kind in DRIFTING_ONSET else alert_id, kind, *rest)

    got_alerts = sorted(
        key(r["kind"], r["alert_id"], r["account_id"], r["subject"], r["severity"], r["kam_id"])
        for r in rows["alerts"]
        if r["status"] == "open"
    )
    want_alerts = sorted(
        key(a.kind, a.alert_id, a.account_id, a.subject, a.severity, a.kam_id)
        for view in oracle.values()
        for a in view.open_alerts
    )
    if got_alerts != want_alerts:
        diffs.append(f"open alerts {got_alerts} != {want_alerts}")

    open_counts: dict[str, int] = {}
    for r in rows["alerts"]:
        if r["status"] == "open":
            open_counts[r["account_id"]] = open_counts.get(r["account_id"], 0) + 1
    by_kam: dict[str, list[dict[str, Any]]] = {}
    for item in rows["kam_queue_items"]:
        by_kam.setdefault(item["kam_id"], []).append(item)
    want_kams: dict[str, set[str]] = {}
    for account_id, state in states.items():
        if state.kam_id is not None:
            want_kams.setdefault(state.kam_id, set()).add(account_id)
    got_kams = {k: {i["account_id"] for i in items} for k, items in by_kam.items() if items}
    if got_kams != want_kams:
        diffs.append(f"queue membership {got_kams} != {want_kams}")
    for kam_id, items in by_kam.items():
        items.sort(key=lambda i: i["rank"])
        order = [
            i["account_id"] for i in sorted(items, key=lambda i: (-i["priority"], i["account_id"]))
        ]
        if [i["account_id"] for i in items] != order:
            diffs.append(f"{kam_id} queue not ranked by priority")
        for item in items:
            account_id = item["account_id"]
            if account_id in health and item["health"] != health[account_id]["score"]:
                diffs.append(f"{kam_id}/{account_id} queue health {item['health']} != health row")
            if item["open_alerts"] != open_counts.get(account_id, 0):
                diffs.append(f"{kam_id}/{account_id} queue open_alerts {item['open_alerts']}")
    return diffs


def latest(rows: list[dict[str, Any]], column: str) -> datetime | None:
    """The newest value of a timestamp column."""
    return max((r[column] for r in rows if r[column] is not None), default=None)
