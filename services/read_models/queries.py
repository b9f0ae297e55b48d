"""Small read and update functions over the read models, for the HTTP API.

Each takes a connection; callers own the transaction. Times are aware UTC
datetimes; "now" is always a parameter so that tests and the event clock
decide what is snoozed, never the wall clock behind the caller's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from schemas.internal import StakeholderRecord
from schemas.outputs import HealthSnapshot
from schemas.vocabulary import AlertKind, AlertStatus
from services.errors import AlertNotFound
from services.read_models.schema import (
    account_health,
    account_purchases,
    accounts,
    alerts,
    kam_queue_items,
    kam_queues,
    stakeholders,
)
from services.read_models.schema import health_history as history_table


@dataclass(frozen=True)
class AlertView:
    """An alert row: the stream's lifecycle plus the API's ack and snooze fields."""

    alert_id: str
    account_id: str
    kam_id: str | None
    kind: str
    severity: str
    status: str
    subject: str | None
    reason: str
    raised_at: datetime
    resolved_at: datetime | None
    updated_at: datetime
    acked_at: datetime | None
    acked_by: str | None
    snoozed_until: datetime | None
    #: From the account's master data (joined read-side); None while it has none.
    account_name: str | None = None
    account_tier: str | None = None

    def is_snoozed(self, now: datetime) -> bool:
        """True while the alert is open and its snooze has not ended at ``now``."""
        return self.status == "open" and self.snoozed_until is not None and self.snoozed_until > now


@dataclass(frozen=True)
class AccountView:
    """Account master data with its current health and visible open alerts."""

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    parent_account_id: str | None
    annual_revenue_target: float | None
    currency: str | None
    as_of: datetime | None
    health: HealthSnapshot | None
    open_alerts: list[AlertView]
    annual_potential: float | None = None
    revenue_12m: float = 0.0
    margin_12m: float = 0.0
    share_of_wallet: float | None = None


@dataclass(frozen=True)
class QueueEntryView:
    """One ranked line of a KAM's queue, with the account's name and its visible open alerts."""

    rank: int
    account_id: str
    account_name: str | None
    account_tier: str | None
    priority: float
    health: float
    open_alerts: int
    next_action: str
    kind: str = "risk"  # "growth": appended by the API (services/api/groups.py)


@dataclass(frozen=True)
class QueueView:
    """A KAM's ranked queue as the API serves it."""

    kam_id: str
    as_of: datetime
    items: list[QueueEntryView]


def _alert(row: RowMapping) -> AlertView:
    return AlertView(**{name: row[name] for name in AlertView.__dataclass_fields__})


def awake_open_alert(now: datetime) -> sa.ColumnElement[bool]:
    """The one rule of what counts as an open alert everywhere: open and not snoozed at ``now``.

    The account, the alert list, the queue and the account list all count with
    it, so no two views of the same account can disagree.
    """
    return sa.and_(
        alerts.c.status == "open",
        sa.or_(alerts.c.snoozed_until.is_(None), alerts.c.snoozed_until <= now),
    )


def open_alert_counts(now: datetime) -> sa.Subquery:
    """Per account_id, the number of open alerts not snoozed at ``now`` (column ``open_alerts``)."""
    return (
        sa.select(alerts.c.account_id, sa.func.count().label("open_alerts"))
        .where(awake_open_alert(now))
        .group_by(alerts.c.account_id)
        .subquery("open_counts")
    )


def _alerts_with_names() -> sa.Select[tuple[object, ...]]:
    # Outer join: an alert may arrive before its account's master data does.
    return sa.select(
        alerts,
        accounts.c.name.label("account_name"),
        accounts.c.tier.label("account_tier"),
    ).select_from(alerts.outerjoin(accounts, accounts.c.account_id == alerts.c.account_id))


