"""``keypulse simulate``: write the simulated history to a file, or publish it live.

    keypulse simulate --to-file history.jsonl [--seed 7 --days 180 --end 2026-03-01T00:00:00Z]
    keypulse simulate [--seed 7 --days 180 --live-days 10 --speed 0.5 --follow-days 30]

Live mode and the wall clock. The worker's default clock is the wall clock,
and it rejects events more than 24 h in the future, so simulated time must
never run ahead of real time. The live simulator therefore places the whole
history in the past and lets simulated time *catch up* with the wall clock:

1. Backfill: everything up to ``live_days`` before the anchor is published at
   once (as fast as the broker takes it).
2. Catch-up: the last ``live_days`` are played at ``speed`` simulated days per
   real second. The anchor (the simulated "now" the scenarios are timed
   against) is put ``live_days / speed`` seconds after the start, so the
   simulated clock, running faster than the wall clock, reaches it exactly
   when the wall clock does: it is behind the wall clock all along and never
   ahead of it. The scenarios' climaxes (a champion leaving, a P1 escalation)
   fall in this phase, so a demo shows them arrive live.
3. Follow (``follow_days`` > 0): afterwards the portfolio goes on at the wall
   clock's pace, each event published when its ``occurred_at`` comes.

While the catch-up runs, the worker (evaluating at wall time) sees a history
that lags by at most ``live_days``; the routine cadences are short enough that
this raises no spurious alert, but accounts may look a little quieter for
those seconds.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from schemas.events import BaseEvent
from services.feeds.progress import ProgressBar
from services.feeds.publisher import EventPublisher, event_json
from services.feeds.simulator.history import DAY, Timeline, generate
from services.feeds.simulator.portfolio import build_portfolio
from services.settings import Settings


@dataclass(frozen=True)
class LiveOptions:
    """How a live simulation maps simulated time onto the wall clock."""

    seed: int = 7
    days: float = 180.0
    live_days: float = 10.0
    speed: float = 1.0  # simulated days per real second in the catch-up phase
    follow_days: float = 0.0

    def check(self) -> None:
        """Reject options that cannot be honoured."""
        if self.days <= 0:
            raise ValueError("--days must be > 0")
        if self.speed <= 0:
            raise ValueError("--speed must be > 0 (simulated days per real second)")
        if not 0 <= self.live_days <= self.days:
            raise ValueError("--live-days must lie between 0 and --days")
        if self.follow_days < 0:
            raise ValueError("--follow-days must be >= 0")

    @property
    def catch_up_seconds(self) -> float:
        """Real seconds the catch-up phase takes."""
        return self.live_days / self.speed


def write_history(
    path: Path, seed: int, days: float, anchor: datetime, progress: IO[str] | None = None
) -> int:
    """Write ``days`` of the portfolio's history ending at ``anchor`` as JSONL; returns the count.

    The file is a function of (seed, days, anchor): the same arguments give
    the same bytes.
    """
    events = generate(build_portfolio(seed), Timeline.ending(anchor, days))
    bar = ProgressBar(len(events), "writing", progress)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for event in events:
            out.write(_line(event))
            bar.advance()
    bar.close()
    return len(events)


def _line(event: BaseEvent) -> str:
    return json.dumps(event_json(event), ensure_ascii=False, separators=(",", ":")) + "\n"


def run_live(
    settings: Settings,
    options: LiveOptions,
    *,
    stop: threading.Event | None = None,
    out: IO[str] | None = None,
    progress: IO[str] | None = None,
) -> dict[str, int]:
    """Publish the simulated history (backfill, catch-up, follow); returns delivered per topic."""
    import sys

    options.check()
    out = out or sys.stdout
    stop = stop or threading.Event()
    started = datetime.now(UTC).replace(microsecond=0)
    anchor = started + timedelta(seconds=options.catch_up_seconds)
    timeline = Timeline.ending(anchor, options.days, options.follow_days)
    portfolio = build_portfolio(options.seed)
    events = generate(portfolio, timeline)
    live_from = anchor - options.live_days * DAY
    backfill = [e for e in events if e.occurred_at <= live_from]
    catch_up = [e for e in events if live_from < e.occurred_at <= anchor]
    follow = [e for e in events if e.occurred_at > anchor]
    print(
        f"simulating {len(portfolio.accounts)} accounts of {len(portfolio.kams)} KAMs "
        f"(seed {options.seed}): {len(backfill)} events of {options.days - options.live_days:g} "
        f"days at once, {len(catch_up)} of the last {options.live_days:g} days at "
        f"{options.speed:g} days/s (~{options.catch_up_seconds:.0f} s), "
        f"{len(follow)} over {options.follow_days:g} more days at the wall clock's pace",
        file=out,
        flush=True,
    )
    with EventPublisher(settings, client_id="keypulse-simulator") as publisher:
        bar = ProgressBar(len(backfill), "backfill", progress)
        for event in backfill:
            if stop.is_set():
                return dict(publisher.delivered)
            publisher.publish(event)
            bar.advance()
        publisher.flush()
        bar.close()
        # Simulated time of the catch-up phase: live_from + speed × elapsed real time.
        t0 = time.monotonic()

        def catch_up_due(event: BaseEvent) -> float:
            return t0 + (event.occurred_at - live_from) / DAY / options.speed

        _paced(publisher, catch_up, catch_up_due, "live", stop, progress)

        def wall_due(event: BaseEvent) -> float:
            lag = (event.occurred_at - datetime.now(UTC)).total_seconds()
            return time.monotonic() + lag

        _paced(publisher, follow, wall_due, "follow", stop, progress)
        delivered = dict(publisher.delivered)
    print(
        "simulation done: "
        + ", ".join(f"{topic} {n}" for topic, n in sorted(delivered.items()))
        + (" (stopped)" if stop.is_set() else ""),
        file=out,
        flush=True,
    )
    return delivered


def _paced(
    publisher: EventPublisher,
    events: Sequence[BaseEvent],
    due: Callable[[BaseEvent], float],
    label: str,
    stop: threading.Event,
    progress: IO[str] | None,
) -> None:
    """Publish each event once the monotonic clock reaches ``due(event)``."""
    if not events:
        return
    bar = ProgressBar(len(events), label, progress)
    for event in events:
        while not stop.is_set():
            wait = due(event) - time.monotonic()
            if wait <= 0:
                break
            publisher.flush()  # surface delivery errors while idle
            # Wake at least every second so a long wait still notices a stop.
            stop.wait(min(wait, 1.0))
        if stop.is_set():
            break
        publisher.publish(event)
        bar.advance(note=event.occurred_at.strftime("%Y-%m-%d %H:%M"))
    publisher.flush()
    bar.close()


#: What ``keypulse up`` runs: 170 days at once, the last 10 days at 0.5 days/s
#: (so the climaxes arrive live over ~20 s), then 30 days at the wall clock's pace.
DEMO = LiveOptions(seed=7, days=180.0, live_days=10.0, speed=0.5, follow_days=30.0)


def demo_arguments(options: LiveOptions = DEMO) -> list[str]:
    """The ``keypulse simulate`` arguments for ``options``."""
    return [
        "simulate",
        f"--seed={options.seed}",
        f"--days={options.days:g}",
        f"--live-days={options.live_days:g}",
        f"--speed={options.speed:g}",
        f"--follow-days={options.follow_days:g}",
    ]


def demo_kams(options: LiveOptions = DEMO) -> list[tuple[str, str]]:
    """(kam_id, name) of every KAM in the demo portfolio, for per-KAM tokens."""
    return [(k.kam_id, k.name) for k in build_portfolio(options.seed).kams]
