"""``keypulse bench``: throughput and latency of the pipeline on a private embedded broker."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "bench"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse bench`` and its options."""
    bench = sub.add_parser(
        NAME,
        help="measure throughput and latency of the pipeline on a private embedded broker",
        description="In one run: (a) raw aiokafka consume rate, (b) an empty Faust agent's "
        "rate, (c) the full pipeline's rate from input topics to health and alerts, and (d) "
        "p50/p99 latency from produce to alert at a steady rate. Prints a table, writes JSON.",
        epilog=ENV_HELP,
    )
    bench.add_argument("--events", type=int, default=20_000, help="backlog size (20000)")
    bench.add_argument("--accounts", type=int, default=2_000, help="accounts (2000)")
    bench.add_argument(
        "--rate",
        type=int,
        action="append",
        help="steady rate/s of a latency phase; repeat for several (default: 1000 and 250)",
    )
    bench.add_argument("--seconds", type=int, default=20, help="latency phase length (20)")
    bench.add_argument(
        "--out", default="bench-results.json", help="JSON output file (bench-results.json)"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the four phases on a broker of the bench's own and print the table."""
    del settings  # the bench starts a private broker with settings of its own
    from services.ops.bench.run import format_result, run_bench

    rates = args.rate or [1_000, 250]
    result = run_bench(args.events, args.accounts, rates, args.seconds, Path(args.out))
    print(format_result(result))
    return 0
