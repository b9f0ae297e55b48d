"""A backlog's events put back into event time before they reach the engine.

An import published at once reaches the worker through five topics, and
Faust drains their partitions at its own pace, whole fetches of one
partition before the next, not in the history's order: on a 150-day replay
the orders topic ran months of event time ahead of the busy contacts
topic. Every contact that then arrives is older than its account's newest
event, a *late* event, and a late event re-evaluates the account's health
history from its own time on (consumers/domain/history.py). That revision
was most of the worker's time.

:class:`EventTimeOrder` holds such events back while there is a backlog
(some source, a partition, delivered an event ``backlog_lag`` or more
records behind its end). Each source has a *frontier*, the newest event
time it has delivered; a source with records still to deliver (any lag) or
not heard from yet is *behind*. The *watermark* is the oldest frontier of
the sources behind (minus infinity for one not heard from). An event at or
before it is released, oldest first; a newer one waits until every source
behind has passed its time or has caught up.

Without a backlog nothing waits: live traffic passes straight through, and
so does everything held when the backlog ends. Holding is bounded by
``max_held`` (past it the oldest go), and the caller can release everything
(:meth:`release_all`) when no source has delivered anything for a while.
Both only make some events late again, which the engine handles correctly,
just more slowly: this buffer is an optimisation, never needed for correct
results.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(order=True)
class _Held(Generic[T]):
    at: float
    seq: int
    source: Hashable = field(compare=False)
    item: T = field(compare=False)


class EventTimeOrder(Generic[T]):
    """Items from several sources, released in event-time order up to a watermark."""

    def __init__(self, max_held: int, backlog_lag: int, expect_seconds: float) -> None:
        if max_held < 0 or backlog_lag < 1 or expect_seconds < 0:
            raise ValueError("need max_held >= 0, backlog_lag >= 1 and expect_seconds >= 0")
        self.max_held = max_held
        self.backlog_lag = backlog_lag
        self.expect_seconds = expect_seconds
        self._expected: set[Hashable] = set()  # sources not heard from yet
        self._expect_until: float | None = None  # set by the first item after expect()
        self._heap: list[_Held[T]] = []
        self._frontier: dict[Hashable, float] = {}
        self._lag: dict[Hashable, int | None] = {}  # None: not heard from yet
        self._seq = itertools.count()

    def __len__(self) -> int:
        """Items held back."""
        return len(self._heap)

    @property
    def in_backlog(self) -> bool:
        """Whether some source's last item was ``backlog_lag`` or more behind its end."""
        return any(lag is not None and lag >= self.backlog_lag for lag in self._lag.values())

    @property
    def watermark(self) -> float | None:
        """Up to which event time items may go; None: all of them (no backlog)."""
        if not self.in_backlog:
            return None
        behind = [self._frontier[s] for s, lag in self._lag.items() if lag is None or lag > 0]
        return min(behind, default=None)

    def offer(self, item: T, source: Hashable, at: float | None, lag: int, now: float) -> list[T]:
        """Take ``item`` from ``source``, ``lag`` records behind its end; return what goes now.

        ``at`` is the item's event time (any monotone number, e.g. POSIX
        seconds); ``now`` a monotonic clock reading in seconds. An item
        without a time (it could not be read) goes at once: it cannot be
        placed, and holding it would gain nothing.
        """
        self._expire(now)
        if at is None:
            return [item, *self._release()]
        self._frontier[source] = max(at, self._frontier.get(source, -math.inf))
        self._lag[source] = lag
        self._expected.discard(source)
        heapq.heappush(self._heap, _Held(at, next(self._seq), source, item))
        return self._release()

    def _expire(self, now: float) -> None:
        """Sources expected but silent ``expect_seconds`` after the first item: empty ones."""
        if not self._expected:
            return
        if self._expect_until is None:
            self._expect_until = now + self.expect_seconds
        elif now >= self._expect_until:
            for source in self._expected:
                del self._lag[source], self._frontier[source]
            self._expected.clear()

    def _release(self) -> list[T]:
        mark = self.watermark
        heap = self._heap
        released: list[T] = []
        while heap and (mark is None or heap[0].at <= mark or len(heap) > self.max_held):
            released.append(heapq.heappop(heap).item)
        return released

    def release_all(self) -> list[T]:
        """Everything held, oldest first: the caller saw no source deliver for a while."""
        released = [heapq.heappop(self._heap).item for _ in range(len(self._heap))]
        # Whoever was behind has gone quiet: wait for news before holding again.
        for source, lag in self._lag.items():
            if lag is None or lag > 0:
                self._lag[source] = 0
        self._expected.clear()
        return released

    def expect(self, sources: Iterable[Hashable]) -> None:
        """Count ``sources`` not heard from yet as behind, from before any event time.

        At the start of a backlog Faust hands over whole fetches of one
        partition before the next: without this, the first partition's
        events would all go out before the others said where they stand.
        A source still silent ``expect_seconds`` after the first item that
        follows has nothing to deliver (an empty partition) and stops
        counting as behind.
        """
        for source in sources:
            if source not in self._lag:
                self._frontier[source] = -math.inf
                self._lag[source] = None
                self._expected.add(source)
                self._expect_until = None

    def discard_sources(self, keep: Callable[[Hashable], bool]) -> list[T]:
        """Drop the held items (and what is known) of every source ``keep`` rejects.

        For partitions this worker no longer owns: their items go to the new
        owner, which reads them again from the last committed offset.
        """
        dropped = [h.item for h in self._heap if not keep(h.source)]
        if dropped:
            self._heap = [h for h in self._heap if keep(h.source)]
            heapq.heapify(self._heap)
        for source in [s for s in self._lag if not keep(s)]:
            del self._frontier[source], self._lag[source]
            self._expected.discard(source)
        return dropped


__all__ = ["EventTimeOrder"]
