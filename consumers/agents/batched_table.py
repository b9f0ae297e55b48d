"""A Faust table whose changelog records are sent per batch, concurrently.

Faust's ``Table.__setitem__`` queues each changelog record in its producer
buffer, which sends one message at a time. On the embedded broker every
record travels in its own batch, so that buffer became the worker's
bottleneck (~3k records/s, "producer buffer full" warnings). This table
keeps the last value per key; :meth:`take_changelog_records` hands them
out, encoded, for the agent to send with each key's other records, and
:meth:`send_changelog_batch` sends them itself, in few requests
(consumers/agents/produce.py).
Either happens before the agent's batch is acknowledged, and Faust flushes
the producer before it commits offsets, so at-least-once holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Literal, cast

import faust

from consumers.agents.produce import RecordSender
from consumers.pipeline.out_records import OutRecord
from consumers.pipeline.partitioning import partition_for


class BatchedChangelogTable(faust.Table[str, Any]):
    """A ``faust.Table`` with deferred, concurrent changelog sends."""

    def on_key_set(self, key: Any, value: Any) -> None:
        """Remember the new value until the changelog sends of the batch are taken."""
        self._unsent_changes()[key] = value
        self._sensor_on_set(self, key, value)

    def on_key_del(self, key: Any) -> None:
        """Remember the deletion (a tombstone) for the next batch."""
        self._unsent_changes()[key] = None
        self._sensor_on_del(self, key)

    def _unsent_changes(self) -> dict[Any, Any]:
        unsent = self.__dict__.get("_keypulse_unsent")
        if unsent is None:
            unsent = self.__dict__["_keypulse_unsent"] = {}
        return cast(dict[Any, Any], unsent)

    def take_changelog_records(self) -> dict[Any, OutRecord]:
        """Every change since the last call, encoded: key → its changelog record.

        The caller sends them (see AccountStage, which sends them before the
        outputs of the same step). Callers whose sends can overlap (an agent
        and a timer) must send in the order they took them (``RecordSender``
        serialises its calls), so that a key's older value never lands after
        its newer one.
        """
        changes = self._unsent_changes()
        self.__dict__["_keypulse_unsent"] = {}
        topic = self.changelog_topic
        name = topic.get_topic_name()
        partitions = self.partitions or self.app.conf.topic_partitions
        by = self.__dict__.get("_keypulse_partition_key") or (lambda key: key)
        records: dict[Any, OutRecord] = {}
        for key, value in changes.items():
            raw_key, _ = topic.prepare_key(key, self.key_serializer)
            raw_value = (
                None if value is None else topic.prepare_value(value, self.value_serializer)[0]
            )
            records[key] = OutRecord(name, raw_key, raw_value, partition_for(by(key), partitions))
        return records

    async def send_changelog_batch(self, sender: RecordSender) -> int:
        """Send every change since the last call (one record per key); return how many."""
        records = list(self.take_changelog_records().values())
        await sender.send(records)
        return len(records)


def tables_settling(app: faust.App) -> bool:
    """Whether a rebalance or a table recovery is under way.

    Timers must then wait: the tables hold only part of what they will, and
    a queue or evaluation made from them would be wrong (Faust keeps agents'
    streams paused until recovery completes, but not timers).
    """
    recovery = getattr(app.tables, "recovery", None)
    return bool(app.rebalancing) or (recovery is not None and not recovery.completed.is_set())


#: How often :func:`until_tables_settled` looks again; Faust has no event for
#: "rebalance and recovery both over", so it is polled (only during those).
SETTLED_POLL_SECONDS = 0.05


async def until_tables_settled(app: faust.App) -> None:
    """Return once no rebalance or table recovery is under way (at once if none is)."""
    while tables_settling(app):
        await asyncio.sleep(SETTLED_POLL_SECONDS)


def batched_table(
    app: faust.App,
    name: str,
    partitions: int,
    partition_key: Callable[[str], str] | None = None,
    value_serializer: Literal["json", "raw"] = "json",
) -> BatchedChangelogTable:
    """Declare a keyed-by-str table with batched changelog sends.

    Raw UTF-8 keys and ``use_partitioner``: the changelog record of a key lands
    on murmur2(key), the partition of the input messages for that key, so
    recovery restores each key on the worker that owns it (in a
    batch of several accounts Faust would otherwise pick the partition of
    whichever event is "current"). ``partition_key`` maps a table key to the
    key its input messages are partitioned by (default: the key itself).

    ``value_serializer``: ``"json"`` (values are JSON-compatible data) or
    ``"raw"`` (values are bytes the caller encoded; the changelog carries
    them unchanged and a recovery restores the very bytes). Faust derives a
    table's serializer from its ``value_type``, not from the schema, so raw
    values are declared as ``value_type=bytes``.
    """
    table = BatchedChangelogTable(
        app,
        name=name,
        default=None,
        beacon=app.tables.beacon,
        partitions=partitions,
        schema=faust.Schema(key_type=str, key_serializer="raw", value_serializer=value_serializer),
        value_type=bytes if value_serializer == "raw" else None,
        use_partitioner=True,
    )
    table.__dict__["_keypulse_partition_key"] = partition_key
    return cast(BatchedChangelogTable, app.tables.add(table))
