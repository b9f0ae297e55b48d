"""Fold one input event into an account state.

``apply`` is idempotent and order-insensitive: for any set of events, any
order of arrival and any number of duplicates ends in an equal state. It is
called once per event by the stream worker, so it touches only the entity the
event is about, plus a retention pass when ``latest_at`` moves forward.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from consumers.domain.errors import DomainError
from consumers.domain.state import (
    AFFECTED_KEPT,
    ORDER_HORIZON,
    ORDERS_KEPT,
    REORG_HORIZON,
    REORG_STEPS_PER_STAKEHOLDER,
    RESTRUCTURES_KEPT,
    TICKET_HORIZON,
    TOUCHPOINTS_PER_KIND,
    AccountFacts,
    AccountState,
    Order,
    OrderFacts,
    Reg,
    ReorgStep,
    Restructure,
    Span,
    StakeholderState,
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
V = TypeVar("V")


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def apply(state: AccountState, event: BaseEvent) -> AccountState:
    """Return the state after ``event``; the input state is left untouched."""
    if event.account_id != state.account_id:
        raise DomainError(
            f"event {event.event_id} is for account {event.account_id}, not {state.account_id}"
        )
    at = _utc(event.occurred_at)
    advanced = state.latest_at is None or at > state.latest_at
    before = state
    state = replace(
        state,
        latest_at=at if advanced else state.latest_at,
        first_seen=at if state.first_seen is None or at < state.first_seen else state.first_seen,
    )
    state = _fold(state, event, at)
    # Retention: a forward move of latest_at may push old facts out of every
    # horizon; otherwise only the fact just added can be too old.
    return carry_indexes(before, _retain(state))


def apply_all(state: AccountState, events: Iterable[BaseEvent]) -> AccountState:
    """Apply several events of the same account, in the order given."""
    for event in events:
        state = apply(state, event)
    return state


def fold_events(account_id: str, events: Iterable[BaseEvent]) -> AccountState:
    """The state of one account built from scratch from ``events``."""
    return apply_all(empty_state(account_id), events)


def _fold(state: AccountState, event: BaseEvent, at: datetime) -> AccountState:
    eid = event.event_id
    if isinstance(event, AccountUpserted):
        facts = AccountFacts(
            name=event.name,
            tier=event.tier,
            kam_id=event.kam_id,
            parent_account_id=event.parent_account_id,
            annual_revenue_target=(
                None if event.annual_revenue_target is None else float(event.annual_revenue_target)
            ),
            currency=event.currency,
        )
        return replace(
            state,
            info=newer(state.info, Reg(facts, at, eid)),
            kams={**state.kams, event.kam_id: _widen(state.kams.get(event.kam_id), at)},
        )
    if isinstance(event, StakeholderUpserted):
        return _person(
            state,
            event.stakeholder_id,
            at,
            lambda s: replace(
                s,
                name=newer(s.name, Reg(event.name, at, eid)),
                title=newer(s.title, Reg(event.title, at, eid)),
                department=newer(s.department, Reg(event.department, at, eid)),
                role=newer(s.role, Reg(str(event.role), at, eid)),
                crm_roles={**s.crm_roles, event.role: _widen(s.crm_roles.get(event.role), at)},
            ),
        )
    if isinstance(event, ContactLogged):
        point = Touchpoint(at, event.channel, event.sentiment is not None and event.sentiment < 0)
        return _person(
            state,
            event.stakeholder_id,
            at,
            lambda s: replace(s, touchpoints=_add_touchpoint(s.touchpoints, point)),
        )
    if isinstance(event, StakeholderJoined):
        step = ReorgStep(at, eid, "joined", event.role)

        def joined(s: StakeholderState) -> StakeholderState:
            s = replace(
                s,
                role=newer(s.role, Reg(str(event.role), at, eid)),
                status=newer(s.status, Reg("active", at, eid)),
                reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
            )
            if event.name is not None:
                s = replace(s, name=newer(s.name, Reg(event.name, at, eid)))
            if event.title is not None:
                s = replace(s, title=newer(s.title, Reg(event.title, at, eid)))
            return s

        return _person(state, event.stakeholder_id, at, joined)
    if isinstance(event, StakeholderLeft):
        step = ReorgStep(at, eid, "left", None)
        return _person(
            state,
            event.stakeholder_id,
            at,
            lambda s: replace(
                s,
                status=newer(s.status, Reg("left", at, eid)),
                reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
            ),
        )
    if isinstance(event, RoleChanged):
        step = ReorgStep(at, eid, "role_changed", event.new_role)

        def changed(s: StakeholderState) -> StakeholderState:
            s = replace(
                s,
                role=newer(s.role, Reg(str(event.new_role), at, eid)),
                reorg=_top(s.reorg, step, REORG_STEPS_PER_STAKEHOLDER),
            )
            if event.title is not None:
                s = replace(s, title=newer(s.title, Reg(event.title, at, eid)))
            return s

        return _person(state, event.stakeholder_id, at, changed)
    if isinstance(event, UnitRestructured):
        affected = tuple(sorted(set(event.affected_stakeholder_ids)))[:AFFECTED_KEPT]
        item = Restructure(at, eid, event.unit, affected)
        return replace(state, restructures=_top(state.restructures, item, RESTRUCTURES_KEPT))
    if isinstance(event, OrderPlaced):
        order_facts = OrderFacts(float(event.amount), event.currency)
        return _order(
            state,
            event.order_id,
            lambda o: replace(o, placed=newer(o.placed, Reg(order_facts, at, eid))),
        )
    if isinstance(event, OrderCancelled):
        return _order(
            state,
            event.order_id,
            lambda o: replace(o, cancelled=newer(o.cancelled, Reg(None, at, eid))),
        )
    if isinstance(event, TicketOpened):
        tfacts = TicketFacts(
            event.severity,
            event.subject,
            None if event.sla_due_at is None else _utc(event.sla_due_at),
        )
        return _ticket(
            state,
            event.ticket_id,
            lambda t: replace(
                t,
                opened=newer(t.opened, Reg(tfacts, at, eid)),
                status=newer(t.status, Reg("open", at, eid)),
            ),
        )
    if isinstance(event, TicketEscalated):
        severity = event.severity

        def escalated(t: Ticket) -> Ticket:
            t = replace(t, escalated=newer(t.escalated, Reg(None, at, eid)))
            if severity is not None:
                t = replace(
                    t, severity_change=newer(t.severity_change, Reg(str(severity), at, eid))
                )
            return t

        return _ticket(state, event.ticket_id, escalated)
    if isinstance(event, TicketResolved | TicketReopened):
        value = "resolved" if isinstance(event, TicketResolved) else "open"
        return _ticket(
            state,
            event.ticket_id,
            lambda t: replace(t, status=newer(t.status, Reg(value, at, eid))),
        )
    raise DomainError(f"no rule to apply event type {type(event).__name__}")


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
        current = replace(current, known_since=at)
    return replace(state, stakeholders={**state.stakeholders, sid: change(current)})


def _order(state: AccountState, oid: str, change: Callable[[Order], Order]) -> AccountState:
    current = state.orders.get(oid) or Order(order_id=oid)
    return replace(state, orders={**state.orders, oid: change(current)})


def _ticket(state: AccountState, tid: str, change: Callable[[Ticket], Ticket]) -> AccountState:
    current = state.tickets.get(tid) or Ticket(ticket_id=tid)
    return replace(state, tickets={**state.tickets, tid: change(current)})


def _top(items: tuple[S, ...], item: S, keep: int) -> tuple[S, ...]:
    """Add ``item`` to a newest-first tuple, dedupe by stamp, keep the ``keep`` newest."""
    if any(existing.stamp == item.stamp for existing in items):
        return items
    merged = list(items)
    merged.append(item)
    merged.sort(key=lambda x: x.stamp, reverse=True)
    return tuple(merged[:keep])


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


def _keep_reg(reg: Reg[V] | None, floor: datetime) -> Reg[V] | None:
    return None if reg is None or reg.at < floor else reg


def _retain(state: AccountState) -> AccountState:
    """Drop every fact outside the retention rules (see module docs of state.py)."""
    latest = state.latest_at
    assert latest is not None  # apply always sets it first
    order_floor = latest - ORDER_HORIZON
    ticket_floor = latest - TICKET_HORIZON
    reorg_floor = latest - REORG_HORIZON

    orders = _retain_orders(state.orders, order_floor)
    tickets = _retain_tickets(state.tickets, ticket_floor)
    restructures = tuple(r for r in state.restructures if r.at >= reorg_floor)
    if (
        orders is state.orders
        and tickets is state.tickets
        and len(restructures) == len(state.restructures)
    ):
        return state
    return replace(state, orders=orders, tickets=tickets, restructures=restructures)


def _retain_orders(orders: Mapping[str, Order], floor: datetime) -> Mapping[str, Order]:
    # Placements and cancellations are separate facts, each kept on its own
    # time, so the outcome never depends on which half arrived first.
    placed = [o.placed.stamp for o in orders.values() if o.placed is not None]
    cancelled = [o.cancelled.stamp for o in orders.values() if o.cancelled is not None]
    placed_floor = _nth_newest(placed, ORDERS_KEPT)
    cancelled_floor = _nth_newest(cancelled, ORDERS_KEPT)
    oldest = min((*placed, *cancelled), default=None)
    if (
        oldest is not None
        and oldest[0] >= floor
        and placed_floor is None
        and cancelled_floor is None
    ):
        return orders  # the common case: nothing to drop
    result: dict[str, Order] = {}
    for oid, order in orders.items():
        p = order.placed
        if p is not None and (
            p.at < floor or (placed_floor is not None and p.stamp < placed_floor)
        ):
            p = None
        c = order.cancelled
        if c is not None and (
            c.at < floor or (cancelled_floor is not None and c.stamp < cancelled_floor)
        ):
            c = None
        if p is not None or c is not None:
            result[oid] = order if (p, c) == (order.placed, order.cancelled) else Order(oid, p, c)
    return result


def _nth_newest(stamps: list[tuple[datetime, str]], n: int) -> tuple[datetime, str] | None:
    """The stamp of the n-th newest item, or None when there are at most n."""
    if len(stamps) <= n:
        return None
    return sorted(stamps, reverse=True)[n - 1]


def _retain_tickets(tickets: Mapping[str, Ticket], floor: datetime) -> Mapping[str, Ticket]:
    def stamps(t: Ticket) -> list[datetime]:
        return [r.at for r in (t.opened, t.status, t.escalated, t.severity_change) if r is not None]

    if all(at >= floor for t in tickets.values() for at in stamps(t)):
        return tickets
    result: dict[str, Ticket] = {}
    for tid, t in tickets.items():
        kept = Ticket(
            tid,
            _keep_reg(t.opened, floor),
            _keep_reg(t.status, floor),
            _keep_reg(t.escalated, floor),
            _keep_reg(t.severity_change, floor),
        )
        if any(
            r is not None for r in (kept.opened, kept.status, kept.escalated, kept.severity_change)
        ):
            result[tid] = kept
    return result
