"""``keypulse bench``'s figures: the result of one run and its table."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LatencyRun:
    """Produce → alert latency at one steady rate."""

    rate_per_s: int
    timed: int
    arrived: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


@dataclass
class BenchResult:
    """Every figure of one run."""

    date: str
    machine: str
    events: int
    accounts: int
    raw_consume_per_s: float = 0.0
    empty_agent_per_s: float = 0.0
    pipeline_per_s: float = 0.0
    latency: list[LatencyRun] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pipeline_vs_empty(self) -> float:
        """(c) / (b): the target is at least 1."""
        return self.pipeline_per_s / self.empty_agent_per_s if self.empty_agent_per_s else 0.0


def format_result(result: BenchResult) -> str:
    """The figures as a table."""

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f} ms"

    rows = [
        ("(a) raw aiokafka consume + json.loads", f"{result.raw_consume_per_s:,.0f} events/s"),
        ("(b) empty Faust agent loop", f"{result.empty_agent_per_s:,.0f} events/s"),
        ("(c) full pipeline → health/alerts", f"{result.pipeline_per_s:,.0f} events/s"),
        ("(c)/(b)", f"{result.pipeline_vs_empty:.2f}"),
    ]
    for run in result.latency:
        rows += [
            (f"(d) produce→alert p50 @ {run.rate_per_s}/s", ms(run.p50_ms)),
            (f"(d) produce→alert p99 @ {run.rate_per_s}/s", ms(run.p99_ms)),
            (f"(d) produce→alert max @ {run.rate_per_s}/s", ms(run.max_ms)),
        ]
    width = max(len(r[0]) for r in rows)
    lines = [
        f"keypulse bench — {result.date}, {result.machine}",
        f"{result.events:,} events over {result.accounts:,} accounts, embedded broker",
        "",
    ]
    lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
