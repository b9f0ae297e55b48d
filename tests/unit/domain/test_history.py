"""Health history in event time: the points a batch makes, and what a late event changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.domain.apply import apply_all
from consumers.domain.evaluate import to_snapshot
from consumers.domain.history import (
    DAILY_DAYS,
    REVISED_DAYS,
    apply_with_history,
    day_ends,
    weekly,
)
from consumers.domain.replay import replay_history
from consumers.domain.state import empty_state
from schemas.events import BaseEvent

pytestmark = pytest.mark.unit

DAY = timedelta(days=1)
#: The last day of Events.healthy_account (09:00 on day 127).
LAST = 127


def midnight(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def reference(events: list[BaseEvent], instants: list[datetime]) -> list[Any]:
    """The replay's points at ``instants``: each from the events up to it."""
    points = replay_history(events, {"acme": instants})["acme"]
    return [to_snapshot(points[t]) for t in instants]


def test_day_ends_are_the_utc_midnights_within_the_span() -> None:
    start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert day_ends(start, start + 2 * DAY) == [
        datetime(2026, 3, 2, tzinfo=UTC),
        datetime(2026, 3, 3, tzinfo=UTC),
    ]
    assert day_ends(midnight(start), midnight(start)) == [midnight(start)]
    assert day_ends(start, start + timedelta(hours=10)) == []


def test_a_backfill_gives_mondays_then_every_day_each_from_the_events_up_to_it(ev: Any) -> None:
    events = ev.healthy_account()
    applied = apply_with_history(empty_state("acme"), events)
    first, last = ev.at(0), max(e.occurred_at for e in events)
    instants = [p.as_of for p in applied.points]
    recent = last - timedelta(days=DAILY_DAYS)
    assert instants == [t for t in day_ends(first, last) if weekly(t) or t >= recent]
    assert instants[-1] - instants[0] > timedelta(days=LAST - 8)  # the chart spans the import
    assert len(instants) < LAST / 4  # not one per day of the import
    assert list(applied.points) == reference(events, instants)
    # A point is not the final state read back: the account was healthy in its first weeks.
    assert applied.points[1].score > 80
    assert applied.state == apply_all(empty_state("acme"), events)


def test_in_order_batches_evaluate_each_day_end_at_most_once(ev: Any) -> None:
    events = sorted(ev.healthy_account(), key=lambda e: e.occurred_at)
    rng = random.Random(3)
    state, points = empty_state("acme"), list[Any]()
    rest = list(events)
    while rest:
        size = rng.randint(1, 12)
        applied = apply_with_history(state, rest[:size])
        state, rest = applied.state, rest[size:]
        points += applied.points
    instants = [p.as_of for p in points]
    assert instants == sorted(set(instants))  # once each, oldest first
    span = day_ends(events[0].occurred_at, events[-1].occurred_at)
    assert set(instants) <= set(span)
    assert {t for t in span if weekly(t)} <= set(instants)
    assert points == reference(events, instants)
    assert state == apply_all(empty_state("acme"), events)


def test_a_live_stream_with_an_event_every_two_days_gives_a_point_every_day(ev: Any) -> None:
    events = [
        ev.account(0),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        *(ev.contact(d + 0.5, "anna", "call") for d in range(0, 40, 2)),
    ]
    state, instants = empty_state("acme"), []
    for event in events:  # one event per batch, as a live stream arrives
        applied = apply_with_history(state, [event])
        state = applied.state
        instants += [p.as_of for p in applied.points]
    assert instants == day_ends(events[0].occurred_at, events[-1].occurred_at)


def test_a_live_event_adds_no_point_until_it_crosses_a_day_end(ev: Any) -> None:
    state = apply_with_history(empty_state("acme"), ev.healthy_account()).state
    # latest_at is day 127 at 09:00; a contact the same afternoon makes no point...
    same_day = apply_with_history(state, [ev.contact(LAST + 0.3, "anna", "call")])
    assert same_day.points == ()
    # ...the first event of the next day makes exactly the point of the midnight in between.
    next_day = apply_with_history(same_day.state, [ev.contact(LAST + 1.1, "ben", "call")])
    assert [p.as_of for p in next_day.points] == [midnight(ev.at(LAST + 1))]


def test_a_redelivered_batch_and_a_timer_step_make_no_points(ev: Any) -> None:
    events = ev.healthy_account()
    state = apply_with_history(empty_state("acme"), events).state
    assert apply_with_history(state, events[-20:]).points == ()
    assert apply_with_history(state, ()).points == ()


def test_a_late_event_re_evaluates_the_points_from_its_day_on(ev: Any) -> None:
    events = ev.healthy_account()
    state = apply_with_history(empty_state("acme"), events).state
    # A P1 escalation on day 118 that arrives only after the last day was seen.
    late = [ev.ticket(118.5, "T-9", "P1"), ev.escalate(118.6, "T-9")]
    applied = apply_with_history(state, late)
    instants = [p.as_of for p in applied.points]
    assert instants == day_ends(ev.at(118.5), ev.at(LAST))
    # The re-evaluated points are those of the whole set of events, ticket included.
    assert list(applied.points) == reference(events + late, instants)
    before = reference(events, instants)
    assert all(p.score < b.score for p, b in zip(applied.points, before, strict=True))


def test_a_late_event_re_evaluates_at_most_the_revision_window(ev: Any) -> None:
    events = ev.healthy_account()
    state = apply_with_history(empty_state("acme"), events).state
    applied = apply_with_history(state, [ev.ticket(60.5, "T-9", "P1")])
    assert [p.as_of for p in applied.points] == day_ends(
        ev.at(LAST) - timedelta(days=REVISED_DAYS), ev.at(LAST)
    )


def test_no_point_at_or_after_the_steps_clock_time(ev: Any) -> None:
    events = ev.healthy_account()
    applied = apply_with_history(empty_state("acme"), events, before=ev.at(50))
    assert max(p.as_of for p in applied.points) < ev.at(50)
    assert applied.state == apply_all(empty_state("acme"), events)
