"""The state read *as of* a clock time: who is present, which tickets are open, live orders.

Facts stamped after ``now`` are ignored, which is what lets the engine
compute last fortnight's score from today's state (for ``health_drop``) and
treat slightly-future events correctly. Facts older than a retention horizon
are forgotten here exactly as retention forgets them, so that pruning never
changes an evaluation. Collections come out in sorted order, so that float
sums over them do not depend on the order events arrived in.
"""

from __future__ import annotations

import itertools
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from consumers.domain.days import days_between
from consumers.domain.policy import Policy
from consumers.domain.sentences import ticket_clock, ticket_sentence_at
from consumers.domain.state import (
    ORDER_HORIZON,
    TICKET_HORIZON,
    AccountState,
    Reg,
    ReorgStep,
    StakeholderState,
    Ticket,
)
from consumers.domain.warmth import warmth

V = TypeVar("V")


def present(person: StakeholderState, now: datetime) -> bool:
    """True when the stakeholder is at the customer at ``now`` (known, not left)."""
    if person.known_since > now:
        return False
    status = person.status
    if status is None:
        return True
    if status.at > now:
        # The newest status lies in the future: before a "left" they were
        # there; before a "joined" they were not.
        return status.value == "left"
    return status.value == "active"


def role_before(person: StakeholderState, step: ReorgStep) -> str:
    """The role a stakeholder had just before a reorganisation step."""
    candidates: list[tuple[datetime, str]] = [
        (s.at, s.role) for s in person.reorg if s.stamp < step.stamp and s.role
    ]
    for role, span in person.crm_roles.items():
        if span.first < step.at:
            # the newest CRM assertion of this role before the step
            candidates.append((span.last if span.last < step.at else span.first, role))
    if not candidates:
        return person.current_role
    return max(candidates)[1]


def live_orders(state: AccountState, now: datetime) -> list[tuple[datetime, str, float]]:
    """Orders placed by ``now`` and not cancelled by ``now``: (placed_at, order_id, amount).

    Orders older than the order horizon are forgotten here as retention
    forgets them, so that pruning never changes an evaluation.
    """
    floor = now - ORDER_HORIZON
    # The state keeps its placed orders sorted by (placed_at, order_id): the
    # ones placed within [floor, now] are one slice, already in result order.
    times = state.placed_order_times
    rows = state.placed_orders[bisect_left(times, floor) : bisect_right(times, now)]
    return [
        (r.at, r.order_id, r.amount)
        for r in rows
        if r.cancelled_at is None or not floor <= r.cancelled_at <= now
    ]


@dataclass(frozen=True)
class TicketView:
    """A ticket as it stood at a clock time."""

    ticket_id: str
    severity: str
    subject: str | None
    open_since: datetime
    escalated_at: datetime | None
    severity_changed_at: datetime | None
    sla_due_at: datetime | None

    def sla_breached(self, now: datetime) -> bool:
        """True once the SLA due time lies before ``now`` (a ticket without one never is)."""
        return self.sla_due_at is not None and self.sla_due_at < now


def _seen(reg: Reg[V] | None, floor: datetime, now: datetime) -> Reg[V] | None:
    """The fact if it is stamped within [floor, now], else None."""
    return reg if reg is not None and floor <= reg.at <= now else None


def open_ticket(ticket: Ticket, now: datetime) -> TicketView | None:
    """The ticket if it is open at ``now``, else None."""
    # Facts older than the ticket horizon are forgotten here exactly as
    # retention forgets them, so that pruning never changes an evaluation.
    floor = now - TICKET_HORIZON
    status, esc, opened = (
        _seen(ticket.status, floor, now),
        _seen(ticket.escalated, floor, now),
        _seen(ticket.opened, floor, now),
    )
    resolved_later = (
        ticket.status is not None and ticket.status.at > now and ticket.status.value == "resolved"
    )
    if status is None:
        if resolved_later and opened is not None:
            is_open, since = True, opened.at  # resolved only later than now
        elif esc is not None:
            is_open, since = True, esc.at
        else:
            return None
    elif status.value == "open":
        is_open, since = True, status.at
    elif esc is not None and esc.stamp > status.stamp:
        is_open, since = True, esc.at  # escalated after it was resolved: it is not done
    else:
        is_open, since = False, status.at
    if not is_open:
        return None
    severity = opened.value.severity if opened is not None else "P3"
    changed_at = None
    change = _seen(ticket.severity_change, floor, now)
    if change is not None and (opened is None or change.stamp > opened.stamp):
        severity, changed_at = change.value, change.at
    return TicketView(
        ticket_id=ticket.ticket_id,
        severity=severity,
        subject=opened.value.subject if opened is not None else None,
        open_since=since,
        escalated_at=esc.at if esc is not None else None,
        severity_changed_at=changed_at,
        sla_due_at=opened.value.sla_due_at if opened is not None else None,
    )


