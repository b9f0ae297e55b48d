"""What a next action would do to the score: the account evaluated with that action done.

Pure: the current state plus a synthetic event (a meeting with someone, a
ticket resolved, an order placed) stamped at the evaluation time, folded by
the ordinary ``apply`` and scored as of the same time. Nothing is stored:
the hypothetical state is thrown away. Deterministic, because the synthetic
events' ids and times derive from the action and the clock time alone.

One what-if costs one ``apply`` and one score without sentences (no alert
conditions, no health-drop baseline): the work queue computes at most one
per account evaluation, for the action it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from consumers.domain.apply import apply_all
from consumers.domain.as_of import as_of
from consumers.domain.evaluate import Evaluation
from consumers.domain.policy import Policy
from consumers.domain.scoring import score_as_of
from consumers.domain.state import AccountState
from consumers.domain.vocabulary import BAND_RANK
from schemas.events import (
    BaseEvent,
    ContactLogged,
    OrderPlaced,
    StakeholderUpserted,
    TicketResolved,
)

#: Prefix of every synthetic event id: never the id of a real event.
WHAT_IF_ID = "what-if:"


@dataclass(frozen=True)
class Outcome:
    """The score and band the account would have right after the action."""

    score: float
    band: str
    gain: float  # score points gained (negative would be a loss)


def outcome(
    state: AccountState, health: Evaluation, events: Sequence[BaseEvent], policy: Policy
) -> Outcome:
    """The account's score at ``health.as_of`` had ``events`` happened then."""
    now = health.as_of
    hypothetical = apply_all(state, events)
    scored = score_as_of(as_of(hypothetical, now, policy), policy, explain=False)
    return Outcome(scored.score, scored.band, round(scored.score - health.score, 1))


def describe(result: Outcome, health: Evaluation) -> str:
    """'+12 points, back to healthy', '+3 points', 'no change to the score'."""
    points = round(result.gain)
    if points <= 0:
        return "no change to the score"
    text = f"+{points} point{'s' if points != 1 else ''}"
    if BAND_RANK[result.band] < BAND_RANK[health.band]:
        band = result.band.replace("_", " ")
        text += f", back to {band}" if result.band == "healthy" else f", up to {band}"
    return text


def meeting(state: AccountState, stakeholder_id: str, now: datetime) -> list[BaseEvent]:
    """A meeting with a known stakeholder, now."""
    return [
        ContactLogged(
            event_id=f"{WHAT_IF_ID}meet:{stakeholder_id}",
            account_id=state.account_id,
            occurred_at=now,
            stakeholder_id=stakeholder_id,
            channel="meeting",
            direction="outbound",
        )
    ]


def newcomer_met(state: AccountState, role: str, now: datetime) -> list[BaseEvent]:
    """A new holder of ``role`` (say, a new champion) found and met, now."""
    sid = f"{WHAT_IF_ID}new-{role}"
    return [
        StakeholderUpserted(
            event_id=f"{WHAT_IF_ID}person:{role}",
            account_id=state.account_id,
            occurred_at=now,
            stakeholder_id=sid,
            name=f"a new {role}",
            role=role,
        ),
        *meeting(state, sid, now),
    ]


def ticket_resolved(state: AccountState, ticket_id: str, now: datetime) -> list[BaseEvent]:
    """The ticket resolved, now."""
    return [
        TicketResolved(
            event_id=f"{WHAT_IF_ID}resolve:{ticket_id}",
            account_id=state.account_id,
            occurred_at=now,
            ticket_id=ticket_id,
        )
    ]


def order_like_the_last(state: AccountState, now: datetime) -> list[BaseEvent]:
    """An order of the same amount as the newest live one, now (none without orders)."""
    live = [o for o in state.orders.values() if o.live and o.placed and o.placed.at <= now]
    if not live:
        return []
    last = max(live, key=lambda o: (o.placed.at if o.placed else now, o.order_id))
    assert last.placed is not None
    facts = last.placed.value
    return [
        OrderPlaced(
            event_id=f"{WHAT_IF_ID}order",
            account_id=state.account_id,
            occurred_at=now,
            order_id=f"{WHAT_IF_ID}order",
            amount=facts.amount,
            currency=facts.currency,
        )
    ]
