"""Broker readiness and the contract topics, through kafka-python's admin client."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from schemas.topics import TopicSpec
from services.errors import BrokerUnavailable, TopicLayoutError


def _admin(bootstrap_servers: str) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="keypulse-admin",
        request_timeout_ms=5_000,
        bootstrap_timeout_ms=2_000,
        reconnect_backoff_max_ms=500,
    )


def wait_for_broker(
    bootstrap_servers: str,
    deadline: float,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Return once the broker answers a metadata request; raise at ``deadline``.

    ``alive`` is polled between attempts so that a broker process that died
    is reported at once instead of after the whole timeout.
    """
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        alive()
        try:
            admin = _admin(bootstrap_servers)
            try:
                admin.list_topics()  # a Metadata request
                return
            finally:
                admin.close()
        except (KafkaError, OSError) as exc:
            last_error = exc
            time.sleep(0.1)
    raise BrokerUnavailable(
        f"Kafka broker at {bootstrap_servers} did not answer: {last_error}"
    ) from last_error


def ensure_topics(bootstrap_servers: str, specs: Iterable[TopicSpec]) -> list[str]:
    """Create missing topics; check existing ones have the required partitions.

    Returns the names created. Raises :class:`TopicLayoutError` when a topic
    exists with another partition count, since co-partitioning of the input
    topics depends on it.
    """
    wanted = list(specs)
    admin = _admin(bootstrap_servers)
    try:
        existing = set(admin.list_topics())
        missing = [s for s in wanted if s.name not in existing]
        # Three replicas where the cluster has them (docker-compose runs one broker).
        replicas = min(3, len(admin.describe_cluster().get("brokers", [])) or 1)
        created: list[str] = []
        for spec in missing:
            try:
                admin.create_topics([NewTopic(spec.name, spec.partitions, replicas)])
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # another process created it first
        counts = partition_counts(admin, [s.name for s in wanted])
    finally:
        admin.close()
    wrong = [
        f"{s.name} has {counts.get(s.name)} partitions, expected {s.partitions}"
        for s in wanted
        if counts.get(s.name) != s.partitions
    ]
    if wrong:
        raise TopicLayoutError("topic layout breaks co-partitioning: " + "; ".join(wrong))
    return created


def partition_counts(admin: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    """Partition count per existing topic among ``names``."""
    counts: dict[str, int] = {}
    for topic in admin.describe_topics(names):
        if topic.get("error_code", 0) == 0:
            counts[topic["name"]] = len(topic["partitions"])
    return counts
