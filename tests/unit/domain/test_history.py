"""Health history in event time: the points a batch makes, and what a late event changes."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.domain.apply import apply_all
from consumers.domain.evaluate import to_snapshot
from consumers.domain.history import (
    REVISED_DAYS,
    apply_with_history,
    history_instants_between,
    is_history_instant,
)
from consumers.domain.replay import replay_history
from consumers.domain.state import empty_state
from schemas.events import BaseEvent

pytestmark = pytest.mark.unit

#: The last day of Events.healthy_account (09:00 on day 127; day 0 is Monday 5 January 2026).
LAST = 127


def reference(events: list[BaseEvent], instants: list[datetime]) -> list[Any]:
    """The replay's points at ``instants``: each from the events up to it."""
    points = replay_history(events, {"acme": instants})["acme"]
    return [to_snapshot(points[t]) for t in instants]


def test_the_instants_are_the_monday_midnights_within_the_span() -> None:
    tuesday = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    assert history_instants_between(tuesday, tuesday + timedelta(days=14)) == [
        datetime(2026, 3, 9, tzinfo=UTC),
        datetime(2026, 3, 16, tzinfo=UTC),
    ]
    monday = datetime(2026, 3, 9, tzinfo=UTC)
    assert history_instants_between(monday, monday) == [monday]
    assert history_instants_between(tuesday, tuesday + timedelta(days=5)) == []
    assert is_history_instant(monday)
    assert not is_history_instant(monday + timedelta(days=1))
    assert not is_history_instant(monday + timedelta(hours=1))


def test_a_backfill_gives_every_monday_each_from_the_events_up_to_it(ev: Any) -> None:
    events = ev.healthy_account()
    applied = apply_with_history(empty_state("acme"), events)
    first, last = ev.at(0), max(e.occurred_at for e in events)
    instants = [p.as_of for p in applied.points]
    assert instants == history_instants_between(first, last)
    assert instants[-1] - instants[0] > timedelta(days=LAST - 14)  # the chart spans the import
    assert list(applied.points) == reference(events, instants)
    # A point is not the final state read back: the account was healthy in its first weeks.
    assert applied.points[1].score > 80
    assert applied.state == apply_all(empty_state("acme"), events)


def test_in_order_batches_evaluate_each_instant_once(ev: Any) -> None:
    events = sorted(ev.healthy_account(), key=lambda e: e.occurred_at)
    whole = apply_with_history(empty_state("acme"), events)
    rng = random.Random(3)
    state, points = empty_state("acme"), list[Any]()
    rest = list(events)
    while rest:
        size = rng.randint(1, 12)
        applied = apply_with_history(state, rest[:size])
        state, rest = applied.state, rest[size:]
        points += applied.points
    # However the history is cut into batches: the same points, each evaluated once.
    assert points == list(whole.points)
    assert state == whole.state


def test_a_live_event_adds_no_point_until_it_crosses_a_monday_midnight(ev: Any) -> None:
    state = apply_with_history(empty_state("acme"), ev.healthy_account()).state
    # latest_at is Tuesday 12 May 09:00; a contact that Friday makes none...
    same_week = apply_with_history(state, [ev.contact(LAST + 3, "anna", "call")])
    assert same_week.points == ()
    # ...the first event after the next Monday midnight makes exactly that point.
    next_week = apply_with_history(same_week.state, [ev.contact(LAST + 8, "ben", "call")])
    assert [p.as_of for p in next_week.points] == [datetime(2026, 5, 18, tzinfo=UTC)]


def test_a_redelivered_batch_and_a_timer_step_make_no_points(ev: Any) -> None:
    events = ev.healthy_account()
    state = apply_with_history(empty_state("acme"), events).state
    assert apply_with_history(state, events[-20:]).points == ()
    assert apply_with_history(state, ()).points == ()


def test_a_late_event_re_evaluates_the_points_from_its_time_on(ev: Any) -> None:
    events = ev.healthy_account()
    state = apply_with_history(empty_state("acme"), events).state
    # A P1 escalation on day 115 that arrives only after the last day was seen.
    late = [ev.ticket(115.5, "T-9", "P1"), ev.escalate(115.6, "T-9")]
    applied = apply_with_history(state, late)
    instants = [p.as_of for p in applied.points]
    assert instants == history_instants_between(ev.at(115.5), ev.at(LAST))
    assert len(instants) == 2
    # The re-evaluated points are those of the whole set of events, ticket included.
    assert list(applied.points) == reference(events + late, instants)
    before = reference(events, instants)
    assert all(p.score < b.score for p, b in zip(applied.points, before, strict=True))


def test_a_late_event_re_evaluates_at_most_the_revision_window(ev: Any) -> None:
    events = [*ev.healthy_account(), ev.contact(LAST + 400, "anna", "meeting")]
    state = apply_with_history(empty_state("acme"), events).state
    applied = apply_with_history(state, [ev.person(60.5, "eve", "Eve Stone", "user", "Finance")])
    newest = ev.at(LAST + 400)
    assert [p.as_of for p in applied.points] == history_instants_between(
        newest - timedelta(days=REVISED_DAYS), newest
    )


def test_no_point_at_or_after_the_steps_clock_time(ev: Any) -> None:
    events = ev.healthy_account()
    applied = apply_with_history(empty_state("acme"), events, before=ev.at(49))  # Monday 09:00
    assert max(p.as_of for p in applied.points) == datetime(2026, 2, 23, tzinfo=UTC)
    assert applied.state == apply_all(empty_state("acme"), events)
