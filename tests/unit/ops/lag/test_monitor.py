"""The stateful monitor over a fake offset source and a controllable clock (no I/O)."""

from __future__ import annotations

import json
import math

from services.ops.lag.model import GroupLag, Status
from services.ops.lag.monitor import LagMonitor, WindowSettings
from services.ops.lag.offsets import GroupOffsets, OffsetSnapshot, PartitionKey
from services.ops.lag.render import COLUMNS, NEEDS_SAMPLES, format_json, format_table

TP = PartitionKey("orders", 0)


class FakeSource:
    """Offsets a test sets by hand."""

    def __init__(self) -> None:
        self.committed = 0
        self.end = 0
        self.state = "Empty"

    def read(self) -> OffsetSnapshot:
        group = GroupOffsets("keypulse-worker", self.state, {TP: self.committed})
        return OffsetSnapshot(groups=(group,), ends={TP: self.end})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def setup(windows: WindowSettings | None = None) -> tuple[FakeSource, FakeClock, LagMonitor]:
    source, clock = FakeSource(), FakeClock()
    return source, clock, LagMonitor(source, clock=clock, windows=windows or WindowSettings())


def step(monitor: LagMonitor, clock: FakeClock) -> GroupLag:
    clock.now += 1.0
    (group,) = monitor.sample()
    return group


def test_single_sample_gives_exact_lag_but_no_time_lag_or_status() -> None:
    source, clock, monitor = setup()
    source.committed, source.end = 40, 50
    group = step(monitor, clock)
    (p,) = group.partitions
    assert (p.committed, p.end, p.lag) == (40, 50, 10)
    assert p.lag_seconds is None
    assert p.status is Status.UNKNOWN
    assert group.total_lag == 10
    assert NEEDS_SAMPLES in format_table([group])


def test_stopped_consumer_leaves_ok_then_recovers() -> None:
    source, clock, monitor = setup(WindowSettings(commit_window=4, min_commits=2))
    statuses = []
    for _ in range(3):  # consumer keeps up
        source.end += 5
        source.committed = source.end
        statuses.append(step(monitor, clock).status)
    assert statuses == [Status.OK] * 3
    stopped_at = clock.now
    lags: list[int] = []
    for _ in range(6):  # consumer stops, producers go on
        source.end += 5
        group = step(monitor, clock)
        statuses.append(group.status)
        lags.append(group.total_lag)
        assert group.partitions[0].lag_seconds == clock.now - stopped_at
    assert lags == sorted(lags)
    assert lags[0] < lags[-1]
    assert statuses[-1] is Status.ERR
    assert monitor.latest[0].partitions[0].status is Status.STOP
    source.committed = source.end  # back and caught up
    group = step(monitor, clock)
    assert group.status is Status.OK
    assert group.partitions[0].lag == 0
    assert group.partitions[0].lag_seconds == 0.0


def test_live_group_that_does_not_advance_is_stalled() -> None:
    source, clock, monitor = setup(WindowSettings(commit_window=3, min_commits=3))
    source.state = "Stable"
    source.committed, source.end = 10, 20
    for _ in range(3):
        source.end += 1
        group = step(monitor, clock)
    assert group.partitions[0].status is Status.STALL
    assert group.status is Status.ERR


def test_slow_consumer_warns() -> None:
    source, clock, monitor = setup(WindowSettings(commit_window=3, min_commits=3))
    for _ in range(3):
        source.end += 10
        source.committed += 8
        group = step(monitor, clock)
    assert group.partitions[0].status is Status.WARN
    assert group.status is Status.WARN


def test_windows_are_bounded() -> None:
    source, clock, monitor = setup(WindowSettings(commit_window=3, end_window=4, min_commits=1))
    for _ in range(50):
        source.end += 1
        step(monitor, clock)
    assert all(len(w) <= 3 for w in monitor._commits.values())
    assert all(len(w) <= 4 for w in monitor._ends.values())


def test_table_has_kafka_consumer_groups_columns_and_a_summary() -> None:
    source, clock, monitor = setup()
    source.committed, source.end = 5, 5
    group = step(monitor, clock)
    lines = format_table([group]).splitlines()
    assert tuple(lines[0].split()) == COLUMNS
    assert lines[1].split() == ["keypulse-worker", "orders", "0", "5", "5", "0", "0.0", "OK"]
    assert "group keypulse-worker: OK, total lag 0 (1 partitions)" in lines


def test_json_has_the_contract_fields_and_no_nan() -> None:
    source, clock, monitor = setup()
    source.committed, source.end = 1, 9
    group = step(monitor, clock)
    data = json.loads(format_json([group], clock.now, monitor.samples_taken))
    (g,) = data["groups"]
    assert set(g) == {"group", "status", "total_lag", "partitions"}
    (p,) = g["partitions"]
    assert set(p) == {"topic", "partition", "committed", "end", "lag", "lag_seconds", "status"}
    assert p["lag_seconds"] is None
    assert p["status"] == "UNKNOWN"
    assert not any(isinstance(v, float) and math.isnan(v) for v in p.values())
