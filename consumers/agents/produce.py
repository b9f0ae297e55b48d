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
and submits all but the last as one closed multi-record batch
(``AIOKafkaProducer.send_batch``), then the last one alone through the
ordinary ``send``. When a flush has left, every partition it wrote ends in a
one-record batch, so end offsets are exact again; only while a flush is in
flight can an end offset read low, by records whose inputs are not yet
committed (Faust flushes the producer before it commits offsets), so a
recovery that reads too little re-reads them from the inputs. Against a real
Kafka (``last_alone=False``) the last record joins the batch.

aiokafka's ``BatchBuilder`` and its default partitioner are used directly;
aiokafka is pinned to a minor version and :func:`missing_internals` names
what a new release took away.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

import faust
from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder

from consumers.pipeline.out_records import OutRecord

#: Bytes of record data per multi-record batch; well under Kafka's default
#: ``max.message.bytes`` (1 MiB), which a batch counts against as a whole.
BATCH_BYTES = 512 * 1024

#: The aiokafka producer methods this module relies on (beside the attributes
#: ``client`` and ``_message_accumulator``, which only an instance has: see
#: :meth:`RecordSender._producer`).
PRODUCER_INTERNALS = ("_partition", "send_batch")
PRODUCER_ATTRIBUTES = ("client", "_message_accumulator")


def missing_internals(producer_class: type = AIOKafkaProducer) -> list[str]:
    """The aiokafka producer members :class:`RecordSender` needs that this aiokafka lacks."""
    return [name for name in PRODUCER_INTERNALS if not hasattr(producer_class, name)]


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
        futures: list[asyncio.Future[Any]] = []
        builder: BatchBuilder | None = None
        for row in head:
            if builder is not None and _append(builder, row):
                continue
            if builder is not None:
                futures.append(await _submit(producer, builder, topic, partition))
            # The accumulator's compression code, as its own create_builder uses.
            compression = producer._message_accumulator._compression_type
            builder = BatchBuilder(BATCH_BYTES, compression)
            _append(builder, row)  # the first record always fits
        if builder is not None:
            futures.append(await _submit(producer, builder, topic, partition))
        for row in tail:
            # The producer's batches hold one record on Tansu, and the closed
            # batch above cannot take it: this record ends the partition alone.
            futures.append(await producer.send(topic, row.value, key=row.key, partition=partition))
        return futures


def _append(builder: BatchBuilder, row: OutRecord) -> bool:
    return builder.append(timestamp=None, key=row.key, value=row.value) is not None


async def _submit(
    producer: AIOKafkaProducer, builder: BatchBuilder, topic: str, partition: int
) -> asyncio.Future[Any]:
    # Closed, so that producer.send() never appends a later record to it.
    builder.close()
    return await producer.send_batch(builder, topic, partition=partition)  # type: ignore[no-any-return]
