"""What a next action would do to the score: the account evaluated with that action done.

A :class:`Fix` is the action as facts: a meeting with someone now, a new
holder of a role found and met, a ticket resolved, an order placed. Its
definition is :func:`fix_events`, the synthetic input events that carry it
out, stamped at the evaluation time: folded into the state by the ordinary
``apply`` and scored as of the same time, they give the score the account
would have (:func:`outcome_by_apply`, the reference).

The work queue needs the figure at every evaluation, so :func:`outcome`
computes the same number without re-reading the whole state: it changes
only what the fix changes in the evaluation's as-of view (one person's
warmth, one more person, one ticket fewer, one more order) and scores that.
The two are equal for every state, clock time and fix the queue proposes
(a meeting is only proposed with someone at the customer); a property test
holds them to it. Pure and deterministic: nothing is stored, the synthetic ids
and times derive from the fix and the clock alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from consumers.domain.apply import apply_all
from consumers.domain.as_of import AsOf, as_of, revenue_windows, usual_order_interval
from consumers.domain.evaluate import Evaluation
from consumers.domain.policy import Policy
from consumers.domain.scoring import score_as_of
from consumers.domain.scoring.score import LOSSES, scored_from_losses
from consumers.domain.state import AccountState, Reg, StakeholderState, Touchpoint
from consumers.domain.vocabulary import BAND_RANK
from consumers.domain.warmth import warmth
from schemas.events import (
    BaseEvent,
    ContactLogged,
    OrderPlaced,
    StakeholderUpserted,
    TicketResolved,
)

#: Prefix of every synthetic id: never the id of a real event, person or order.
WHAT_IF_ID = "what-if:"
#: The channel of a proposed meeting.
MEETING = "meeting"

FixKind = Literal["meeting", "newcomer", "ticket_resolved", "order"]


@dataclass(frozen=True)
class Fix:
    """An action as facts: ``target`` is a stakeholder_id (meeting), a role
    (newcomer), a ticket_id (ticket_resolved); an order repeats the newest live
    order's ``amount`` in ``currency``."""

    kind: FixKind
    target: str = ""
    amount: float = 0.0
    currency: str = ""


@dataclass(frozen=True)
class Outcome:
    """The score and band the account would have right after the fix."""

    score: float
    band: str
    gain: float  # score points gained, rounded to 0.1


def meeting(stakeholder_id: str) -> Fix:
    """A meeting with a stakeholder who is at the customer at the evaluation time."""
    return Fix("meeting", stakeholder_id)


def newcomer_met(role: str) -> Fix:
    """A new holder of ``role`` (say, a new champion) found and met."""
    return Fix("newcomer", role)


def ticket_resolved(ticket_id: str) -> Fix:
    """The ticket resolved."""
    return Fix("ticket_resolved", ticket_id)


def order_like_the_last(state: AccountState, now: datetime) -> Fix | None:
    """An order of the newest live order's amount (None without one)."""
    live = [o for o in state.orders.values() if o.placed is not None and o.live]
    live = [o for o in live if o.placed is not None and o.placed.at <= now]
    if not live:
        return None
    last = max(live, key=lambda o: (o.placed.at if o.placed else now, o.order_id))
    assert last.placed is not None
    return Fix("order", amount=last.placed.value.amount, currency=last.placed.value.currency)


def _newcomer_id(role: str) -> str:
    return f"{WHAT_IF_ID}new-{role}"


def fix_events(fix: Fix, account_id: str, now: datetime) -> list[BaseEvent]:
    """The synthetic input events that carry ``fix`` out at ``now``: its definition."""
    base = {"account_id": account_id, "occurred_at": now}
    if fix.kind == "meeting":
        return [_meeting_event(fix.target, account_id, now)]
    if fix.kind == "newcomer":
        sid = _newcomer_id(fix.target)
        person = StakeholderUpserted(
            event_id=f"{WHAT_IF_ID}person:{fix.target}",
            stakeholder_id=sid,
            name=f"a new {fix.target}",
            role=fix.target,
            **base,
        )
        return [person, _meeting_event(sid, account_id, now)]
    if fix.kind == "ticket_resolved":
        return [
            TicketResolved(
                event_id=f"{WHAT_IF_ID}resolve:{fix.target}", ticket_id=fix.target, **base
            )
        ]
    order_id = f"{WHAT_IF_ID}order"
    return [
        OrderPlaced(
            event_id=order_id, order_id=order_id, amount=fix.amount, currency=fix.currency, **base
        )
    ]


