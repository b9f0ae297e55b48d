"""``keypulse simulate``: publish the simulated portfolio live, or write it to a JSONL file."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "simulate"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse simulate`` and its options."""
    simulate = sub.add_parser(
        NAME,
        help="publish a simulated key-account portfolio (demo), or write it to a file",
        description="A realistic portfolio (about 40 key accounts, groups with subsidiaries, "
        "3-8 stakeholders each, 5 KAMs) with the behaviours keypulse watches for: a decision "
        "maker going silent, a champion leaving in a reorganisation, a new decision maker, a "
        "P1 escalation, an order gap, a handover. Live: the history ends at the wall clock; "
        "all but the last --live-days are published at once, those are played at --speed "
        "simulated days per real second until simulated time meets the wall clock, then "
        "--follow-days more go on at the wall clock's pace. --to-file writes the history as "
        "JSONL instead (identical for the same --seed, --days and --end).",
        epilog=ENV_HELP,
    )
    simulate.add_argument("--seed", type=int, default=7, help="portfolio and history seed (7)")
    simulate.add_argument("--days", type=float, default=180.0, help="days of history (180)")
    simulate.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="simulated days per real second while catching up (1)",
    )
    simulate.add_argument(
        "--live-days",
        type=float,
        default=10.0,
        help="the last days of the history that are played at --speed rather than at once (10)",
    )
    simulate.add_argument(
        "--follow-days",
        type=float,
        default=0.0,
        help="after catching up, go on for this many days at the wall clock's pace (0)",
    )
    simulate.add_argument(
        "--to-file", metavar="FILE", help="write the history as JSONL instead of publishing"
    )
    simulate.add_argument(
        "--end",
        metavar="TIMESTAMP",
        help="with --to-file: when the history ends, RFC 3339 (default: today 00:00 UTC)",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Write the file (``--to-file``) or publish live; 2 for options that cannot work."""
    if args.to_file:
        return _to_file(args)
    from services.feeds.simulator.run import LiveOptions, run_live

    options = LiveOptions(args.seed, args.days, args.live_days, args.speed, args.follow_days)
    try:
        options.check()
    except ValueError as exc:
        print(f"keypulse simulate: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()  # finish the current send, flush, and say how far it got

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run_live(settings, options, stop=stop)
    return 0


def _to_file(args: argparse.Namespace) -> int:
    from services.feeds.simulator.history import default_anchor
    from services.feeds.simulator.run import write_history

    try:
        anchor = datetime.fromisoformat(args.end) if args.end else default_anchor()
    except ValueError:
        print(f"keypulse simulate: --end {args.end!r} is not an RFC 3339 time", file=sys.stderr)
        return 2
    if anchor.tzinfo is None or args.days <= 0:
        print("keypulse simulate: --end needs an offset and --days must be > 0", file=sys.stderr)
        return 2
    count = write_history(Path(args.to_file), args.seed, args.days, anchor)
    print(f"wrote {count} events ({args.days:g} days to {anchor.isoformat()}) to {args.to_file}")
    return 0
