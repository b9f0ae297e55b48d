"""Consumer lag of keypulse's consumer groups (``keypulse lag``; later ``GET /v1/ops/lag``).

Modules:

* :mod:`~services.ops.lag.offsets` reads committed and end offsets from Kafka.
* :mod:`~services.ops.lag.timelag` estimates lag in seconds by interpolation (pure).
* :mod:`~services.ops.lag.burrow` applies Burrow's status rules (pure).
* :mod:`~services.ops.lag.monitor` holds the sliding windows and takes samples.
* :mod:`~services.ops.lag.render` prints the table and JSON.

Typical use::

    with KafkaOffsetReader(settings) as reader:
        monitor = LagMonitor(reader)
        groups = monitor.sample()  # call again every few seconds
"""

from __future__ import annotations

from services.ops.lag.burrow import group_status, partition_status
from services.ops.lag.model import GroupLag, PartitionLag, Status
from services.ops.lag.monitor import LagMonitor, WindowSettings
from services.ops.lag.offsets import (
    GroupOffsets,
    KafkaOffsetReader,
    OffsetSnapshot,
    OffsetSource,
    PartitionKey,
)
from services.ops.lag.render import format_json, format_table
from services.ops.lag.timelag import EndOffsetSample, estimate_lag_seconds
from services.settings import Settings


def describe_groups(settings: Settings) -> tuple[GroupLag, ...]:
    """One sample of every keypulse group: exact offsets and lag, no time lag or status yet."""
    with KafkaOffsetReader(settings) as reader:
        return LagMonitor(reader).sample()


__all__ = [
    "EndOffsetSample",
    "GroupLag",
    "GroupOffsets",
    "KafkaOffsetReader",
    "LagMonitor",
    "OffsetSnapshot",
    "OffsetSource",
    "PartitionKey",
    "PartitionLag",
    "Status",
    "WindowSettings",
    "describe_groups",
    "estimate_lag_seconds",
    "format_json",
    "format_table",
    "group_status",
    "partition_status",
]
