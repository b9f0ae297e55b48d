"""The stateful lag monitor: keeps the sliding windows and turns offset reads into reports.

Each :meth:`LagMonitor.sample` reads offsets once, adds one end-offset sample
per partition and one commit entry per (group, partition) to their windows,
and evaluates lag seconds (:mod:`services.ops.lag.timelag`) and Burrow statuses
(:mod:`services.ops.lag.burrow`). One sample alone cannot give a time lag or a
status for a lagging partition (those read as None / UNKNOWN); call
``sample`` periodically, as ``keypulse lag --watch`` does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from services.ops.lag.burrow import (
    ACTIVE_GROUP_STATES,
    CommitEntry,
    group_status,
    next_commit_entry,
    partition_status,
)
from services.ops.lag.model import GroupLag, PartitionLag
from services.ops.lag.offsets import OffsetSource, PartitionKey
from services.ops.lag.timelag import EndOffsetSample, add_end_sample, estimate_lag_seconds


@dataclass(frozen=True)
class WindowSettings:
    """Sizes of the sliding windows.

    Defaults: Burrow's 10 commits per partition; kafka-lag-exporter's 60
    end-offset samples. ``min_commits`` is how many entries a lagging
    partition needs before it gets a status other than UNKNOWN.
    """

    commit_window: int = 10
    end_window: int = 60
    min_commits: int = 3

    def __post_init__(self) -> None:
        if self.commit_window < 1 or self.end_window < 2:
            raise ValueError("commit_window must be >= 1 and end_window >= 2")
        if not 1 <= self.min_commits <= self.commit_window:
            raise ValueError("min_commits must be between 1 and commit_window")


class LagMonitor:
    """Samples offsets from a source and reports lag, lag seconds and status per group.

    ``clock`` returns seconds since the epoch; tests pass a controllable one.
    ``sample`` is thread-safe, so an API route and a background sampler can
    share one monitor.
    """

    def __init__(
        self,
        source: OffsetSource,
        *,
        clock: Callable[[], float] = time.time,
        windows: WindowSettings | None = None,
    ) -> None:
        self.source = source
        self.clock = clock
        self.windows = windows or WindowSettings()
        self._ends: dict[PartitionKey, tuple[EndOffsetSample, ...]] = {}
        self._commits: dict[tuple[str, PartitionKey], tuple[CommitEntry, ...]] = {}
        self._latest: tuple[GroupLag, ...] = ()
        self._samples = 0
        self._lock = threading.Lock()

    @property
    def samples_taken(self) -> int:
        """How many times :meth:`sample` has read offsets."""
        return self._samples

    @property
    def latest(self) -> tuple[GroupLag, ...]:
        """The report of the most recent sample (empty before the first)."""
        return self._latest

    def sample(self) -> tuple[GroupLag, ...]:
        """Read offsets now, slide the windows, and return the report for every group."""
        snapshot = self.source.read()
        with self._lock:
            now = self.clock()
            for key, log_end in snapshot.ends.items():
                self._ends[key] = add_end_sample(
                    self._ends.get(key, ()), EndOffsetSample(log_end, now), self.windows.end_window
                )
            # Forget partitions no group reads any more, so windows do not pile up.
            for stale in set(self._ends) - set(snapshot.ends):
                del self._ends[stale]

            seen: set[tuple[str, PartitionKey]] = set()
            report: list[GroupLag] = []
            for offsets in snapshot.groups:
                active = offsets.state in ACTIVE_GROUP_STATES
                partitions: list[PartitionLag] = []
                for key in sorted(offsets.committed):
                    committed = offsets.committed[key]
                    end = snapshot.ends.get(key)
                    if end is None:
                        continue  # the topic vanished between the two reads
                    # Clamped: a committed offset past the end only happens on
                    # a broker with Tansu's batch end-offset bug.
                    lag = None if committed is None else max(0, end - committed)
                    window_key = (offsets.group, key)
                    window = self._commits.get(window_key, ())
                    if committed is not None and lag is not None:
                        entry = next_commit_entry(
                            window[-1] if window else None, committed, lag, now, active
                        )
                        window = (*window, entry)[-self.windows.commit_window :]
                        self._commits[window_key] = window
                        seen.add(window_key)
                    partitions.append(
                        PartitionLag(
                            topic=key.topic,
                            partition=key.partition,
                            committed=committed,
                            end=end,
                            lag=lag,
                            lag_seconds=estimate_lag_seconds(
                                self._ends.get(key, ()), committed, now
                            ),
                            status=partition_status(
                                window, lag, now, min_commits=self.windows.min_commits
                            ),
                        )
                    )
                report.append(
                    GroupLag(
                        group=offsets.group,
                        status=group_status(p.status for p in partitions),
                        total_lag=sum(p.lag or 0 for p in partitions),
                        partitions=tuple(partitions),
                    )
                )
            for stale_key in set(self._commits) - seen:
                del self._commits[stale_key]
            self._latest = tuple(report)
            self._samples += 1
            return self._latest
