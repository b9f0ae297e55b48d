"""``keypulse publish FILE``: import a JSONL file of input events."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from services.settings import Settings


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
