"""``keypulse bench``: throughput, latency, step cost and memory, on a private embedded broker."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from services.settings import Settings

if TYPE_CHECKING:
    from services.ops.bench.run import BenchConfig


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    """The run the options ask for; an option left out takes the bench's default."""
    # Imported here: the bench's modules pull in the Kafka clients, which
    # the other commands (and --help) need not load.
    from services.ops.bench.deep_mix import DeepMix
    from services.ops.bench.memory import DEFAULT_ACCOUNTS
    from services.ops.bench.run import DEFAULT_RATES, MIXES, BenchConfig
    from services.ops.bench.step_cost import DEFAULT_HISTORIES

    return BenchConfig(
        out=Path(args.out),
        mixes=MIXES if args.mix == "both" else (args.mix,),
        events=args.events,
        accounts=args.accounts,
        deep=DeepMix(args.deep_accounts, args.deep_events, args.deep_days),
        rates=tuple(args.rate or DEFAULT_RATES),
        seconds=args.seconds,
        step_histories=tuple(args.step_history or DEFAULT_HISTORIES),
        step_accounts=args.step_accounts,
        memory_accounts=tuple(args.memory_accounts or DEFAULT_ACCOUNTS),
        verify=args.verify,
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the phases the options ask for on a broker of the bench's own and print the table."""
    del settings  # the bench starts a private broker with settings of its own
    from services.ops.bench.run import format_result, run_bench

    print(format_result(run_bench(config_from_args(args))))
    return 0
