"""``keypulse bench``: the four figures of issue 4, measured side by side in one run.

(a) raw aiokafka consume + json.loads — the practical ceiling;
(b) an empty Faust agent loop — the framework's ceiling;
(c) the full pipeline (``keypulse worker``): input topics → health and alerts published;
(d) latency from produce to alert published at a steady rate (default 1,000 events/s).

Everything runs on a private embedded broker. Rates exclude start-up: each is
events divided by the time from the first to the last record handled. Prints
a table and writes JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from services.broker.embedded import EmbeddedBroker
from services.ops.bench.phases import (
    empty_agent,
    latency,
    phase_settings,
    pipeline,
    publish,
    raw_consume,
)
from services.ops.bench.report import BenchResult, LatencyRun, format_result
from services.ops.bench.workloads import pipeline_mix
from services.ops.process import free_port
from services.settings import Settings

__all__ = ["format_result", "run_bench"]


def run_bench(events: int, accounts: int, rates: list[int], seconds: int, out: Path) -> BenchResult:
    """Run all four phases on one fresh embedded broker and write the JSON result."""
    result = BenchResult(
        date=datetime.now(UTC).date().isoformat(),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        events=events,
        accounts=accounts,
    )
    with tempfile.TemporaryDirectory(prefix="keypulse-bench-") as tmp:
        base = Settings(embedded_broker_port=free_port(), data_dir=Path(tmp))
        with (Path(tmp) / "tansu.log").open("wb") as log, EmbeddedBroker(base, log=log):
            backlog = phase_settings(base, "event")
            start = datetime(2026, 1, 1, tzinfo=UTC)
            sent = publish(backlog, pipeline_mix(events, accounts, start))
            _progress(f"published {sent} events for {accounts} accounts")
            result.raw_consume_per_s = raw_consume(backlog, sent)
            _progress(f"(a) raw aiokafka consume: {result.raw_consume_per_s:,.0f}/s")
            result.empty_agent_per_s = empty_agent(backlog, sent)
            _progress(f"(b) empty Faust agent: {result.empty_agent_per_s:,.0f}/s")
            (Path(tmp) / "pipeline").mkdir()
            result.pipeline_per_s = pipeline(backlog, sent, Path(tmp) / "pipeline")
            _progress(f"(c) full pipeline: {result.pipeline_per_s:,.0f}/s")
            for rate in rates:
                live = phase_settings(base, "wall")
                workdir = Path(tmp) / f"latency-{rate}"
                workdir.mkdir()
                latencies = latency(live, rate, seconds, workdir)
                run = LatencyRun(rate, timed=-(-rate * seconds // 20), arrived=len(latencies))
                if latencies:
                    ordered = sorted(latencies)
                    run.p50_ms = round(statistics.median(ordered), 1)
                    run.p99_ms = round(ordered[int(0.99 * (len(ordered) - 1))], 1)
                    run.max_ms = round(ordered[-1], 1)
                result.latency.append(run)
                _progress(f"(d) latency at {rate}/s: p50 {run.p50_ms} ms, p99 {run.p99_ms} ms")
                if run.arrived < run.timed:
                    result.notes.append(
                        f"at {rate}/s only {run.arrived} of {run.timed} timed alerts arrived"
                    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({**asdict(result), "pipeline_vs_empty": result.pipeline_vs_empty}, indent=2)
        + "\n"
    )
    return result


def _progress(text: str) -> None:
    print(f"  ... {text}", file=sys.stderr, flush=True)
