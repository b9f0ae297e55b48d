"""``keypulse worker``: only the stream worker (Faust)."""

from __future__ import annotations

import argparse

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the Faust worker until it is stopped."""
    del args
    # The one place services start the Faust adapters (an import-linter exception).
    from consumers.agents.worker import run_worker

    run_worker(settings)
    return 0
