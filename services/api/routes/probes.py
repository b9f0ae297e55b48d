"""Liveness and readiness probes."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.broker.topics import wait_for_broker
from services.errors import BrokerUnavailable
from services.settings import Settings

router = APIRouter(tags=["probes"])


class Liveness(BaseModel):
    """The process answers."""

    status: str = "ok"


class Readiness(BaseModel):
    """Whether the dependencies the API needs answer."""

    status: str
    broker: str


@router.get("/healthz", response_model=Liveness)
def healthz() -> Liveness:
    """Liveness: the API process is up."""
    return Liveness()


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(request: Request) -> Readiness | JSONResponse:
    """Readiness: the Kafka broker answers a metadata request within 2 s."""
    settings: Settings = request.app.state.settings
    try:
        wait_for_broker(settings.bootstrap_servers, deadline=time.monotonic() + 2.0)
    except BrokerUnavailable:
        body = Readiness(status="unavailable", broker="unreachable")
        return JSONResponse(status_code=503, content=body.model_dump())
    return Readiness(status="ok", broker="ok")
