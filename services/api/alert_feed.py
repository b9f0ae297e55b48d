"""Alert changes as they reach the read model, for the SSE stream and the webhooks.

Why poll the read model instead of tailing the ``alerts`` topic: what a client
is told must be what it can then read (``GET /v1/alerts`` and the dashboard
read the read model, which the sink fills a moment after the topic), the API
keeps reading only the read models, and one cheap query per interval per API
process serves any number of listeners. The alerts table has no write-time
column (``updated_at`` is the lifecycle time, which with the event clock may
lie far in the past), so a time cursor would miss late rows; instead each poll
reads the narrow ``(alert_id, status, updated_at)`` of every alert and
compares it with the previous poll. That is a full scan of three columns:
fine for thousands to a few hundred thousand alerts per poll interval;
beyond that, add a monotonically increasing change column to the schema.

The poll runs in a worker thread (``asyncio.to_thread``) so the event loop
never waits on the database; listeners get changes through bounded asyncio
queues and a listener too slow to keep up is dropped (its stream ends and
the client reconnects) rather than slowing everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.read_models.queries import AlertView, get_alerts
from services.read_models.schema import alerts

log = logging.getLogger(__name__)

#: Changes a listener may have queued before it is dropped as too slow.
LISTENER_QUEUE_SIZE = 1000

_Fingerprint = tuple[str, datetime]


@dataclass(frozen=True)
class AlertChange:
    """An alert that was raised (new and open) or resolved, or whose lifecycle step changed."""

    event: str  # "raised" or "resolved"
    alert: AlertView


@dataclass(eq=False)
class Listener:
    """One consumer of changes: an SSE client or the webhook dispatcher."""

    accepts: Callable[[AlertView], bool]
    queue: asyncio.Queue[AlertChange | None] = field(
        default_factory=lambda: asyncio.Queue(LISTENER_QUEUE_SIZE)
    )
    dropped: bool = False


def _snapshot(engine: Engine) -> dict[str, _Fingerprint]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(alerts.c.alert_id, alerts.c.status, alerts.c.updated_at))
        return {row.alert_id: (row.status, row.updated_at) for row in rows}


def _load(engine: Engine, alert_ids: list[str]) -> list[AlertView]:
    with engine.connect() as conn:
        found = get_alerts(conn, alert_ids)
    found.sort(key=lambda a: (a.updated_at, a.alert_id))
    return found


class AlertFeed:
    """Polls the alerts read model and fans changes out to listeners."""

    def __init__(self, engine: Callable[[], Engine], interval: float) -> None:
        self._engine = engine
        self.interval = interval
        self._listeners: set[Listener] = set()
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._known: dict[str, _Fingerprint] | None = None
        self.polls = 0
        self.poll_errors = 0

    async def start(self) -> None:
        """Start polling (idempotent) and return once the baseline has been read."""
        if self._task is None or self._task.done():
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(), name="keypulse-alert-feed")
        await self._ready.wait()

    async def stop(self) -> None:
        """Stop polling and end every listener's stream."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for listener in list(self._listeners):
            self._drop(listener)

    def subscribe(self, accepts: Callable[[AlertView], bool]) -> Listener:
        """Register a listener for the changes ``accepts`` lets through."""
        listener = Listener(accepts)
        self._listeners.add(listener)
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        """Forget a listener (its stream ended)."""
        self._listeners.discard(listener)

    def _drop(self, listener: Listener) -> None:
        self._listeners.discard(listener)
        listener.dropped = True
        # Make room for the end marker so the reader wakes up and ends.
        while listener.queue.full():
            listener.queue.get_nowait()
        listener.queue.put_nowait(None)

    async def _run(self) -> None:
        while True:
            try:
                changes = await asyncio.to_thread(self.poll_once)
            except Exception as exc:  # a database hiccup must not end live delivery
                self.poll_errors += 1
                log.warning("alert feed: polling the read model failed: %s", exc)
                changes = []
            else:
                self._ready.set()
            for change in changes:
                self._publish(change)
            await asyncio.sleep(self.interval)

    def _publish(self, change: AlertChange) -> None:
        for listener in list(self._listeners):
            if not listener.accepts(change.alert):
                continue
            try:
                listener.queue.put_nowait(change)
            except asyncio.QueueFull:
                log.warning(
                    "alert feed: a listener fell %d changes behind; dropped", LISTENER_QUEUE_SIZE
                )
                self._drop(listener)

    def poll_once(self) -> list[AlertChange]:
        """Read the table once; return what changed since the last read (nothing the first time)."""
        engine = self._engine()
        current = _snapshot(engine)
        self.polls += 1
        previous, self._known = self._known, current
        if previous is None:
            return []
        changed = [aid for aid, fp in current.items() if previous.get(aid) != fp]
        if not changed:
            return []
        return [
            AlertChange("resolved" if view.status == "resolved" else "raised", view)
            for view in _load(engine, changed)
        ]
