"""The HTTP API (FastAPI): ``keypulse api`` serves it with uvicorn.

Routes live in ``routes/<resource>.py``; shared dependencies in :mod:`.deps`.
Every error, including unknown paths, wrong methods, validation failures and
oversize bodies, is JSON ``{"detail": ...}``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.alert_feed import AlertFeed
from services.api.deps import ApiState
from services.api.errors import ApiError
from services.api.ingest_producer import IngestProducer
from services.api.lag_sampler import LagSampler
from services.api.metrics import build_registry
from services.api.responses import SafeJSONResponse
from services.api.routes import (
    accounts,
    alerts,
    dashboard,
    events,
    freshness,
    kams,
    me,
    ops,
    portfolio,
    probes,
    team,
)
from services.api.webhooks import WebhookDispatcher
from services.errors import ConfigurationError
from services.read_models.freshness import freshness_seconds, newest_as_of
from services.settings import Settings

log = logging.getLogger(__name__)

#: Seconds start-up waits for the webhook dispatcher's first read of the alerts.
WEBHOOK_START_WAIT = 5.0


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class BodySizeLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not Content-Length is sent.

    The body is read here, up to the limit, and handed on to the app; a
    chunked upload that grows past the limit is cut off without buffering it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the disconnect

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = SafeJSONResponse(
            status_code=413,
            content={"detail": f"request body over the limit of {self.limit} bytes"},
        )
        await response(scope, receive, send)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return SafeJSONResponse(status_code=exc.status, content={"detail": exc.detail})


async def _http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return SafeJSONResponse(
        status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
    )


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # SafeJSONResponse: the detail echoes the input, which may hold a lone surrogate.
    return SafeJSONResponse(status_code=422, content={"detail": jsonable_encoder(exc.errors())})


async def _unexpected(_request: Request, exc: Exception) -> Response:
    log.exception("unexpected error in the API", exc_info=exc)
    return SafeJSONResponse(status_code=500, content={"detail": "internal error"})


def create_api(settings: Settings, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """Build the API for ``settings``; nothing connects until a request needs it.

    ``clock`` decides "now" for acks, snoozes and open lists (default: wall clock).
    """
    state = ApiState(settings, clock or _wall_clock)
    feed = AlertFeed(state.engine, settings.api_stream_poll_interval)
    ingest_producer = IngestProducer(settings)
    webhooks = WebhookDispatcher(settings)
    lag_sampler = LagSampler(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if webhooks.enabled:
            try:
                # Bounded: the feed's first poll waits for the database, and the API
                # must serve (probes, ingest) while it is late. The dispatcher and the
                # feed keep running and deliver once the baseline has been read.
                await asyncio.wait_for(webhooks.start(feed), timeout=WEBHOOK_START_WAIT)
            except Exception as exc:
                log.warning("webhooks: the alert feed is not ready yet: %r", exc)
        try:
            yield
        finally:
            lag_sampler.stop()
            await webhooks.stop()
            await feed.stop()
            ingest_producer.close()
            state.dispose()

    app = FastAPI(
        title="keypulse",
        version="0.1.0",
        summary="Key-account health, relationship alerts and KAM work queues.",
        description="Authenticate with `Authorization: Bearer <token>` (KEYPULSE_API_KEYS). "
        'Errors are JSON `{"detail": ...}`.',
        lifespan=lifespan,
        default_response_class=SafeJSONResponse,
    )
    app.state.settings = settings
    app.state.api = state
    app.state.alert_feed = feed
    app.state.ingest_producer = ingest_producer
    app.state.webhooks = webhooks
    app.state.lag_sampler = lag_sampler

    def measure_freshness() -> float | None:
        with state.engine().connect() as conn:
            return freshness_seconds(newest_as_of(conn), state.clock())

    app.state.metrics_registry = build_registry(settings, lag_sampler, webhooks, measure_freshness)
    app.add_middleware(BodySizeLimit, limit=settings.api_max_body_bytes)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
    modules = (probes, me, freshness, events, accounts, team, portfolio, kams, alerts, ops)
    for module in (*modules, dashboard):
        app.include_router(module.router)
    return app


def run_api(settings: Settings) -> None:
    """Serve the API in the foreground until SIGINT/SIGTERM; refuses to start without keys."""
    import uvicorn

    if not settings.api_principals():
        raise ConfigurationError(
            "no API keys configured: set KEYPULSE_API_KEYS to a JSON object token → principal, "
            'e.g. {"<token>": {"role": "admin"}} (keypulse up generates them for a local stack)'
        )
    uvicorn.run(
        create_api(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level,
        access_log=False,
        # SSE streams never end on their own: do not wait long for them on shutdown.
        timeout_graceful_shutdown=2,
    )
