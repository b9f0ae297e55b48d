"""One worker against two on the same deep backlog; not part of CI (it runs for minutes).

    .venv/bin/python -m tests.stress.scale_out --rounds 2 --json scale-out.json

Each run publishes the bench's deep mix (services/ops/bench/deep_mix.py) on
fresh topics of one embedded broker and starts 1 or 2 ``keypulse worker``
processes in one consumer group; the figure is the events all workers
handled per second, from the first reading of their ``/metrics`` counters
that shows progress to the one that shows the whole backlog done (as the
bench's phase (c)). The two-worker figure includes their rebalance. Rounds
alternate 1, 2, 1, 2, ... so that a noisy minute hits both sides.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from services.broker.embedded import EmbeddedBroker
from services.ops.bench.deep_mix import DeepMix, deep_mix
from services.ops.bench.phases import _events_handled, _worker, phase_settings, publish
from services.ops.process import free_port
from services.settings import Settings


def handled_per_second(base: Settings, workdir: Path, workers: int, mix: DeepMix) -> float:
    """Events/s of ``workers`` workers over one freshly published deep backlog."""
    settings = phase_settings(base, "event")
    total = publish(settings, deep_mix(mix))
    ports = [free_port() for _ in range(workers)]
    with ExitStack() as stack:
        for i, port in enumerate(ports):
            data_dir = workdir / settings.topic_prefix.rstrip(".") / f"worker-{i}"
            data_dir.mkdir(parents=True)
            stack.enter_context(_worker(settings, data_dir, port))
        first: tuple[float, int] | None = None
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            handled = sum(_events_handled(port) or 0 for port in ports)
            now = time.perf_counter()
            if handled and first is None:
                first = (now, handled)
            elif first is not None and handled >= total:
                return (handled - first[1]) / (now - first[0])
            time.sleep(0.05)  # polling interval of a measurement, not a wait for a condition
    raise RuntimeError(f"{workers} worker(s) did not handle {total} events within 900 s")


def main(argv: list[str] | None = None) -> int:
    """Run the rounds, print each figure and the medians, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--events-per-account", type=int, default=120)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    mix = DeepMix(accounts=args.accounts, events_per_account=args.events_per_account)
    rates: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="keypulse-scale-out-") as tmp:
        base = Settings(embedded_broker_port=free_port(), data_dir=Path(tmp))
        with (Path(tmp) / "tansu.log").open("wb") as log, EmbeddedBroker(base, log=log):
            for _ in range(args.rounds):
                for workers in (1, 2):
                    rate = handled_per_second(base, Path(tmp), workers, mix)
                    rates[workers].append(round(rate))
                    print(f"{workers} worker(s): {rate:,.0f} events/s", flush=True)
    medians = {w: statistics.median(r) for w, r in rates.items()}
    print(
        f"median: 1 worker {medians[1]:,.0f}/s, 2 workers {medians[2]:,.0f}/s, "
        f"ratio {medians[2] / medians[1]:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps({"mix": vars(mix), "rates": rates}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
