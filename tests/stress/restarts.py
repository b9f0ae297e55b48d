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
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from schemas import validate_event
from services.broker.embedded import EmbeddedBroker
from services.ops.process import free_port
from services.read_models import create_engine_for
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.oracle import differences
from tests.support.restarts import restart_at_once, takeover_and_return
from tests.support.stack import PipelineStack
from tests.support.waiting import wait_for

HISTORY = portfolio_history(seed=11, accounts=8)
EVENTS = [validate_event(e) for e in HISTORY]


SCENARIOS: dict[str, Callable[[PipelineStack, Sequence[dict[str, Any]]], None]] = {
    "restart": restart_at_once,
    "takeover": takeover_and_return,
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
        SCENARIOS[scenario](stack, HISTORY)

        def equal() -> bool:
            try:
                last[:] = differences(engine, EVENTS)
            except sa.exc.DBAPIError as exc:
                last[:] = [str(exc)]
            return not last

        wait_for(equal, timeout=deadline, what="read models to equal the replay", interval=0.25)
        ok = True
    except AssertionError as failure:
        ok = False
        last.append(str(failure)[:300])
    finally:
        stack.stop()
        engine.dispose()
    worker_logs = stack.logs("worker")  # worker-N.log, worker-a-N.log, worker-b-N.log
    return {
        "scenario": scenario,
        "lost": not ok,
        # How often each guard of consumers/ stepped in (0 on code without them).
        "rewinds": worker_logs.count("fetched records were not delivered"),
        "kept_on_resume": worker_logs.count("flow resumed: kept"),
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
            print(
                f"run {n}/{args.runs}: {verdict} in {outcome['seconds']} s"
                f" (rewinds {outcome['rewinds']}, kept on resume {outcome['kept_on_resume']})",
                flush=True,
            )
            if outcome["lost"]:
                for line in outcome["differences"]:
                    print(f"    {line[:300]}", flush=True)
                print(f"    logs in {workdir}", flush=True)
            else:
                for log_file in workdir.glob("*.log"):
                    log_file.unlink()  # keep the logs of lost runs only
    lost = sum(r["lost"] for r in results)
    rewound = sum(1 for r in results if r["rewinds"])
    kept = sum(1 for r in results if r["kept_on_resume"])
    print(f"{args.scenario}: {len(results)} runs, {lost} lost")
    print(f"  runs where a guard stepped in: rewind {rewound}, kept on resume {kept}")
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
