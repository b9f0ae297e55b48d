"""The sink against the real embedded broker, into SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from schemas.internal import AccountProfile, KamQueue
from schemas.outputs import AlertRecord, HealthSnapshot
from schemas.topics import InternalTopic, TopicName
from services.broker.clients import producer_config
from services.broker.topics import ensure_topics
from services.ops.process import terminate
from services.read_models import apply_records, create_engine_for, ensure_schema, writer
from services.read_models.sink import SinkStats, run_sink
from services.read_models.store import ReadModelRecord
from services.settings import Settings
from tests.integration.read_models.records import dump, health, stream
from tests.support.waiting import wait_for

#: Malformed values the sink must skip: not JSON, wrong shape, empty.
_POISON: list[tuple[TopicName | InternalTopic, bytes | None]] = [
    (TopicName.ALERTS, b"{not json"),
    (TopicName.ACCOUNT_HEALTH, b'{"account_id": "acc-0", "score": 500}'),
    (InternalTopic.KAM_QUEUES, None),
]


@pytest.fixture
def sink_settings(broker_settings: Settings, tmp_path: Path) -> Settings:
    """Broker settings with a fresh topic prefix: this test sees only its own records."""
    settings = broker_settings.model_copy(
        update={"topic_prefix": f"rm{uuid.uuid4().hex[:8]}.", "data_dir": tmp_path}
    )
    ensure_topics(settings.bootstrap_servers, settings.topics.all_specs())
    return settings


def _topic_of(record: ReadModelRecord) -> tuple[TopicName | InternalTopic, str]:
    if isinstance(record, HealthSnapshot):
        return TopicName.ACCOUNT_HEALTH, record.account_id
    if isinstance(record, AlertRecord):
        return TopicName.ALERTS, record.account_id
    if isinstance(record, AccountProfile):
        return InternalTopic.ACCOUNT_PROFILES, record.account_id
    assert isinstance(record, KamQueue)
    return InternalTopic.KAM_QUEUES, record.kam_id


def _produce(settings: Settings, records: Sequence[ReadModelRecord], poison: bool = True) -> None:
    producer = KafkaProducer(**producer_config(settings))
    try:
        for i, record in enumerate(records):
            topic, key = _topic_of(record)
            producer.send(
                settings.topics.name(topic),
                key=key.encode(),
                value=record.model_dump_json().encode(),
            )
            if poison and i == len(records) // 2:
                for bad_topic, value in _POISON:
                    producer.send(settings.topics.name(bad_topic), key=b"acc-0", value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()


def _reference(url: str, records: Sequence[ReadModelRecord]) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine_for(url)
    try:
        ensure_schema(engine)
        with writer(engine.connect()) as conn, conn.begin():
            apply_records(conn, records)
        return dump(engine)
    finally:
        engine.dispose()


@contextmanager
def _sink_thread(settings: Settings, group_id: str) -> Iterator[list[SinkStats]]:
    """Run the sink in a thread; stop it with its event on the way out."""
    stop = threading.Event()
    result: list[SinkStats] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run_sink(settings, stop, group_id=group_id))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"sink-{group_id}", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive(), "the sink did not stop within 30 s of its stop event"
    assert errors == []
    assert len(result) == 1


def _wait_for_rows(engine: Engine, expected: dict[str, list[tuple[Any, ...]]], what: str) -> None:
    def probe() -> bool:
        return dump(engine) == expected

    wait_for(probe, timeout=90, what=what, interval=0.25)


def test_sink_writes_the_topics_and_a_second_group_rebuilds_the_same_rows(
    sink_settings: Settings, fresh_database_url: Callable[[], str]
) -> None:
    records = stream()
    # Some redeliveries as a crashed worker would publish them.
    records += records[5:15]
    _produce(sink_settings, records)
    expected = _reference(fresh_database_url(), records)

    dumps = []
    for n in range(2):
        url = fresh_database_url()
        settings = sink_settings.model_copy(update={"database_url": SecretStr(url)})
        engine = create_engine_for(url)
        try:
            ensure_schema(engine)
            group = f"{sink_settings.topic_prefix}sink-test-{n}"
            with _sink_thread(settings, group) as result:
                _wait_for_rows(engine, expected, f"sink {n} to write every record")
            stats = result[0]
            dumps.append(dump(engine))
        finally:
            engine.dispose()
        assert stats.applied == len(records)
        assert stats.skipped == len(_POISON)
        assert all(where.startswith(sink_settings.topic_prefix) for where in stats.skipped_at)

    assert dumps[0] == dumps[1] == expected
    assert len(expected["accounts"]) == 6
    assert len(expected["alerts"]) == 12


def test_sink_resumes_from_its_committed_offsets(
    sink_settings: Settings, fresh_database_url: Callable[[], str]
) -> None:
    url = fresh_database_url()
    settings = sink_settings.model_copy(update={"database_url": SecretStr(url)})
    engine = create_engine_for(url)
    group = f"{sink_settings.topic_prefix}sink-resume"
    first: list[ReadModelRecord] = [health("acc-1", 1, score=70)]
    second: list[ReadModelRecord] = [health("acc-1", 2, score=30), health("acc-2", 1, score=90)]
    try:
        ensure_schema(engine)
        _produce(sink_settings, first, poison=False)
        with _sink_thread(settings, group) as result:
            _wait_for_rows(engine, _reference(fresh_database_url(), first), "the first record")
        assert result[0].applied == 1
        _produce(sink_settings, second, poison=False)
        with _sink_thread(settings, group) as result:
            _wait_for_rows(
                engine, _reference(fresh_database_url(), first + second), "the later records"
            )
        # Only what was not committed before is read again.
        assert result[0].applied == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sink_process_stops_cleanly_on_a_signal(
    sink_settings: Settings, sqlite_url: str, tmp_path: Path, signum: signal.Signals
) -> None:
    _produce(sink_settings, [health("acc-9", 1)], poison=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env.update(
        KEYPULSE_EMBEDDED_BROKER_PORT=str(sink_settings.embedded_broker_port),
        KEYPULSE_TOPIC_PREFIX=sink_settings.topic_prefix,
        KEYPULSE_DATA_DIR=str(tmp_path / "data"),
        KEYPULSE_DATABASE_URL=sqlite_url,
    )
    code = (
        "import logging; logging.basicConfig(level=logging.INFO);"
        "from services.settings import Settings; from services.read_models.sink import run_sink;"
        "run_sink(Settings())"
    )
    log_path = tmp_path / "sink.log"
    engine = create_engine_for(sqlite_url)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            cwd=Path(__file__).resolve().parents[3],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            ensure_schema(engine)
            expected = _reference(f"sqlite:///{tmp_path / 'ref.db'}", [health("acc-9", 1)])
            _wait_for_rows(engine, expected, "the sink process to write the record")
            proc.send_signal(signum)
            assert proc.wait(timeout=20) == 0
        finally:
            terminate(proc)
            engine.dispose()
    assert "sink stopped: 1 records applied, 0 skipped" in log_path.read_text()
