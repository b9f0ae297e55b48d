"""Keep what Faust fetched while table recovery finished: resuming flow drops only stale records.

The loss this closes (faust-streaming 0.15.3, mode-streaming 0.7.1): a worker
whose tables have changelog data to restore starts Faust's fetcher during
recovery. When recovery completes, Faust resumes the stream partitions and
then awaits ``perform_seek()``; the running fetcher uses that wait to fetch
the input partitions and the conductor puts those records into the agents'
channel queues. Then Faust calls ``app.flow_control.resume()``, and mode's
``FlowControlEvent.resume`` *clears every managed queue*: the records are
gone, the consumer's positions are already past them, and since they were
never acked nothing commits or refetches them. With nothing committed yet
(``perform_seek`` seeks only to committed offsets above 0) they are lost for
good; in the stress runs this showed as offsets 1..3 of every input
partition missing after a batch that held each partition's offset 0.

A worker restarted at once after a crash meets this every time its
predecessor left changelog records and no commit; the README ("Restarts lose
nothing") has the log that confirmed it.

The patch: the app's flow-control event, on resume, keeps the queued stream
records of the current consumer generation (they belong to the current
assignment, at positions the consumer has already passed) and clears the
rest as before: records of an older generation (what Faust's clear is for:
nothing fetched before a rebalance may be processed after it; Faust also
clears at revoke) and the table-recovery queues of changelog records.
"""

from __future__ import annotations

import logging
from collections.abc import Set as AbstractSet
from typing import Any

import faust

log = logging.getLogger("keypulse.flow_resume")

_PATCHED = "_keypulse_keeps_current_generation"


def is_kept(item: Any, generation_id: int, changelog_topics: AbstractSet[str]) -> bool:
    """True for a queued stream event of the current generation (kept on resume).

    Changelog records (table recovery's own queue) and anything that is not a
    fetched record keep Faust's behaviour: they are cleared.
    """
    message = getattr(item, "message", None)
    if message is None or getattr(message, "generation_id", None) != generation_id:
        return False
    return getattr(message, "topic", None) not in changelog_topics


def clear_all_but_current(
    queue: Any, generation_id: int, changelog_topics: AbstractSet[str]
) -> int:
    """Clear one flow-controlled queue except its current-generation stream events.

    Returns how many events were kept.
    """
    items = queue._queue  # asyncio.Queue's deque
    keep = [item for item in items if is_kept(item, generation_id, changelog_topics)]
    if len(keep) != len(items):
        items.clear()
        items.extend(keep)
    return len(keep)


def keep_current_generation_on_resume(app: faust.App) -> None:
    """Make ``app.flow_control.resume()`` keep current-generation stream records (idempotent)."""
    flow: Any = app.flow_control
    if getattr(flow, _PATCHED, False):
        return
    missing = [name for name in ("_suspend", "_resume", "_queues") if not hasattr(flow, name)]
    if missing:
        # A mode-streaming release changed what this patch relies on.
        raise RuntimeError(f"cannot patch FlowControlEvent (no {', '.join(missing)})")

    def resume() -> None:
        # What FlowControlEvent.resume does, with a selective clear.
        flow._suspend.clear()
        flow._resume.set()
        generation_id = app.consumer_generation_id
        changelogs = set(app.tables.changelog_topics)
        kept = sum(
            clear_all_but_current(queue, generation_id, changelogs) for queue in list(flow._queues)
        )
        if kept:
            log.info(
                "flow resumed: kept %d stream records fetched in generation %d",
                kept,
                generation_id,
            )

    flow.resume = resume
    setattr(flow, _PATCHED, True)


__all__ = ["clear_all_but_current", "is_kept", "keep_current_generation_on_resume"]
