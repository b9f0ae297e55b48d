"""Idempotent writes of the stream's output records into the read models.

Every function takes a connection inside the caller's transaction and is safe
to repeat: the sink is at-least-once, so any record may arrive again after a
crash or a rebalance, and records of different topics arrive in no global
order. The rules that make a replay land on the same rows:

* health: the newest ``as_of`` is current; an older snapshot only fills in
  history. Equal ``as_of``: the later delivery wins (one key is one
  partition, so that is the stream's own order).
* health history points (event time): upserted by (account, as_of) into the
  history only, never the current health; a point computed again after a
  late event replaces the earlier one.
* alerts: keyed by ``alert_id``; a resolved alert is never re-opened by a
  replayed ``open`` step (a re-fire has a new alert_id). The API's columns
  (acked_at, acked_by, snoozed_until) are never written here.
* profiles and queues: replace the account's stakeholders / the KAM's items
  as a whole, unless older than what is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from schemas.internal import AccountProfile, HealthHistory, KamQueue
from schemas.outputs import AlertRecord, HealthSnapshot
from services.errors import ConfigurationError
from services.read_models.schema import (
    account_health,
    account_purchases,
    account_team,
    accounts,
    alerts,
    health_history,
    kam_queue_items,
    kam_queues,
    stakeholders,
)

#: Everything the sink writes.
ReadModelRecord = HealthSnapshot | HealthHistory | AlertRecord | AccountProfile | KamQueue

#: What an INSERT .. ON CONFLICT statement looks like in either dialect.
_Upsert = postgresql.Insert | sqlite.Insert


def _insert(conn: Connection, table: sa.Table) -> _Upsert:
    # Both dialects spell ON CONFLICT the same way, through different classes.
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise ConfigurationError(f"read models support sqlite and postgresql, not {conn.dialect.name}")


def _set_all(stmt: _Upsert, table: sa.Table, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """``SET col = excluded.col`` for every non-key column of ``table``."""
    skip = {c.name for c in table.primary_key} | set(exclude)
    return {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in skip}


def _health_values(snapshot: HealthSnapshot) -> dict[str, Any]:
    return {
        "account_id": snapshot.account_id,
        "score": snapshot.score,
        "band": snapshot.band,
        "relationship": snapshot.components.relationship,
        "commercial": snapshot.components.commercial,
        "support": snapshot.components.support,
        "stability": snapshot.components.stability,
        "drivers": [d.model_dump(mode="json") for d in snapshot.drivers],
        "as_of": snapshot.as_of,
    }


def apply_health(conn: Connection, snapshot: HealthSnapshot) -> bool:
    """Record a health snapshot; return True when it became the current one."""
    values = _health_values(snapshot)

    history = _insert(conn, health_history).values(**values)
    conn.execute(
        history.on_conflict_do_update(
            index_elements=[health_history.c.account_id, health_history.c.as_of],
            set_=_set_all(history, health_history),
        )
    )

    current = _insert(conn, account_health).values(**values)
    current_upsert = current.on_conflict_do_update(
        index_elements=[account_health.c.account_id],
        set_=_set_all(current, account_health),
        where=current.excluded.as_of >= account_health.c.as_of,
    ).returning(account_health.c.account_id)
    return conn.execute(current_upsert).first() is not None


def apply_history(conn: Connection, history: HealthHistory) -> bool:
    """Upsert a step's history points into the health history; True when it held any."""
    if not history.points:
        return False
    stmt = _insert(conn, health_history)
    upsert = stmt.on_conflict_do_update(
        index_elements=[health_history.c.account_id, health_history.c.as_of],
        set_=_set_all(stmt, health_history),
    )
    conn.execute(upsert, [_health_values(point) for point in history.points])
    return True


def apply_alert(conn: Connection, record: AlertRecord) -> bool:
    """Insert or update an alert; return False when the step was refused (re-open)."""
    resolved = record.status == "resolved"
    values = {
        "alert_id": record.alert_id,
        "account_id": record.account_id,
        "kam_id": record.kam_id,
        "kind": record.kind,
        "severity": record.severity,
        "status": record.status,
        "subject": record.subject,
        "reason": record.reason,
        "raised_at": record.raised_at,
        "resolved_at": record.resolved_at,
        "updated_at": record.resolved_at if resolved and record.resolved_at else record.raised_at,
    }
    stmt = _insert(conn, alerts).values(**values)
    upsert = stmt.on_conflict_do_update(
        index_elements=[alerts.c.alert_id],
        # Only the stream's columns: acked_*/snoozed_until belong to the API.
        set_={name: stmt.excluded[name] for name in values if name != "alert_id"},
        where=sa.not_(sa.and_(alerts.c.status == "resolved", stmt.excluded.status == "open")),
    ).returning(alerts.c.alert_id)
    return conn.execute(upsert).first() is not None


