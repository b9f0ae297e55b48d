"""Fold one input event into an account state: one handler per event type.

``apply`` is idempotent and order-insensitive: for any set of events, any
order of arrival and any number of duplicates ends in an equal state. It is
called once per event by the stream worker, so it touches only the entity the
event is about, plus a retention pass (retention.py) when ``latest_at`` moves
forward. Each handler records the event's facts as registers stamped with
its ``(occurred_at, event_id)``; the newest stamp wins (state.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from consumers.domain.errors import DomainError
from consumers.domain.evolve import evolve
from consumers.domain.retention import retain
from consumers.domain.state import (
    AFFECTED_KEPT,
    REORG_STEPS_PER_STAKEHOLDER,
    RESTRUCTURES_KEPT,
    TEAM_TOUCHPOINTS_KEPT,
    TOUCHPOINTS_PER_KIND,
    UNNAMED_OWNER,
    AccountFacts,
    AccountState,
    Order,
    OrderFacts,
    Reg,
    ReorgStep,
    Restructure,
    Span,
    StakeholderState,
    TeamContact,
    Ticket,
    TicketFacts,
    Touchpoint,
    carry_indexes,
    empty_state,
    newer,
)
from schemas.events import (
    AccountUpserted,
    BaseEvent,
    ContactLogged,
    OrderCancelled,
    OrderPlaced,
    RoleChanged,
    StakeholderJoined,
    StakeholderLeft,
    StakeholderUpserted,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    UnitRestructured,
)

S = TypeVar("S", ReorgStep, Restructure)

#: What a handler does: the state after one event of its type, at the event's UTC time.
Handler = Callable[[AccountState, Any, datetime], AccountState]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def apply(state: AccountState, event: BaseEvent) -> AccountState:
    """Return the state after ``event``; the input state is left untouched."""
    # Retention: a forward move of latest_at may push old facts out of every
    # horizon; otherwise only the fact just added can be too old.
    return carry_indexes(state, retain(_apply_unretained(state, event)))


def apply_all(state: AccountState, events: Iterable[BaseEvent]) -> AccountState:
    """Apply several events of the same account, in the order given.

    Retention runs once, after the last event, instead of after each one:
    the same state, because every retention rule drops a fact only for being
    older than a floor that never moves back, or for not being among the N
    newest of its kind (docs/scoring.md, "State size and what is kept"). A fact dropped along
    the way would be dropped at the end too, and whatever would have replaced
    it is older still. The walk over every order and ticket then happens once
    per batch, not once per event.
    """
    before = state
    for event in events:
        state = _apply_unretained(state, event)
    return state if state is before else carry_indexes(before, retain(state))


def _apply_unretained(state: AccountState, event: BaseEvent) -> AccountState:
    if event.account_id != state.account_id:
        raise DomainError(
            f"event {event.event_id} is for account {event.account_id}, not {state.account_id}"
        )
    handler = HANDLERS.get(type(event))
    if handler is None:
        raise DomainError(f"no rule to apply event type {type(event).__name__}")
    at = _utc(event.occurred_at)
    advanced = state.latest_at is None or at > state.latest_at
    before = state
    state = evolve(
        state,
        latest_at=at if advanced else state.latest_at,
        first_seen=at if state.first_seen is None or at < state.first_seen else state.first_seen,
    )
    return carry_indexes(before, handler(state, event, at))


def fold_events(account_id: str, events: Iterable[BaseEvent]) -> AccountState:
    """The state of one account built from scratch from ``events``."""
    return apply_all(empty_state(account_id), events)


# --- master data ------------------------------------------------------------------------------


def _account_upserted(state: AccountState, event: AccountUpserted, at: datetime) -> AccountState:
    facts = AccountFacts(
        name=event.name,
        tier=event.tier,
        kam_id=event.kam_id,
        parent_account_id=event.parent_account_id,
        annual_revenue_target=(
            None if event.annual_revenue_target is None else float(event.annual_revenue_target)
        ),
        currency=event.currency,
        annual_potential=(
            None if event.annual_potential is None else float(event.annual_potential)
        ),
        strategic_flags=tuple(sorted(set(event.strategic_flags or ()))),
    )
    return evolve(
        state,
        info=newer(state.info, Reg(facts, at, event.event_id)),
        kams={**state.kams, event.kam_id: _widen(state.kams.get(event.kam_id), at)},
    )


# --- stakeholders and touchpoints -------------------------------------------------------------


def _stakeholder_upserted(
    state: AccountState, event: StakeholderUpserted, at: datetime
) -> AccountState:
    eid = event.event_id
    return _person(
        state,
        event.stakeholder_id,
        at,
        lambda s: evolve(
            s,
            name=newer(s.name, Reg(event.name, at, eid)),
            title=newer(s.title, Reg(event.title, at, eid)),
            department=newer(s.department, Reg(event.department, at, eid)),
            role=newer(s.role, Reg(str(event.role), at, eid)),
            crm_roles={**s.crm_roles, event.role: _widen(s.crm_roles.get(event.role), at)},
        ),
    )


def _contact_logged(state: AccountState, event: ContactLogged, at: datetime) -> AccountState:
    point = Touchpoint(at, event.channel, event.sentiment is not None and event.sentiment < 0)
    state = _person(
        state,
        event.stakeholder_id,
        at,
        lambda s: evolve(s, touchpoints=_add_touchpoint(s.touchpoints, point)),
    )
    owner = event.internal_owner or UNNAMED_OWNER
    team = _add_team_touchpoint(state.team, owner, event.stakeholder_id, at, event.event_id)
    return evolve(state, team=team)


# --- reorganisations --------------------------------------------------------------------------


def _stakeholder_joined(
    state: AccountState, event: StakeholderJoined, at: datetime
) -> AccountState:
    eid = event.event_id
    step = ReorgStep(at, eid, "joined", event.role)

    def joined(s: StakeholderState) -> StakeholderState:
        s = evolve(
            s,
            role=newer(s.role, Reg(str(event.role), at, eid)),
            status=newer(s.status, Reg("active", at, eid)),
            reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
        )
        if event.name is not None:
            s = evolve(s, name=newer(s.name, Reg(event.name, at, eid)))
        if event.title is not None:
            s = evolve(s, title=newer(s.title, Reg(event.title, at, eid)))
        return s

    return _person(state, event.stakeholder_id, at, joined)


def _stakeholder_left(state: AccountState, event: StakeholderLeft, at: datetime) -> AccountState:
    eid = event.event_id
    step = ReorgStep(at, eid, "left", None)
    return _person(
        state,
        event.stakeholder_id,
        at,
        lambda s: evolve(
            s,
            status=newer(s.status, Reg("left", at, eid)),
            reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
        ),
    )


def _role_changed(state: AccountState, event: RoleChanged, at: datetime) -> AccountState:
    eid = event.event_id
    step = ReorgStep(at, eid, "role_changed", event.new_role)

    def changed(s: StakeholderState) -> StakeholderState:
        s = evolve(
            s,
            role=newer(s.role, Reg(str(event.new_role), at, eid)),
            reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
        )
        if event.title is not None:
            s = evolve(s, title=newer(s.title, Reg(event.title, at, eid)))
        return s

    return _person(state, event.stakeholder_id, at, changed)


def _unit_restructured(state: AccountState, event: UnitRestructured, at: datetime) -> AccountState:
    affected = tuple(sorted(set(event.affected_stakeholder_ids)))[:AFFECTED_KEPT]
    item = Restructure(at, event.event_id, event.unit, affected)
    return evolve(state, restructures=_top(state.restructures, item, RESTRUCTURES_KEPT))


# --- orders -----------------------------------------------------------------------------------


def _order_placed(state: AccountState, event: OrderPlaced, at: datetime) -> AccountState:
    facts = OrderFacts(
        float(event.amount),
        event.currency,
        margin=None if event.margin is None else float(event.margin),
        product_line=event.product_line,
        business_unit=event.business_unit,
    )
    placed = Reg(facts, at, event.event_id)
    return _order(state, event.order_id, lambda o: evolve(o, placed=newer(o.placed, placed)))


def _order_cancelled(state: AccountState, event: OrderCancelled, at: datetime) -> AccountState:
    cancelled: Reg[None] = Reg(None, at, event.event_id)
    return _order(
        state, event.order_id, lambda o: evolve(o, cancelled=newer(o.cancelled, cancelled))
    )


# --- tickets ----------------------------------------------------------------------------------


def _ticket_opened(state: AccountState, event: TicketOpened, at: datetime) -> AccountState:
    eid = event.event_id
    facts = TicketFacts(
        event.severity,
        event.subject,
        None if event.sla_due_at is None else _utc(event.sla_due_at),
    )
    return _ticket(
        state,
        event.ticket_id,
        lambda t: evolve(
            t,
            opened=newer(t.opened, Reg(facts, at, eid)),
            status=newer(t.status, Reg("open", at, eid)),
        ),
    )


def _ticket_escalated(state: AccountState, event: TicketEscalated, at: datetime) -> AccountState:
    eid = event.event_id
    severity = event.severity

    def escalated(t: Ticket) -> Ticket:
        t = evolve(t, escalated=newer(t.escalated, Reg(None, at, eid)))
        if severity is not None:
            t = evolve(t, severity_change=newer(t.severity_change, Reg(str(severity), at, eid)))
        return t

    return _ticket(state, event.ticket_id, escalated)


def _ticket_status(value: str) -> Handler:
    """The handler of an event that sets a ticket's status (resolved, reopened)."""

    def handler(
        state: AccountState, event: TicketResolved | TicketReopened, at: datetime
    ) -> AccountState:
        status = Reg(value, at, event.event_id)
        return _ticket(state, event.ticket_id, lambda t: evolve(t, status=newer(t.status, status)))

    return handler


