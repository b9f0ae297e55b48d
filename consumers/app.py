"""The Faust stream worker: ``keypulse worker`` runs it.

This module only wires Faust to keypulse's settings; the agents are thin
(decode → domain → emit) and live in their own modules.
"""

from __future__ import annotations

from typing import Any

import faust

from services.kafka_config import faust_broker_config
from services.settings import Settings

WORKER_APP_ID = "keypulse-worker"


def create_app(settings: Settings) -> faust.App:
    """Build the Faust app for ``settings`` (no connection is made here)."""
    config: dict[str, Any] = faust_broker_config(settings)
    app = faust.App(
        f"{settings.topic_prefix}{WORKER_APP_ID}",
        # The contract topics already exist (ensure_topics, before start); Faust
        # only declares its own internal topics (changelogs, repartitions).
        topic_partitions=settings.topic_partitions,
        datadir=str(settings.data_dir / "worker"),
        web_host="127.0.0.1",
        web_port=settings.worker_web_port,
        web_enabled=True,
        # Offsets are committed only after processing (at-least-once); the
        # state model makes redelivered events harmless (DESIGN.md).
        processing_guarantee="at_least_once",
        store="memory://",
        **config,
    )
    from consumers.agents.intake import register_intake

    register_intake(app, settings)
    return app
