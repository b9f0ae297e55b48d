"""The ``keypulse`` command line: one module per command, dispatched from here.

keypulse up [--no-demo]     the whole stack on one machine
keypulse broker             the embedded Kafka-compatible broker only
keypulse worker             the stream worker only
keypulse sink               the read-model sink only (output topics → SQL)
keypulse api                the HTTP API only
keypulse lag [--watch]      consumer lag, lag seconds, status of keypulse's groups
keypulse bench              throughput and latency on a private embedded broker
keypulse simulate           the demo simulator (live, or --to-file FILE)
keypulse publish FILE       import a JSONL history file

Each command module has ``NAME``, ``add_parser(subcommands)`` and
``run(settings, args) -> exit status``. Exit statuses: 0 done, 1 a
:class:`~services.errors.KeypulseError` (said on stderr), 2 invalid
configuration or options, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from pydantic import ValidationError

from services.cli import api, bench, broker, lag, publish, simulate, sink, up, worker
from services.cli.common import ENV_HELP
from services.errors import KeypulseError
from services.settings import Settings

#: Every command, in the order ``keypulse --help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (up, broker, worker, sink, api, lag, bench, simulate, publish)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keypulse",
        description="keypulse: explainable key-account health, relationship alerts and "
        "KAM work queues, within a second of the event.",
        epilog=ENV_HELP,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``keypulse`` command; returns the process exit status."""
    args = _parser().parse_args(argv)
    try:
        overrides = {"embedded_broker_port": args.port} if getattr(args, "port", None) else {}
        settings = Settings(**overrides)
    except ValidationError as exc:
        print(f"keypulse: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    command = next(c for c in COMMANDS if args.command == c.NAME)
    try:
        status: int = command.run(settings, args)
    except KeypulseError as exc:
        print(f"keypulse {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return status
