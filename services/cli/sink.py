"""``keypulse sink``: only the read-model sink (output topics → SQL)."""

from __future__ import annotations

import argparse

from services.settings import Settings


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sink until SIGTERM or Ctrl-C."""
    del args
    from services.read_models.sink import run_sink

    run_sink(settings)
    return 0