def _meeting_event(stakeholder_id: str, account_id: str, now: datetime) -> ContactLogged:
    return ContactLogged(
        event_id=f"{WHAT_IF_ID}meet:{stakeholder_id}",
        account_id=account_id,
        occurred_at=now,
        stakeholder_id=stakeholder_id,
        channel=MEETING,
        direction="outbound",
    )


def outcome_by_apply(state: AccountState, health: Evaluation, fix: Fix, policy: Policy) -> Outcome:
    """The reference: fold the fix's events into the state and score it at ``health.as_of``."""
    now = health.as_of
    hypothetical = apply_all(state, fix_events(fix, state.account_id, now))
    scored = score_as_of(as_of(hypothetical, now, policy), policy, explain=False)
    return Outcome(scored.score, scored.band, round(scored.score - health.score, 1))


def outcome(state: AccountState, health: Evaluation, fix: Fix, policy: Policy) -> Outcome:
    """:func:`outcome_by_apply`'s result, from the evaluation's as-of view changed by the fix.

    Each fix changes what one component reads (a meeting or a newcomer the
    people and their warmth, a resolution the open tickets, an order the
    orders), so only that component is scored again; the other components'
    penalties are the evaluation's own, summed in the same order as a full
    score sums them, so the floats are the same.
    """
    now = health.as_of
    view = health.view if health.view is not None else as_of(state, now, policy)
    fixed = _fixed(view, fix, policy)
    if not health.penalties:
        scored = score_as_of(fixed, policy, explain=False)
    else:
        changed = _COMPONENT[fix.kind]
        losses = {
            component: (
                lost(fixed, policy)
                if component == changed
                else [-d.impact for d in health.penalties if d.component == component]
            )
            for component, lost in LOSSES.items()
        }
        scored = scored_from_losses(losses, policy)
    return Outcome(scored.score, scored.band, round(scored.score - health.score, 1))


#: The component each kind of fix changes.
_COMPONENT: dict[str, str] = {
    "meeting": "relationship",
    "newcomer": "relationship",
    "ticket_resolved": "support",
    "order": "commercial",
}


def _fixed(view: AsOf, fix: Fix, policy: Policy) -> AsOf:
    """The view as it would read with the fix's events applied at ``view.now``."""
    now = view.now
    if fix.kind == "meeting":
        if fix.target not in view.heat:
            return view  # not (or no longer) at the customer: a meeting changes no score
        weight = policy.warmth.channel_weight.get(MEETING, 0.3)
        # warmth = min(1, strongest decayed touchpoint); one at ``now`` is worth its weight
        heat = {**view.heat, fix.target: max(view.heat[fix.target], min(1.0, weight))}
        return replace(view, heat=heat)
    if fix.kind == "newcomer":
        sid = _newcomer_id(fix.target)
        stamp = f"{WHAT_IF_ID}person:{fix.target}"
        newcomer = StakeholderState(
            stakeholder_id=sid,
            known_since=now,
            name=Reg(f"a new {fix.target}", now, stamp),
            role=Reg(fix.target, now, stamp),
            touchpoints=(Touchpoint(now, MEETING, False),),
        )
        people = tuple(sorted((*view.people, newcomer), key=lambda p: p.stakeholder_id))
        return replace(view, people=people, heat={**view.heat, sid: warmth(newcomer, now, policy)})
    if fix.kind == "ticket_resolved":
        return replace(view, tickets=tuple(t for t in view.tickets if t.ticket_id != fix.target))
    orders = sorted([*view.orders, (now, f"{WHAT_IF_ID}order", fix.amount)])
    return replace(
        view,
        orders=orders,
        order_interval=usual_order_interval(orders, policy),
        revenue=revenue_windows(orders, now, policy),
    )


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
