"""Per-state indexes carried through apply are those a fresh state would build."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain import retention
from consumers.domain.apply import apply, fold_events
from consumers.domain.as_of import (
    live_orders,
    open_ticket,
    open_tickets,
    orders_as_of,
    revenue_windows,
    usual_order_interval,
)
from consumers.domain.evaluate import evaluate
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.state import AccountState
from consumers.pipeline.codecs.state import state_from_dict, state_to_dict
from schemas import validate_event
from schemas.events import BaseEvent
from tests.support.strategies import BASE, event_sets

pytestmark = pytest.mark.unit

INDEXES = ("stakeholders_by_id", "tickets_by_id", "placed_orders", "placed_order_times")


def built(state: Any) -> dict[str, Any]:
    return {name: getattr(state, name) for name in INDEXES}


@pytest.mark.parametrize("kind", ["contact", "order", "cancel", "ticket", "person"])
def test_indexes_after_any_event_equal_a_fresh_build(ev: Any, kind: str) -> None:
    state = fold_events("acme", [*ev.healthy_account(), ev.ticket(100, "t-1", "P2")])
    before = built(state)  # build them, so that apply has something to carry
    event = {
        "contact": ev.contact(121, "anna"),
        "order": ev.order(121, "o-new", 10.0),
        "cancel": ev.cancel(121, "o-112"),
        "ticket": ev.ticket(121, "t-2", "P1"),
        "person": ev.person(121, "eve", "Eve Park", "champion"),
    }[kind]
    after = apply(state, event)
    fresh = state_from_dict(state_to_dict(after))
    assert built(after) == built(fresh)
    if kind == "contact":  # nothing an index is built from changed: reused as is
        assert after.placed_orders is before["placed_orders"]
        assert after.tickets_by_id is before["tickets_by_id"]


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.lists(st.integers(-30, 400), min_size=1, max_size=12))
def test_open_tickets_from_the_memo_equal_a_fresh_walk(
    events: list[BaseEvent], days: list[int]
) -> None:
    # One state asked at many clock times (as a step's evaluations and the steps
    # after it do), and carried on through a contact: each answer is what
    # walking every ticket at that time gives.
    state = fold_events("acme", events)
    later = apply(state, ev_contact(state))
    for day in days:
        now = BASE + timedelta(days=day)
        for s in (state, later):
            walked = tuple(v for _, t in s.tickets_by_id if (v := open_ticket(t, now)) is not None)
            assert open_tickets(s, now) == walked


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.lists(st.integers(-30, 900), min_size=1, max_size=12))
def test_orders_read_from_the_memo_equal_a_fresh_reading(
    events: list[BaseEvent], days: list[int]
) -> None:
    # The clock times include ones just before and at each order's bounds
    # (placed, one and two commercial windows later, the horizon), where a
    # reading kept for the wrong interval would show.
    state = fold_events("acme", events)
    later = apply(state, ev_contact(state))
    window = timedelta(days=DEFAULT_POLICY.commercial.window_days)
    times = [BASE + timedelta(days=d) for d in days]
    for row in state.placed_orders[:3]:
        for edge in (row.at, row.at + window, row.at + 2 * window):
            times += [edge - timedelta(microseconds=1), edge]
    for now in times:
        for s in (state, later):
            orders = live_orders(s, now)
            reading = orders_as_of(s, now, DEFAULT_POLICY)
            assert reading.orders == orders, now
            assert reading.interval == usual_order_interval(orders, DEFAULT_POLICY)
            assert reading.revenue == revenue_windows(orders, now, DEFAULT_POLICY)


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.lists(st.integers(-30, 900), min_size=2, max_size=12))
def test_ticket_penalties_kept_on_the_memo_equal_a_fresh_evaluation(
    events: list[BaseEvent], days: list[int]
) -> None:
    # One state evaluated at clock times in any order (a baseline lies before
    # its evaluation): every score and support figure is that of a state that
    # has never been evaluated before, whose memo is empty.
    state = fold_events("acme", events)
    for day in days:
        now = BASE + timedelta(days=day)
        fresh = state_from_dict(state_to_dict(state))
        kept, new = evaluate(state, now), evaluate(fresh, now)
        assert (kept.score, kept.components, kept.lost) == (new.score, new.components, new.lost)
        assert kept.drivers == new.drivers


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.integers(-400, 1200))
def test_retention_tells_nothing_to_drop_as_walking_every_fact_does(
    events: list[BaseEvent], floor_days: int
) -> None:
    # Retention tells "nothing to drop" from figures kept on the order and
    # ticket memos (carried through a contact); walking the facts must agree.
    state = fold_events("acme", events)
    later = apply(state, ev_contact(state))
    floor = BASE + timedelta(days=floor_days)
    for s in (state, later):
        kept_whole = retention._retain_orders(s.orders, floor) == s.orders
        assert retention._orders_kept_whole(s, floor) == kept_whole
        facts = (
            r.at
            for t in s.tickets.values()
            for r in (t.opened, t.status, t.escalated, t.severity_change)
            if r is not None
        )
        walked = all(at >= floor for at in facts)
        assert (retention._oldest_ticket_fact(s) >= floor) == walked


def ev_contact(state: AccountState, at: datetime = BASE) -> BaseEvent:
    """A contact with a new stakeholder: changes the state, not its tickets."""
    return validate_event(
        {
            "type": "contact.logged",
            "event_id": "memo-contact",
            "account_id": state.account_id,
            "occurred_at": at.isoformat(),
            "stakeholder_id": "memo-someone",
            "channel": "call",
            "direction": "outbound",
        }
    )
