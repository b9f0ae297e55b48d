"""The KAM stage: one KAM's queue from the entries its accounts send (pure, no Faust).

The account stage computes each account's priority and next action; this
stage, keyed by kam_id after the repartition, only keeps the latest entry per
account and ranks them — highest priority first, ties by account_id, exactly
as :func:`consumers.domain.priority.rank_queue` orders a whole portfolio.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from schemas.internal import KamQueue, QueueEntry, QueueItemRecord


def merge_entries(
    current: Mapping[str, QueueEntry], entries: Iterable[QueueEntry]
) -> dict[str, QueueEntry]:
    """Apply entries (newest ``as_of`` per account wins; ``present=False`` removes)."""
    merged = dict(current)
    removed_at: dict[str, datetime] = {}
    for entry in entries:
        held = merged.get(entry.account_id)
        if held is not None and held.as_of > entry.as_of:
            continue  # a late, older line must not undo a newer one
        if entry.present:
            if entry.account_id in removed_at and removed_at[entry.account_id] > entry.as_of:
                continue
            merged[entry.account_id] = entry
        else:
            merged.pop(entry.account_id, None)
            removed_at[entry.account_id] = entry.as_of
    return merged


def rank(kam_id: str, entries: Mapping[str, QueueEntry], as_of: datetime) -> KamQueue:
    """The ranked queue of one KAM as of the newest entry that shaped it."""
    ordered = sorted(entries.values(), key=lambda e: (-e.priority, e.account_id))
    return KamQueue(
        kam_id=kam_id,
        items=[
            QueueItemRecord(
                rank=i,
                account_id=e.account_id,
                priority=e.priority,
                health=e.health,
                open_alerts=e.open_alerts,
                next_action=e.next_action,
            )
            for i, e in enumerate(ordered, start=1)
        ],
        as_of=as_of,
    )


def entries_to_dict(entries: Mapping[str, QueueEntry]) -> dict[str, Any]:
    """JSON-compatible table value."""
    return {k: v.model_dump(mode="json") for k, v in sorted(entries.items())}


def entries_from_dict(data: Mapping[str, Any]) -> dict[str, QueueEntry]:
    """Inverse of :func:`entries_to_dict`."""
    return {k: QueueEntry.model_validate(v) for k, v in data.items()}
