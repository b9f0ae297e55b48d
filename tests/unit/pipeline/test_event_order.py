"""EventTimeOrder: a backlog's events leave in event time, live ones at once."""

from __future__ import annotations

import pytest

from consumers.pipeline.event_order import EventTimeOrder

BACKLOG = 100  # records behind that make a backlog


def order(max_held: int = 1_000, expect_seconds: float = 3.0) -> EventTimeOrder[str]:
    return EventTimeOrder(max_held, BACKLOG, expect_seconds)


def contacts_behind(max_held: int = 1_000) -> EventTimeOrder[str]:
    """An order in a backlog whose contacts partition stands at event time 1.0."""
    o = order(max_held)
    assert o.offer("c1", "contacts", 1.0, lag=500, now=0) == ["c1"]
    return o


def test_live_traffic_passes_straight_through() -> None:
    o = order()
    assert o.offer("a", "orders", 50.0, lag=0, now=0) == ["a"]
    assert o.offer("b", "contacts", 10.0, lag=3, now=0) == ["b"]  # a lag, but no backlog
    assert len(o) == 0


def test_a_partition_ahead_in_event_time_waits_for_the_one_behind() -> None:
    o = order()
    assert o.offer("c1", "contacts", 10.0, lag=500, now=0) == ["c1"]
    # Orders run ahead: they wait until contacts have passed their time.
    assert o.offer("o1", "orders", 30.0, lag=200, now=0) == []
    assert o.offer("o2", "orders", 40.0, lag=199, now=0) == []
    assert o.offer("c2", "contacts", 20.0, lag=499, now=0) == ["c2"]
    assert o.offer("c3", "contacts", 35.0, lag=498, now=0) == ["o1", "c3"]
    assert len(o) == 1
    # Contacts catch up (no lag left): only orders' own frontier counts now.
    assert o.offer("c4", "contacts", 36.0, lag=0, now=0) == ["c4", "o2"]
    assert o.offer("o3", "orders", 50.0, lag=198, now=0) == ["o3"]


def test_the_backlog_ending_releases_everything_in_event_time() -> None:
    o = order()
    o.offer("c1", "contacts", 10.0, lag=500, now=0)
    o.offer("o2", "orders", 40.0, lag=5, now=0)
    o.offer("o1", "orders", 30.0, lag=4, now=0)  # out of order within a partition, too
    assert o.offer("c2", "contacts", 11.0, lag=99, now=0) == ["c2", "o1", "o2"]


def test_sources_not_heard_from_hold_everything_until_they_speak() -> None:
    o = order()
    o.expect(["contacts", "orders"])
    assert o.offer("o1", "orders", 30.0, lag=500, now=0) == []
    assert o.offer("c1", "contacts", 10.0, lag=500, now=1) == ["c1"]
    assert o.offer("c2", "contacts", 31.0, lag=499, now=1) == ["o1"]  # orders is at 30
    assert o.offer("o2", "orders", 32.0, lag=499, now=1) == ["c2"]


def test_an_expected_source_that_stays_silent_is_an_empty_partition() -> None:
    o = order(expect_seconds=3.0)
    o.expect(["contacts", "reorgs"])
    assert o.offer("c1", "contacts", 10.0, lag=500, now=100) == []  # reorgs might be older
    assert o.offer("c2", "contacts", 11.0, lag=499, now=102) == []
    # Three seconds after the first delivery reorgs has said nothing: it has nothing.
    assert o.offer("c3", "contacts", 12.0, lag=498, now=103) == ["c1", "c2", "c3"]


def test_holding_is_bounded_oldest_first() -> None:
    o = contacts_behind(max_held=2)
    assert o.offer("o1", "orders", 30.0, lag=0, now=0) == []
    assert o.offer("o2", "orders", 20.0, lag=0, now=0) == []
    assert o.offer("o3", "orders", 40.0, lag=0, now=0) == ["o2"]
    assert len(o) == 2


def test_release_all_empties_the_buffer_and_stops_waiting_for_the_silent() -> None:
    o = contacts_behind()
    o.offer("o2", "orders", 40.0, lag=0, now=0)
    o.offer("o1", "orders", 30.0, lag=0, now=0)
    assert o.release_all() == ["o1", "o2"]
    # contacts went quiet behind its backlog: new orders no longer wait for it...
    assert o.offer("o3", "orders", 50.0, lag=0, now=0) == ["o3"]
    # ... until it delivers again and says it is behind.
    assert o.offer("c2", "contacts", 2.0, lag=499, now=0) == ["c2"]
    assert o.offer("o4", "orders", 60.0, lag=0, now=0) == []


def test_unreadable_items_go_at_once() -> None:
    o = contacts_behind()
    o.offer("o1", "orders", 30.0, lag=0, now=0)
    assert o.offer("bad", "orders", None, lag=0, now=0) == ["bad"]
    assert len(o) == 1


def test_lost_partitions_drop_what_they_held_and_stop_holding_others() -> None:
    o = contacts_behind()
    o.offer("o1", "orders", 30.0, lag=200, now=0)
    o.offer("o2", "orders", 31.0, lag=199, now=0)
    assert o.discard_sources(lambda source: source != "orders") == ["o1", "o2"]
    assert len(o) == 0
    o.discard_sources(lambda source: source != "contacts")
    assert o.watermark is None  # nobody behind, no backlog left
    assert o.offer("t1", "tickets", 99.0, lag=0, now=0) == ["t1"]


@pytest.mark.parametrize("args", [(-1, 1, 1.0), (1, 0, 1.0), (1, 1, -1.0)])
def test_bad_limits_are_refused(args: tuple[int, int, float]) -> None:
    with pytest.raises(ValueError, match="need"):
        EventTimeOrder(*args)
