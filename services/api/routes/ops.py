"""Operators: consumer lag (``/v1/ops/lag``) and Prometheus metrics (``/metrics``)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.api.deps import Operator
from services.api.metrics import CONTENT_TYPE, exposition
from services.api.models import error_responses
from services.ops.lag import GroupLag

router = APIRouter(tags=["ops"])


class PartitionLagOut(BaseModel):
    """Lag of one consumer group on one partition."""

    topic: str = Field(examples=["contacts"])
    partition: int = Field(examples=[0])
    committed: int | None = Field(description="Committed offset; null before the first commit.")
    end: int = Field(description="Log-end offset.")
    lag: int | None = Field(description="end − committed; null before the first commit.")
    lag_seconds: float | None = Field(
        description="How far behind in time (interpolated); null when unknown."
    )
    status: str = Field(examples=["OK"])


class GroupLagOut(BaseModel):
    """One consumer group: the worst partition's status and the total lag."""

    group: str = Field(examples=["keypulse-worker"])
    status: str = Field(examples=["OK"], description="OK, WARN, ERR, STOP, STALL, REWIND, UNKNOWN")
    total_lag: int
    partitions: list[PartitionLagOut]


class LagReport(BaseModel):
    """Every keypulse consumer group, as of the latest background sample."""

    sampled_at: datetime | None
    error: str | None = Field(description="Why the latest sample failed, if it did.")
    groups: list[GroupLagOut]


def _group(g: GroupLag) -> GroupLagOut:
    return GroupLagOut(
        group=g.group,
        status=str(g.status),
        total_lag=g.total_lag,
        partitions=[
            PartitionLagOut(
                topic=p.topic,
                partition=p.partition,
                committed=p.committed,
                end=p.end,
                lag=p.lag,
                lag_seconds=p.lag_seconds,
                status=str(p.status),
            )
            for p in g.partitions
        ],
    )


@router.get(
    "/v1/ops/lag",
    response_model=LagReport,
    responses=error_responses(401, 403),
)
def get_lag(request: Request, _principal: Operator) -> LagReport:
    """Consumer lag per group and partition, with time lag and status."""
    sampler = request.app.state.lag_sampler
    groups = sampler.report()
    return LagReport(
        sampled_at=sampler.sampled_at, error=sampler.error, groups=[_group(g) for g in groups]
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def get_metrics(request: Request) -> Response:
    """Prometheus metrics of the API and the stream worker."""
    return Response(exposition(request.app.state.metrics_registry), media_type=CONTENT_TYPE)
