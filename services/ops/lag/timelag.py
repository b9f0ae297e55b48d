"""Lag in seconds from a sliding window of (log-end offset, wall time) samples.

The idea is kafka-lag-exporter's: remember when the log end was where. The
consumer's committed offset is the next record it will read; that record was
written when the log end passed the committed offset, so interpolating the
committed offset into the (offset, time) samples gives its write time, and
now minus that time is how far behind the consumer is. Pure functions over
plain values: no I/O, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class EndOffsetSample:
    """The log-end offset of a partition as seen at ``time`` (seconds since the epoch)."""

    offset: int
    time: float


def add_end_sample(
    window: Sequence[EndOffsetSample], sample: EndOffsetSample, limit: int
) -> tuple[EndOffsetSample, ...]:
    """The window with ``sample`` added, at most ``limit`` samples long, oldest first.

    A sample not newer than the last one is ignored. A run of equal offsets is
    kept as its first and last sample only, so an idle partition does not push
    the informative samples out of the window.
    """
    if limit < 2:
        raise ValueError("an end-offset window needs room for at least 2 samples")
    if window:
        last = window[-1]
        if sample.time <= last.time:
            return tuple(window)
        if sample.offset < last.offset:
            # The log went backwards (topic deleted and recreated): older
            # samples describe another log and would give nonsense times.
            return (sample,)
        if sample.offset == last.offset and len(window) >= 2 and window[-2].offset == last.offset:
            return (*window[:-1], sample)
    return (*window, sample)[-limit:]


def _offset_time(window: Sequence[EndOffsetSample], offset: int) -> float | None:
    """When the log end was at ``offset``; None if the window cannot say."""
    # Newest segment first: for an offset on a flat stretch we want the last
    # moment the end was still there, i.e. just before the next record arrived.
    for right_index in range(len(window) - 1, 0, -1):
        left, right = window[right_index - 1], window[right_index]
        if left.offset <= offset <= right.offset and right.offset > left.offset:
            return left.time + (offset - left.offset) * (right.time - left.time) / (
                right.offset - left.offset
            )
    oldest, newest = window[0], window[-1]
    if newest.offset == oldest.offset:
        return None  # nothing was produced during the window: no rate to go by
    # Older than the window: extrapolate along the window's average rate.
    rate_time = (newest.time - oldest.time) / (newest.offset - oldest.offset)
    return oldest.time - (oldest.offset - offset) * rate_time


def estimate_lag_seconds(
    window: Sequence[EndOffsetSample], committed: int | None, now: float
) -> float | None:
    """Seconds the consumer at ``committed`` is behind at time ``now``; None when unknown.

    0.0 when it has read everything in the newest sample. Needs at least two
    samples otherwise. Never NaN and never negative.
    """
    if committed is None or not window:
        return None
    if committed >= window[-1].offset:
        return 0.0
    if len(window) < 2:
        return None
    written_at = _offset_time(window, committed)
    if written_at is None or not math.isfinite(written_at):
        return None
    return max(0.0, now - written_at)
