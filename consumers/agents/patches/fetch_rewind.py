"""Never skip fetched records: rewind what Faust's consumer fetched but did not deliver.

faust-streaming 0.15.3 with aiokafka 0.14.0 can lose input records when a
worker joins its group twice in a row, which is what a worker restarted at
once after a crash does (the dead member is still registered, so a second
rebalance follows when its session expires). The mechanism, confirmed with a
log of every fetched and discarded range (README, "Restarts lose nothing"):

1. ``Consumer._wait_next_records`` hands aiokafka the consumer's *live* set
   of active partitions. A rebalance empties it (revoke) and Faust pauses
   every partition while tables recover.
2. aiokafka's ``Fetcher.fetched_records`` treats an empty set as "every
   partition": the fetch that was parked across the rebalance wakes up in
   the new generation and drains each assigned partition from its fresh
   position (the committed offset, or the earliest with none), advancing the
   positions past what it returns.
3. ``Consumer.getmany`` then throws those records away (flow is stopped, the
   partition is not active, or the generation changed) without moving the
   position back: ``perform_seek`` seeks to committed offsets only when they
   are above 0, so with nothing committed yet delivery resumes after the
   discarded range (contacts/0 54 -> 69 in the stress runs).

The fix, kept as narrow as the fault: after each ``getmany`` batch, every
partition whose fetched records were not all delivered is sought back to the
first undelivered offset, but only if nothing moved that partition since the
fetch (same aiokafka assignment, same position); otherwise whoever moved it
(a rebalance resetting to the committed offset, a seek) already decided where
reading resumes. A record counts as delivered once Faust's drain loop asked
for the next one while flow was still active; one whose hand-over a stopped
flow interrupted is fetched again. Seeking back can only cause redelivery,
which the idempotent account state absorbs; it can never skip.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as faust_aiokafka

log = logging.getLogger("keypulse.fetch_rewind")

_PATCHED = "_keypulse_fetch_rewind"


@dataclass(frozen=True)
class _Drain:
    """What one fetch returned and where it left each partition, read in the consumer thread."""

    records: Mapping[Any, Sequence[Any]]
    assignment: Any
    positions: Mapping[Any, int | None]


def _assignment_of(consumer: Any) -> Any:
    subscription = consumer._subscription.subscription
    return None if subscription is None else subscription.assignment


def _position(assignment: Any, tp: Any) -> int | None:
    if assignment is None:
        return None
    state = assignment.state_value(tp)
    if state is None or not state.has_valid_position:
        return None
    return int(state.position)


def first_undelivered(records: Sequence[Any], delivered_upto: int | None) -> int | None:
    """The offset to resume a partition from, or None when every fetched record was delivered."""
    for record in records:
        if delivered_upto is None or record.offset > delivered_upto:
            return int(record.offset)
    return None


def rewind_targets(
    drain: _Drain, assignment_now: Any, delivered: Mapping[Any, int]
) -> dict[Any, int]:
    """Partition -> offset to seek back to, for partitions nothing moved since ``drain``."""
    if assignment_now is None or assignment_now is not drain.assignment:
        return {}  # a rebalance re-established every position from the committed offsets
    targets: dict[Any, int] = {}
    for tp, records in drain.records.items():
        first = first_undelivered(records, delivered.get(tp))
        if first is None:
            continue
        expected = drain.positions.get(tp)
        if expected is not None and _position(assignment_now, tp) == expected:
            targets[tp] = first
    return targets


def install() -> None:
    """Patch Faust's aiokafka consumer to rewind undelivered fetched records (idempotent)."""
    thread_cls: Any = faust_aiokafka.AIOKafkaConsumerThread
    consumer_cls: Any = faust_consumer.Consumer
    if getattr(consumer_cls, _PATCHED, False):
        return
    if not all(
        hasattr(cls, name)
        for cls, name in (
            (thread_cls, "_fetch_records"),
            (consumer_cls, "_wait_next_records"),
            (consumer_cls, "getmany"),
        )
    ):
        # A faust-streaming release changed what this patch relies on.
        raise RuntimeError("cannot patch Faust's consumer: its fetch methods changed")
    original_fetch = thread_cls._fetch_records
    original_wait = consumer_cls._wait_next_records
    original_getmany = consumer_cls.getmany

    async def fetch_records(self: Any, consumer: Any, *args: Any, **kwargs: Any) -> Any:
        records = await original_fetch(self, consumer, *args, **kwargs)
        if records:
            # Still in the consumer thread, right after the drain: no other
            # step of this loop can have moved the positions yet.
            assignment = _assignment_of(consumer)
            self._keypulse_drain = _Drain(
                records=records,
                assignment=assignment,
                positions={tp: _position(assignment, tp) for tp in records},
            )
        return records

    async def wait_next_records(self: Any, timeout: float) -> Any:
        records, active = await original_wait(self, timeout)
        self._keypulse_fetched = records
        return records, active

    async def getmany(self: Any, timeout: float) -> AsyncIterator[Any]:
        self._keypulse_fetched = None
        delivered: dict[Any, int] = {}
        try:
            async for tp, message in original_getmany(self, timeout):
                yield tp, message
                # The drain loop asks for the next record once this one's
                # hand-over finished or a stopped flow interrupted it.
                if self.flow_active:
                    delivered[tp] = message.offset
        finally:
            _rewind(self, delivered)

    thread_cls._fetch_records = fetch_records
    consumer_cls._wait_next_records = wait_next_records
    consumer_cls.getmany = getmany
    setattr(consumer_cls, _PATCHED, True)


def _rewind(consumer: Any, delivered: Mapping[Any, int]) -> None:
    fetched = getattr(consumer, "_keypulse_fetched", None)
    consumer._keypulse_fetched = None
    thread: Any = getattr(consumer, "_thread", None)
    drain: _Drain | None = getattr(thread, "_keypulse_drain", None)
    if not fetched or thread is None or drain is None or drain.records is not fetched:
        return
    thread._keypulse_drain = None
    aiokafka_consumer = getattr(thread, "_consumer", None)
    if aiokafka_consumer is None:
        return
    targets = rewind_targets(drain, _assignment_of(aiokafka_consumer), delivered)
    for tp, offset in targets.items():
        thread.seek(tp, offset)
        consumer._read_offset[tp] = offset if offset else None
        log.info(
            "rewound %s[%d] to offset %d: %d fetched records were not delivered",
            tp.topic,
            tp.partition,
            offset,
            sum(1 for r in drain.records[tp] if r.offset >= offset),
        )


__all__ = ["first_undelivered", "install", "rewind_targets"]
