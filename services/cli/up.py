"""``keypulse up``: the whole stack on one machine, supervised."""

from __future__ import annotations

import argparse

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "up"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse up`` and its options."""
    up = sub.add_parser(
        NAME,
        help="run everything on this machine (broker, worker, sink, API, demo)",
        description="Start the embedded broker (unless KEYPULSE_BROKER names a cluster), the "
        "stream worker, the read-model sink and the API as supervised child processes, "
        "print the URLs and tokens, and stop everything cleanly on Ctrl-C or SIGTERM. "
        "If a child dies, its last log lines are shown and keypulse up exits with status 1.",
        epilog=ENV_HELP,
    )
    up.add_argument("--no-demo", action="store_true", help="do not start the demo simulator")
    up.add_argument(
        "--verbose", action="store_true", help="echo every log line of every child process"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Supervise the stack until Ctrl-C (0) or a child's death (1)."""
    from services.ops.supervisor import up

    return up(settings, demo=not args.no_demo, verbose=args.verbose)
