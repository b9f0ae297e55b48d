"""``keypulse bench``: throughput and latency of the pipeline on a private embedded broker."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the four phases on a broker of the bench's own and print the table."""
    del settings  # the bench starts a private broker with settings of its own
    from services.ops.bench.run import format_result, run_bench

    rates = args.rate or [1_000, 250]
    result = run_bench(args.events, args.accounts, rates, args.seconds, Path(args.out))
    print(format_result(result))
    return 0
