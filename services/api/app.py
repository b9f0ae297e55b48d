"""The HTTP API (FastAPI): ``keypulse api`` serves it with uvicorn."""

from __future__ import annotations

from fastapi import FastAPI

from services.api.routes import probes
from services.settings import Settings


def create_api(settings: Settings) -> FastAPI:
    """Build the API for ``settings``; nothing connects until a request needs it."""
    app = FastAPI(
        title="keypulse",
        version="0.1.0",
        summary="Key-account health, relationship alerts and KAM work queues.",
    )
    app.state.settings = settings
    app.include_router(probes.router)
    return app


def run_api(settings: Settings) -> None:
    """Serve the API in the foreground until SIGINT/SIGTERM."""
    import uvicorn

    uvicorn.run(
        create_api(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_level=settings.log_level,
        access_log=False,
    )
