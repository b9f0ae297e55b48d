"""``keypulse api``: only the HTTP API and dashboard."""

from __future__ import annotations

import argparse

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the API until it is stopped."""
    del args
    from services.api.app import run_api

    run_api(settings)
    return 0
