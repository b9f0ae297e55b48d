"""Send a step batch's records in few produce requests, with exact end offsets on Tansu.

Faust hands every record to aiokafka one by one. On the embedded broker the
producer must put each record in a batch of its own (Tansu's ListOffsets
answers base offset + 1 of a partition's *last* batch, so a multi-record
batch at the end hides its other records from end offsets, lag and Faust's
changelog recovery). aiokafka keeps one produce request in flight per broker
and takes one batch per partition into each request, so a partition's records
left one round trip each: at 500 events/s in wall-clock mode the worker fell
seconds behind (issue 12, README "Benchmark").

:class:`RecordSender` instead groups a flush's records per (topic, partition)
and queues all but the last as one closed multi-record batch, then the
last one alone in a closed batch of its own, straight into the producer's
accumulator (:func:`_enqueue`: queueing never waits for a round trip).
When a flush has left, every partition it wrote ends in a one-record
batch, so end offsets are exact again; only while a flush is in flight can
an end offset read low, by records whose inputs are not yet committed
(Faust flushes the producer before it commits offsets), so a recovery that
reads too little re-reads them from the inputs. Against a real Kafka
(``last_alone=False``) the last record joins the batch.

aiokafka's ``BatchBuilder``, its accumulator and its default partitioner are used directly;
aiokafka is pinned to a minor version and :func:`missing_internals` names
what a new release took away.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable, Iterable
from typing import Any

import faust
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.errors import ProducerClosed
from aiokafka.producer.message_accumulator import BatchBuilder, MessageAccumulator

from consumers.pipeline.out_records import OutRecord

#: Bytes of record data per multi-record batch; well under Kafka's default
#: ``max.message.bytes`` (1 MiB), which a batch counts against as a whole.
BATCH_BYTES = 512 * 1024

#: The aiokafka producer methods this module relies on (beside the attributes
#: ``client`` and ``_message_accumulator``, which only an instance has: see
#: :meth:`RecordSender._producer`).
PRODUCER_INTERNALS = ("_partition",)
PRODUCER_ATTRIBUTES = ("client", "_message_accumulator")
#: The accumulator method that queues a batch without waiting (beside the
#: instance attributes ``_closed``, ``_exception`` and ``_compression_type``).
ACCUMULATOR_INTERNALS = ("_append_batch",)


def missing_internals(
    producer_class: type = AIOKafkaProducer, accumulator_class: type = MessageAccumulator
) -> list[str]:
    """The aiokafka producer members :class:`RecordSender` needs that this aiokafka lacks."""
    missing = [name for name in PRODUCER_INTERNALS if not hasattr(producer_class, name)]
    return missing + [n for n in ACCUMULATOR_INTERNALS if not hasattr(accumulator_class, n)]


class RecordSender:
    """Sends flushes of records through the Faust app's aiokafka producer.

    Calls are serialised: a flush starts only when the one before it has
    been handed to the producer, so per partition the records of an earlier
    flush always precede those of a later one (the account agent and its
    due-account timer both send).
    """

    def __init__(self, producer: Callable[[], AIOKafkaProducer], *, last_alone: bool) -> None:
        self._started_producer = producer
        self._last_alone = last_alone
        self._turn = asyncio.Lock()  # FIFO: callers send in the order they asked
        self._known_topics: set[str] = set()

    @classmethod
    def of_app(cls, app: faust.App, *, last_alone: bool) -> RecordSender:
        """A sender through the Faust app's own aiokafka producer (once the app has started)."""
        # Faust's aiokafka driver keeps the started producer there.
        return cls(lambda: app.producer._ensure_producer(), last_alone=last_alone)  # type: ignore[attr-defined]

    def _producer(self) -> AIOKafkaProducer:
        producer = self._started_producer()
        if missing := [name for name in PRODUCER_ATTRIBUTES if not hasattr(producer, name)]:
            raise RuntimeError(f"cannot batch produce requests: the producer lacks {missing}")
        return producer

    async def send(self, records: Iterable[OutRecord]) -> list[asyncio.Future[Any]]:
        """Hand ``records`` to the producer, in order per partition; return delivery futures.

        Returns once every record is queued in the producer (not yet delivered):
        await the futures to know they reached the broker.
        """
        async with self._turn:
            producer = self._producer()
            by_partition: dict[tuple[str, int], list[OutRecord]] = {}
            for record in records:
                if record.topic not in self._known_topics:
                    await producer.client._wait_on_metadata(record.topic)
                    self._known_topics.add(record.topic)
                partition = record.partition
                if partition is None:
                    partition = producer._partition(
                        record.topic, None, None, None, record.key, record.value
                    )
                by_partition.setdefault((record.topic, partition), []).append(record)
            queued = await asyncio.gather(
                *(
                    self._send_partition(producer, topic, partition, rows)
                    for (topic, partition), rows in by_partition.items()
                )
            )
            return [future for futures in queued for future in futures]

    async def _send_partition(
        self, producer: AIOKafkaProducer, topic: str, partition: int, rows: list[OutRecord]
    ) -> list[asyncio.Future[Any]]:
        head, tail = (rows[:-1], rows[-1:]) if self._last_alone else (rows, [])
        # The accumulator's compression code, as its own create_builder uses.
        compression = producer._message_accumulator._compression_type
        tp = TopicPartition(topic, partition)
        futures: list[asyncio.Future[Any]] = []
        builder: BatchBuilder | None = None
        for row in head:
            if builder is not None and _append(builder, row):
                continue
            if builder is not None:
                futures.append(_enqueue(producer, builder, tp))
            builder = BatchBuilder(BATCH_BYTES, compression)
            _append(builder, row)  # the first record always fits
        if builder is not None:
            futures.append(_enqueue(producer, builder, tp))
        for row in tail:
            # A batch of its own, so that the partition's end offset is exact
            # on Tansu once it has left.
            alone = BatchBuilder(BATCH_BYTES, compression)
            _append(alone, row)
            futures.append(_enqueue(producer, alone, tp))
        return futures


def _append(builder: BatchBuilder, row: OutRecord) -> bool:
    return builder.append(timestamp=None, key=row.key, value=row.value) is not None


def _enqueue(
    producer: AIOKafkaProducer, builder: BatchBuilder, tp: TopicPartition
) -> asyncio.Future[Any]:
    """Queue ``builder`` as a closed batch behind whatever ``tp`` has queued; its delivery future.

    ``send_batch`` (``add_batch``) would first wait until the partition's
    queued batch has been taken into a produce request, which takes a round
    trip when a request is in flight: a flush of a few records per partition
    waited several round trips only to be queued. The accumulator sends one
    batch per partition per request, in the order queued, so order and the
    last-record-alone batches stay as they were.
    """
    accumulator = producer._message_accumulator
    if accumulator._closed:
        raise ProducerClosed()
    if accumulator._exception is not None:
        raise copy.copy(accumulator._exception)
    # Closed, so that producer.send() never appends a later record to it.
    builder.close()
    return asyncio.shield(accumulator._append_batch(builder, tp).future)
