"""Account state: idempotent, order-insensitive, bounded, and JSON round-trippable."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.alerts import open_alerts_for
from consumers.domain.apply import apply, apply_all, fold_events
from consumers.domain.as_of import present
from consumers.domain.due import RESOLUTION, next_due, signature
from consumers.domain.errors import DomainError
from consumers.domain.evaluate import evaluate, to_snapshot
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.state import (
    ORDERS_KEPT,
    TOUCHPOINTS_PER_KIND,
    AccountState,
)
from consumers.pipeline.codecs.state import state_to_dict
from schemas import validate_event
from schemas.events import BaseEvent
from tests.support.strategies import BASE, arrivals, event_sets

pytestmark = pytest.mark.unit


@settings(max_examples=300, deadline=None)
@given(arrivals())
def test_any_order_and_any_duplicates_give_the_same_state(
    case: tuple[list[BaseEvent], list[BaseEvent]],
) -> None:
    events, arrival = case
    in_order = fold_events("acme", sorted(events, key=lambda e: (e.occurred_at, e.event_id)))
    shuffled = fold_events("acme", arrival)
    assert shuffled == in_order
    assert state_to_dict(shuffled) == state_to_dict(in_order)


@settings(max_examples=300, deadline=None)
@given(arrivals(), st.integers(1, 12))
def test_a_batch_gives_the_state_of_its_events_applied_one_by_one(
    case: tuple[list[BaseEvent], list[BaseEvent]], batch: int
) -> None:
    # apply_all runs retention once per batch, apply after every event: the
    # worker's batches must not keep or drop a fact that single events would not.
    _, arrival = case
    one_by_one = AccountState(account_id="acme")
    for event in arrival:
        one_by_one = apply(one_by_one, event)
    batched = AccountState(account_id="acme")
    for start in range(0, len(arrival), batch):
        batched = apply_all(batched, arrival[start : start + batch])
    assert state_to_dict(batched) == state_to_dict(one_by_one)
    assert batched == one_by_one


def test_reapplying_an_event_changes_nothing(ev: Any) -> None:
    events = ev.healthy_account()
    state = fold_events("acme", events)
    for e in events:
        assert apply(state, e) == state


def test_cancellation_that_arrives_before_its_order_still_wins(ev: Any) -> None:
    placed = ev.order(10, "PO-77", 80_000.0)
    cancelled = ev.cancel(12, "PO-77")
    first_cancel = fold_events("acme", [cancelled, placed])
    first_place = fold_events("acme", [placed, cancelled])
    assert first_cancel == first_place
    assert not first_cancel.orders["PO-77"].live
    assert fold_events("acme", [placed]).orders["PO-77"].live


def test_latest_master_data_wins_whatever_the_arrival_order(ev: Any) -> None:
    old = ev.account(1, kam="kam-anna", tier="key")
    new = ev.account(5, kam="kam-omar", tier="strategic")
    for order in ([old, new], [new, old]):
        state = fold_events("acme", order)
        assert state.kam_id == "kam-omar"
        assert state.tier == "strategic"


def test_same_timestamp_is_broken_by_event_id(ev: Any) -> None:
    a = ev.person(3, "anna", "Anna Berg", "champion")
    b = ev.person(3, "anna", "Anna Berg", "decision_maker")
    assert a.event_id < b.event_id
    for order in ([a, b], [b, a]):
        assert fold_events("acme", order).stakeholders["anna"].current_role == "decision_maker"


def test_touchpoints_per_stakeholder_are_bounded(ev: Any) -> None:
    events = [ev.contact(d * 0.5, "anna", ch) for d in range(400) for ch in ("call", "email")]
    state = fold_events("acme", events)
    points = state.stakeholders["anna"].touchpoints
    assert len(points) == 2 * TOUCHPOINTS_PER_KIND
    assert points[0].at == ev.at(199.5)  # the newest is always kept


def test_orders_are_capped_and_old_ones_pruned_relative_to_the_newest_event(ev: Any) -> None:
    many = [ev.order(d / 2, f"o{d}", 10.0) for d in range(ORDERS_KEPT + 50)]
    state = fold_events("acme", many)
    assert len(state.orders) == ORDERS_KEPT
    assert "o0" not in state.orders
    # well over a year later, every one of those orders is outside the horizon
    later = apply(state, ev.order(1000, "o-new", 10.0))
    assert set(later.orders) == {"o-new"}


def test_a_replayed_event_older_than_the_horizon_is_dropped_as_if_it_came_in_order(
    ev: Any,
) -> None:
    ancient = ev.order(0, "o-ancient", 99.0)
    recent = ev.order(800, "o-recent", 10.0)
    assert fold_events("acme", [recent, ancient]) == fold_events("acme", [ancient, recent])
    assert "o-ancient" not in fold_events("acme", [recent, ancient]).orders


def test_an_event_for_another_account_is_refused(ev: Any) -> None:
    with pytest.raises(DomainError):
        apply(AccountState("other"), ev.account(0))


# --- evaluation is order-insensitive too, and monotone where it must be ----------------------

NOWS = [BASE + timedelta(days=d) for d in (30, 200, 420, 800, 950)]


@settings(max_examples=150, deadline=None)
@given(arrivals(), st.sampled_from(NOWS))
def test_any_order_and_duplicates_give_the_same_health_and_alerts(
    case: tuple[list[BaseEvent], list[BaseEvent]], now: datetime
) -> None:
    events, arrival = case
    a = fold_events("acme", sorted(events, key=lambda e: (e.occurred_at, e.event_id)))
    b = fold_events("acme", arrival)
    ha, hb = evaluate(a, now), evaluate(b, now)
    # the whole evaluation (every driver, every condition), not only the published top five
    assert ha == hb
    assert to_snapshot(ha) == to_snapshot(hb)
    alerts = open_alerts_for(ha)
    assert alerts == open_alerts_for(hb)
    keys = [a.key for a in alerts]
    assert len(keys) == len(set(keys))  # at most one open alert per (kind, subject)
    assert next_due(a, now) == next_due(b, now)


@settings(max_examples=150, deadline=None)
@given(
    event_sets(),
    st.sampled_from(["anna", "ben"]),
    st.sampled_from(["decision_maker", "champion"]),
    st.sampled_from(["meeting", "call", "email"]),
    st.integers(0, 60),
)
def test_a_more_recent_contact_with_a_key_stakeholder_never_lowers_relationship(
    events: list[BaseEvent], sid: str, role: str, channel: str, days_ago: int
) -> None:
    now = BASE + timedelta(days=920)
    # Newer than every generated event: the stakeholder is present at ``now``
    # in that key role whatever the generated history says, so the contact
    # below always counts.
    state = apply(
        fold_events("acme", events),
        validate_event(
            {
                "type": "reorg.stakeholder_joined",
                "event_id": "z-role",
                "account_id": "acme",
                "occurred_at": (now - timedelta(hours=1)).isoformat(),
                "stakeholder_id": sid,
                "name": sid.title(),
                "role": role,
            }
        ),
    )
    person = state.stakeholders[sid]
    assert person.current_role == role
    assert present(person, now)
    before = evaluate(state, now).components.relationship
    contact = validate_event(
        {
            "type": "contact.logged",
            "event_id": "z-contact",
            "account_id": "acme",
            "occurred_at": (now - timedelta(days=days_ago)).isoformat(),
            "stakeholder_id": sid,
            "channel": channel,
            "direction": "outbound",
        }
    )
    after = evaluate(apply(state, contact), now).components.relationship
    assert after >= before


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.integers(0, 60), st.booleans())
def test_an_extra_open_p1_never_raises_support(
    events: list[BaseEvent], days_ago: int, escalated: bool
) -> None:
    now = BASE + timedelta(days=920)
    state = fold_events("acme", events)
    opened_at = now - timedelta(days=days_ago)
    extra = [
        validate_event(
            {
                "type": "ticket.opened",
                "event_id": "z-p1",
                "account_id": "acme",
                "occurred_at": opened_at.isoformat(),
                "ticket_id": "z-ticket",
                "severity": "P1",
            }
        )
    ]
    if escalated:
        extra.append(
            validate_event(
                {
                    "type": "ticket.escalated",
                    "event_id": "z-esc",
                    "account_id": "acme",
                    "occurred_at": opened_at.isoformat(),
                    "ticket_id": "z-ticket",
                }
            )
        )
    before = evaluate(state, now)
    after = evaluate(apply_all(state, extra), now)
    assert after.components.support <= before.components.support
    assert after.score <= before.score
    if before.components.support > 0:
        assert after.components.support < before.components.support  # the P1 does count
    assert ("critical_ticket", "z-ticket") in {c.key for c in after.conditions}


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.sampled_from(NOWS), st.floats(-20, 20))
def test_a_numbers_only_evaluation_has_the_explained_ones_numbers(
    events: list[BaseEvent], now: datetime, shift_days: float
) -> None:
    # next_due's probes and the health-drop baseline skip the sentences and the
    # per-ticket drivers: their score, band, components, conditions and the
    # unrounded loss must still be exactly those of the full evaluation.
    state = fold_events("acme", events)
    at = now + timedelta(days=shift_days)
    full = evaluate(state, at)
    numbers = evaluate(state, at, explain=False)
    assert (numbers.score, numbers.band, numbers.components) == (
        full.score,
        full.band,
        full.components,
    )
    assert (numbers.lost, numbers.baseline_score, numbers.baseline_lost) == (
        full.lost,
        full.baseline_score,
        full.baseline_lost,
    )
    assert signature(numbers) == signature(full)
    assert full.lost == pytest.approx(sum(-d.impact for d in full.penalties))


@settings(max_examples=150, deadline=None)
@given(
    event_sets(),
    st.sampled_from(NOWS),
    st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_nothing_changes_between_now_and_next_due(
    events: list[BaseEvent], now: datetime, fractions: list[float]
) -> None:
    """The worker sleeps until next_due: no band or alert may change in between.

    A drifting band change is located by bisection to within RESOLUTION, so
    the due time may lie up to RESOLUTION after the change itself.
    """
    state = fold_events("acme", events)
    due = next_due(state, now)
    if due is None:
        # nothing in the state depends on time: a month later looks the same
        later = evaluate(state, now + timedelta(days=30))
        assert signature(later) == signature(evaluate(state, now))
        assert later.score == evaluate(state, now).score
        return
    assert now < due <= now + timedelta(hours=DEFAULT_POLICY.max_recheck_hours)
    start = signature(evaluate(state, now))
    quiet_until = due - RESOLUTION
    for f in fractions:
        at = now + (quiet_until - now) * f
        if at > now:
            assert signature(evaluate(state, at)) == start, (at, due)
