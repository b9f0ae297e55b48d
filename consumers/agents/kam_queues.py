"""The KAM stage: queue lines repartitioned by kam_id → each KAM's ranked queue.

The account stage sends every account's line (and on a handover, a removal
from the previous KAM) keyed by kam_id; this agent owns each KAM's partition,
keeps the latest line per account and publishes the re-ranked queue when it
changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import faust
from faust.types import EventT

from consumers.agents.batched_table import batched_table
from consumers.agents.outputs import Outputs
from consumers.kam_queue import entries_from_dict, entries_to_dict, merge_entries, rank
from schemas.internal import QueueEntry
from schemas.topics import InternalTopic
from services.settings import Settings

log = logging.getLogger(__name__)

BATCH_MAX = 500
BATCH_WITHIN_SECONDS = 0.02


def register_kam_stage(app: faust.App, settings: Settings) -> None:
    """Attach the KAM queue agent to ``app``."""
    outputs = Outputs(app, settings)
    source = app.topic(
        settings.topics.name(InternalTopic.QUEUE_ENTRIES),
        key_type=bytes,
        value_type=bytes,
        value_serializer="raw",
    )
    table = batched_table(app, "kam-queues", settings.topic_partitions)

    async def process(events: Sequence[EventT[Any]]) -> None:
        by_kam: dict[str, list[QueueEntry]] = {}
        for event in events:
            try:
                entry = QueueEntry.model_validate_json(event.message.value or b"")
            except ValueError as exc:  # our own topic: a bug, not bad upstream input
                log.error("skipping unreadable queue entry at %s: %s", event.message.tp, exc)
                continue
            by_kam.setdefault(entry.kam_id, []).append(entry)
        for kam_id, entries in by_kam.items():
            raw = table.get(kam_id)
            current = entries_from_dict(raw) if raw else {}
            merged = merge_entries(current, entries)
            table[kam_id] = entries_to_dict(merged)
            before = rank(kam_id, current, entries[-1].as_of)
            after = rank(kam_id, merged, max(e.as_of for e in entries))
            if raw is None or before.items != after.items:
                await outputs.send_kam_queue(after)

    async def process_batch(events: Sequence[EventT[Any]]) -> None:
        await process(events)
        await table.send_changelog_batch()

    @app.agent(source, name="kam-queues")
    async def kam_queues(stream: faust.StreamT[Any]) -> None:
        # take_events is on the concrete Stream, not on the StreamT protocol.
        async for batch in cast(faust.Stream[Any], stream).take_events(
            BATCH_MAX, within=BATCH_WITHIN_SECONDS
        ):
            await process_batch(batch)
