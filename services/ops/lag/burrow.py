"""Burrow's consumer status rules over a sliding window of commits.

Facts from Burrow's evaluator (github.com/linkedin/Burrow, "Consumer Lag
Evaluation Rules"), re-expressed here. Each window entry holds a committed
offset, the lag when it was seen, and when it was committed. With lag now:

1. If the current lag is zero, or any entry's lag is zero: OK.
2. If the offset ever decreases between consecutive entries: REWIND.
3. If the time since the last commit exceeds the span between the first and
   last commit in the window: STOP (the consumer stopped committing).
4. If every entry has the same offset: STALL (committing, not advancing).
5. If the lag never decreases from one entry to the next: WARN (too slow).
6. Otherwise OK. The checks run in that order; the first that holds wins.

A group takes its worst partition, with STOP, STALL and REWIND reported as
ERR. Pure functions over plain values: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from services.ops.lag.model import Status

#: Broker-reported group states in which the group has live members.
ACTIVE_GROUP_STATES = frozenset({"Stable", "PreparingRebalance", "CompletingRebalance"})

_GROUP_RANK = {Status.OK: 0, Status.UNKNOWN: 1, Status.WARN: 2, Status.ERR: 3}


@dataclass(frozen=True)
class CommitEntry:
    """One observation of a group's committed offset on one partition."""

    offset: int
    #: Lag when this entry was observed.
    lag: int
    #: When the offset was committed, as far as the monitor can tell (seconds).
    committed_at: float


def next_commit_entry(
    previous: CommitEntry | None, offset: int, lag: int, now: float, group_active: bool
) -> CommitEntry:
    """The window entry for a committed offset read at ``now``.

    Kafka does not say when an offset was committed, only what it is. A
    changed offset was committed since the last read: ``now``. An unchanged
    offset was re-committed if the group has live members (consumers commit
    their position periodically, which is Burrow's STALL case); if nobody is
    in the group, nobody committed and the old commit time stays, which is
    what lets the STOP rule see the silence.
    """
    if previous is None or previous.offset != offset or group_active:
        return CommitEntry(offset=offset, lag=lag, committed_at=now)
    return CommitEntry(offset=offset, lag=lag, committed_at=previous.committed_at)


def partition_status(
    window: Sequence[CommitEntry], current_lag: int | None, now: float, min_commits: int = 2
) -> Status:
    """Burrow's status for one partition; UNKNOWN while the window is too short to judge."""
    if current_lag == 0:
        return Status.OK  # Burrow: a partition with no lag is never in trouble
    if current_lag is None or len(window) < max(1, min_commits):
        return Status.UNKNOWN
    if any(entry.lag == 0 for entry in window):
        return Status.OK
    pairs = list(pairwise(window))
    if any(later.offset < earlier.offset for earlier, later in pairs):
        return Status.REWIND
    first, last = window[0], window[-1]
    if now - last.committed_at > last.committed_at - first.committed_at:
        return Status.STOP
    if all(later.offset == earlier.offset for earlier, later in pairs):
        return Status.STALL
    if all(later.lag >= earlier.lag for earlier, later in pairs):
        return Status.WARN
    return Status.OK


def group_status(partition_statuses: Iterable[Status]) -> Status:
    """The group's status: its worst partition, with STOP, STALL and REWIND as ERR.

    A group with no partitions is UNKNOWN: there is nothing to judge it by.
    """
    worst: Status | None = None
    for status in partition_statuses:
        as_group = Status.ERR if status in (Status.STOP, Status.STALL, Status.REWIND) else status
        if worst is None or _GROUP_RANK[as_group] > _GROUP_RANK[worst]:
            worst = as_group
    return Status.UNKNOWN if worst is None else worst
