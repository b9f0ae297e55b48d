"""services.ops.verify.compare: folded states and read-model rows → the right differences."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from consumers.domain.alerts import open_alerts_for
from consumers.domain.evaluate import evaluate, to_snapshot
from consumers.domain.history import history_instants_between
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.purchases import account_share_of_wallet, purchases
from consumers.domain.replay import event_clock, fold_accounts, replay_history
from consumers.domain.state import AccountState
from consumers.domain.team import account_team
from consumers.domain.warmth import stakeholder_views
from schemas import validate_event
from services.ops.verify.compare import (
    OPEN,
    PRESENT,
    AccountRows,
    Difference,
    ReadModelRows,
    alerts_time,
    compare,
    history_differences,
)
from tests.support.histories import portfolio_history

EVENTS = [validate_event(e) for e in portfolio_history(seed=11, accounts=6, days=120)]
STATES = fold_accounts(EVENTS)
END = event_clock(EVENTS)
assert END is not None


def rows_like_the_sink(states: dict[str, AccountState], at: datetime) -> dict[str, dict[str, Any]]:
    """The rows the sink writes for ``states`` evaluated at ``at``, per account and table."""
    out: dict[str, dict[str, Any]] = {}
    for account_id, state in states.items():
        health = evaluate(state, at, DEFAULT_POLICY)
        snap = to_snapshot(health)
        info = state.info.value if state.info else None
        out[account_id] = {
            "account": {
                "account_id": account_id,
                "name": info.name if info else None,
                "tier": info.tier if info else None,
                "kam_id": info.kam_id if info else None,
                "parent_account_id": info.parent_account_id if info else None,
                "annual_potential": info.annual_potential if info else None,
                "revenue_12m": purchases(state, at).revenue_12m,
                "margin_12m": purchases(state, at).margin_12m,
                "share_of_wallet": account_share_of_wallet(state, at),
                "as_of": at,
            },
            "stakeholders": [
                {
                    "account_id": account_id,
                    "stakeholder_id": v.stakeholder_id,
                    "role": v.role,
                    "status": v.status,
                    "last_contact": v.last_contact,
                    "warmth": v.warmth,
                }
                for v in stakeholder_views(tuple(state.stakeholders.values()), at, DEFAULT_POLICY)
            ],
            "team": [
                {
                    "account_id": account_id,
                    "internal_owner": m.internal_owner,
                    "stakeholders": list(m.stakeholders),
                    "last_contact": m.last_contact,
                    "touchpoints_90d": m.touchpoints_90d,
                }
                for m in account_team(state, at, timedelta(days=90)).members
            ],
            "health": {
                "account_id": account_id,
                "score": snap.score,
                "band": snap.band,
                **snap.components.model_dump(),
                "drivers": [d.model_dump() for d in snap.drivers],
                "as_of": at,
            },
            "alerts": [
                {
                    "account_id": account_id,
                    "alert_id": a.alert_id,
                    "kind": a.kind,
                    "subject": a.subject,
                    "severity": a.severity,
                    "status": "open",
                    "updated_at": a.raised_at,
                }
                for a in open_alerts_for(health)
            ],
        }
    return out


def grouped(tables: dict[str, dict[str, Any]]) -> ReadModelRows:
    alerts = [a for t in tables.values() for a in t["alerts"]]
    last: dict[str, datetime] = {}
    for a in alerts:
        last[a["account_id"]] = max(a["updated_at"], last.get(a["account_id"], a["updated_at"]))
    return ReadModelRows.group(
        [t["account"] for t in tables.values() if t["account"] is not None],
        [s for t in tables.values() for s in t["stakeholders"]],
        [t["health"] for t in tables.values() if t["health"] is not None],
        alerts,
        last,
        [m for t in tables.values() for m in t["team"]],
    )


@pytest.fixture
def tables() -> dict[str, dict[str, Any]]:
    assert END is not None
    return rows_like_the_sink(STATES, END)


def diffs(tables: dict[str, dict[str, Any]]) -> list[Difference]:
    return compare(STATES, grouped(tables), DEFAULT_POLICY)


def test_rows_equal_to_the_replay_give_no_difference(tables: dict[str, dict[str, Any]]) -> None:
    assert len(tables) == 6
    assert any(t["alerts"] for t in tables.values()), "the history should open alerts"
    assert diffs(tables) == []


def test_a_changed_score_names_the_account_and_the_score(
    tables: dict[str, dict[str, Any]],
) -> None:
    want = tables["acct-03"]["health"]["score"]
    tables["acct-03"]["health"]["score"] = want + 7
    assert diffs(tables) == [Difference("acct-03", "score", want + 7, want)]


def test_a_changed_band_component_or_driver_is_named(tables: dict[str, dict[str, Any]]) -> None:
    health = tables["acct-02"]["health"]
    band, support = health["band"], health["support"]
    health["band"] = "excellent" if band != "excellent" else "critical"
    health["support"] = support - 1
    health["drivers"] = []
    found = {(d.account_id, d.field) for d in diffs(tables)}
    assert found == {("acct-02", "band"), ("acct-02", "support"), ("acct-02", "drivers")}


def test_a_missing_open_alert_and_an_extra_one(tables: dict[str, dict[str, Any]]) -> None:
    account_id = next(a for a, t in tables.items() if t["alerts"])
    missing = tables[account_id]["alerts"].pop(0)
    extra = {**missing, "account_id": "acct-04", "kind": "order_gap", "subject": None}
    tables["acct-04"]["alerts"] = [
        a for a in tables["acct-04"]["alerts"] if a["kind"] != "order_gap"
    ] + [extra]
    found = diffs(tables)
    subject = missing["subject"] or "-"
    assert Difference(account_id, f"open_alert[{missing['kind']}:{subject}]", None, OPEN) in found
    assert Difference("acct-04", "open_alert[order_gap:-]", OPEN, None) in found
    assert len(found) == 2


def test_a_changed_alert_severity(tables: dict[str, dict[str, Any]]) -> None:
    account_id = next(a for a, t in tables.items() if t["alerts"])
    alert = tables[account_id]["alerts"][0]
    want = alert["severity"]
    alert["severity"] = "info" if want != "info" else "critical"
    field = f"open_alert[{alert['kind']}:{alert['subject'] or '-'}].severity"
    assert diffs(tables) == [Difference(account_id, field, alert["severity"], want)]


def test_a_stakeholder_status_change_and_a_missing_stakeholder(
    tables: dict[str, dict[str, Any]],
) -> None:
    people = tables["acct-01"]["stakeholders"]
    first, gone = people[0], people.pop()
    want = first["status"]
    first["status"] = "left" if want == "active" else "active"
    assert sorted(diffs(tables), key=lambda d: d.field) == sorted(
        [
            Difference(
                "acct-01", f"stakeholder[{first['stakeholder_id']}].status", first["status"], want
            ),
            Difference("acct-01", f"stakeholder[{gone['stakeholder_id']}]", None, PRESENT),
        ],
        key=lambda d: d.field,
    )


def test_a_changed_team_count_and_a_missing_team_member(
    tables: dict[str, dict[str, Any]],
) -> None:
    # An account whose touchpoints have several internal owners.
    account_id = next(a for a, t in sorted(tables.items()) if len(t["team"]) >= 2)
    team = tables[account_id]["team"]
    first, gone = team[0], team.pop()
    want = first["touchpoints_90d"]
    first["touchpoints_90d"] = want + 1
    assert sorted(diffs(tables), key=lambda d: d.field) == sorted(
        [
            Difference(
                account_id, f"team[{first['internal_owner']}].touchpoints_90d", want + 1, want
            ),
            Difference(account_id, f"team[{gone['internal_owner']}]", None, PRESENT),
        ],
        key=lambda d: d.field,
    )


def test_changed_master_data(tables: dict[str, dict[str, Any]]) -> None:
    tables["acct-05"]["account"]["kam_id"] = "kam-nobody"
    (found,) = diffs(tables)
    assert (found.account_id, found.field, found.read_model) == ("acct-05", "kam_id", "kam-nobody")
    assert found.replay == "kam-dora"  # the handover


def test_missing_accounts_a_missing_health_row_and_unknown_accounts(
    tables: dict[str, dict[str, Any]],
) -> None:
    tables["acct-00"]["account"] = None
    tables["acct-01"]["health"] = None
    tables["acct-99"] = {**tables["acct-02"], "stakeholders": [], "alerts": [], "team": []}
    tables["acct-99"]["account"] = {**tables["acct-02"]["account"], "account_id": "acct-99"}
    # Only a health row, of an account no event names.
    orphan = {**tables["acct-02"]["health"], "account_id": "acct-98"}
    tables["acct-98"] = {
        "account": None,
        "stakeholders": [],
        "health": orphan,
        "alerts": [],
        "team": [],
    }
    assert diffs(tables) == [
        Difference("acct-00", "account", None, PRESENT),
        Difference("acct-01", "health", None, PRESENT),
        Difference("acct-98", "account", PRESENT, None),
        Difference("acct-99", "account", PRESENT, None),
    ]


def test_an_unchanged_health_row_from_days_ago_is_compared_at_the_newest_time(
    tables: dict[str, dict[str, Any]],
) -> None:
    # The sink keeps a health row until the snapshot changes: values of the
    # end under an as_of two weeks old (no evaluation since changed them)
    # are right, though the account's events went on after that as_of.
    assert END is not None
    tables["acct-02"]["health"] = {
        **tables["acct-02"]["health"],
        "as_of": END - timedelta(days=14),
    }
    assert diffs(tables) == []


def test_a_health_row_the_worker_should_have_replaced_is_a_difference(
    tables: dict[str, dict[str, Any]],
) -> None:
    # Computed two weeks before the end, while the profile and the alerts are
    # of the end: the worker republishes health whenever it changes, so
    # values that differ from the end's evaluation are stale.
    assert END is not None
    earlier = rows_like_the_sink(STATES, END - timedelta(days=14))
    kinds = [{a["kind"] for a in t["acct-02"]["alerts"]} for t in (earlier, tables)]
    assert kinds[0] != kinds[1]
    tables["acct-02"]["health"] = earlier["acct-02"]["health"]
    found = diffs(tables)
    assert found
    assert {d.account_id for d in found} == {"acct-02"}
    assert "score" in {d.field for d in found}


def test_alerts_are_evaluated_at_the_newest_time_the_rows_show() -> None:
    t0 = datetime.fromisoformat("2026-03-01T00:00:00+00:00")
    rows = AccountRows(
        account={"as_of": t0 + timedelta(hours=2)},
        health={"as_of": t0},
        last_alert_change=t0 + timedelta(hours=1),
    )
    assert alerts_time(rows) == t0 + timedelta(hours=2)
    assert alerts_time(replace(rows, last_alert_change=t0 + timedelta(days=1))) == t0 + timedelta(
        days=1
    )
    assert alerts_time(AccountRows()) is None


def test_a_difference_reads_as_one_line() -> None:
    assert (
        Difference("acct-03", "score", 64.2, 57.2).describe()
        == "acct-03 score: read model 64.2, replay 57.2"
    )
    assert (
        Difference("acct-03", "open_alert[order_gap:-]", None, OPEN).describe()
        == "acct-03 open_alert[order_gap:-]: read model missing, replay open"
    )


def test_changed_purchase_figures_and_parent_are_named(tables: dict[str, dict[str, Any]]) -> None:
    account = tables["acct-04"]["account"]
    want = account["revenue_12m"]
    assert want > 0, "the history should have orders in the last 12 months"
    account["revenue_12m"] = want + 1
    account["parent_account_id"] = "acct-01"
    assert diffs(tables) == [
        Difference("acct-04", "parent_account_id", "acct-01", None),
        Difference("acct-04", "revenue_12m", want + 1, want),
    ]


def test_history_points_are_compared_with_the_events_up_to_their_instant() -> None:
    account_id = "acct-02"
    state = STATES[account_id]
    assert state.first_seen is not None
    assert state.latest_at is not None
    instants = history_instants_between(state.first_seen, state.latest_at)
    points = replay_history(EVENTS, {account_id: instants})[account_id]

    def row(at: datetime) -> dict[str, Any]:
        snap = to_snapshot(points[at])
        return {
            "account_id": account_id,
            "as_of": at,
            "score": snap.score,
            "band": snap.band,
            **snap.components.model_dump(),
            "drivers": [d.model_dump() for d in snap.drivers],
        }

    rows = [row(at) for at in instants]
    assert history_differences(account_id, points, rows) == []
    changed = rows[1]["score"] + 5
    rows[1] = rows[1] | {"score": changed}
    name = f"history[{instants[1].isoformat()}]"
    assert history_differences(account_id, points, rows) == [
        Difference(account_id, f"{name}.score", changed, points[instants[1]].score)
    ]
    before = instants[0] - timedelta(days=400)
    extra = rows[0] | {"as_of": before}
    assert history_differences(account_id, points, [extra]) == [
        Difference(account_id, f"history[{before.isoformat()}]", PRESENT, None)
    ]


def test_strategic_flags_the_replay_does_not_know_are_named(
    tables: dict[str, dict[str, Any]],
) -> None:
    tables["acct-02"]["account"]["strategic_flags"] = ["market_leader"]
    assert diffs(tables) == [Difference("acct-02", "strategic_flags", ["market_leader"], [])]
