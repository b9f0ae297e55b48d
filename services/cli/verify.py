"""``keypulse verify``: replay the input topics, compare with the read models; writes nothing."""

from __future__ import annotations

import argparse
import sys

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """0 nothing differs, 1 something does, 2 verify cannot run."""
    from services.ops.verify.command import run_verify

    return run_verify(
        settings,
        as_json=args.json,
        timeout=args.timeout,
        out=sys.stdout,
        err=sys.stderr,
        strict_history=args.strict_history,
    )