#: The rule for each event type.
HANDLERS: dict[type[BaseEvent], Handler] = {
    AccountUpserted: _account_upserted,
    StakeholderUpserted: _stakeholder_upserted,
    ContactLogged: _contact_logged,
    StakeholderJoined: _stakeholder_joined,
    StakeholderLeft: _stakeholder_left,
    RoleChanged: _role_changed,
    UnitRestructured: _unit_restructured,
    OrderPlaced: _order_placed,
    OrderCancelled: _order_cancelled,
    TicketOpened: _ticket_opened,
    TicketEscalated: _ticket_escalated,
    TicketResolved: _ticket_status("resolved"),
    TicketReopened: _ticket_status("open"),
}


# --- the entities the handlers change ---------------------------------------------------------


def _widen(span: Span | None, at: datetime) -> Span:
    return Span(at, at) if span is None else span.widen(at)


def _person(
    state: AccountState,
    sid: str,
    at: datetime,
    change: Callable[[StakeholderState], StakeholderState],
) -> AccountState:
    current = state.stakeholders.get(sid) or StakeholderState(stakeholder_id=sid, known_since=at)
    if at < current.known_since:
        current = evolve(current, known_since=at)
    return evolve(state, stakeholders={**state.stakeholders, sid: change(current)})


def _order(state: AccountState, oid: str, change: Callable[[Order], Order]) -> AccountState:
    current = state.orders.get(oid) or Order(order_id=oid)
    return evolve(state, orders={**state.orders, oid: change(current)})


