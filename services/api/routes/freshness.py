"""How fresh the data is: the figure the dashboard shows and ``/metrics`` exports."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.api.deps import CurrentPrincipal, Now, ReadConn
from services.api.models import error_responses
from services.read_models.freshness import freshness_seconds, newest_as_of

router = APIRouter(prefix="/v1", tags=["ops"], responses=error_responses(401, 503))


class Freshness(BaseModel):
    """How long ago the newest data the API serves was computed (``now`` − ``as_of``)."""

    as_of: datetime | None = Field(
        description="Newest as_of of any health, profile or queue in the read models."
    )
    now: datetime = Field(description="The API's clock, so clients need not trust their own.")
    seconds: float | None = Field(
        description="now − as_of; the value of keypulse_freshness_seconds. Null without data."
    )


@router.get("/freshness", response_model=Freshness)
def get_freshness(principal: CurrentPrincipal, conn: ReadConn, now: Now) -> Freshness:
    """How far behind the data is; any token may ask (it names no account)."""
    del principal  # any valid token
    as_of = newest_as_of(conn)
    return Freshness(as_of=as_of, now=now, seconds=freshness_seconds(as_of, now))