def apply_profile(conn: Connection, profile: AccountProfile) -> bool:
    """Store master data and replace the stakeholder list; False when the profile is older."""
    stmt = _insert(conn, accounts).values(
        account_id=profile.account_id,
        name=profile.name,
        tier=profile.tier,
        kam_id=profile.kam_id,
        parent_account_id=profile.parent_account_id,
        annual_revenue_target=profile.annual_revenue_target,
        currency=profile.currency,
        as_of=profile.as_of,
        annual_potential=profile.annual_potential,
        revenue_12m=profile.revenue_12m,
        margin_12m=profile.margin_12m,
        share_of_wallet=profile.share_of_wallet,
        strategic_flags=profile.strategic_flags,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[accounts.c.account_id],
        set_=_set_all(stmt, accounts),
        where=stmt.excluded.as_of >= accounts.c.as_of,
    ).returning(accounts.c.account_id)
    if conn.execute(upsert).first() is None:
        return False
    conn.execute(stakeholders.delete().where(stakeholders.c.account_id == profile.account_id))
    # A stakeholder listed twice would break the primary key; the later entry wins.
    rows = {
        s.stakeholder_id: {"account_id": profile.account_id, **s.model_dump()}
        for s in profile.stakeholders
    }
    if rows:
        conn.execute(stakeholders.insert(), list(rows.values()))
    conn.execute(account_team.delete().where(account_team.c.account_id == profile.account_id))
    members = {
        m.internal_owner: {"account_id": profile.account_id, **m.model_dump()} for m in profile.team
    }
    if members:
        conn.execute(account_team.insert(), list(members.values()))
    conn.execute(
        account_purchases.delete().where(account_purchases.c.account_id == profile.account_id)
    )
    lines = {
        (b.product_line, b.business_unit): {"account_id": profile.account_id, **b.model_dump()}
        for b in profile.bought
    }
    if lines:
        conn.execute(account_purchases.insert(), list(lines.values()))
    return True


def apply_queue(conn: Connection, queue: KamQueue) -> bool:
    """Replace a KAM's queue; False when the queue is older than the stored one."""
    stmt = _insert(conn, kam_queues).values(kam_id=queue.kam_id, as_of=queue.as_of)
    upsert = stmt.on_conflict_do_update(
        index_elements=[kam_queues.c.kam_id],
        set_=_set_all(stmt, kam_queues),
        where=stmt.excluded.as_of >= kam_queues.c.as_of,
    ).returning(kam_queues.c.kam_id)
    if conn.execute(upsert).first() is None:
        return False
    conn.execute(kam_queue_items.delete().where(kam_queue_items.c.kam_id == queue.kam_id))
    # A rank listed twice would break the primary key; the later line wins.
    rows = {item.rank: {"kam_id": queue.kam_id, **item.model_dump()} for item in queue.items}
    if rows:
        conn.execute(kam_queue_items.insert(), list(rows.values()))
    return True


def apply_record(conn: Connection, record: ReadModelRecord) -> bool:
    """Apply one record of any kind; return whether it changed current state."""
    if isinstance(record, HealthSnapshot):
        return apply_health(conn, record)
    if isinstance(record, HealthHistory):
        return apply_history(conn, record)
    if isinstance(record, AlertRecord):
        return apply_alert(conn, record)
    if isinstance(record, AccountProfile):
        return apply_profile(conn, record)
    if isinstance(record, KamQueue):
        return apply_queue(conn, record)
    raise TypeError(f"not a read-model record: {type(record).__name__}")


def apply_records(conn: Connection, records: Iterable[ReadModelRecord]) -> int:
    """Apply records in order, in the caller's transaction; return how many were applied."""
    count = 0
    for record in records:
        apply_record(conn, record)
        count += 1
    return count
