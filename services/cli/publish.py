"""``keypulse publish FILE``: import a JSONL file of input events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.cli.common import ENV_HELP, Subcommands
from services.settings import Settings

NAME = "publish"


def add_parser(sub: Subcommands) -> None:
    """Declare ``keypulse publish`` and its arguments."""
    publish = sub.add_parser(
        NAME,
        help="import a JSONL file of input events (one event per line)",
        description="Validate every line of FILE (JSON, the event contract, and with the wall "
        "clock no occurred_at more than 24 h ahead) and report bad lines with their numbers. "
        "If any line is bad, nothing is published unless --skip-invalid is given. Events go "
        "to their topics keyed by account_id; a summary per topic follows.",
        epilog=ENV_HELP,
    )
    publish.add_argument("file", metavar="FILE", help="JSONL file, one event object per line")
    publish.add_argument(
        "--skip-invalid",
        action="store_true",
        help="publish the valid lines and skip the invalid ones",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Check, then publish the file: 0 published, 1 bad lines (nothing published)."""
    from services.feeds.publish_file import publish_file

    return publish_file(
        settings,
        Path(args.file),
        skip_invalid=args.skip_invalid,
        out=sys.stdout,
        err=sys.stderr,
    )