def _health(row: RowMapping) -> HealthSnapshot:
    return HealthSnapshot.model_validate(
        {
            "account_id": row["account_id"],
            "score": row["score"],
            "band": row["band"],
            "components": {
                "relationship": row["relationship"],
                "commercial": row["commercial"],
                "support": row["support"],
                "stability": row["stability"],
            },
            "drivers": row["drivers"],
            "as_of": row["as_of"],
        }
    )


def get_health(conn: Connection, account_id: str) -> HealthSnapshot | None:
    """The account's current health, or None before its first snapshot."""
    row = (
        conn.execute(sa.select(account_health).where(account_health.c.account_id == account_id))
        .mappings()
        .first()
    )
    return _health(row) if row is not None else None


def health_history(
    conn: Connection,
    account_id: str,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[HealthSnapshot]:
    """The account's health snapshots, oldest first (from ``since`` on; the newest ``limit``)."""
    query = sa.select(history_table).where(history_table.c.account_id == account_id)
    if since is not None:
        query = query.where(history_table.c.as_of >= since)
    # Newest first in SQL so that the limit keeps the latest snapshots, then reversed.
    query = query.order_by(history_table.c.as_of.desc()).limit(limit)
    return [_health(row) for row in conn.execute(query).mappings()][::-1]


def list_stakeholders(conn: Connection, account_id: str) -> list[StakeholderRecord]:
    """The account's stakeholders: active ones first, then by name."""
    query = (
        sa.select(stakeholders)
        .where(stakeholders.c.account_id == account_id)
        .order_by(
            (stakeholders.c.status != "active"), stakeholders.c.name, stakeholders.c.stakeholder_id
        )
    )
    return [StakeholderRecord.model_validate(dict(row)) for row in conn.execute(query).mappings()]


def get_kam_queue(conn: Connection, kam_id: str, now: datetime) -> QueueView | None:
    """The KAM's ranked queue, or None when no queue was ever published for them.

    ``open_alerts`` is counted here from the alerts table (open, not snoozed at
    ``now``), not taken from the stream's queue line: the stream does not know
    about snoozes, and the queue must agree with the account and the alert list.
    """
    as_of = conn.execute(
        sa.select(kam_queues.c.as_of).where(kam_queues.c.kam_id == kam_id)
    ).scalar_one_or_none()
    if as_of is None:
        return None
    counts = open_alert_counts(now)
    rows = conn.execute(
        sa.select(
            kam_queue_items.c.rank,
            kam_queue_items.c.account_id,
            accounts.c.name.label("account_name"),
            accounts.c.tier.label("account_tier"),
            kam_queue_items.c.priority,
            kam_queue_items.c.health,
            sa.func.coalesce(counts.c.open_alerts, 0).label("open_alerts"),
            kam_queue_items.c.next_action,
        )
        .select_from(
            kam_queue_items.outerjoin(
                accounts, accounts.c.account_id == kam_queue_items.c.account_id
            ).outerjoin(counts, counts.c.account_id == kam_queue_items.c.account_id)
        )
        .where(kam_queue_items.c.kam_id == kam_id)
        .order_by(kam_queue_items.c.rank)
    ).mappings()
    items = [QueueEntryView(**dict(row)) for row in rows]
    return QueueView(kam_id=kam_id, as_of=as_of, items=items)


def list_alerts(
    conn: Connection,
    *,
    now: datetime,
    status: AlertStatus | None = None,
    kind: AlertKind | None = None,
    account_id: str | None = None,
    kam_id: str | None = None,
    include_snoozed: bool = False,
    limit: int | None = None,
) -> list[AlertView]:
    """Alerts matching every given filter, newest raised first.

    Open alerts snoozed beyond ``now`` are left out unless ``include_snoozed``.
    """
    query = _alerts_with_names()
    if status is not None:
        query = query.where(alerts.c.status == status)
    if kind is not None:
        query = query.where(alerts.c.kind == kind)
    if account_id is not None:
        query = query.where(alerts.c.account_id == account_id)
    if kam_id is not None:
        query = query.where(alerts.c.kam_id == kam_id)
    if not include_snoozed:
        query = query.where(sa.or_(alerts.c.status != "open", awake_open_alert(now)))
    query = query.order_by(alerts.c.raised_at.desc(), alerts.c.alert_id).limit(limit)
    return [_alert(row) for row in conn.execute(query).mappings()]


def get_account(conn: Connection, account_id: str, now: datetime) -> AccountView | None:
    """Master data, current health and open (not snoozed at ``now``) alerts of an account.

    None when nothing at all is known about the account. Health may exist
    before the master data (different topics), so either is enough.
    """
    row = conn.execute(sa.select(accounts).where(accounts.c.account_id == account_id)).mappings()
    master = row.first()
    health = get_health(conn, account_id)
    if master is None and health is None:
        return None
    return AccountView(
        account_id=account_id,
        name=master["name"] if master else None,
        tier=master["tier"] if master else None,
        kam_id=master["kam_id"] if master else None,
        parent_account_id=master["parent_account_id"] if master else None,
        annual_revenue_target=master["annual_revenue_target"] if master else None,
        currency=master["currency"] if master else None,
        as_of=master["as_of"] if master else None,
        health=health,
        open_alerts=list_alerts(conn, now=now, status="open", account_id=account_id),
        annual_potential=master["annual_potential"] if master else None,
        revenue_12m=master["revenue_12m"] if master else 0.0,
        margin_12m=master["margin_12m"] if master else 0.0,
        share_of_wallet=master["share_of_wallet"] if master else None,
    )


def get_alert(conn: Connection, alert_id: str) -> AlertView | None:
    """One alert by id, or None."""
    query = _alerts_with_names().where(alerts.c.alert_id == alert_id)
    row = conn.execute(query).mappings().first()
    return _alert(row) if row is not None else None


def get_alerts(conn: Connection, alert_ids: list[str]) -> list[AlertView]:
    """The alerts of ``alert_ids`` that exist, in no particular order."""
    found: list[AlertView] = []
    for start in range(0, len(alert_ids), 500):  # stay under bind-parameter limits
        chunk = alert_ids[start : start + 500]
        query = _alerts_with_names().where(alerts.c.alert_id.in_(chunk))
        found.extend(_alert(row) for row in conn.execute(query).mappings())
    return found


def _require(conn: Connection, alert_id: str) -> AlertView:
    found = get_alert(conn, alert_id)
    if found is None:
        raise AlertNotFound(f"no alert {alert_id!r}")
    return found


def ack_alert(conn: Connection, alert_id: str, by: str, at: datetime) -> AlertView:
    """Acknowledge an alert; the first acknowledgement is kept, so retries are harmless.

    Raises :class:`AlertNotFound` for an unknown alert_id.
    """
    conn.execute(
        alerts.update()
        .where(alerts.c.alert_id == alert_id, alerts.c.acked_at.is_(None))
        .values(acked_at=at, acked_by=by)
    )
    return _require(conn, alert_id)


def snooze_alert(conn: Connection, alert_id: str, until: datetime) -> AlertView:
    """Hide an alert from open lists until ``until`` (a later snooze replaces an earlier one).

    Raises :class:`AlertNotFound` for an unknown alert_id.
    """
    conn.execute(alerts.update().where(alerts.c.alert_id == alert_id).values(snoozed_until=until))
    return _require(conn, alert_id)


def list_purchases(conn: Connection, account_id: str) -> list[dict[str, object]]:
    """The account's trailing-12-month purchase lines (as of its latest profile), largest first."""
    rows = conn.execute(
        sa.select(account_purchases)
        .where(account_purchases.c.account_id == account_id)
        .order_by(
            account_purchases.c.revenue_12m.desc(),
            account_purchases.c.product_line,
            account_purchases.c.business_unit,
        )
    ).mappings()
    return [{k: v for k, v in row.items() if k != "account_id"} for row in rows]