#: Ticket views kept per state's tickets (see :func:`open_tickets`): intervals of bounds.
TICKET_VIEWS_KEPT = 4
_TICK = timedelta(microseconds=1)


def open_tickets(state: AccountState, now: datetime) -> tuple[TicketView, ...]:
    """Tickets open at ``now``, by ticket_id.

    Which tickets are open, and how each looks, depends on ``now`` only
    through which facts it sees: a fact stamped ``at`` is seen from ``at``
    until ``at`` plus the ticket horizon, and a resolution stamped later than
    ``now`` keeps its ticket open. Between two such instants (the *bounds*)
    the answer is the same, so it is kept per interval of bounds on the
    state's ticket memo: the evaluations of one step (now, the health-drop
    baseline, next_due's probes) and of the steps after it that bring no
    ticket event each look the tickets up instead of walking every one.
    """
    memo = state.ticket_memo
    bounds = ticket_bounds(state)
    interval = bisect_right(bounds, now)
    kept: dict[int, tuple[TicketView, ...]] = memo.setdefault("views", {})
    views = kept.get(interval)
    if views is None:
        if len(kept) >= TICKET_VIEWS_KEPT:
            kept.clear()
        # A ticket whose every fact is older than the horizon is forgotten (see
        # open_ticket): skip it without building its view.
        floor = now - TICKET_HORIZON
        found = (open_ticket(t, now) for newest, t in state.tickets_by_id if newest >= floor)
        views = kept[interval] = tuple(_interned(memo, v) for v in found if v is not None)
    return views


def _interned(memo: dict[Any, Any], view: TicketView) -> TicketView:
    """The view this ticket had in an earlier interval if it is equal, else ``view``.

    A ticket mostly looks the same across many intervals (another ticket's
    fact made the bound), and keeping one object lets what is derived from a
    view be kept by identity (the settled penalties of scoring.support).
    """
    interned: dict[str, TicketView] = memo.setdefault("interned", {})
    earlier = interned.get(view.ticket_id)
    if earlier is not None and earlier == view:
        return earlier
    interned[view.ticket_id] = view
    return view


def _ticket_bounds(state: AccountState) -> list[datetime]:
    """Every instant at which some ticket fact starts or stops being seen (sorted)."""
    bounds: set[datetime] = set()
    for ticket in state.tickets.values():
        for reg in (ticket.opened, ticket.status, ticket.escalated, ticket.severity_change):
            if reg is not None:
                # seen while at <= now <= at + horizon, so from at to one tick past the end
                bounds.add(reg.at)
                bounds.add(reg.at + TICKET_HORIZON + _TICK)
    return sorted(bounds)


def usual_order_interval(orders: list[tuple[datetime, str, float]], policy: Policy) -> float | None:
    """Median days between orders over the lookback before the *last* order, or None.

    Anchored at the last order rather than at the clock, so the usual
    interval does not drift while an account stays silent: the order_gap
    alert keeps its onset (and so its id) for as long as the gap lasts.
    """
    if not orders:
        return None
    c = policy.commercial
    lookback = orders[-1][0] - timedelta(days=c.cadence_lookback_days)
    times = [at for at, _, _ in orders if at > lookback]
    if len(times) < c.min_orders_for_cadence:
        return None
    gaps = [days_between(a, b) for a, b in itertools.pairwise(times)]
    return max(1.0, statistics.median(gaps))


@dataclass(frozen=True)
class Revenue:
    """Revenue of the live orders in the commercial window up to a clock time and the one before."""

    recent: float  # placed in (now - window, now]
    before: float  # placed in (now - 2 windows, now - window]


def revenue_windows(
    orders: list[tuple[datetime, str, float]], now: datetime, policy: Policy
) -> Revenue:
    """The two trailing commercial windows' revenue of ``orders`` (live orders, oldest first)."""
    window = timedelta(days=policy.commercial.window_days)
    return Revenue(
        recent=sum(a for at, _, a in orders if at > now - window),
        before=sum(a for at, _, a in orders if now - 2 * window < at <= now - window),
    )


@dataclass(frozen=True)
class OrdersAsOf:
    """What the commercial score and the order-gap rule read from the orders at a clock time."""

    orders: list[tuple[datetime, str, float]]  # live_orders
    interval: float | None  # usual_order_interval of ``orders``
    revenue: Revenue


#: Order readings kept per state's orders (see :func:`orders_as_of`).
ORDER_READINGS_KEPT = 8


