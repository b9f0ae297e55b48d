"""The account list: every account the read models know, filtered and sorted.

An account is known once any of its records reached the read models: master
data, a health snapshot or an alert. One that has events but no master data
(no ``account.upserted`` yet) is listed with ``kam_id`` None: unassigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schemas.vocabulary import Band, Tier
from services.read_models.queries import open_alert_counts
from services.read_models.schema import account_health, accounts, alerts, kam_queue_items

#: How the list can be ordered (see :func:`list_accounts`).
AccountSort = Literal["priority", "score", "name", "revenue"]
ACCOUNT_SORTS: tuple[AccountSort, ...] = get_args(AccountSort)


_Order = sa.ColumnElement[Any]


@dataclass(frozen=True)
class AccountListItem:
    """One line of the account list."""

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    parent_account_id: str | None
    score: float | None
    band: str | None
    open_alerts: int
    priority: float | None
    annual_revenue_target: float | None
    currency: str | None


def _known_ids() -> sa.Subquery:
    return sa.union(
        sa.select(accounts.c.account_id),
        sa.select(account_health.c.account_id),
        sa.select(alerts.c.account_id),
    ).subquery("known")


def _priorities() -> sa.Subquery:
    # Per (KAM, account): a queue is replaced as a whole, so one line per account
    # is the rule, but the primary key is (kam_id, rank) and does not enforce it.
    return (
        sa.select(
            kam_queue_items.c.kam_id,
            kam_queue_items.c.account_id,
            sa.func.max(kam_queue_items.c.priority).label("priority"),
        )
        .group_by(kam_queue_items.c.kam_id, kam_queue_items.c.account_id)
        .subquery("priorities")
    )


def _nulls_last(column: sa.ColumnElement[Any], descending: bool = False) -> list[_Order]:
    # Portable NULLS LAST: false sorts before true on SQLite and PostgreSQL alike.
    return [column.is_(None), column.desc() if descending else column.asc()]


def list_accounts(
    conn: Connection,
    *,
    now: datetime,
    kam_id: str | None = None,
    tier: Tier | None = None,
    band: Band | None = None,
    q: str | None = None,
    sort: AccountSort = "priority",
    limit: int | None = None,
) -> list[AccountListItem]:
    """Accounts matching every given filter, in ``sort`` order, at most ``limit``.

    ``q`` matches when the name or the account_id contains it, ignoring case.
    ``open_alerts`` counts open alerts not snoozed at ``now``, as every view
    does. Orders: ``priority`` highest first (the KAM's queue priority),
    ``score`` lowest first (the worst health first), ``name`` A to Z,
    ``revenue`` the largest annual revenue target first; accounts lacking the
    figure come last, ties go by account_id.
    """
    known = _known_ids()
    counts = open_alert_counts(now)
    prio = _priorities()
    account_id = known.c.account_id
    query = sa.select(
        account_id.label("account_id"),
        accounts.c.name,
        accounts.c.tier,
        accounts.c.kam_id,
        accounts.c.parent_account_id,
        account_health.c.score,
        account_health.c.band,
        sa.func.coalesce(counts.c.open_alerts, 0).label("open_alerts"),
        prio.c.priority,
        accounts.c.annual_revenue_target,
        accounts.c.currency,
    ).select_from(
        known.outerjoin(accounts, accounts.c.account_id == account_id)
        .outerjoin(account_health, account_health.c.account_id == account_id)
        .outerjoin(counts, counts.c.account_id == account_id)
        # Only the current KAM's queue: after a handover the old KAM's line is stale.
        .outerjoin(
            prio, sa.and_(prio.c.account_id == account_id, prio.c.kam_id == accounts.c.kam_id)
        )
    )
    if kam_id is not None:
        query = query.where(accounts.c.kam_id == kam_id)
    if tier is not None:
        query = query.where(accounts.c.tier == tier)
    if band is not None:
        query = query.where(account_health.c.band == band)
    if q:
        query = query.where(
            sa.or_(
                accounts.c.name.icontains(q, autoescape=True),
                account_id.icontains(q, autoescape=True),
            )
        )
    order: list[_Order]
    if sort == "priority":
        order = [*_nulls_last(prio.c.priority, True), *_nulls_last(account_health.c.score)]
    elif sort == "score":
        order = _nulls_last(account_health.c.score)
    elif sort == "name":
        order = _nulls_last(sa.func.lower(accounts.c.name))
    else:
        order = _nulls_last(accounts.c.annual_revenue_target, True)
    query = query.order_by(*order, account_id).limit(limit)
    return [AccountListItem(**dict(row)) for row in conn.execute(query).mappings()]
