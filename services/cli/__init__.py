"""The ``keypulse`` command line: declared in :mod:`.parser`, one module per command.

keypulse up [--no-demo]     the whole stack on one machine
keypulse broker             the embedded Kafka-compatible broker only
keypulse worker             the stream worker only
keypulse sink               the read-model sink only (output topics → SQL)
keypulse api                the HTTP API only
keypulse lag [--watch]      consumer lag, lag seconds, status of keypulse's groups
keypulse bench              throughput, latency, step cost and memory of the pipeline
keypulse simulate           the demo simulator (live, or --to-file FILE)
keypulse publish FILE       import a JSONL history file
keypulse verify [--json]    replay the input topics, compare with the read models

Each command module has ``run(settings, args) -> exit status``. Exit
statuses: 0 done, 1 a :class:`~services.errors.KeypulseError` (said on
stderr), 2 invalid configuration or options, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from services.cli import api, bench, broker, lag, publish, simulate, sink, up, verify, worker
from services.cli.parser import build_parser
from services.errors import KeypulseError
from services.settings import Settings

#: What runs each command.
RUNS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "up": up.run,
    "broker": broker.run,
    "worker": worker.run,
    "sink": sink.run,
    "api": api.run,
    "lag": lag.run,
    "bench": bench.run,
    "simulate": simulate.run,
    "publish": publish.run,
    "verify": verify.run,
}


def _parser() -> argparse.ArgumentParser:
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``keypulse`` command; returns the process exit status."""
    args = build_parser().parse_args(argv)
    try:
        overrides = {"embedded_broker_port": args.port} if getattr(args, "port", None) else {}
        settings = Settings(**overrides)
    except ValidationError as exc:
        print(f"keypulse: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    try:
        return RUNS[args.command](settings, args)
    except KeypulseError as exc:
        print(f"keypulse {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