def orders_as_of(state: AccountState, now: datetime, policy: Policy) -> OrdersAsOf:
    """The live orders at ``now``, their usual interval and the revenue windows.

    Like :func:`open_tickets`, all three depend on ``now`` only through which
    order facts fall on which side of a few instants per order (placed,
    cancelled, each one window and two windows later, the order horizon
    later): between two such instants the reading is the same, so it is kept
    per interval on the state's order memo, and the evaluations of one step
    and of the steps that bring no order event look it up instead of walking
    every order again.
    """
    bounds, readings = _order_readings(state, policy)
    interval = bisect_right(bounds, now)
    found = readings.get(interval)
    if found is None:
        if len(readings) >= ORDER_READINGS_KEPT:
            readings.clear()
        orders = live_orders(state, now)
        found = readings[interval] = OrdersAsOf(
            orders=orders,
            interval=usual_order_interval(orders, policy),
            revenue=revenue_windows(orders, now, policy),
        )
    return found


def order_bounds(state: AccountState, policy: Policy) -> list[datetime]:
    """When :func:`orders_as_of` can start reading differently, sorted (kept on the order memo)."""
    return _order_readings(state, policy)[0]


def _order_readings(
    state: AccountState, policy: Policy
) -> tuple[list[datetime], dict[int, OrdersAsOf]]:
    """The order bounds and the readings kept per interval of them, for ``policy``."""
    memo = state.order_memo
    entry = memo.get("readings")
    if entry is None or entry[0] is not policy:
        entry = memo["readings"] = (policy, _order_bounds(state, policy), {})
    return entry[1], entry[2]


def ticket_bounds(state: AccountState) -> list[datetime]:
    """When :func:`open_tickets` can start reading differently, sorted (kept on the ticket memo)."""
    memo = state.ticket_memo
    bounds: list[datetime] | None = memo.get("bounds")
    if bounds is None:
        bounds = memo["bounds"] = _ticket_bounds(state)
    return bounds


def _order_bounds(state: AccountState, policy: Policy) -> list[datetime]:
    """Every instant at which an order enters or leaves a reading of :func:`orders_as_of` (sorted).

    A reading at ``now`` compares each fact time with ``now``, ``now - window``,
    ``now - 2 windows`` and ``now - ORDER_HORIZON``; each comparison flips at
    one instant, which is where a new interval starts (``bisect_right``).
    """
    window = timedelta(days=policy.commercial.window_days)
    bounds: set[datetime] = set()
    for row in state.placed_orders:
        # live_orders: placed_at <= now, placed_at >= now - horizon (true until a tick past)
        bounds.update((row.at, row.at + ORDER_HORIZON + _TICK))
        # revenue_windows: at > now - window flips at at + window, and so on
        bounds.update((row.at + window, row.at + 2 * window))
        if row.cancelled_at is not None:
            bounds.update((row.cancelled_at, row.cancelled_at + ORDER_HORIZON + _TICK))
    return sorted(bounds)


@dataclass(frozen=True)
class AsOf:
    """The state read as of one clock time: what the score and the alert rules both need.

    Built once per evaluation so that the rules do not walk the stakeholders,
    tickets and orders again after the score did.
    """

    state: AccountState
    now: datetime
    people: tuple[StakeholderState, ...]  # present at ``now``, by stakeholder_id
    heat: Mapping[str, float]  # warmth of each present stakeholder
    tickets: tuple[TicketView, ...]  # open at ``now``, by ticket_id
    orders: list[tuple[datetime, str, float]]  # live_orders at ``now``
    order_interval: float | None  # usual_order_interval of ``orders``
    revenue: Revenue  # revenue_windows of ``orders``
    # Sentences by ticket_id: the support drivers and the critical_ticket
    # conditions describe the same open tickets.
    _sentences: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def ticket_sentence(self, ticket: TicketView) -> str:
        """:func:`ticket_sentence` at ``now``, composed once per ticket.

        Also kept on the state's ticket memo for the evaluations after this
        one: the sentence reads ``now`` only through :func:`ticket_clock`, so
        a later evaluation of the same view of the ticket at the same clock
        reading reuses it.
        """
        text = self._sentences.get(ticket.ticket_id)
        if text is None:
            kept: dict[str, tuple[TicketView, tuple[int, bool], str]] = (
                self.state.ticket_memo.setdefault("sentences", {})
            )
            clock = ticket_clock(ticket, self.now)
            old = kept.get(ticket.ticket_id)
            if old is not None and old[0] is ticket and old[1] == clock:
                text = old[2]
            else:
                text = ticket_sentence_at(ticket, clock)
                kept[ticket.ticket_id] = (ticket, clock, text)
            self._sentences[ticket.ticket_id] = text
        return text


def as_of(state: AccountState, now: datetime, policy: Policy) -> AsOf:
    """Read ``state`` as of ``now``."""
    people = tuple(p for p in state.stakeholders_by_id if present(p, now))
    reading = orders_as_of(state, now, policy)
    return AsOf(
        state=state,
        now=now,
        people=people,
        heat={p.stakeholder_id: warmth(p, now, policy) for p in people},
        tickets=open_tickets(state, now),
        orders=reading.orders,
        order_interval=reading.interval,
        revenue=reading.revenue,
    )