def _ticket(state: AccountState, tid: str, change: Callable[[Ticket], Ticket]) -> AccountState:
    current = state.tickets.get(tid) or Ticket(ticket_id=tid)
    return evolve(state, tickets={**state.tickets, tid: change(current)})


def _top(items: tuple[S, ...], item: S, keep: int) -> tuple[S, ...]:
    """Add ``item`` to a newest-first tuple, dedupe by stamp, keep the ``keep`` newest."""
    if any(existing.stamp == item.stamp for existing in items):
        return items
    merged = list(items)
    merged.append(item)
    merged.sort(key=lambda x: x.stamp, reverse=True)
    return tuple(merged[:keep])


def _add_team_touchpoint(
    team: Mapping[str, Mapping[str, TeamContact]],
    owner: str,
    sid: str,
    at: datetime,
    event_id: str,
) -> Mapping[str, Mapping[str, TeamContact]]:
    """Record one touchpoint of ``owner`` with ``sid``: the last contact (a max) and, deduped
    by event id, the touchpoint itself among the TEAM_TOUCHPOINTS_KEPT newest (retention
    drops what lies outside the team horizon)."""
    contacts = team.get(owner, {})
    current = contacts.get(sid)
    stamp = (at, event_id)
    if current is not None and stamp in current.recent and current.last >= at:
        return team
    last = at if current is None or at > current.last else current.last
    recent = current.recent if current is not None else ()
    if stamp not in recent:
        recent = tuple(sorted((*recent, stamp), reverse=True)[:TEAM_TOUCHPOINTS_KEPT])
    return {**team, owner: {**contacts, sid: TeamContact(last, recent)}}


def _add_touchpoint(points: tuple[Touchpoint, ...], point: Touchpoint) -> tuple[Touchpoint, ...]:
    """Keep the newest TOUCHPOINTS_PER_KIND touchpoints of each (channel, negative) kind."""
    if point in points:
        return points
    merged = sorted((*points, point), key=lambda p: p.stamp, reverse=True)
    seen: dict[tuple[str, bool], int] = {}
    kept = []
    for p in merged:
        kind = (p.channel, p.negative)
        if seen.get(kind, 0) < TOUCHPOINTS_PER_KIND:
            seen[kind] = seen.get(kind, 0) + 1
            kept.append(p)
    return tuple(kept)
