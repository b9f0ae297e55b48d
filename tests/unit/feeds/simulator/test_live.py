"""Live simulation pacing: --speed spreads the catch-up phase over real time (no broker)."""

from __future__ import annotations

import io
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import pytest

from schemas.events import BaseEvent
from services.feeds.simulator import run as simulator_run
from services.feeds.simulator.history import DAY
from services.feeds.simulator.run import LiveOptions, run_live
from services.settings import Settings


class RecordingPublisher:
    """Stands in for EventPublisher: notes when each event was published and each flush."""

    instances: ClassVar[list[RecordingPublisher]] = []

    def __init__(self, settings: Settings, **_kwargs: Any) -> None:
        self.delivered: Counter[str] = Counter()
        self.published: list[tuple[float, datetime, BaseEvent]] = []
        self.flushes: list[tuple[int, float]] = []
        RecordingPublisher.instances.append(self)

    def __enter__(self) -> RecordingPublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def publish(self, event: BaseEvent) -> str:
        self.published.append((time.monotonic(), datetime.now(UTC), event))
        self.delivered[type(event).model_fields["type"].default] += 1
        return "topic"

    def flush(self) -> None:
        self.flushes.append((len(self.published), time.monotonic()))


def test_catch_up_is_paced_by_speed_and_never_runs_ahead_of_the_wall_clock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(simulator_run, "EventPublisher", RecordingPublisher)
    RecordingPublisher.instances.clear()
    options = LiveOptions(seed=3, days=6, live_days=1, speed=4.0)  # catch-up: 0.25 s
    delivered = run_live(
        Settings(data_dir=tmp_path), options, out=io.StringIO(), progress=io.StringIO()
    )
    (publisher,) = RecordingPublisher.instances
    assert sum(delivered.values()) == len(publisher.published)
    # The first flush closes the backfill; the catch-up clock starts after it returns.
    backfilled, started = publisher.flushes[0]
    catch_up = publisher.published[backfilled:]
    assert len(catch_up) >= 10
    assert backfilled >= 5 * len(catch_up)  # 5 of 6 days at once
    first = catch_up[0][2].occurred_at
    for published_at, _, event in catch_up:
        # Never earlier than its simulated offset from the first catch-up event allows.
        assert published_at - started >= (event.occurred_at - first) / DAY / options.speed
    # The bound above is not vacuous: the catch-up events span more than half a day.
    assert catch_up[-1][2].occurred_at - first > DAY / 2
    for _, wall, event in publisher.published:
        assert event.occurred_at <= wall
