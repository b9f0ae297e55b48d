"""The KAM stage: queue lines repartitioned by kam_id → each KAM's ranked queue.

The account stage sends every account's line (and on a handover, a removal
from the previous KAM) keyed by kam_id; this agent owns each KAM's partition
and keeps one table key per (KAM, account) line. A timer publishes the
re-ranked queue of every KAM whose lines changed, at most once a second, so
a burst of lines for a KAM with hundreds of accounts is ranked once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import faust
from faust.types import EventT

from consumers.agents.batched_table import batched_table, tables_settling
from consumers.agents.outputs import Outputs
from consumers.agents.produce import RecordSender
from consumers.pipeline.kam_queue import KamQueueBook, kam_of_line
from consumers.pipeline.partitioning import partition_for
from schemas.internal import QueueLine
from schemas.topics import InternalTopic
from services.settings import Settings

log = logging.getLogger(__name__)

BATCH_MAX = 5_000
BATCH_WITHIN_SECONDS = 0.02
#: How often changed queues are published.
PUBLISH_SECONDS = 1.0


def register_kam_stage(app: faust.App, settings: Settings) -> None:
    """Attach the KAM queue agent and its publishing timer to ``app``."""
    outputs = Outputs(app, settings)
    # The agent sends changelog records, the timer queues: one serialised sender.
    sender = RecordSender.of_app(app, last_alone=settings.tansu_workarounds)
    topic_name = settings.topics.name(InternalTopic.QUEUE_LINES)
    partitions = settings.topic_partitions
    source = app.topic(topic_name, key_type=bytes, value_type=bytes, value_serializer="raw")
    # Lines are partitioned by their KAM: the partition of the queue lines topic.
    table = batched_table(app, "kam-queue-lines", partitions, partition_key=kam_of_line)
    book = KamQueueBook(table)
    indexed: dict[str, frozenset[int]] = {}

    def refresh() -> None:
        owned = frozenset(
            tp.partition for tp in app.consumer.assignment() if tp.topic == topic_name
        )
        if indexed.get("owned") != owned:
            count = book.rebuild(lambda kam_id: partition_for(kam_id, partitions) in owned)
            indexed["owned"] = owned
            log.info("KAM queue lines rebuilt for partitions %s: %d lines", sorted(owned), count)

    async def process(events: Sequence[EventT[Any]]) -> None:
        refresh()
        lines = []
        for event in events:
            try:
                lines.append(QueueLine.model_validate_json(event.message.value or b""))
            except ValueError as exc:  # our own topic: a bug, not bad upstream input
                log.error("skipping unreadable queue line at %s: %s", event.message.tp, exc)
        book.apply(lines)
        await table.send_changelog_batch(sender)

    @app.agent(source, name="kam-queues")
    async def kam_queues(stream: faust.StreamT[Any]) -> None:
        # take_events is on the concrete Stream, not on the StreamT protocol.
        async for batch in cast(faust.Stream[Any], stream).take_events(
            BATCH_MAX, within=BATCH_WITHIN_SECONDS
        ):
            await process(batch)

    @app.timer(interval=PUBLISH_SECONDS, name="kam-queues-publish")  # type: ignore[untyped-decorator]
    async def publish_queues() -> None:
        if tables_settling(app):
            return
        refresh()
        queues = book.take_dirty()
        await sender.send(outputs.topics.kam_queue_record(q) for q in queues)
