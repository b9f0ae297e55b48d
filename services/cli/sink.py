"""``keypulse sink``: only the read-model sink (output topics → SQL)."""

from __future__ import annotations

import argparse

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "sink"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse sink``."""
    sub.add_parser(
        NAME,
        help="run only the read-model sink (output topics → SQL database)",
        description="Copy account-health, alerts, account profiles and KAM queues from Kafka "
        "into the SQL read models at KEYPULSE_DATABASE_URL (default: a SQLite file in "
        "KEYPULSE_DATA_DIR); creates or upgrades the schema first.",
        epilog=ENV_HELP,
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sink until SIGTERM or Ctrl-C."""
    del args
    from services.read_models.sink import run_sink

    run_sink(settings)
    return 0
