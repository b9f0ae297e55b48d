"""``keypulse bench``'s figures: the result of one run, its ceiling, its table and its JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from services.ops.bench.memory import TARGET_KB_PER_ACCOUNT, MemoryFigure
from services.ops.bench.step_cost import StepCost, cost_ratio

#: The latency target: p99 from produce to alert under this many ms.
P99_LIMIT_MS = 250.0


@dataclass(frozen=True)
class VerifyFigure:
    """What ``keypulse verify`` found after one mix's pipeline phase."""

    accounts_checked: int
    accounts_differing: int
    events_read: int
    history_points_checked: int
    history_points_differing: int
    sink_seconds: float  # until the sink had every output record
    verify_seconds: float
    #: The first differences, described (at most FIRST_DIFFERENCES).
    first_differences: tuple[str, ...] = ()


@dataclass
class MixResult:
    """Throughput of phases (a), (b) and (c) over one mix's backlog."""

    name: str  # "shallow" or "deep"
    events: int
    accounts: int
    days: float  # of event time the backlog spans
    raw_consume_per_s: float = 0.0
    empty_agent_per_s: float = 0.0
    pipeline_per_s: float = 0.0
    #: ``keypulse verify`` after (c); None where it did not run.
    verify: VerifyFigure | None = None

    @property
    def pipeline_vs_empty(self) -> float:
        """(c) / (b): the target is at least 1."""
        return self.pipeline_per_s / self.empty_agent_per_s if self.empty_agent_per_s else 0.0


@dataclass
class LatencyRun:
    """Produce → alert latency at one steady rate."""

    rate_per_s: int
    timed: int
    arrived: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None

    def within(self, limit_ms: float = P99_LIMIT_MS) -> bool:
        """Every timed alert arrived and p99 stayed under ``limit_ms``."""
        return self.p99_ms is not None and self.p99_ms < limit_ms and self.arrived >= self.timed


def latency_ceiling(runs: Sequence[LatencyRun], limit_ms: float = P99_LIMIT_MS) -> int | None:
    """The highest rate up to which every run kept p99 under ``limit_ms`` (None: not the lowest).

    Counted from the lowest rate up and stopping at the first run that misses:
    a higher rate that passes by luck after a lower one failed is no rate a
    user can rely on. A run whose timed alerts did not all arrive misses.
    """
    ceiling = None
    for run in sorted(runs, key=lambda r: r.rate_per_s):
        if not run.within(limit_ms):
            break
        ceiling = run.rate_per_s
    return ceiling


@dataclass
class BenchResult:
    """Every figure of one run."""

    date: str
    machine: str
    mixes: list[MixResult] = field(default_factory=list)
    latency_mix: str = "shallow"
    latency: list[LatencyRun] = field(default_factory=list)
    step_cost: list[StepCost] = field(default_factory=list)
    memory: list[MemoryFigure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ceiling_per_s(self) -> int | None:
        """(d): the highest steady rate whose p99 stays under the limit."""
        return latency_ceiling(self.latency)

    def as_json(self) -> dict[str, Any]:
        """Every figure, derived ones included, as JSON-compatible data."""
        return {
            "date": self.date,
            "machine": self.machine,
            "mixes": [{**asdict(m), "pipeline_vs_empty": m.pipeline_vs_empty} for m in self.mixes],
            "latency": {
                "mix": self.latency_mix,
                "p99_limit_ms": P99_LIMIT_MS,
                "runs": [asdict(r) for r in self.latency],
                "ceiling_per_s": self.ceiling_per_s,
            },
            "step_cost": {
                "runs": [asdict(c) for c in self.step_cost],
                "ratio_1000_10": cost_ratio(self.step_cost),
            },
            "memory": {
                "target_kb_per_account": TARGET_KB_PER_ACCOUNT,
                "runs": [m.as_json() for m in self.memory],
            },
            "notes": self.notes,
        }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f} ms"


def _mix_rows(mix: MixResult) -> list[tuple[str, str]]:
    tag = f"[{mix.name}]"
    rows = [
        (f"(a) raw aiokafka consume + json.loads {tag}", f"{mix.raw_consume_per_s:,.0f} events/s"),
        (f"(b) empty Faust agent loop {tag}", f"{mix.empty_agent_per_s:,.0f} events/s"),
        (f"(c) full pipeline → health/alerts {tag}", f"{mix.pipeline_per_s:,.0f} events/s"),
        (f"(c)/(b) {tag}", f"{mix.pipeline_vs_empty:.2f}"),
    ]
    if (v := mix.verify) is not None:
        rows.append(
            (
                f"keypulse verify after (c) {tag}",
                f"{v.accounts_checked:,} accounts checked, {v.accounts_differing:,} differ; "
                f"history: {v.history_points_differing:,} of {v.history_points_checked:,} "
                "points differ (approximate after late events)",
            )
        )
    return rows


def format_result(result: BenchResult) -> str:
    """The figures as a table, with a line per mix saying what it is."""
    rows: list[tuple[str, str]] = []
    for mix in result.mixes:
        rows += _mix_rows(mix)
    for run in result.latency:
        value = f"p50 {_ms(run.p50_ms)}, p99 {_ms(run.p99_ms)}, max {_ms(run.max_ms)}"
        rows.append((f"(d) produce→alert @ {run.rate_per_s:,}/s", value))
    if result.latency:
        ceiling = result.ceiling_per_s
        text = "none of the rates" if ceiling is None else f"{ceiling:,} events/s"
        rows.append((f"(d) ceiling: p99 < {P99_LIMIT_MS:.0f} ms up to", text))
    for cost in result.step_cost:
        rows.append(
            (
                f"(e) step µs @ {cost.history_events:,} events of history",
                f"{cost.step_us:,.0f} (+ encode {cost.step_encode_us:,.0f}, "
                f"decode + step + encode {cost.decode_step_encode_us:,.0f})",
            )
        )
    ratio = cost_ratio(result.step_cost)
    if ratio is not None:
        rows.append(("(e) step µs 1,000 / 10", f"{ratio:.2f}"))
    for mem in result.memory:
        rows.append(
            (
                f"(f) worker RSS @ {mem.accounts:,} accounts",
                f"{mem.kb_per_account:,.1f} KB/account (table {mem.table_kb_per_account:,.1f}, "
                f"parsed {mem.parsed_kb_per_account:,.1f}); "
                f"100,000 accounts ≈ {mem.projected_mb():,.0f} MB",
            )
        )
    width = max((len(r[0]) for r in rows), default=0)
    lines = [f"keypulse bench — {result.date}, {result.machine}, embedded broker", ""]
    for mix in result.mixes:
        lines.append(
            f"{mix.name} mix: {mix.events:,} events over {mix.accounts:,} accounts, "
            f"{mix.days:,.0f} days of event time, event clock"
        )
    if result.latency:
        lines.append(f"latency (d): the {result.latency_mix} mix, live at the wall clock")
    if result.memory:
        lines.append(f"memory (f): target ≤ {TARGET_KB_PER_ACCOUNT:.0f} KB per account")
    lines.append("")
    lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)
