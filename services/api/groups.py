"""Groups and growth lines for the routes: gathered from the read models, rolled up by the domain.

Computed per request from the latest row of every account of the group
(docs/architecture.md, "Account groups"): the roll-up is a function of those
rows alone, so whatever order and however often the sink received the
records behind them, the same rows give the same group.
"""

from __future__ import annotations

import logging
from datetime import datetime

from fastapi import HTTPException, status
from sqlalchemy.engine import Connection

from consumers.domain.groups import Group, build_forest, group_of
from consumers.domain.policy import Policy
from consumers.domain.whitespace import gaps, growth_action
from services.api.access import SEES_EVERY_ACCOUNT
from services.api.auth import forbidden
from services.read_models.groups import connected_accounts, group_members
from services.read_models.queries import QueueEntryView
from services.settings import Principal

log = logging.getLogger("keypulse.api")


def find_group(conn: Connection, account_id: str, now: datetime, policy: Policy) -> Group | None:
    """The top-level group of ``account_id``, or None outside any group (or unknown)."""
    members = group_members(conn, connected_accounts(conn, account_id), now)
    group = group_of(build_forest(members), account_id, policy)
    if group is not None and group.error is not None:
        log.warning("group of %s: %s", group.top.account_id, group.error)
    return group


def account_group(
    conn: Connection, principal: Principal, account_id: str, now: datetime, policy: Policy
) -> Group:
    """The group for the group route: 404 unknown or no group, 403 for a KAM outside it."""
    members = group_members(conn, connected_accounts(conn, account_id), now)
    if not members:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown account {account_id!r}")
    kams = {m.kam_id for m in members}
    if principal.role not in SEES_EVERY_ACCOUNT and principal.kam_id not in kams:
        raise forbidden(f"the group of {account_id!r} has no account of this KAM")
    group = group_of(build_forest(members), account_id, policy)
    if group is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"account {account_id!r} belongs to no group"
        )
    if group.error is not None:
        log.warning("group of %s: %s", group.top.account_id, group.error)
    return group


def growth_lines(
    conn: Connection,
    kam_id: str,
    risk_lines: list[QueueEntryView],
    now: datetime,
    policy: Policy,
) -> list[QueueEntryView]:
    """One growth line per healthy account of the KAM with a gap, largest gap first.

    Ranked after every risk line (ranks continue from the last one); priority
    0, so that no growth line can outrank a risk.
    """
    found: list[tuple[float, str, QueueEntryView]] = []
    seen: dict[str, Group | None] = {}
    for line in risk_lines:
        if line.health < policy.band_healthy:
            continue
        group = seen.get(line.account_id)
        if line.account_id not in seen:
            group = find_group(conn, line.account_id, now, policy)
            if group is not None:
                seen.update({p.member.account_id: group for p in group.members})
        if group is None:
            continue
        member = group.member(line.account_id)
        offers = gaps(group, line.account_id)
        if member is None or not offers or member.band != "healthy":
            continue
        best = offers[0]
        found.append(
            (
                -best.group_revenue_12m,
                line.account_id,
                QueueEntryView(
                    rank=0,
                    account_id=line.account_id,
                    account_name=line.account_name,
                    account_tier=line.account_tier,
                    priority=0.0,
                    health=line.health,
                    open_alerts=line.open_alerts,
                    next_action=growth_action(group, member, best),
                    kind="growth",
                ),
            )
        )
    found.sort(key=lambda f: (f[0], f[1]))
    start = max((line.rank for line in risk_lines), default=0)
    return [
        QueueEntryView(**{**entry.__dict__, "rank": start + i + 1})
        for i, (_, _, entry) in enumerate(found)
    ]
