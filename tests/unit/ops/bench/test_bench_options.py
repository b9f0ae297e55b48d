"""``keypulse bench``'s options become the run they describe."""

from __future__ import annotations

from pathlib import Path

from services.cli.bench import config_from_args
from services.cli.parser import build_parser
from services.ops.bench.deep_mix import DeepMix


def test_the_defaults_are_the_issues_figures() -> None:
    config = config_from_args(build_parser().parse_args(["bench"]))
    assert config.mixes == ("shallow", "deep")
    assert config.deep == DeepMix(500, 120, 150.0)
    assert config.rates == (250, 500, 1_000, 2_000)
    assert config.seconds == 60
    assert config.step_histories == (10, 100, 1_000)
    assert config.memory_accounts == (10_000, 100_000)
    assert config.out == Path("bench-results.json")


def test_a_small_run_as_the_options_say() -> None:
    args = build_parser().parse_args(
        [
            "bench",
            "--mix",
            "deep",
            "--deep-accounts",
            "50",
            "--deep-events",
            "100",
            "--rate",
            "250",
            "--rate",
            "500",
            "--seconds",
            "5",
            "--step-history",
            "10",
            "--memory-accounts",
            "1000",
            "--out",
            "x.json",
        ]
    )
    config = config_from_args(args)
    assert config.mixes == ("deep",)
    assert config.deep == DeepMix(50, 100, 150.0)
    assert config.rates == (250, 500)
    assert config.seconds == 5
    assert config.step_histories == (10,)
    assert config.memory_accounts == (1_000,)
    assert config.out == Path("x.json")
