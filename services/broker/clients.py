"""Client settings for every Kafka producer and consumer keypulse builds.

When the broker is Tansu (the embedded default) two workarounds apply
(docs/architecture.md, "The embedded broker and its caveats"):

* One record per batch. Tansu 0.6.0 answers ListOffsets(latest) with the base
  offset + 1 of the *last batch*, so with multi-record batches end offsets,
  consumer lag and Faust's changelog recovery high-water mark come out too
  low. Producers we control therefore send each record in its own batch.
* Short group timeouts. A consumer-group join waits for the full rebalance
  timeout on Tansu; with the 300 s default the first join takes minutes.
"""

from __future__ import annotations

from typing import Any

from services.settings import Settings

#: Group timeouts used on Tansu, in milliseconds.
TANSU_REBALANCE_TIMEOUT_MS = 5_000
TANSU_SESSION_TIMEOUT_MS = 10_000
TANSU_HEARTBEAT_INTERVAL_MS = 1_000


def producer_config(settings: Settings, client_id: str = "keypulse") -> dict[str, Any]:
    """kafka-python ``KafkaProducer`` keyword arguments."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": client_id,
        # An event is accepted only once every in-sync replica has it.
        "acks": "all",
        "linger_ms": 0,
        "retries": 5,
    }
    if settings.tansu_workarounds:
        config["batch_size"] = 0  # one record per batch
    return config


def consumer_config(
    settings: Settings, group_id: str | None, client_id: str = "keypulse"
) -> dict[str, Any]:
    """kafka-python ``KafkaConsumer`` keyword arguments."""
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": client_id,
        "group_id": group_id,
        "auto_offset_reset": "earliest",
        "enable_auto_commit": False,
    }
    if settings.tansu_workarounds:
        # kafka-python sends max_poll_interval_ms as the JoinGroup rebalance timeout.
        config["max_poll_interval_ms"] = TANSU_REBALANCE_TIMEOUT_MS
        config["session_timeout_ms"] = TANSU_SESSION_TIMEOUT_MS
        config["heartbeat_interval_ms"] = TANSU_HEARTBEAT_INTERVAL_MS
    return config


def faust_broker_config(settings: Settings) -> dict[str, Any]:
    """Faust ``App`` settings for the broker connection (see consumers/)."""
    config: dict[str, Any] = {
        "broker": f"kafka://{settings.bootstrap_servers}",
        "producer_acks": -1,
        "producer_linger": 0.0,
    }
    if settings.tansu_workarounds:
        config.update(
            producer_max_batch_size=1,
            broker_rebalance_timeout=TANSU_REBALANCE_TIMEOUT_MS / 1000,
            broker_session_timeout=TANSU_SESSION_TIMEOUT_MS / 1000,
            broker_heartbeat_interval=TANSU_HEARTBEAT_INTERVAL_MS / 1000,
        )
    return config
