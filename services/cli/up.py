"""``keypulse up``: the whole stack on one machine, supervised."""

from __future__ import annotations

import argparse

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Supervise the stack until Ctrl-C (0) or a child's death (1)."""
    from services.ops.supervisor import up

    return up(settings, demo=not args.no_demo, verbose=args.verbose)
