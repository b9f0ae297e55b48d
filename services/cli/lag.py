"""``keypulse lag``: consumer lag, lag seconds and status of keypulse's consumer groups."""

from __future__ import annotations

import argparse
import sys
import time

from services.cli.common import exit_on_sigterm
from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Print one sample, or with ``--watch`` one per interval until Ctrl-C or ``--count``."""
    from services.ops.lag import KafkaOffsetReader, LagMonitor, format_json, format_table

    as_json, watch, interval, count = args.json, args.watch, args.interval, args.count
    if interval <= 0 or (count is not None and count < 1):
        print("keypulse lag: --interval must be > 0 and --count >= 1", file=sys.stderr)
        return 2
    exit_on_sigterm()
    clear = watch and not as_json and sys.stdout.isatty()
    try:
        with KafkaOffsetReader(settings) as reader:
            monitor = LagMonitor(reader)
            while True:
                groups = monitor.sample()
                now = time.time()
                if as_json:
                    print(format_json(groups, now, monitor.samples_taken), flush=True)
                else:
                    if clear:
                        print("\x1b[2J\x1b[H", end="")
                    if watch:
                        stamp = time.strftime("%H:%M:%S", time.localtime(now))
                        print(f"{stamp}  sample {monitor.samples_taken}, every {interval:g} s")
                    print(format_table(groups), flush=True)
                if not watch or (count is not None and monitor.samples_taken >= count):
                    return 0
                if not clear and not as_json:
                    print(flush=True)  # a blank line between tables; JSON stays one per line
                time.sleep(interval)
    except KeyboardInterrupt:
        return 0
