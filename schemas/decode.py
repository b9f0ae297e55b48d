"""Turn raw message bytes (or parsed JSON) into a typed input event, or say why not.

This is the single entry point the stream worker's dead-letter path and the
HTTP ingest use; whatever the input, it returns an event or raises
:class:`~schemas.errors.EventRejected` and nothing else.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from schemas.errors import EventRejected
from schemas.events import EVENT_MODELS, BaseEvent

#: How far in the future (by the wall clock) an occurred_at may lie before the
#: event is taken as coming from a system whose clock is wrong.
MAX_CLOCK_SKEW = timedelta(hours=24)

_KNOWN_TYPES = ", ".join(EVENT_MODELS)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a valid JSON number")


#: One decoder for every message: json.loads(..., parse_constant=...) would
#: build a new JSONDecoder per call (a measurable share of the worker's time).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def decode_event(raw: bytes | bytearray | memoryview, now: datetime | None = None) -> BaseEvent:
    """Decode one message value: UTF-8 JSON object → typed event.

    ``now`` (aware, wall clock) enables the future-timestamp check; pass None
    when the event-time clock is in use.
    """
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EventRejected(f"message is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    try:
        if text.startswith("\ufeff"):
            raise ValueError("Unexpected UTF-8 BOM (decode using utf-8-sig)")  # as json.loads
        obj = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        raise EventRejected(f"message is not valid JSON: {exc}") from exc
    return validate_event(obj, now=now)


def validate_event(obj: Any, now: datetime | None = None) -> BaseEvent:
    """Validate an already-parsed JSON value as an input event."""
    if not isinstance(obj, dict):
        raise EventRejected(f"an event must be a JSON object, got {_json_kind(obj)}")
    event_type = obj.get("type")
    if event_type is None:
        raise EventRejected("type: field required", [("type", "field required")])
    model = EVENT_MODELS.get(event_type) if isinstance(event_type, str) else None
    if model is None:
        msg = f"unknown event type {event_type!r}; expected one of: {_KNOWN_TYPES}"
        raise EventRejected(f"type: {msg}", [("type", msg)])
    try:
        event = model.model_validate(obj)
    except ValidationError as exc:
        problems = [(_field_path(err["loc"]), _describe(err)) for err in exc.errors()]
        reason = "; ".join(f"{field}: {msg}" if field else msg for field, msg in problems)
        raise EventRejected(f"invalid {event_type} event: {reason}", problems) from exc
    except (ValueError, TypeError, RecursionError) as exc:
        raise EventRejected(f"invalid {event_type} event: {exc}") from exc
    if now is not None and event.occurred_at > now + MAX_CLOCK_SKEW:
        msg = (
            f"occurred_at {event.occurred_at.isoformat()} lies more than "
            f"{MAX_CLOCK_SKEW.total_seconds() / 3600:.0f} hours after now "
            f"({now.isoformat()}): the emitting system's clock is wrong"
        )
        raise EventRejected(msg, [("occurred_at", msg)])
    return event


def _field_path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _describe(err: Any) -> str:
    """A pydantic error as a sentence with the offending value, kept short."""
    message = str(err["msg"])
    if err["type"] == "missing":
        return "field required"
    value = err.get("input")
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{message} (got {shown})"


def _json_kind(obj: Any) -> str:
    if isinstance(obj, list):
        return "an array"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, bool):
        return "a boolean"
    if isinstance(obj, int | float):
        return "a number"
    if obj is None:
        return "null"
    return type(obj).__name__
