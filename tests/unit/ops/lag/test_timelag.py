"""Lag in seconds by interpolating the committed offset into (end offset, time) samples."""

from __future__ import annotations

import math

import pytest

from services.ops.lag.timelag import EndOffsetSample, add_end_sample, estimate_lag_seconds


def window(*points: tuple[int, float]) -> tuple[EndOffsetSample, ...]:
    return tuple(EndOffsetSample(offset, time) for offset, time in points)


def test_interpolates_between_the_two_samples_around_the_committed_offset() -> None:
    # The end went 100 -> 200 between t=10 and t=20: offset 150 was written at t=15.
    samples = window((100, 10.0), (200, 20.0), (300, 30.0))
    assert estimate_lag_seconds(samples, 150, now=30.0) == pytest.approx(15.0)


def test_committed_at_a_sample_takes_that_samples_time() -> None:
    samples = window((100, 10.0), (200, 20.0), (300, 30.0))
    assert estimate_lag_seconds(samples, 200, now=31.0) == pytest.approx(11.0)


def test_caught_up_is_zero_even_with_one_sample() -> None:
    assert estimate_lag_seconds(window((100, 10.0)), 100, now=50.0) == 0.0


def test_one_sample_cannot_tell_the_time_lag() -> None:
    assert estimate_lag_seconds(window((100, 10.0)), 90, now=50.0) is None


def test_no_samples_or_no_commit_is_unknown() -> None:
    assert estimate_lag_seconds((), 5, now=1.0) is None
    assert estimate_lag_seconds(window((100, 10.0), (110, 11.0)), None, now=12.0) is None


def test_offset_on_a_flat_stretch_uses_the_last_moment_the_end_stood_there() -> None:
    # Idle from t=10 to t=40 at offset 100, then 10 records by t=50: the record
    # at offset 100 was written after t=40, not at t=10.
    samples = window((50, 0.0), (100, 10.0), (100, 40.0), (110, 50.0))
    assert estimate_lag_seconds(samples, 100, now=60.0) == pytest.approx(20.0)


def test_older_than_the_window_extrapolates_along_the_window_rate() -> None:
    # 10 records per second across the window; offset 50 is 5 s before its start.
    samples = window((100, 10.0), (200, 20.0))
    assert estimate_lag_seconds(samples, 50, now=20.0) == pytest.approx(15.0)


def test_nothing_produced_during_the_window_is_unknown_not_nan() -> None:
    samples = window((100, 10.0), (100, 20.0))
    result = estimate_lag_seconds(samples, 90, now=30.0)
    assert result is None


def test_never_negative() -> None:
    # A clock that went backwards must not produce a negative lag.
    samples = window((100, 10.0), (200, 20.0))
    assert estimate_lag_seconds(samples, 150, now=5.0) == 0.0


def test_result_is_never_nan_for_awkward_windows() -> None:
    awkward = [
        window((0, 0.0), (0, 1.0)),
        window((5, 0.0), (5, 0.0 + 1e-9)),
        window((10, 1.0), (20, 1.0 + 1e-12)),
    ]
    for samples in awkward:
        for committed in (-1, 0, 4, 5, 9, 15):
            value = estimate_lag_seconds(samples, committed, now=2.0)
            assert value is None or (math.isfinite(value) and value >= 0)


def test_window_keeps_the_newest_samples_up_to_its_limit() -> None:
    samples: tuple[EndOffsetSample, ...] = ()
    for i in range(5):
        samples = add_end_sample(samples, EndOffsetSample(i * 10, float(i)), limit=3)
    assert samples == window((20, 2.0), (30, 3.0), (40, 4.0))


def test_window_compresses_a_flat_run_to_its_first_and_last_sample() -> None:
    samples: tuple[EndOffsetSample, ...] = ()
    for point in [(10, 1.0), (20, 2.0), (20, 3.0), (20, 4.0), (20, 5.0)]:
        samples = add_end_sample(samples, EndOffsetSample(*point), limit=10)
    assert samples == window((10, 1.0), (20, 2.0), (20, 5.0))


def test_window_ignores_samples_out_of_time_order() -> None:
    samples = window((10, 5.0))
    assert add_end_sample(samples, EndOffsetSample(20, 5.0), limit=5) == samples
    assert add_end_sample(samples, EndOffsetSample(20, 4.0), limit=5) == samples


def test_window_starts_over_when_the_log_goes_backwards() -> None:
    samples = window((100, 1.0), (200, 2.0))
    assert add_end_sample(samples, EndOffsetSample(5, 3.0), limit=5) == window((5, 3.0))


def test_window_needs_room_for_two_samples() -> None:
    with pytest.raises(ValueError, match="at least 2 samples"):
        add_end_sample((), EndOffsetSample(1, 1.0), limit=1)
