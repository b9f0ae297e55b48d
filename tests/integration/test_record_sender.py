"""The worker's RecordSender on the embedded broker: few requests, exact end offsets, order kept.

Tansu reports a partition's end as base offset + 1 of its last batch
(tests/integration/test_embedded_broker.py has the canary). The sender puts
all but each partition's last record of a flush in one batch and the last
alone, so the end offsets add up again once a flush has left.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from consumers.agents.produce import RecordSender
from consumers.pipeline.out_records import OutRecord
from services.settings import Settings
from tests.support.aiokafka_clients import aiokafka_producer_config

PARTITIONS = 4  # unique_topic's


def _flushes(topic: str) -> list[list[OutRecord]]:
    """Three flushes of uneven size over every partition, keys cycling through 7 accounts."""
    flushes, n = [], 0
    for size in (50, 1, 23):
        flush = []
        for _ in range(size):
            flush.append(OutRecord(topic, f"acct-{n % 7}".encode(), b"%d" % n, n % PARTITIONS))
            n += 1
        flushes.append(flush)
    return flushes


async def _send_and_read(
    settings: Settings, topic: str, *, last_alone: bool
) -> tuple[int, dict[int, list[int]]]:
    """Send the flushes; return the sum of end offsets and each partition's values in order."""
    producer = AIOKafkaProducer(**aiokafka_producer_config(settings))
    await producer.start()
    try:
        sender = RecordSender(lambda: producer, last_alone=last_alone)
        for flush in _flushes(topic):
            await asyncio.gather(*await sender.send(flush))
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        ends = await consumer.end_offsets(parts)
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        seen: dict[int, list[int]] = {p: [] for p in range(PARTITIONS)}
        async with asyncio.timeout(30):
            while sum(map(len, seen.values())) < 74:
                for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                    seen[tp.partition] += [int(r.value or b"") for r in records]
    finally:
        await consumer.stop()
    return sum(ends.values()), seen


def test_flushes_leave_exact_end_offsets_and_keep_each_partitions_order(
    broker_settings: Settings, unique_topic: str
) -> None:
    ends, seen = asyncio.run(_send_and_read(broker_settings, unique_topic, last_alone=True))
    assert ends == 74
    for partition, values in seen.items():
        assert values == sorted(values), f"partition {partition} out of order"
        assert values == [n for n in range(74) if n % PARTITIONS == partition]


def test_without_the_last_record_alone_tansu_end_offsets_read_low(
    broker_settings: Settings, unique_topic: str
) -> None:
    """Why ``last_alone`` exists: the same flushes in whole batches hide records from ends."""
    ends, seen = asyncio.run(_send_and_read(broker_settings, unique_topic, last_alone=False))
    assert sum(map(len, seen.values())) == 74  # every record is there ...
    assert ends < 74  # ... but the end offsets do not say so
