"""Stress the worker's restarts on the embedded broker; not part of CI (it runs for many minutes).

    .venv/bin/python -m tests.stress.restarts --scenario restart --runs 40
    .venv/bin/python -m tests.stress.restarts --scenario takeover --runs 40

Each run gets its own topics and SQLite read models on one embedded broker,
with a real sink and real ``keypulse worker`` processes:

* ``restart``: a worker is killed with SIGKILL once it has started consuming,
  and a new one is started at once (the killed member is still registered in
  the group, so the new one joins twice); the rest of the history follows.
* ``takeover``: two workers share the partitions; one is killed mid-stream,
  the survivor takes its partitions over while the dead member is still
  registered, then the killed one comes back at once.

A run is *lost* when the read models do not equal the reference replay of the
whole history within ``--deadline`` seconds. Prints one line per run and
``N runs, K lost``; ``--json FILE`` writes the same as JSON. Exit status 1 if
any run lost.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from schemas import validate_event
from services.embedded_broker import EmbeddedBroker
from services.process import free_port
from services.read_models import create_engine_for
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.oracle import differences
from tests.support.stack import PipelineStack

HISTORY = portfolio_history(seed=11, accounts=8)
EVENTS = [validate_event(e) for e in HISTORY]


def _wait(probe: Callable[[], bool], deadline: float) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if probe():
            return True
        time.sleep(0.25)
    return False


_REBUILT = re.compile(r"due index rebuilt for partitions \[([0-9, ]*)\]")


def owned_partitions(log: str) -> list[set[int]]:
    """Every partition set a worker's log says it rebuilt its due index for, oldest first."""
    return [{int(p) for p in m.group(1).split(",") if p.strip()} for m in _REBUILT.finditer(log)]


def _consuming(stack: PipelineStack, name: str) -> Callable[[], bool]:
    return lambda: bool(owned_partitions(stack.latest_log(name)))


def _restart(stack: PipelineStack) -> None:
    half = len(HISTORY) // 3
    stack.start("worker")
    stack.publish(HISTORY[:half])
    _wait(_consuming(stack, "worker"), 90)
    stack.kill("worker")
    stack.start("worker")  # at once: the killed member is still in the group
    stack.publish(HISTORY[half:])


def _takeover(stack: PipelineStack) -> None:
    third = len(HISTORY) // 3
    stack.start("worker-a", "worker")
    stack.start("worker-b", "worker")
    stack.publish(HISTORY[:third])

    def sharing() -> bool:
        a = owned_partitions(stack.latest_log("worker-a"))
        b = owned_partitions(stack.latest_log("worker-b"))
        return bool(a and b and a[-1] and b[-1] and not a[-1] & b[-1])

    _wait(sharing, 90)
    seen = len(owned_partitions(stack.latest_log("worker-b")))
    stack.kill("worker-a")  # mid-stream, while it owns some of the partitions
    stack.publish(HISTORY[third : 2 * third])

    def taken_over() -> bool:
        # The survivor takes every partition once the dead member's session expires.
        after = owned_partitions(stack.latest_log("worker-b"))[seen:]
        return bool(after) and after[-1] == set(range(stack.settings.topic_partitions))

    _wait(taken_over, 90)
    stack.start("worker-a", "worker")  # back at once: another rebalance, partitions move again
    stack.publish(HISTORY[2 * third :])


SCENARIOS: dict[str, Callable[[PipelineStack], None]] = {
    "restart": _restart,
    "takeover": _takeover,
}


def run_once(broker: Settings, workdir: Path, scenario: str, deadline: float) -> dict[str, Any]:
    """One run of ``scenario``; returns its outcome."""
    url = f"sqlite:///{workdir / 'keypulse.db'}"
    stack = PipelineStack(broker, url, workdir)
    engine = create_engine_for(url)
    started = time.monotonic()
    last: list[str] = []
    try:
        stack.start("sink")
        SCENARIOS[scenario](stack)

        def equal() -> bool:
            try:
                last[:] = differences(engine, EVENTS)
            except sa.exc.DBAPIError as exc:
                last[:] = [str(exc)]
            return not last

        ok = _wait(equal, deadline)
    finally:
        stack.stop()
        engine.dispose()
    return {
        "scenario": scenario,
        "lost": not ok,
        "seconds": round(time.monotonic() - started, 1),
        "differences": last[:5],
        "workdir": str(workdir),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the stress loop; exit 1 if any run lost records."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="restart")
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--deadline", type=float, default=120.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix=f"keypulse-stress-{args.scenario}-"))
    settings = Settings(embedded_broker_port=free_port(), data_dir=root / "broker")
    results: list[dict[str, Any]] = []
    with (
        (root / "tansu.log").open("wb") as log,
        EmbeddedBroker(settings, log=log) as broker,
    ):
        for n in range(1, args.runs + 1):
            workdir = root / f"run-{n:03d}"
            workdir.mkdir()
            outcome = run_once(broker.settings, workdir, args.scenario, args.deadline)
            results.append(outcome)
            verdict = "LOST" if outcome["lost"] else "ok"
            print(f"run {n}/{args.runs}: {verdict} in {outcome['seconds']} s", flush=True)
            if outcome["lost"]:
                for line in outcome["differences"]:
                    print(f"    {line[:300]}", flush=True)
                print(f"    logs in {workdir}", flush=True)
            else:
                for log_file in workdir.glob("*.log"):
                    log_file.unlink()  # keep the logs of lost runs only
    lost = sum(r["lost"] for r in results)
    print(f"{args.scenario}: {len(results)} runs, {lost} lost")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {"scenario": args.scenario, "runs": len(results), "lost": lost, "results": results},
                indent=2,
            )
        )
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
