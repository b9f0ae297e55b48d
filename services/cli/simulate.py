"""``keypulse simulate``: publish the simulated portfolio live, or write it to a JSONL file."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from types import FrameType

from services.settings import Settings


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
