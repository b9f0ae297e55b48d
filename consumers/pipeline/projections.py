"""What the read side and the KAM stage get from an evaluated account: its profile and queue line.

Both are published only when they changed in more than their ``as_of``
(:func:`changed`), so that an evaluation that moves only the clock sends nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from consumers.domain.alerts import AlertState
from consumers.domain.evaluate import Evaluation
from consumers.domain.policy import Policy
from consumers.domain.priority import account_priority, next_action
from consumers.domain.purchases import purchases, share_of_wallet
from consumers.domain.state import AccountState
from consumers.domain.team import account_team
from consumers.domain.warmth import stakeholder_views
from schemas.internal import (
    AccountProfile,
    PurchaseRecord,
    QueueLine,
    StakeholderRecord,
    TeamMemberRecord,
)


def account_profile(state: AccountState, health: Evaluation, policy: Policy) -> AccountProfile:
    """Master data, stakeholders and purchases (as of the evaluation) for the read models."""
    info = state.info.value if state.info is not None else None
    people = stakeholder_views(tuple(state.stakeholders.values()), health.as_of, policy)
    bought = purchases(state, health.as_of)
    potential = info.annual_potential if info else None
    return AccountProfile(
        account_id=state.account_id,
        name=info.name if info else None,
        tier=info.tier if info else None,
        kam_id=info.kam_id if info else None,
        parent_account_id=info.parent_account_id if info else None,
        annual_revenue_target=info.annual_revenue_target if info else None,
        currency=info.currency if info else None,
        stakeholders=[
            StakeholderRecord(
                stakeholder_id=p.stakeholder_id,
                name=p.name,
                role=p.role,
                title=p.title,
                department=p.department,
                status="active" if p.status == "active" else "left",
                last_contact=p.last_contact,
                warmth=p.warmth,
            )
            for p in people
        ],
        team=[
            TeamMemberRecord(
                internal_owner=m.internal_owner,
                stakeholders=list(m.stakeholders),
                last_contact=m.last_contact,
                touchpoints_90d=m.touchpoints_90d,
            )
            for m in account_team(
                state, health.as_of, timedelta(days=policy.alerts.team_window_days)
            ).members
        ],
        annual_potential=potential,
        strategic_flags=list(info.strategic_flags) if info else [],
        revenue_12m=bought.revenue_12m,
        margin_12m=bought.margin_12m,
        share_of_wallet=share_of_wallet(bought.revenue_12m, potential),
        bought=[
            PurchaseRecord(
                product_line=line.product_line,
                business_unit=line.business_unit,
                revenue_12m=line.revenue_12m,
                margin_12m=line.margin_12m,
            )
            for line in bought.lines
        ],
        as_of=health.as_of,
    )


def queue_line(
    state: AccountState, health: Evaluation, open_alerts: tuple[AlertState, ...], policy: Policy
) -> QueueLine | None:
    """The account's line in its KAM's queue; None while no KAM owns it."""
    if state.kam_id is None:
        return None
    return QueueLine(
        kam_id=state.kam_id,
        account_id=state.account_id,
        priority=account_priority(state, health, open_alerts, policy),
        health=health.score,
        open_alerts=len(open_alerts),
        next_action=next_action(state, health, open_alerts, policy),
        as_of=health.as_of,
    )


def queue_moves(before: QueueLine | None, after: QueueLine | None) -> tuple[QueueLine, ...]:
    """Lines to send: a changed line, and on a handover a removal from the old KAM."""
    moves: list[QueueLine] = []
    if before is not None and (after is None or after.kam_id != before.kam_id):
        as_of = after.as_of if after is not None else before.as_of
        moves.append(
            QueueLine(
                kam_id=before.kam_id, account_id=before.account_id, present=False, as_of=as_of
            )
        )
    if after is not None and changed(before, after):
        moves.append(after)
    return tuple(moves)


def changed(before: Any, after: Any) -> bool:
    """True unless ``before`` equals ``after`` in everything but ``as_of``."""
    if before is None:
        return after is not None
    if after is None:
        return True
    # Field-by-field model equality (nested models compare the same way); much
    # cheaper than dumping both to dicts on every step.
    mine = {k: v for k, v in before.__dict__.items() if k != "as_of"}
    theirs = {k: v for k, v in after.__dict__.items() if k != "as_of"}
    return bool(mine != theirs)
