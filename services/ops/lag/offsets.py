"""Reading committed and log-end offsets of keypulse's consumer groups from Kafka.

Committed offsets come from the group coordinator (kafka-python's admin
client: ListGroups, OffsetFetch), end offsets from ListOffsets(latest). On
the embedded Tansu broker the end offset is exact only because every
keypulse producer sends one record per batch (docs/architecture.md, "The embedded
broker and its caveats"); records from a batching producer make it too low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.broker.clients import consumer_config
from services.errors import BrokerUnavailable
from services.settings import Settings

#: Every keypulse consumer group id starts with ``{topic_prefix}keypulse``.
GROUP_PREFIX = "keypulse"


class PartitionKey(NamedTuple):
    """A topic partition as a plain, hashable value."""

    topic: str
    partition: int


@dataclass(frozen=True)
class GroupOffsets:
    """The committed offsets of one consumer group."""

    group: str
    #: Group state as the broker reports it (Stable, Empty, ...); Tansu says Unknown.
    state: str
    #: Committed offset per partition; None where the group has no valid commit.
    committed: Mapping[PartitionKey, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class OffsetSnapshot:
    """Committed offsets of every keypulse group and the end offsets of their partitions."""

    groups: tuple[GroupOffsets, ...]
    ends: Mapping[PartitionKey, int]


class OffsetSource(Protocol):
    """Anything that can read an :class:`OffsetSnapshot` (Kafka, or a fake in tests)."""

    def read(self) -> OffsetSnapshot:
        """Read committed and end offsets now."""
        ...


def keypulse_group_prefix(settings: Settings) -> str:
    """The prefix every keypulse consumer group id starts with."""
    return f"{settings.topic_prefix}{GROUP_PREFIX}"


class KafkaOffsetReader:
    """Reads offsets with one admin client and one group-less consumer, reused across reads.

    Use as a context manager or call :meth:`close`. Raises
    :class:`~services.errors.BrokerUnavailable` when the broker cannot be reached.
    """

    def __init__(self, settings: Settings, group_prefix: str | None = None) -> None:
        self.settings = settings
        self.group_prefix = (
            keypulse_group_prefix(settings) if group_prefix is None else group_prefix
        )
        try:
            # Bounded: an API route or a --watch loop must not hang 30 s on a dead broker.
            self._admin = KafkaAdminClient(
                bootstrap_servers=settings.bootstrap_servers,
                client_id="keypulse-lag",
                bootstrap_timeout_ms=5_000,
                request_timeout_ms=5_000,
            )
        except KafkaError as exc:
            raise BrokerUnavailable(f"cannot reach {settings.bootstrap_servers}: {exc}") from exc
        try:
            self._consumer = KafkaConsumer(
                **consumer_config(settings, group_id=None, client_id="keypulse-lag")
            )
        except KafkaError as exc:
            self._admin.close()
            raise BrokerUnavailable(f"cannot reach {settings.bootstrap_servers}: {exc}") from exc

    def read(self) -> OffsetSnapshot:
        """Committed offsets of every group whose id starts with the prefix, and end offsets."""
        try:
            listed = sorted(
                (g["group_id"], str(g.get("group_state") or "Unknown"))
                for g in self._admin.list_groups()
                if g["group_id"].startswith(self.group_prefix)
            )
            groups: list[GroupOffsets] = []
            partitions: set[TopicPartition] = set()
            for group_id, state in listed:
                # One group per request: Tansu does not speak OffsetFetch v8 (many groups).
                offsets = self._admin.list_group_offsets({group_id: None}).get(group_id, {})
                committed: dict[PartitionKey, int | None] = {}
                for tp, meta in offsets.items():
                    # -1 (or None) means "no commit" in OffsetFetch answers.
                    valid = meta.offset is not None and meta.offset >= 0
                    committed[PartitionKey(tp.topic, tp.partition)] = (
                        int(meta.offset) if valid else None
                    )
                    partitions.add(TopicPartition(tp.topic, tp.partition))
                groups.append(GroupOffsets(group_id, state, committed))
            raw_ends = self._consumer.end_offsets(sorted(partitions)) if partitions else {}
        except KafkaError as exc:
            raise BrokerUnavailable(
                f"reading offsets from {self.settings.bootstrap_servers} failed: {exc}"
            ) from exc
        ends = {PartitionKey(tp.topic, tp.partition): int(end) for tp, end in raw_ends.items()}
        return OffsetSnapshot(groups=tuple(groups), ends=ends)

    def close(self) -> None:
        """Close both clients."""
        try:
            self._consumer.close()
        finally:
            self._admin.close()

    def __enter__(self) -> KafkaOffsetReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
