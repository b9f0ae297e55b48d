"""``keypulse lag``: consumer lag, lag seconds and status of keypulse's consumer groups."""

from __future__ import annotations

import argparse
import sys
import time

from services.cli.common import ENV_HELP, Subcommands, exit_on_sigterm
from services.settings import Settings

NAME = "lag"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse lag`` and its options."""
    lag = sub.add_parser(
        NAME,
        help="show consumer lag, lag in seconds and status per group and partition",
        description="Committed offset, log-end offset and lag for every partition of "
        "keypulse's consumer groups (ids starting with KEYPULSE_TOPIC_PREFIX + 'keypulse'), "
        "like kafka-consumer-groups --describe, plus LAG-SECONDS (how old the oldest unread "
        "record is, interpolated from log-end offsets sampled over time, as "
        "kafka-lag-exporter does) and STATUS (Burrow's rules over a sliding window of "
        "commits: OK, WARN, STOP, STALL, REWIND; a group shows its worst partition, with "
        "STOP/STALL/REWIND as ERR). Both need several samples: a single run shows them only "
        "where the lag is 0; use --watch.",
        epilog=ENV_HELP,
    )
    lag.add_argument(
        "--json",
        action="store_true",
        help="print JSON (one object per sample, one line each with --watch)",
    )
    lag.add_argument(
        "--watch",
        action="store_true",
        help="sample again every --interval seconds and reprint until Ctrl-C",
    )
    lag.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between samples with --watch (default: 5; keep it above the "
        "consumers' commit interval, Faust commits every 2.8 s)",
    )
    lag.add_argument(
        "--count",
        type=int,
        metavar="N",
        help="with --watch: stop after N samples instead of running until Ctrl-C",
    )


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
