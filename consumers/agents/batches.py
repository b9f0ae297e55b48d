"""Batches of a Faust stream that grow while the worker is behind.

Faust's ``Stream.take_events(max, within)`` collects for ``within`` seconds,
then holds back every further event until the caller has handled the batch.
So a batch is at most ``within`` seconds of Faust's own delivery, whatever
the backlog: replaying a history of 500 accounts gave batches of a few
hundred events, and nearly every account was stepped (evaluated, encoded,
its changelog and outputs sent) once per event.

:class:`Batcher` keeps collecting while a batch is being handled, and when
the pending batch's events show a lag of ``backlog_lag`` records or more on
any partition it waits for a full batch (up to ``backlog_linger`` seconds
after the batch's first event arrived, so events that piled up while the
last batch was handled have used that time already), or until every
partition's newest event comes within ``backlog_lag`` of its end (caught
up: waiting longer would only idle). Events already late gain nothing from
a short batch; a long one steps each account once for many of its events.
Live traffic (no lag) keeps batches of ``linger`` seconds, or whatever
arrived while the last batch was handled.

While behind, events also pass through an :class:`EventTimeOrder`
(consumers/pipeline/event_order.py): an event newer than what the other
partitions with a backlog have delivered waits for them, so that a replayed
history reaches the engine close to event time instead of topic by topic.
Each event is read once, by the caller's ``prepare`` (the account stage
decodes it there), and batches hold (event, prepared) pairs.

Each event is acknowledged only after the batch holding it has been handled
(the caller resumed the iteration), never before: an event that arrived
while an earlier batch was being handled waits, unacknowledged, for its own
batch. A batch whose handling raised is not acknowledged at all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import faust
from faust.types import TP, ChannelT, EventT, Message

from consumers.pipeline.event_order import EventTimeOrder

P = TypeVar("P")
#: Seconds without any delivery after which events held for event-time order go.
QUIET_SECONDS = 2
#: Seconds after its first delivery within which a new assignment's partitions
#: must each deliver to count as having a backlog (EventTimeOrder.expect).
EXPECT_SECONDS = 3.0
#: A batch entry: Faust's event and what ``prepare`` made of it.
Taken = tuple[EventT[Any], P]

#: The Stream internals a Batcher uses besides its public API; checked at start.
STREAM_INTERNALS = ("_enable_passive", "_processors", "current_event", "enable_acks")


@dataclass(frozen=True)
class BatchLimits:
    """How large a batch may grow and how long to wait for it."""

    max_events: int
    linger: float  # seconds to wait for more after a first event, when not behind
    backlog_linger: float  # seconds from a batch's first event to wait for it to fill, when behind
    backlog_lag: int  # records behind the partition's end that count as a backlog
    max_held: int = 20_000  # events held back for event-time order, at most


def missing_internals(stream_class: type = faust.Stream) -> list[str]:
    """The Stream members a Batcher needs that this Faust lacks (empty if none).

    ``_processors`` is only declared (annotated) on the class, the rest are
    attributes of it; faust-streaming is pinned to a minor version for this.
    """
    declared: set[str] = set()
    for base in stream_class.__mro__:
        declared |= set(getattr(base, "__annotations__", {}))
    return [n for n in STREAM_INTERNALS if not hasattr(stream_class, n) and n not in declared]


class Batcher(Generic[P]):
    """Collects a stream's events into batches; see the module docstring."""

    def __init__(
        self,
        stream: faust.Stream[Any],
        limits: BatchLimits,
        lag_of: Callable[[Message], int],
        prepare: Callable[[EventT[Any]], P],
        event_time: Callable[[P], float | None],
        assigned: Callable[[], set[TP]],
    ) -> None:
        self._stream = stream
        self._limits = limits
        self._lag_of = lag_of
        self._prepare = prepare
        self._event_time = event_time
        self._assigned = assigned
        self._owned: set[TP] = set()
        self._delivered = 0  # events Faust handed to _collect
        self._delivered_before = 0  # ... as of the last quiet check
        self._quiet_seconds = 0
        self._pending: list[Taken[P]] = []
        self._order: EventTimeOrder[Taken[P]] = EventTimeOrder(
            limits.max_held, limits.backlog_lag, expect_seconds=EXPECT_SECONDS
        )
        self._behind = False
        self._lags: dict[Any, int] = {}  # partition → lag, of the pending batch's events
        self._first_arrived = 0.0  # monotonic time the pending batch's first event came
        self._arrived = asyncio.Event()  # _pending holds at least one event
        self._ready = asyncio.Event()  # take _pending now: full, or caught up with a backlog
        self._room = asyncio.Event()  # _pending holds fewer than max_events
        self._room.set()

    async def _collect(self, value: Any) -> Any:
        """Stream processor: append the current event to the pending batch."""
        limits = self._limits
        while len(self._pending) >= limits.max_events:
            # Full: hold Faust's delivery until the batch has been taken.
            self._room.clear()
            await self._stream.wait(self._room)  # type: ignore[arg-type]
        event = self._stream.current_event
        if event is None:
            raise RuntimeError("a stream processor ran without a current event")
        self._delivered += 1
        message = event.message
        lag = self._lag_of(message)
        prepared = self._prepare(event)
        released = self._order.offer(
            (event, prepared), message.tp, self._event_time(prepared), lag, time.monotonic()
        )
        for taken in released:
            self._add(taken)
        return value

    def _add(self, taken: Taken[P]) -> None:
        limits = self._limits
        message = taken[0].message
        if not self._pending:
            self._lags.clear()
            self._arrived.set()
            self._first_arrived = time.monotonic()
        # The lag of every partition the batch holds events of: a nearly drained
        # partition (a topic with few events) does not mean the others caught up.
        self._lags[message.tp] = self._lag_of(message)
        behind = max(self._lags.values()) >= limits.backlog_lag
        if self._behind and not behind:
            self._ready.set()  # caught up with the backlog
        self._behind = behind
        self._pending.append(taken)
        if len(self._pending) >= limits.max_events:
            self._ready.set()

    async def batches(self) -> AsyncIterator[list[Taken[P]]]:
        """Yield batches; each is acknowledged when the caller asks for the next."""
        stream, limits = self._stream, self._limits
        acks_before = stream.enable_acks
        stream.enable_acks = False  # this generator acknowledges, after each batch
        stream.add_processor(self._collect)
        stream._enable_passive(cast(ChannelT[Any], aiter(stream.channel)))
        try:
            while not stream.should_stop:
                self._follow_assignment()
                waited = not self._pending
                if waited:
                    # A timeout only to look at should_stop now and then.
                    await stream.wait_for_stopped(self._arrived, timeout=1.0)  # type: ignore[arg-type]
                    if not self._pending:
                        self._release_if_quiet()
                        continue
                # Behind: wait for a full batch. Live: events that piled up while
                # the last batch was handled have waited enough already.
                live_linger = limits.linger if waited else 0.0
                # Behind: the wait counts from the batch's first event. With the
                # previous batch still in the engine the batch filled meanwhile,
                # and the engine should not then idle for the rest of it.
                backlog_left = self._first_arrived + limits.backlog_linger - time.monotonic()
                linger = backlog_left if self._behind else live_linger
                if linger > 0 and not self._ready.is_set():
                    await stream.wait_for_stopped(self._ready, timeout=linger)  # type: ignore[arg-type]
                batch, self._pending = self._pending, []
                self._arrived.clear()
                self._ready.clear()
                self._room.set()
                yield batch
                # Only reached when the caller handled the batch and asked for more.
                for event, _ in batch:
                    await stream.ack(event)
        finally:
            stream.enable_acks = acks_before
            stream._processors.remove(self._collect)

    def _follow_assignment(self) -> None:
        """Partitions gained are expected to deliver; those lost drop what they held.

        Events of partitions this worker no longer owns are dropped
        unacknowledged: the new owner reads them again.
        """
        owned = self._assigned()
        if owned != self._owned:
            self._order.discard_sources(lambda tp: tp in owned)
            self._order.expect(owned - self._owned)
            self._owned = owned

    def _release_if_quiet(self) -> None:
        """After a second with nothing to take: if Faust delivered nothing either, twice
        in a row, what the order held back goes now.

        A partition behind that stopped delivering (paused, say) would
        otherwise hold the others' events until ``max_held`` of them piled up.
        """
        quiet = self._delivered == self._delivered_before
        self._delivered_before = self._delivered
        self._quiet_seconds = self._quiet_seconds + 1 if quiet else 0
        if self._quiet_seconds >= QUIET_SECONDS:
            for taken in self._order.release_all():
                self._add(taken)


def consumer_lag(app: faust.App) -> Callable[[Message], int]:
    """Records between a message and its partition's end, as the last fetch saw it (0: unknown)."""

    def lag_of(message: Message) -> int:
        try:
            highwater = app.consumer.highwater(message.tp)
        except Exception:  # no fetch yet, or no consumer: no lag known
            return 0
        return max(0, int(highwater) - message.offset - 1) if highwater is not None else 0

    return lag_of
