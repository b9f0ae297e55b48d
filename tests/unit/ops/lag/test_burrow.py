"""Burrow's evaluation rules over plain commit windows: every status, and the group rule."""

from __future__ import annotations

from services.ops.lag.burrow import (
    CommitEntry,
    group_status,
    next_commit_entry,
    partition_status,
)
from services.ops.lag.model import Status


def commits(*entries: tuple[int, int, float]) -> list[CommitEntry]:
    """(offset, lag, committed_at) triples as a window."""
    return [CommitEntry(offset, lag, at) for offset, lag, at in entries]


def test_ok_when_consumer_keeps_up_and_lag_falls() -> None:
    window = commits((100, 30, 0.0), (140, 20, 10.0), (180, 10, 20.0))
    assert partition_status(window, current_lag=10, now=20.0) is Status.OK


def test_ok_when_current_lag_is_zero_whatever_the_window_says() -> None:
    window = commits((100, 5, 0.0), (100, 9, 0.0), (100, 12, 0.0))
    assert partition_status(window, current_lag=0, now=500.0) is Status.OK


def test_ok_when_lag_was_zero_anywhere_in_the_window() -> None:
    window = commits((100, 0, 0.0), (100, 10, 0.0), (100, 20, 0.0))
    assert partition_status(window, current_lag=20, now=100.0) is Status.OK


def test_warn_when_offsets_advance_but_lag_never_falls() -> None:
    window = commits((100, 10, 0.0), (110, 15, 10.0), (120, 15, 20.0))
    assert partition_status(window, current_lag=15, now=20.0) is Status.WARN


def test_stall_when_commits_continue_at_the_same_offset() -> None:
    window = commits((100, 10, 0.0), (100, 20, 10.0), (100, 30, 20.0))
    assert partition_status(window, current_lag=30, now=20.0) is Status.STALL


def test_stop_when_the_last_commit_is_older_than_the_window_span() -> None:
    # Commits spanned 20 s (0 -> 20); nothing since, and now is 45: 25 s > 20 s.
    window = commits((100, 10, 0.0), (110, 12, 10.0), (120, 15, 20.0))
    assert partition_status(window, current_lag=40, now=45.0) is Status.STOP
    # Just inside the span it is not stopped yet (lag never fell: WARN).
    assert partition_status(window, current_lag=40, now=40.0) is Status.WARN


def test_rewind_when_the_committed_offset_goes_backwards() -> None:
    window = commits((100, 10, 0.0), (50, 60, 10.0), (60, 55, 20.0))
    assert partition_status(window, current_lag=55, now=20.0) is Status.REWIND


def test_rules_apply_in_order_of_severity() -> None:
    # Both rewound and stopped: REWIND is checked first.
    window = commits((100, 10, 0.0), (90, 20, 1.0), (90, 30, 2.0))
    assert partition_status(window, current_lag=30, now=100.0) is Status.REWIND
    # Both stopped and stalled: STOP is checked before STALL.
    window = commits((100, 10, 0.0), (100, 20, 0.0), (100, 30, 0.0))
    assert partition_status(window, current_lag=30, now=5.0) is Status.STOP


def test_unknown_until_the_window_holds_enough_commits() -> None:
    window = commits((100, 10, 0.0), (100, 20, 1.0))
    assert partition_status(window, current_lag=20, now=1.0, min_commits=3) is Status.UNKNOWN
    assert partition_status([], current_lag=20, now=1.0) is Status.UNKNOWN
    assert partition_status([], current_lag=None, now=1.0) is Status.UNKNOWN


def test_changed_offset_counts_as_a_commit_now() -> None:
    previous = CommitEntry(100, 5, 1.0)
    assert next_commit_entry(previous, 120, 3, now=9.0, group_active=False) == CommitEntry(
        120, 3, 9.0
    )
    assert next_commit_entry(None, 120, 3, now=9.0, group_active=False) == CommitEntry(120, 3, 9.0)


def test_unchanged_offset_keeps_its_commit_time_unless_the_group_has_members() -> None:
    previous = CommitEntry(100, 5, 1.0)
    # Nobody in the group: nobody committed, the silence shows (STOP).
    assert next_commit_entry(previous, 100, 8, now=9.0, group_active=False) == CommitEntry(
        100, 8, 1.0
    )
    # Live members re-commit their position: same offset, fresh time (STALL).
    assert next_commit_entry(previous, 100, 8, now=9.0, group_active=True) == CommitEntry(
        100, 8, 9.0
    )


def test_group_takes_its_worst_partition() -> None:
    assert group_status([Status.OK, Status.OK]) is Status.OK
    assert group_status([Status.OK, Status.UNKNOWN]) is Status.UNKNOWN
    assert group_status([Status.UNKNOWN, Status.WARN, Status.OK]) is Status.WARN


def test_group_reports_partition_errors_as_err_like_burrow() -> None:
    for bad in (Status.STOP, Status.STALL, Status.REWIND):
        assert group_status([Status.OK, Status.WARN, bad]) is Status.ERR


def test_group_without_partitions_is_unknown() -> None:
    assert group_status([]) is Status.UNKNOWN
