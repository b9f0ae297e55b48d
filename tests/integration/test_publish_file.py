"""``keypulse publish`` and the simulator against the real embedded broker."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from schemas.topics import INPUT_TOPICS
from services.broker.clients import consumer_config
from services.broker.topics import ensure_topics
from services.feeds.publisher import EventPublisher
from services.feeds.simulator.run import LiveOptions, run_live
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.processes import run_cli


@pytest.fixture
def private(broker_settings: Settings) -> Settings:
    """Settings with a topic prefix of this test's own, topics created."""
    settings = broker_settings.model_copy(update={"topic_prefix": f"pub{uuid.uuid4().hex[:8]}-"})
    ensure_topics(settings.bootstrap_servers, settings.topics.specs())
    return settings


def _env(settings: Settings, keypulse_env: dict[str, str]) -> dict[str, str]:
    return {
        **keypulse_env,
        "KEYPULSE_EMBEDDED_BROKER_PORT": str(settings.embedded_broker_port),
        "KEYPULSE_TOPIC_PREFIX": settings.topic_prefix,
    }


def read_inputs(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every record on the input topics (to their end offsets), per contract topic name."""
    consumer = KafkaConsumer(**consumer_config(settings, group_id=None))
    try:
        found: dict[str, list[dict[str, Any]]] = {}
        for topic in INPUT_TOPICS:
            name = settings.topics.name(topic)
            parts = [TopicPartition(name, p) for p in range(settings.topic_partitions)]
            consumer.assign(parts)
            consumer.seek_to_beginning(*parts)
            ends = consumer.end_offsets(parts)
            records: list[dict[str, Any]] = []
            while any(consumer.position(tp) < ends[tp] for tp in parts):
                for batch in consumer.poll(timeout_ms=1000).values():
                    for record in batch:
                        value = json.loads(record.value)
                        assert record.key.decode() == value["account_id"]
                        records.append(value)
            found[topic.value] = records
        return found
    finally:
        consumer.close()


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def history_file(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    # The scripted history lies in the past of the wall clock: shift it to end yesterday.
    events = portfolio_history(accounts=3, days=40)
    last = max(datetime.fromisoformat(e["occurred_at"]) for e in events)
    shift = datetime.now(UTC) - timedelta(days=1) - last
    for event in events:
        event["occurred_at"] = (datetime.fromisoformat(event["occurred_at"]) + shift).isoformat()
    lines = [json.dumps(e) for e in events]
    bad = dict(events[5])
    bad["occurred_at"] = "last tuesday"
    lines.insert(7, json.dumps(bad))  # line 8
    lines.insert(3, "")  # blank lines are ignored
    path = tmp_path / "history.jsonl"
    _write(path, lines)
    return path, events


def test_one_bad_line_publishes_nothing_and_names_the_line(
    private: Settings, keypulse_env: dict[str, str], history_file: tuple[Path, Any]
) -> None:
    path, _ = history_file
    done = run_cli("publish", str(path), env=_env(private, keypulse_env))
    assert done.returncode == 1, done.stderr
    assert f"{path}:9: invalid " in done.stderr, done.stderr
    assert "occurred_at" in done.stderr
    assert "nothing was published" in done.stderr
    assert all(records == [] for records in read_inputs(private).values())


def test_skip_invalid_publishes_the_rest_with_a_summary(
    private: Settings, keypulse_env: dict[str, str], history_file: tuple[Path, Any]
) -> None:
    path, events = history_file
    done = run_cli("publish", "--skip-invalid", str(path), env=_env(private, keypulse_env))
    assert done.returncode == 0, done.stderr
    assert f"{path}:9:" in done.stderr
    assert f"published {len(events)} events" in done.stdout
    assert "skipped 1 invalid line(s): 9" in done.stdout
    published = read_inputs(private)
    assert sorted(r["event_id"] for rs in published.values() for r in rs) == sorted(
        e["event_id"] for e in events
    )
    for topic, records in published.items():
        assert all(private.topics.for_event_type(r["type"]).endswith(topic) for r in records)
        assert f"{private.topic_prefix}{topic} {len(records)}" in done.stdout or not records


def test_a_future_event_is_refused_by_the_wall_clock_check(
    private: Settings, keypulse_env: dict[str, str], tmp_path: Path
) -> None:
    event = portfolio_history(accounts=1, days=10)[0]
    event["occurred_at"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    path = tmp_path / "future.jsonl"
    _write(path, [json.dumps(event)])
    done = run_cli("publish", str(path), env=_env(private, keypulse_env))
    assert done.returncode == 1
    assert f"{path}:1: occurred_at" in done.stderr
    assert "clock is wrong" in done.stderr


def test_live_simulation_publishes_its_history_never_in_the_future(private: Settings) -> None:
    delivered = run_live(
        private,
        LiveOptions(seed=3, days=30, live_days=2, speed=20.0),
        out=open("/dev/null", "w"),  # noqa: SIM115
        progress=open("/dev/null", "w"),  # noqa: SIM115
    )
    finished = datetime.now(UTC)
    published = read_inputs(private)
    records = [r for rs in published.values() for r in rs]
    assert sum(delivered.values()) == len(records) > 500
    assert len({r["event_id"] for r in records}) == len(records)
    assert max(datetime.fromisoformat(r["occurred_at"]) for r in records) <= finished
    assert {len(rs) > 0 for rs in published.values()} == {True}


def test_publisher_raises_when_the_broker_is_gone() -> None:
    from services.errors import BrokerUnavailable, PublishError
    from services.ops.process import free_port

    settings = Settings(broker=f"127.0.0.1:{free_port()}")
    event = portfolio_history(accounts=1, days=5)[0]
    event["occurred_at"] = datetime.now(UTC).isoformat()
    with (
        pytest.raises((BrokerUnavailable, PublishError)),
        EventPublisher(settings, delivery_timeout=3) as publisher,
    ):
        publisher.publish(event)
