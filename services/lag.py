"""Consumer lag of keypulse's consumer groups (``keypulse lag``).

Committed offsets come from the group coordinator, end offsets from
ListOffsets(latest). On the embedded broker the end offset is exact only
because every keypulse producer sends one record per batch (DESIGN.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.errors import BrokerUnavailable
from services.settings import Settings

GROUP_PREFIX = "keypulse"


@dataclass(frozen=True)
class PartitionLag:
    """Lag of one consumer group on one topic partition."""

    group: str
    topic: str
    partition: int
    committed: int | None
    end: int
    lag: int


def describe_groups(settings: Settings) -> list[PartitionLag]:
    """Committed offset, end offset and lag for every partition keypulse's groups consume."""
    prefix = f"{settings.topic_prefix}{GROUP_PREFIX}"
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.bootstrap_servers, client_id="keypulse-lag"
        )
        consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_servers, client_id="keypulse-lag"
        )
    except KafkaError as exc:
        raise BrokerUnavailable(f"cannot reach {settings.bootstrap_servers}: {exc}") from exc
    try:
        groups = sorted(
            g["group_id"] for g in admin.list_groups() if g["group_id"].startswith(prefix)
        )
        rows: list[PartitionLag] = []
        for group in groups:
            committed = admin.list_group_offsets({group: None}).get(group, {})
            partitions = sorted(committed, key=lambda tp: (tp.topic, tp.partition))
            ends = consumer.end_offsets(partitions) if partitions else {}
            for tp in partitions:
                offset = committed[tp].offset
                known = offset if offset is not None and offset >= 0 else None
                end = int(ends.get(tp, 0))
                rows.append(
                    PartitionLag(group, tp.topic, tp.partition, known, end, end - (known or 0))
                )
        return rows
    finally:
        consumer.close()
        admin.close()


def format_table(rows: list[PartitionLag]) -> str:
    """The rows as kafka-consumer-groups prints them."""
    header = ("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG")
    table = [header] + [
        (
            r.group,
            r.topic,
            str(r.partition),
            "-" if r.committed is None else str(r.committed),
            str(r.end),
            str(r.lag),
        )
        for r in rows
    ]
    if not rows:
        return "no keypulse consumer group has committed offsets yet"
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table
    )


__all__ = ["PartitionLag", "TopicPartition", "describe_groups", "format_table"]
