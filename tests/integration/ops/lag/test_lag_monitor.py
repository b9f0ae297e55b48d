"""The lag monitor against the real embedded broker: exact figures, STOP on stop, OK on catch-up.

Producers use ``producer_config`` (one record per batch on Tansu) so the end
offsets the broker reports are exact (docs/architecture.md, "The embedded broker and its caveats").
Sampling is driven explicitly with a controllable clock: offsets are real,
time is the test's, so time lag and status are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from services.broker.clients import consumer_config, producer_config
from services.ops.lag import (
    GroupLag,
    KafkaOffsetReader,
    LagMonitor,
    Status,
    WindowSettings,
    describe_groups,
)
from services.settings import Settings
from tests.support.processes import run_cli
from tests.support.waiting import wait_for


class StepClock:
    """A clock that only moves when the test says so."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def producer(broker_settings: Settings) -> Iterator[KafkaProducer]:
    producer = KafkaProducer(**producer_config(broker_settings))
    yield producer
    producer.close()


def produce(producer: KafkaProducer, topic: str, per_partition: int, partitions: int = 2) -> None:
    for i in range(per_partition * partitions):
        producer.send(topic, value=b"%d" % i, partition=i % partitions)
    producer.flush()


def commit(settings: Settings, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = KafkaConsumer(**consumer_config(settings, group_id=group))
    try:
        consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
    finally:
        consumer.close()


def consume_and_commit(settings: Settings, group: str, topic: str, partitions: int = 2) -> None:
    """Read every partition to its end from the committed offset and commit (a worker)."""
    consumer = KafkaConsumer(**consumer_config(settings, group_id=group))
    tps = [TopicPartition(topic, p) for p in range(partitions)]
    try:
        consumer.assign(tps)
        ends = consumer.end_offsets(tps)

        def caught_up() -> bool:
            consumer.poll(timeout_ms=200)
            return all(consumer.position(tp) >= ends[tp] for tp in tps)

        wait_for(caught_up, timeout=20, what=f"{group} to read {topic} to the end")
        consumer.commit()
    finally:
        consumer.close()


def group_of(report: tuple[GroupLag, ...], group: str) -> GroupLag:
    return next(g for g in report if g.group == group)


def test_figures_equal_kafka_python_committed_and_end_offsets(
    broker_settings: Settings, unique_topic: str, producer: KafkaProducer
) -> None:
    produce(producer, unique_topic, per_partition=15)
    group = f"keypulse-test-{unique_topic}"
    tp0, tp1 = TopicPartition(unique_topic, 0), TopicPartition(unique_topic, 1)
    commit(broker_settings, group, {tp0: 10, tp1: 15})

    report = group_of(describe_groups(broker_settings), group)

    # Independently, with kafka-python's own consumer API, in the same test.
    check = KafkaConsumer(**consumer_config(broker_settings, group_id=group))
    try:
        committed = {tp: check.committed(tp) for tp in (tp0, tp1)}
        ends = check.end_offsets([tp0, tp1])
    finally:
        check.close()
    rows = {(p.topic, p.partition): p for p in report.partitions}
    assert set(rows) == {(unique_topic, 0), (unique_topic, 1)}
    for tp in (tp0, tp1):
        row = rows[(tp.topic, tp.partition)]
        assert row.committed == committed[tp]
        assert row.end == ends[tp]
        assert row.lag == ends[tp] - committed[tp]
    assert (rows[(unique_topic, 0)].lag, rows[(unique_topic, 1)].lag) == (5, 0)
    assert report.total_lag == 5
    # One sample: lag seconds only where caught up; no status invented for the lagging one.
    assert rows[(unique_topic, 1)].lag_seconds == 0.0
    assert rows[(unique_topic, 1)].status is Status.OK
    assert rows[(unique_topic, 0)].lag_seconds is None
    assert rows[(unique_topic, 0)].status is Status.UNKNOWN


def test_stopped_group_leaves_ok_and_returns_to_ok_after_catching_up(
    broker_settings: Settings, unique_topic: str, producer: KafkaProducer
) -> None:
    group = f"keypulse-test-{unique_topic}"
    clock = StepClock()
    windows = WindowSettings(commit_window=4, min_commits=2)
    with KafkaOffsetReader(broker_settings, group_prefix=group) as reader:
        monitor = LagMonitor(reader, clock=clock, windows=windows)

        def step() -> GroupLag:
            clock.now += 1.0
            return group_of(monitor.sample(), group)

        # Running: everything produced is consumed and committed before each sample.
        for _ in range(3):
            produce(producer, unique_topic, per_partition=3)
            consume_and_commit(broker_settings, group, unique_topic)
            running = step()
            assert (running.status, running.total_lag) == (Status.OK, 0)
        stopped_at = clock.now

        # Stopped: nothing commits while producers keep producing.
        history = []
        for _ in range(windows.commit_window + 1):
            produce(producer, unique_topic, per_partition=2)
            history.append(step())
        lags = [g.total_lag for g in history]
        assert lags == sorted(lags)
        assert lags[0] == 4
        assert lags[-1] == 4 * len(history)
        statuses = [g.status for g in history]
        # Burrow: OK while a zero-lag commit is still in the window, then the
        # partitions' last commit is older than the window's span: STOP -> ERR.
        assert statuses[0] is Status.OK
        assert statuses[-1] is Status.ERR
        assert {p.status for p in history[-1].partitions} == {Status.STOP}
        for p in history[-1].partitions:
            assert p.lag_seconds == pytest.approx(clock.now - stopped_at)

        # Resumed: it catches up, lag returns to 0 and the status to OK.
        consume_and_commit(broker_settings, group, unique_topic)
        resumed = step()
        assert resumed.total_lag == 0
        assert resumed.status is Status.OK
        assert all(p.lag_seconds == 0.0 and p.status is Status.OK for p in resumed.partitions)


def test_rewound_group_is_reported(
    broker_settings: Settings, unique_topic: str, producer: KafkaProducer
) -> None:
    group = f"keypulse-test-{unique_topic}"
    tp = TopicPartition(unique_topic, 0)
    produce(producer, unique_topic, per_partition=20, partitions=1)
    clock = StepClock()
    with KafkaOffsetReader(broker_settings, group_prefix=group) as reader:
        monitor = LagMonitor(reader, clock=clock, windows=WindowSettings(min_commits=2))
        for offset in (10, 15, 5):  # someone reset the group's offsets backwards
            commit(broker_settings, group, {tp: offset})
            clock.now += 1.0
            report = group_of(monitor.sample(), group)
    assert report.partitions[0].status is Status.REWIND
    assert report.status is Status.ERR


def test_cli_prints_the_table_json_and_watches(
    broker_settings: Settings, unique_topic: str, producer: KafkaProducer
) -> None:
    import json
    import os

    produce(producer, unique_topic, per_partition=4, partitions=1)
    group = f"keypulse-test-{unique_topic}"
    commit(broker_settings, group, {TopicPartition(unique_topic, 0): 1})
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYPULSE_")}
    env["KEYPULSE_EMBEDDED_BROKER_PORT"] = str(broker_settings.embedded_broker_port)

    table = run_cli("lag", env=env)
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0].split() == [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "LAG-SECONDS",
        "STATUS",
    ]
    row = next(line.split() for line in table.stdout.splitlines() if line.startswith(group))
    assert row == [group, unique_topic, "0", "1", "4", "3", "-", "UNKNOWN"]
    assert f"group {group}: UNKNOWN, total lag 3" in table.stdout
    assert "--watch" in table.stdout

    watched = run_cli("lag", "--json", "--watch", "--interval", "0.2", "--count", "3", env=env)
    assert watched.returncode == 0, watched.stderr
    samples = [json.loads(line) for line in watched.stdout.splitlines()]
    assert [s["samples"] for s in samples] == [1, 2, 3]
    last = next(g for g in samples[-1]["groups"] if g["group"] == group)
    assert last["total_lag"] == 3
    (partition,) = last["partitions"]
    assert partition["committed"] == 1
    assert partition["end"] == 4
    # Nothing was produced during the watch: no rate to estimate the time lag from.
    assert partition["lag_seconds"] is None
    # Nobody commits and nobody is in the group: Burrow's STOP once the window has entries.
    assert partition["status"] == "STOP"
    assert last["status"] == "ERR"
