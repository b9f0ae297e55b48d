"""The bench's figures: the latency ceiling, the JSON and the table."""

from __future__ import annotations

import re

from services.ops.bench.memory import MemoryFigure
from services.ops.bench.report import (
    BenchResult,
    LatencyRun,
    MixResult,
    format_result,
    latency_ceiling,
)
from services.ops.bench.step_cost import StepCost


def run(rate: int, p99: float | None, *, timed: int = 10, arrived: int = 10) -> LatencyRun:
    return LatencyRun(rate, timed=timed, arrived=arrived, p50_ms=1.0, p99_ms=p99, max_ms=p99)


def test_the_ceiling_is_the_highest_rate_under_the_limit() -> None:
    runs = [run(250, 50.0), run(500, 120.0), run(1_000, 249.9), run(2_000, 4_000.0)]
    assert latency_ceiling(runs) == 1_000


def test_the_ceiling_stops_at_the_first_rate_that_misses() -> None:
    # 2,000/s passing after 1,000/s missed is luck, not a rate to rely on.
    runs = [run(2_000, 100.0), run(250, 50.0), run(1_000, 300.0), run(500, 120.0)]
    assert latency_ceiling(runs) == 500


def test_exactly_the_limit_misses() -> None:
    assert latency_ceiling([run(250, 250.0)]) is None


def test_a_run_with_missing_alerts_or_no_figure_misses() -> None:
    assert latency_ceiling([run(250, 50.0), run(500, 60.0, arrived=9)]) == 250
    assert latency_ceiling([run(250, None, arrived=0)]) is None


def test_no_runs_no_ceiling() -> None:
    assert latency_ceiling([]) is None


def test_the_limit_can_be_given() -> None:
    assert latency_ceiling([run(250, 50.0), run(500, 120.0)], limit_ms=100.0) == 250


def sample_result() -> BenchResult:
    return BenchResult(
        date="2026-12-01",
        machine="x86_64, 2 cores, Python 3.11.7",
        mixes=[
            MixResult("shallow", 20_000, 2_000, 12.5, 300_000.0, 18_000.0, 2_000.0),
            MixResult("deep", 60_000, 500, 150.0, 300_000.0, 18_000.0, 900.0),
        ],
        latency=[run(250, 100.0), run(500, 300.0)],
        step_cost=[StepCost(10, 200, 320.0, 380.0, 510.0), StepCost(1_000, 200, 2_240.0, 1, 1)],
        memory=[MemoryFigure(10_000, 120, 20, 40_000, 600_000, 1_000_000, 1_100_000, 11_000)],
    )


def test_the_json_holds_every_figure_and_the_derived_ones() -> None:
    data = sample_result().as_json()
    assert [m["name"] for m in data["mixes"]] == ["shallow", "deep"]
    assert data["mixes"][1]["pipeline_vs_empty"] == 0.05
    assert data["latency"]["mix"] == "shallow"
    assert data["latency"]["ceiling_per_s"] == 250
    assert len(data["latency"]["runs"]) == 2
    assert data["step_cost"]["ratio_1000_10"] == 7.0
    assert data["memory"]["runs"][0]["kb_per_account"] == 106.0
    assert data["memory"]["target_kb_per_account"] == 20.0


def test_the_table_names_each_mix_the_latency_mix_and_the_ceiling() -> None:
    text = format_result(sample_result())
    assert "deep mix: 60,000 events over 500 accounts, 150 days of event time" in text
    assert "latency (d): the shallow mix" in text
    assert "(c)/(b) [deep]" in text
    assert re.search(r"^\(d\) ceiling: p99 < 250 ms up to +250 events/s$", text, re.M)
    assert "(e) step µs 1,000 / 10" in text
    assert "(f) worker RSS @ 10,000 accounts" in text
