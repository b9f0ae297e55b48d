"""aiokafka client settings for keypulse's broker, as an external aiokafka client would use them.

keypulse itself produces with Faust and kafka-python (services/broker/clients.py);
these apply the same Tansu workarounds to plain aiokafka clients, which the
broker tests use to show that aiokafka works against the embedded broker.
"""

from __future__ import annotations

from typing import Any

from services.broker.clients import (
    TANSU_HEARTBEAT_INTERVAL_MS,
    TANSU_REBALANCE_TIMEOUT_MS,
    TANSU_SESSION_TIMEOUT_MS,
)
from services.settings import Settings


def aiokafka_consumer_config(settings: Settings, group_id: str | None) -> dict[str, Any]:
    """aiokafka ``AIOKafkaConsumer`` keyword arguments."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "group_id": group_id,
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
    }
    if settings.tansu_workarounds:
        config["rebalance_timeout_ms"] = TANSU_REBALANCE_TIMEOUT_MS
        config["session_timeout_ms"] = TANSU_SESSION_TIMEOUT_MS
        config["heartbeat_interval_ms"] = TANSU_HEARTBEAT_INTERVAL_MS
    return config


def aiokafka_producer_config(settings: Settings) -> dict[str, Any]:
    """aiokafka ``AIOKafkaProducer`` keyword arguments."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "acks": "all",
        "linger_ms": 0,
    }
    if settings.tansu_workarounds:
        # The first record always fits an empty batch; a 1-byte limit closes
        # the batch after it, so every record travels alone.
        config["max_batch_size"] = 1
    return config
