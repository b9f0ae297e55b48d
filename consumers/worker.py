"""Run the stream worker in the foreground: ``keypulse worker``."""

from __future__ import annotations

import logging

from consumers.app import create_app
from services.settings import Settings


def run_worker(settings: Settings) -> None:
    """Start the Faust worker and block until it is stopped (SIGINT/SIGTERM)."""
    from faust.worker import Worker

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(settings)
    worker = Worker(app, loglevel=settings.log_level.upper(), quiet=True)
    logging.getLogger("keypulse").info("stream worker starting on %s", settings.bootstrap_servers)
    worker.execute_from_commandline()
