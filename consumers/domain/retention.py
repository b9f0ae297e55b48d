"""Retention: what an account state forgets once ``latest_at`` moves on.

Every rule is order-insensitive (see the module docs of state.py): a fact is
dropped when it is older than ``latest_at`` minus its horizon, or when it is
not among the N newest of its kind. Both thresholds only move forward, so
whatever one path of arrival drops can never be needed by another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from consumers.domain.state import (
    ORDER_HORIZON,
    ORDERS_KEPT,
    REORG_HORIZON,
    TEAM_HORIZON,
    TEAM_MEMORY,
    TICKET_HORIZON,
    AccountState,
    Order,
    Reg,
    TeamContact,
    Ticket,
)

V = TypeVar("V")


def _keep_reg(reg: Reg[V] | None, floor: datetime) -> Reg[V] | None:
    return None if reg is None or reg.at < floor else reg


def retain(state: AccountState) -> AccountState:
    """Drop every fact outside the retention rules (see module docs of state.py)."""
    latest = state.latest_at
    assert latest is not None  # apply always sets it first
    order_floor = latest - ORDER_HORIZON
    ticket_floor = latest - TICKET_HORIZON
    reorg_floor = latest - REORG_HORIZON

    # The common case (nothing old enough to drop) is told from per-state
    # figures kept on the order and ticket memos, which travel with
    # unchanged orders and tickets: a contact does not walk the history.
    orders = (
        state.orders
        if _orders_kept_whole(state, order_floor)
        else _retain_orders(state.orders, order_floor)
    )
    tickets = (
        state.tickets
        if _oldest_ticket_fact(state) >= ticket_floor
        else _retain_tickets(state.tickets, ticket_floor)
    )
    restructures = tuple(r for r in state.restructures if r.at >= reorg_floor)
    team = _retain_team(state.team, latest - TEAM_HORIZON, latest - TEAM_MEMORY)
    if (
        orders is state.orders
        and tickets is state.tickets
        and len(restructures) == len(state.restructures)
        and team is state.team
    ):
        return state
    return replace(state, orders=orders, tickets=tickets, restructures=restructures, team=team)


def _retain_team(
    team: Mapping[str, Mapping[str, TeamContact]], touch_floor: datetime, memory_floor: datetime
) -> Mapping[str, Mapping[str, TeamContact]]:
    # A pair is forgotten once its last contact is older than the memory; a
    # touchpoint once it is older than the team horizon. Both floors follow
    # latest_at, so the outcome does not depend on the order of arrival.
    def stale(c: TeamContact) -> bool:
        return c.last < memory_floor or (bool(c.recent) and c.recent[-1][0] < touch_floor)

    if not any(stale(c) for contacts in team.values() for c in contacts.values()):
        return team  # the common case: nothing to drop
    result: dict[str, dict[str, TeamContact]] = {}
    for owner, contacts in team.items():
        kept: dict[str, TeamContact] = {}
        for sid, c in contacts.items():
            if c.last < memory_floor:
                continue
            if c.recent and c.recent[-1][0] < touch_floor:
                c = TeamContact(c.last, tuple(s for s in c.recent if s[0] >= touch_floor))
            kept[sid] = c
        if kept:
            result[owner] = kept
    return result


def _orders_kept_whole(state: AccountState, floor: datetime) -> bool:
    """True when retention keeps every order fact: none older than ``floor``, none over the cap."""
    memo = state.order_memo
    figures = memo.get("retention")
    if figures is None:
        stamps = [r.at for o in state.orders.values() for r in (o.placed, o.cancelled) if r]
        placed = sum(1 for o in state.orders.values() if o.placed is not None)
        cancelled = sum(1 for o in state.orders.values() if o.cancelled is not None)
        figures = memo["retention"] = (min(stamps, default=None), placed, cancelled)
    oldest, placed, cancelled = figures
    return (oldest is None or oldest >= floor) and max(placed, cancelled) <= ORDERS_KEPT


def _oldest_ticket_fact(state: AccountState) -> datetime:
    """The time of the oldest ticket fact (the far future without any), kept on the ticket memo."""
    memo = state.ticket_memo
    oldest: datetime | None = memo.get("oldest")
    if oldest is None:
        ats = [
            r.at
            for t in state.tickets.values()
            for r in (t.opened, t.status, t.escalated, t.severity_change)
            if r is not None
        ]
        oldest = memo["oldest"] = min(ats, default=datetime.max.replace(tzinfo=UTC))
    return oldest


def _retain_orders(orders: Mapping[str, Order], floor: datetime) -> Mapping[str, Order]:
    # Called when something is to be dropped (_orders_kept_whole is False).
    # Placements and cancellations are separate facts, each kept on its own
    # time, so the outcome never depends on which half arrived first.
    placed = [o.placed.stamp for o in orders.values() if o.placed is not None]
    cancelled = [o.cancelled.stamp for o in orders.values() if o.cancelled is not None]
    placed_floor = _nth_newest(placed, ORDERS_KEPT)
    cancelled_floor = _nth_newest(cancelled, ORDERS_KEPT)
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
    # Called when some fact is older than ``floor`` (see _oldest_ticket_fact).
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
