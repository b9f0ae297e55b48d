"""Alert routes: list with filters, acknowledge, snooze, and the live SSE stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from schemas.vocabulary import AlertKind, AlertStatus
from services.api.access import account_owner
from services.api.alert_feed import AlertChange, AlertFeed
from services.api.auth import forbidden, require_kam_scope
from services.api.deps import (
    ID_PATTERN,
    AlertActor,
    AlertId,
    Now,
    ReadConn,
    Reader,
    StreamListener,
    WriteConn,
)
from services.api.errors import DatabaseNotReady
from services.api.models import Alert, SnoozeRequest, error_responses
from services.read_models import queries
from services.read_models.queries import AlertView
from services.settings import Principal

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

#: The longest snooze accepted: beyond that an alert is better resolved upstream.
MAX_SNOOZE = timedelta(days=366)

#: Seconds between SSE comment lines that keep idle connections (and proxies) alive.
KEEPALIVE_SECONDS = 15.0

OptionalId = Annotated[str | None, Query(pattern=ID_PATTERN)]


def _out(view: AlertView) -> Alert:
    return Alert.model_validate(view, from_attributes=True)


@router.get("", response_model=list[Alert], responses=error_responses(401, 403, 422, 503))
def list_alerts(
    principal: Reader,
    conn: ReadConn,
    now: Now,
    status_: Annotated[AlertStatus | None, Query(alias="status")] = None,
    kind: AlertKind | None = None,
    account_id: OptionalId = None,
    kam_id: OptionalId = None,
    include_snoozed: Annotated[
        bool, Query(description="Also list open alerts whose snooze has not ended.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[Alert]:
    """Alerts matching the filters, newest raised first; a KAM sees only their own."""
    if principal.role == "kam":
        if kam_id is not None and kam_id != principal.kam_id:
            raise forbidden("a KAM may list only their own alerts")
        if account_id is not None:
            # Another KAM's account is refused, as on the account routes; an unknown
            # account simply matches nothing.
            known, owner = account_owner(conn, account_id)
            if known:
                require_kam_scope(principal, owner, f"account {account_id!r}")
        kam_id = principal.kam_id
    views = queries.list_alerts(
        conn,
        now=now,
        status=status_,
        kind=kind,
        account_id=account_id,
        kam_id=kam_id,
        include_snoozed=include_snoozed,
        limit=limit,
    )
    return [_out(v) for v in views]


def _owned_alert(conn: ReadConn | WriteConn, principal: Principal, alert_id: str) -> AlertView:
    view = queries.get_alert(conn, alert_id)
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown alert {alert_id!r}")
    require_kam_scope(principal, view.kam_id, f"alert {alert_id!r}")
    return view


@router.post(
    "/{alert_id}/ack", response_model=Alert, responses=error_responses(401, 403, 404, 422, 503)
)
def ack_alert(alert_id: AlertId, principal: AlertActor, conn: WriteConn, now: Now) -> Alert:
    """Acknowledge an alert (repeating it keeps the first acknowledgement)."""
    _owned_alert(conn, principal, alert_id)
    return _out(queries.ack_alert(conn, alert_id, by=principal.kam_id or principal.role, at=now))


@router.post(
    "/{alert_id}/snooze",
    response_model=Alert,
    responses=error_responses(401, 403, 404, 422, 503),
)
def snooze_alert(
    alert_id: AlertId, body: SnoozeRequest, principal: AlertActor, conn: WriteConn, now: Now
) -> Alert:
    """Hide an open alert from open lists until ``until`` (future, at most 366 days ahead)."""
    try:
        until = body.until.astimezone(UTC)
    except (OverflowError, ValueError):
        until = None
    if until is None or until <= now or until > now + MAX_SNOOZE:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "loc": ["body", "until"],
                    "msg": "until must lie in the future, at most 366 days ahead",
                    "type": "value_error",
                }
            ],
        )
    _owned_alert(conn, principal, alert_id)
    return _out(queries.snooze_alert(conn, alert_id, until))


def _sse(change: AlertChange) -> str:
    data = _out(change.alert).model_dump_json()
    frame_id = f"{change.alert.alert_id}:{change.alert.status}"
    return f"event: {change.event}\nid: {frame_id}\ndata: {data}\n\n"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events: `raised` / `resolved`, data = an Alert as JSON.",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 503),
    },
)
async def stream_alerts(request: Request, principal: StreamListener) -> StreamingResponse:
    """Server-sent events of alerts as they are raised or resolved (a KAM's own only).

    Open to every role that may list alerts, so a page that shows alerts can follow them live.
    """
    feed: AlertFeed = request.app.state.alert_feed
    kam_id = principal.kam_id if principal.role == "kam" else None
    listener = feed.subscribe(lambda a: kam_id is None or a.kam_id == kam_id)
    try:
        await asyncio.wait_for(feed.start(), timeout=10)
    except (TimeoutError, DatabaseNotReady) as exc:
        feed.unsubscribe(listener)
        raise DatabaseNotReady("the alerts read model is unavailable") from exc

    async def events() -> AsyncIterator[str]:
        try:
            # Tells the client the baseline is taken: everything after this is live.
            yield ": connected\n\n"
            while True:
                try:
                    change = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                if change is None:
                    yield "event: end\ndata: {}\n\n"
                    return
                yield _sse(change)
        finally:
            feed.unsubscribe(listener)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
