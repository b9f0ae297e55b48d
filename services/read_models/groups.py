"""Account groups read from the read models: the accounts linked to one, as domain members.

Groups span partitions (a subsidiary's events live on another partition than
its parent's), so no worker sees a whole group; the read models do. A
request gathers the account's connected accounts — up the parent chain,
then down the children level by level — with their latest health, open
alerts (awake at ``now``) and purchases, and hands them to the pure
:mod:`consumers.domain.groups`, which the reference replay uses too
(docs/architecture.md, "Account groups").
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from consumers.domain.groups import Member
from services.read_models.queries import open_alert_counts
from services.read_models.schema import account_health, account_purchases, accounts

#: Most accounts one group gathers: a bound on what one request reads.
GROUP_LIMIT = 5_000


def connected_accounts(conn: Connection, account_id: str) -> set[str]:
    """Every account linked to ``account_id`` through parent_account_id, itself included.

    Empty when the account has no row. Ends on cycles and unknown parents.
    """
    parent_of = _parents(conn, [account_id])
    if account_id not in parent_of:
        return set()
    found = {account_id}
    up = parent_of[account_id]
    while up is not None and up not in found and len(found) < GROUP_LIMIT:
        parents = _parents(conn, [up])
        if up not in parents:
            break  # an unknown parent: the chain ends here
        found.add(up)
        up = parents[up]
    frontier = set(found)
    while frontier and len(found) < GROUP_LIMIT:
        rows = conn.execute(
            sa.select(accounts.c.account_id).where(
                accounts.c.parent_account_id.in_(sorted(frontier))
            )
        ).scalars()
        frontier = {r for r in rows if r not in found}
        found |= frontier
    return found


def group_members(conn: Connection, account_ids: set[str], now: datetime) -> list[Member]:
    """The accounts as members of a group: master data, health, open alerts, purchases."""
    if not account_ids:
        return []
    ids = sorted(account_ids)
    counts = open_alert_counts(now)
    rows = conn.execute(
        sa.select(
            accounts.c.account_id,
            accounts.c.name,
            accounts.c.kam_id,
            accounts.c.parent_account_id,
            accounts.c.revenue_12m,
            accounts.c.currency,
            account_health.c.score,
            account_health.c.band,
            sa.func.coalesce(counts.c.open_alerts, 0).label("open_alerts"),
        )
        .select_from(
            accounts.outerjoin(
                account_health, account_health.c.account_id == accounts.c.account_id
            ).outerjoin(counts, counts.c.account_id == accounts.c.account_id)
        )
        .where(accounts.c.account_id.in_(ids))
    ).mappings()
    lines: dict[str, dict[str, float]] = {}
    for line in conn.execute(
        sa.select(
            account_purchases.c.account_id,
            account_purchases.c.product_line,
            sa.func.sum(account_purchases.c.revenue_12m).label("revenue"),
        )
        .where(account_purchases.c.account_id.in_(ids))
        .group_by(account_purchases.c.account_id, account_purchases.c.product_line)
    ).mappings():
        lines.setdefault(line["account_id"], {})[line["product_line"]] = round(line["revenue"], 2)
    return [
        Member(
            account_id=row["account_id"],
            name=row["name"] or row["account_id"],
            kam_id=row["kam_id"],
            parent_account_id=row["parent_account_id"],
            score=row["score"],
            band=row["band"],
            revenue_12m=row["revenue_12m"] or 0.0,
            open_alerts=int(row["open_alerts"]),
            currency=row["currency"],
            product_lines=lines.get(row["account_id"], {}),
        )
        for row in rows
    ]


def parent_cycle(conn: Connection, account_id: str) -> list[str] | None:
    """The cycle of parent links through ``account_id`` (it first), or None when there is none."""
    chain = [account_id]
    up = _parents(conn, [account_id]).get(account_id)
    while up is not None and len(chain) < GROUP_LIMIT:
        if up == account_id:
            return chain
        if up in chain:
            return None  # a cycle further up, not through this account
        chain.append(up)
        up = _parents(conn, [up]).get(up)
    return None


def _parents(conn: Connection, account_ids: list[str]) -> dict[str, str | None]:
    rows = conn.execute(
        sa.select(accounts.c.account_id, accounts.c.parent_account_id).where(
            accounts.c.account_id.in_(account_ids)
        )
    )
    return {r.account_id: r.parent_account_id for r in rows}
