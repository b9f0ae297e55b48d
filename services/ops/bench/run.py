"""``keypulse bench``: the figures of issues 4 and 12, measured side by side in one run.

For each mix — ``shallow`` (many accounts, a few events each) and ``deep``
(500 accounts × 120 events over 150 days, interleaved like a CRM history
replay) — published on fresh topics and consumed from offset 0:

(a) raw aiokafka consume + json.loads — the practical ceiling;
(b) an empty Faust agent loop — the framework's ceiling;
(c) the full pipeline (``keypulse worker``, event clock): input topics → health and alerts.

Then, once:

(d) latency from produce to alert published at steady rates (the shallow mix,
    wall clock), and the ceiling: the highest rate whose p99 stays under 250 ms;
(e) the engine's µs per account step at 10, 100 and 1,000 events of history
    (in-process, no broker);
(f) the worker's resident memory per account at 10,000 and 100,000 accounts
    (in a process of its own, from a generated state).

Rates exclude start-up: each is events divided by the time from the first
to the last record handled. Prints a table and writes JSON.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.broker.embedded import EmbeddedBroker
from services.ops.bench.deep_mix import DeepMix, deep_mix
from services.ops.bench.memory import DEFAULT_ACCOUNTS, MemoryFigure, available_kb
from services.ops.bench.memory import memory_per_account as measure_memory
from services.ops.bench.phases import (
    accounts_due,
    empty_agent,
    latency,
    phase_settings,
    pipeline,
    publish,
    raw_consume,
)
from services.ops.bench.report import BenchResult, LatencyRun, MixResult, format_result
from services.ops.bench.step_cost import DEFAULT_HISTORIES, measure_step_cost
from services.ops.bench.verify_phase import verify_after_pipeline
from services.ops.bench.workloads import pipeline_mix
from services.ops.process import free_port
from services.settings import Settings

__all__ = ["BenchConfig", "format_result", "run_bench"]

#: Mixes of ``--mix``.
MIXES = ("shallow", "deep")
#: Latency rates of the issue: events/s, each for ``seconds``.
DEFAULT_RATES = (250, 500, 1_000, 2_000)
#: Day 0 of the shallow mix's backlog.
SHALLOW_START = datetime(2026, 1, 1, tzinfo=UTC)
#: Share of the available memory a memory run may be projected to take.
MEMORY_HEADROOM = 0.6


@dataclass(frozen=True)
class BenchConfig:
    """What one ``keypulse bench`` run measures (the command's options)."""

    out: Path
    mixes: tuple[str, ...] = MIXES
    events: int = 20_000  # shallow backlog
    accounts: int = 2_000  # shallow accounts
    deep: DeepMix = field(default_factory=DeepMix)
    rates: tuple[int, ...] = DEFAULT_RATES
    seconds: int = 60
    step_histories: tuple[int, ...] = DEFAULT_HISTORIES
    step_accounts: int = 40
    step_repeats: int = 5
    memory_accounts: tuple[int, ...] = DEFAULT_ACCOUNTS
    verify: bool = True  # keypulse verify after each mix's (c)


def run_bench(config: BenchConfig) -> BenchResult:
    """Run every phase the config asks for and write the JSON result to ``config.out``."""
    result = BenchResult(
        date=datetime.now(UTC).date().isoformat(),
        machine=f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    )
    if config.mixes or config.rates:
        _broker_phases(config, result)
    for n in config.step_histories:
        _progress(f"(e) step cost at {n:,} events of history ...")
        cost = measure_step_cost(n, config.step_accounts, config.step_repeats, progress=_progress)
        result.step_cost.append(cost)
        _progress(f"(e) {n:,} events of history: {cost.step_us:,.0f} µs per step")
    _memory_phases(config, result)
    config.out.parent.mkdir(parents=True, exist_ok=True)
    config.out.write_text(json.dumps(result.as_json(), indent=2, ensure_ascii=False) + "\n")
    return result


def _broker_phases(config: BenchConfig, result: BenchResult) -> None:
    with tempfile.TemporaryDirectory(prefix="keypulse-bench-") as tmp:
        base = Settings(embedded_broker_port=free_port(), data_dir=Path(tmp))
        with (Path(tmp) / "tansu.log").open("wb") as log, EmbeddedBroker(base, log=log):
            for name in config.mixes:
                workdir = Path(tmp) / f"pipeline-{name}"
                workdir.mkdir()
                result.mixes.append(_mix_phases(base, name, config, workdir))
            for rate in config.rates:
                workdir = Path(tmp) / f"latency-{rate}"
                workdir.mkdir()
                result.latency.append(_latency_phase(base, rate, config.seconds, workdir, result))


def _mix_source(name: str, config: BenchConfig) -> tuple[MixResult, Iterator[dict[str, Any]]]:
    if name == "deep":
        mix = config.deep
        return (
            MixResult("deep", mix.events, mix.accounts, mix.days),
            deep_mix(mix),
        )
    # One event a minute after the master data (pipeline_mix).
    days = max(0, config.events - config.accounts) / 1440
    return (
        MixResult("shallow", config.events, config.accounts, round(days, 1)),
        pipeline_mix(config.events, config.accounts, SHALLOW_START),
    )


def _mix_phases(base: Settings, name: str, config: BenchConfig, workdir: Path) -> MixResult:
    """(a), (b) and (c) over one mix, published on fresh topics."""
    backlog = phase_settings(base, "event")
    mix, events = _mix_source(name, config)
    _progress(f"[{name}] publishing {mix.events:,} events for {mix.accounts:,} accounts ...")
    sent = publish(backlog, events, progress=_progress)
    mix.events = sent
    mix.raw_consume_per_s = raw_consume(backlog, sent)
    _progress(f"[{name}] (a) raw aiokafka consume: {mix.raw_consume_per_s:,.0f}/s")
    mix.empty_agent_per_s = empty_agent(backlog, sent)
    _progress(f"[{name}] (b) empty Faust agent: {mix.empty_agent_per_s:,.0f}/s")
    _progress(f"[{name}] (c) full pipeline over the backlog ...")

    def verify_while_running(web_port: int) -> None:
        _progress(f"[{name}] keypulse verify: the sink fills read models from (c)'s outputs ...")
        mix.verify = verify_after_pipeline(
            backlog, workdir, lambda: accounts_due(web_port), progress=_progress
        )
        _progress(
            f"[{name}] keypulse verify: {mix.verify.accounts_checked:,} accounts checked,"
            f" {mix.verify.accounts_differing:,} differ"
        )

    mix.pipeline_per_s = pipeline(
        backlog,
        sent,
        workdir,
        progress=_progress,
        after=verify_while_running if config.verify else None,
    )
    _progress(f"[{name}] (c) full pipeline: {mix.pipeline_per_s:,.0f}/s")
    return mix


def _latency_phase(
    base: Settings, rate: int, seconds: int, workdir: Path, result: BenchResult
) -> LatencyRun:
    """(d) at one steady rate, on fresh topics and a fresh worker."""
    _progress(f"(d) latency at {rate:,}/s for {seconds} s ...")
    latencies = latency(phase_settings(base, "wall"), rate, seconds, workdir)
    # Every 20th event of the phase's rate × seconds is a timed P1 ticket (phases.latency).
    run = LatencyRun(rate, timed=-(-rate * seconds // 20), arrived=len(latencies))
    if latencies:
        ordered = sorted(latencies)
        run.p50_ms = round(statistics.median(ordered), 1)
        run.p99_ms = round(ordered[int(0.99 * (len(ordered) - 1))], 1)
        run.max_ms = round(ordered[-1], 1)
    _progress(f"(d) latency at {rate:,}/s: p50 {run.p50_ms} ms, p99 {run.p99_ms} ms")
    if run.arrived < run.timed:
        result.notes.append(f"at {rate}/s only {run.arrived} of {run.timed} timed alerts arrived")
    return run


def _memory_phases(config: BenchConfig, result: BenchResult) -> None:
    """(f) for each account count, smallest first, skipping a count that would not fit."""
    events = config.deep.events_per_account
    for accounts in sorted(config.memory_accounts):
        need_kb = _projected_kb(result.memory, accounts)
        if need_kb is not None and need_kb > MEMORY_HEADROOM * available_kb():
            result.notes.append(
                f"(f) {accounts:,} accounts skipped: projected {need_kb / 1024:,.0f} MB "
                f"from the smaller run is more than {MEMORY_HEADROOM:.0%} of the available memory"
            )
            _progress(result.notes[-1])
            continue
        _progress(f"(f) resident memory with {accounts:,} accounts ...")
        figure = measure_memory(accounts, events)
        result.memory.append(figure)
        _progress(f"(f) {accounts:,} accounts: {figure.kb_per_account:,.1f} KB per account")


def _projected_kb(done: Sequence[MemoryFigure], accounts: int) -> float | None:
    """Resident KB a run of ``accounts`` would take, from the largest run so far (None: none)."""
    if not done:
        return None
    largest = max(done, key=lambda f: f.accounts)
    return largest.rss_before_kb + largest.kb_per_account * accounts


def _progress(text: str) -> None:
    print(f"  ... {text}", file=sys.stderr, flush=True)
