"""A :class:`StoredAccount` as JSON-compatible data: the content of the account table's values.

The table holds this dict as bytes (compressed compact JSON, see
``consumers/pipeline/codecs/record.py``); the version before that held the
dict itself, and its changelog records are this dict's JSON.

Format 2 added the outbox and the evaluation time; records of format 1 are
still read. The outbox's ``history`` (health points in event time) is an
optional key of format 2: a record without it has none. The dict keys
(``entry``, ``entries``) are those of the stored records already on
changelog topics, kept so that an upgrade reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from consumers.domain.alerts import from_record, to_record
from consumers.pipeline.codecs.state import state_from_dict, state_to_dict
from consumers.pipeline.stored import Outbox, StoredAccount
from schemas.internal import AccountProfile, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot

#: 2 added the outbox and the evaluation time; format 1 records are still read.
STORED_FORMAT = 2
_READABLE_FORMATS = frozenset({1, STORED_FORMAT})


def stored_to_dict(stored: StoredAccount) -> dict[str, Any]:
    """JSON-compatible form of a stored record: what the account table's value holds."""
    encoded = stored_head(stored)
    encoded["state"] = state_to_dict(stored.state)
    return encoded


def stored_head(stored: StoredAccount) -> dict[str, Any]:
    """:func:`stored_to_dict` without the state: what changes at every step."""
    return {
        "v": STORED_FORMAT,
        "snapshot": _model_json(stored.snapshot),
        "alerts": [to_record(a).model_dump(mode="json") for a in stored.open_alerts],
        "profile": _model_json(stored.profile),
        "entry": _model_json(stored.queue_line),
        "due": stored.due_at.isoformat() if stored.due_at else None,
        "at": stored.evaluated_at.isoformat() if stored.evaluated_at else None,
        "outbox": _outbox_json(stored.outbox),
    }


_EMPTY_OUTBOX = Outbox()


def _outbox_json(outbox: Outbox) -> dict[str, Any] | None:
    if outbox.is_empty:
        return None
    return {
        "health": outbox.health,
        "history": [h.model_dump(mode="json") for h in outbox.history],
        "profile": outbox.profile,
        "alerts": [a.model_dump(mode="json") for a in outbox.alerts],
        "entries": [e.model_dump(mode="json") for e in outbox.queue_lines],
    }


def _outbox_from_json(data: Mapping[str, Any] | None) -> Outbox:
    if not data:
        return _EMPTY_OUTBOX
    return Outbox(
        health=bool(data["health"]),
        history=tuple(HealthSnapshot.model_validate(h) for h in data.get("history", ())),
        profile=bool(data["profile"]),
        alerts=tuple(AlertRecord.model_validate(a) for a in data["alerts"]),
        queue_lines=tuple(QueueLine.model_validate(e) for e in data["entries"]),
    )


def _model_json(model: Any) -> Any:
    return model.model_dump(mode="json") if model is not None else None


def stored_from_dict(data: Mapping[str, Any]) -> StoredAccount:
    """Inverse of :func:`stored_to_dict` (also reads the records of format 1)."""
    if data.get("v") not in _READABLE_FORMATS:
        raise ValueError(f"unknown stored account format {data.get('v')!r}")
    at = data.get("at")
    return StoredAccount(
        state=state_from_dict(data["state"]),
        snapshot=HealthSnapshot.model_validate(data["snapshot"]) if data["snapshot"] else None,
        open_alerts=tuple(from_record(AlertRecord.model_validate(a)) for a in data["alerts"]),
        profile=AccountProfile.model_validate(data["profile"]) if data["profile"] else None,
        queue_line=QueueLine.model_validate(data["entry"]) if data["entry"] else None,
        due_at=datetime.fromisoformat(data["due"]) if data["due"] else None,
        outbox=_outbox_from_json(data.get("outbox")),
        evaluated_at=datetime.fromisoformat(at) if at else None,
    )
