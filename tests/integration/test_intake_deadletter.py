"""The stream worker dead-letters bad input and keeps going (real broker, real Faust)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from services.broker.clients import producer_config
from services.broker.topics import ensure_topics
from services.ops.process import free_port, terminate
from services.settings import Settings
from tests.support.waiting import wait_for


@pytest.fixture
def prefixed_settings(broker_settings: Settings, tmp_path: Path) -> Settings:
    """Settings with a fresh topic prefix so this test sees only its own dead letters."""
    settings = broker_settings.model_copy(
        update={
            "topic_prefix": f"dl{uuid.uuid4().hex[:6]}.",
            "data_dir": tmp_path,
            "worker_web_port": free_port(),
        }
    )
    ensure_topics(settings.bootstrap_servers, settings.topics.all_specs())
    return settings


@pytest.fixture
def worker(prefixed_settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    s = prefixed_settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env.update(
        KEYPULSE_EMBEDDED_BROKER_PORT=str(s.embedded_broker_port),
        KEYPULSE_TOPIC_PREFIX=s.topic_prefix,
        KEYPULSE_DATA_DIR=str(s.data_dir),
        KEYPULSE_WORKER_WEB_PORT=str(s.worker_web_port),
    )
    with (tmp_path / "worker.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            terminate(proc)


def test_bad_messages_go_to_deadletter_and_processing_continues(
    prefixed_settings: Settings, worker: subprocess.Popen[bytes]
) -> None:
    topics = prefixed_settings.topics
    producer = KafkaProducer(**producer_config(prefixed_settings))
    bad = [
        (topics.name_of("orders"), b"not json at all"),
        (topics.name_of("tickets"), json.dumps({"type": "ticket.opened"}).encode()),
        (topics.name_of("contacts"), b"\xff\xfe"),
    ]
    for topic, value in bad:
        producer.send(topic, key=b"acme", value=value).get(timeout=10)
    producer.close()

    consumer = KafkaConsumer(
        topics.name_of("deadletter"),
        bootstrap_servers=prefixed_settings.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    letters: list[dict[str, object]] = []

    def collect() -> bool:
        for records in consumer.poll(timeout_ms=500).values():
            letters.extend(json.loads(r.value) for r in records)
        assert worker.poll() is None, "the worker died"
        return len(letters) >= len(bad)

    try:
        wait_for(collect, timeout=90, what="three dead letters")
    finally:
        consumer.close()

    by_value = {base64.b64decode(str(d["value"])): d for d in letters}
    assert set(by_value) == {value for _, value in bad}
    assert "not valid JSON" in str(by_value[b"not json at all"]["error"])
    assert "field required" in str(by_value[bad[1][1]]["error"])
    assert "not UTF-8" in str(by_value[b"\xff\xfe"]["error"])
    for topic, value in bad:
        letter = by_value[value]
        assert letter["topic"] == topic
        assert letter["offset"] == 0
        assert isinstance(letter["partition"], int)
