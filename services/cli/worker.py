"""``keypulse worker``: only the stream worker (Faust)."""

from __future__ import annotations

import argparse

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "worker"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse worker``."""
    sub.add_parser(
        NAME,
        help="run only the stream worker (Faust)",
        description="Consume the input topics, keep per-account state, publish health and "
        "alerts. Connects to KEYPULSE_BROKER, or to the embedded broker started by "
        "'keypulse broker'.",
        epilog=ENV_HELP,
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Faust worker until it is stopped."""
    del args
    # The one place services start the Faust adapters (an import-linter exception).
    from consumers.agents.worker import run_worker

    run_worker(settings)
    return 0
