"""Ingest: ``POST /v1/events`` validates every event, then publishes all or none."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from schemas import EventRejected, validate_event
from services.api.deps import Ingester, SettingsDep
from services.api.errors import PayloadTooLarge
from services.api.models import IngestAccepted, IngestRejected, ItemProblem, error_responses
from services.api.responses import SafeJSONResponse

router = APIRouter(prefix="/v1", tags=["ingest"])

_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "type", "account_id", "occurred_at"],
    "properties": {
        "event_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "type": {"type": "string", "examples": ["order.placed"]},
        "account_id": {"type": "string", "minLength": 1, "maxLength": 128},
        "occurred_at": {"type": "string", "format": "date-time"},
        "source": {"type": "string"},
        "schema_version": {"type": "integer"},
    },
    "additionalProperties": True,
    "description": "An input event (docs/contract.md section 2), with its type's fields.",
}

_EXAMPLE = {
    "event_id": "erp-o-1001",
    "type": "order.placed",
    "account_id": "acme-group",
    "occurred_at": "2026-03-02T09:30:00+01:00",
    "source": "erp",
    "order_id": "o-1001",
    "amount": 48250.5,
    "currency": "EUR",
}


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


def _problems(index: int, item: Any, exc: EventRejected) -> list[ItemProblem]:
    event_id = item.get("event_id") if isinstance(item, dict) else None
    usable_id = event_id if isinstance(event_id, str) and 0 < len(event_id) <= 128 else None
    return [
        ItemProblem(index=index, event_id=usable_id, field=field, message=message)
        for field, message in exc.problems
    ]


def _body_problem(message: str) -> SafeJSONResponse:
    problem = ItemProblem(index=None, event_id=None, field="", message=message)
    return SafeJSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content=IngestRejected(detail=[problem]).model_dump(mode="json"),
    )


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=IngestAccepted,
    responses={
        422: {"model": IngestRejected, "description": "Some items are invalid; none published."},
        **error_responses(401, 403, 413, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            _EVENT_SCHEMA,
                            {"type": "array", "items": _EVENT_SCHEMA, "minItems": 1},
                        ]
                    },
                    "examples": {
                        "one": {"summary": "One event", "value": _EXAMPLE},
                        "list": {"summary": "A list of events", "value": [_EXAMPLE]},
                    },
                }
            },
        }
    },
)
async def post_events(
    request: Request, principal: Ingester, settings: SettingsDep
) -> IngestAccepted | SafeJSONResponse:
    """Validate one event or a list of them and publish all (202) or none (422)."""
    del principal  # the dependency enforces the role
    raw = await request.body()  # bounded by the body-size middleware
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        return _body_problem(f"the request body is not valid JSON: {exc}")
    items = body if isinstance(body, list) else [body]
    if not items:
        return _body_problem("the list of events is empty")
    if len(items) > settings.api_max_events:
        raise PayloadTooLarge(
            f"{len(items)} events in one request; at most {settings.api_max_events} are accepted"
        )
    # The 24 h future check applies only to the wall clock (docs/contract.md section 2).
    now = datetime.now(UTC) if settings.clock == "wall" else None
    problems: list[ItemProblem] = []
    accepted: list[tuple[str, str, dict[str, Any]]] = []
    event_ids: list[str] = []
    topics = settings.topics
    for index, item in enumerate(items):
        try:
            event = validate_event(item, now=now)
        except EventRejected as exc:
            problems.extend(_problems(index, item, exc))
            continue
        # Publish the item as sent: extra fields pass through, the worker re-validates.
        accepted.append((topics.for_event_type(item["type"]), event.account_id, item))
        event_ids.append(event.event_id)
    if problems:
        return SafeJSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content=IngestRejected(detail=problems).model_dump(mode="json"),
        )
    await run_in_threadpool(request.app.state.ingest_producer.publish, accepted)
    return IngestAccepted(accepted=event_ids, count=len(event_ids))
