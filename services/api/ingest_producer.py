"""Publish validated ingest events to their input topics with kafka-python.

The producer is built on the first ingest request (nothing connects at
import or start-up, so the API serves reads while the broker is down) and
closed on shutdown. It uses :func:`services.broker.clients.producer_config`,
which carries the embedded broker's one-record-per-batch workaround.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.api.errors import PublishFailed
from services.broker.clients import producer_config
from services.settings import Settings

log = logging.getLogger(__name__)


class IngestProducer:
    """A lazily built, thread-safe kafka-python producer for ``POST /v1/events``.

    Unlike :class:`services.feeds.publisher.EventPublisher` it sends items the route
    has already validated, as sent, and waits for every acknowledgement.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()

    def _get(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                timeout_ms = int(self.settings.api_publish_timeout * 1000)
                config = producer_config(self.settings, client_id="keypulse-api")
                # Bound every wait by the publish timeout: a dead broker must
                # give a 503 in seconds, not block a worker thread for a minute.
                config.update(
                    max_block_ms=timeout_ms,
                    request_timeout_ms=timeout_ms,
                    bootstrap_timeout_ms=timeout_ms,
                )
                try:
                    self._producer = KafkaProducer(**config)
                except KafkaError as exc:
                    raise PublishFailed(f"the broker is unavailable: {exc}") from exc
            return self._producer

    def publish(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Send ``(topic, key, value)`` items and return once the broker acknowledged all.

        Raises :class:`PublishFailed` when any is not acknowledged within the
        timeout; some may then have been published (the event_id is the
        idempotency key, so the client simply retries the whole request).
        """
        producer = self._get()
        deadline = time.monotonic() + self.settings.api_publish_timeout
        try:
            futures = [
                producer.send(
                    topic,
                    key=key.encode("utf-8"),
                    value=json.dumps(value, separators=(",", ":")).encode(),
                )
                for topic, key, value in items
            ]
            for future in futures:
                future.get(timeout=max(0.1, deadline - time.monotonic()))
        except KafkaError as exc:
            log.warning("ingest: the broker did not acknowledge: %s", exc)
            raise PublishFailed(
                "the broker did not acknowledge the events; retry the request "
                "(events are idempotent by event_id)"
            ) from exc

    def close(self) -> None:
        """Flush and close the producer, if one was built."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
