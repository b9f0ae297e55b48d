"""The embedded Tansu broker: topics, produce/consume through groups, exact end offsets."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from services.broker.clients import (
    consumer_config,
    producer_config,
)
from services.broker.embedded import EmbeddedBroker
from services.errors import EmbeddedBrokerError
from services.ops.process import free_port
from services.settings import Settings
from tests.support.aiokafka_clients import (
    aiokafka_consumer_config,
    aiokafka_producer_config,
)
from tests.support.processes import pids_mentioning
from tests.support.waiting import wait_for

RECORDS = 200
KEYS = [f"acct-{i}".encode() for i in range(17)]


def _end_total(bootstrap: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        return sum(consumer.end_offsets(parts).values())
    finally:
        consumer.close()


def test_contract_topics_exist_with_contract_partitions(embedded_broker: EmbeddedBroker) -> None:
    admin = KafkaAdminClient(bootstrap_servers=embedded_broker.bootstrap_servers)
    try:
        layout = {t["name"]: len(t["partitions"]) for t in admin.describe_topics()}
    finally:
        admin.close()
    for spec in embedded_broker.settings.topics.all_specs():
        assert layout[spec.name] == spec.partitions


def test_kafka_python_through_a_group_with_exact_end_offsets(
    broker_settings: Settings, unique_topic: str
) -> None:
    producer = KafkaProducer(**producer_config(broker_settings))
    for i in range(RECORDS):
        producer.send(unique_topic, key=KEYS[i % len(KEYS)], value=f"v{i}".encode())
    producer.flush()
    producer.close()

    # The one-record-per-batch workaround: the end offsets add up to what was sent.
    assert _end_total(broker_settings.bootstrap_servers, unique_topic) == RECORDS

    consumer = KafkaConsumer(
        unique_topic, **consumer_config(broker_settings, group_id=f"g-{unique_topic}")
    )
    seen: list[bytes] = []

    def poll() -> bool:
        for records in consumer.poll(timeout_ms=500).values():
            seen.extend(r.value for r in records)
        return len(seen) >= RECORDS

    try:
        wait_for(poll, timeout=60, what=f"{RECORDS} records through a consumer group")
        consumer.commit()
        committed = {tp: consumer.committed(tp) for tp in consumer.assignment()}
    finally:
        consumer.close()
    assert sorted(seen) == sorted(f"v{i}".encode() for i in range(RECORDS))
    assert sum(v or 0 for v in committed.values()) == RECORDS


def test_aiokafka_through_a_group_with_exact_end_offsets(
    broker_settings: Settings, unique_topic: str
) -> None:
    async def scenario() -> list[bytes]:
        producer = AIOKafkaProducer(**aiokafka_producer_config(broker_settings))
        await producer.start()
        try:
            # Sent concurrently, so aiokafka would batch them without the workaround.
            await asyncio.gather(
                *[
                    producer.send_and_wait(unique_topic, key=KEYS[i % len(KEYS)], value=b"%d" % i)
                    for i in range(RECORDS)
                ]
            )
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            unique_topic, **aiokafka_consumer_config(broker_settings, f"ag-{unique_topic}")
        )
        await consumer.start()
        seen: list[bytes] = []
        try:
            async with asyncio.timeout(60):
                while len(seen) < RECORDS:
                    batch = await consumer.getmany(timeout_ms=500)
                    seen.extend(r.value for records in batch.values() for r in records)
        finally:
            await consumer.stop()
        return seen

    seen = asyncio.run(scenario())
    assert sorted(seen) == sorted(b"%d" % i for i in range(RECORDS))
    assert _end_total(broker_settings.bootstrap_servers, unique_topic) == RECORDS


def test_batched_producer_still_shows_the_tansu_end_offset_bug(
    broker_settings: Settings, unique_topic: str
) -> None:
    """Canary: if this fails, Tansu fixed ListOffsets and the workaround can go."""
    producer = KafkaProducer(
        bootstrap_servers=broker_settings.bootstrap_servers, linger_ms=200, batch_size=65536
    )
    for i in range(20):
        producer.send(unique_topic, key=b"same-key", value=b"%d" % i)
    producer.flush()
    producer.close()
    assert _end_total(broker_settings.bootstrap_servers, unique_topic) < 20


def test_second_broker_on_a_taken_port_fails_clearly(embedded_broker: EmbeddedBroker) -> None:
    clash = Settings(embedded_broker_port=embedded_broker.port, data_dir=Path("/nonexistent"))
    broker = EmbeddedBroker(clash, log=subprocess.DEVNULL)
    with pytest.raises(EmbeddedBrokerError, match=f"port {embedded_broker.port}"):
        broker.start(ready_timeout=20)
    assert broker.pid is None


def test_missing_tansu_binary_is_reported(tmp_path: Path) -> None:
    settings = Settings(tansu_bin=tmp_path / "no-such-tansu", embedded_broker_port=free_port())
    with pytest.raises(EmbeddedBrokerError, match="does not exist"):
        EmbeddedBroker(settings).start()


def test_stop_leaves_no_broker_process() -> None:
    port = free_port()
    with EmbeddedBroker(Settings(embedded_broker_port=port), log=subprocess.DEVNULL):
        assert pids_mentioning(f"127.0.0.1:{port}")
    assert pids_mentioning(f"127.0.0.1:{port}") == []


def test_a_failed_topic_setup_stops_the_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.broker import embedded as embedded_broker
    from services.errors import TopicLayoutError

    def refuse(*_args: object) -> list[str]:
        raise TopicLayoutError("orders has 3 partitions, expected 4")

    monkeypatch.setattr(embedded_broker, "ensure_topics", refuse)
    port = free_port()
    broker = EmbeddedBroker(Settings(embedded_broker_port=port), log=subprocess.DEVNULL)
    with pytest.raises(TopicLayoutError):
        broker.start()
    assert broker.pid is None
    assert pids_mentioning(f"tcp://127.0.0.1:{port}") == []


def test_broker_dies_with_a_parent_killed_by_sigkill(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, KEYPULSE_EMBEDDED_BROKER_PORT=str(port), KEYPULSE_DATA_DIR=str(tmp_path))
    parent = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "broker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert parent.stdout is not None
        wait_for(
            lambda: "embedded broker ready" in parent.stdout.readline(),  # type: ignore[union-attr]
            timeout=30,
            what="keypulse broker to report ready",
            interval=0,
        )
        assert pids_mentioning(f"tcp://127.0.0.1:{port}")
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        wait_for(
            lambda: pids_mentioning(f"tcp://127.0.0.1:{port}") == [],
            timeout=10,
            what="tansu to exit after its parent was killed",
        )
    finally:
        if parent.poll() is None:
            parent.kill()
