"""Run the stream worker in the foreground: ``keypulse worker``."""

from __future__ import annotations

import logging
import time

from consumers.agents.app import create_app
from consumers.pipeline.collector import tune_collector
from services.broker.topics import ensure_topics, wait_for_broker
from services.settings import Settings


def run_worker(settings: Settings) -> None:
    """Start the Faust worker and block until it is stopped (SIGINT/SIGTERM)."""
    from faust.worker import Worker

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Idempotent: with several replicas the first one creates, the rest check
    # the partition counts that co-partitioning relies on.
    wait_for_broker(settings.bootstrap_servers, deadline=time.monotonic() + 60)
    ensure_topics(settings.bootstrap_servers, settings.topics.all_specs())
    app = create_app(settings)
    worker = Worker(app, loglevel=settings.log_level.upper(), quiet=True)
    # Faust's terminal spinner is useless in a supervised child writing to a log
    # file, and below INFO it sets the root logger to DEBUG so that every
    # aiokafka and Faust debug call builds a LogRecord (5% of the worker's CPU
    # at log level warning, measured with py-spy).
    worker.spinner = None
    tune_collector()
    logging.getLogger("keypulse").info("stream worker starting on %s", settings.bootstrap_servers)
    worker.execute_from_commandline()
