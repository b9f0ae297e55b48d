"""``keypulse api``: only the HTTP API and dashboard."""

from __future__ import annotations

import argparse

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "api"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse api``."""
    sub.add_parser(
        NAME,
        help="run only the HTTP API",
        description="Serve the HTTP API on KEYPULSE_API_HOST:KEYPULSE_API_PORT "
        "(default 127.0.0.1:8000).",
        epilog=ENV_HELP,
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the API until it is stopped."""
    del args
    from services.api.app import run_api

    run_api(settings)
    return 0
