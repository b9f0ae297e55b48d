"""The account team as the API shows it: its members, and whom only the KAM knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.read_models.schema import account_team, accounts, stakeholders


@dataclass(frozen=True)
class TeamMemberView:
    """One internal person: the stakeholders they spoke to, last contact, touchpoints in 90 days."""

    internal_owner: str
    stakeholders: list[str]
    last_contact: datetime
    touchpoints_90d: int


@dataclass(frozen=True)
class TeamView:
    """The account team of one account."""

    account_id: str
    kam_id: str | None
    members: list[TeamMemberView]
    known_only_by_kam: list[str]


def get_team(conn: Connection, account_id: str) -> TeamView:
    """The account's team as of its latest profile (empty before the first one).

    ``known_only_by_kam``: the active stakeholders whom the KAM has spoken to
    and no one else on our side (consumers/domain/team.py defines the same).
    """
    kam_id = conn.execute(
        sa.select(accounts.c.kam_id).where(accounts.c.account_id == account_id)
    ).scalar_one_or_none()
    rows = conn.execute(
        sa.select(account_team)
        .where(account_team.c.account_id == account_id)
        .order_by(
            account_team.c.touchpoints_90d.desc(),
            account_team.c.last_contact.desc(),
            account_team.c.internal_owner,
        )
    ).mappings()
    members = [
        TeamMemberView(
            internal_owner=r["internal_owner"],
            stakeholders=sorted(r["stakeholders"]),
            last_contact=r["last_contact"],
            touchpoints_90d=r["touchpoints_90d"],
        )
        for r in rows
    ]
    active = set(
        conn.execute(
            sa.select(stakeholders.c.stakeholder_id).where(
                stakeholders.c.account_id == account_id, stakeholders.c.status == "active"
            )
        ).scalars()
    )
    knowers: dict[str, set[str]] = {}
    for m in members:
        for sid in m.stakeholders:
            knowers.setdefault(sid, set()).add(m.internal_owner)
    only_kam = sorted(
        sid
        for sid, who in knowers.items()
        if kam_id is not None and who == {kam_id} and sid in active
    )
    return TeamView(account_id, kam_id, members, only_kam)
