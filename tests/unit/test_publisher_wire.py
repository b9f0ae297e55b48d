"""The publisher's wire form: what a Python-built dict becomes on the topic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from schemas import EventRejected, decode_event
from services.feeds.publisher import wire_bytes


def test_a_dict_with_datetimes_is_sent_as_rfc3339_and_decodes_to_the_same_event() -> None:
    occurred = datetime(2026, 3, 4, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    sla = datetime(2026, 3, 5, 9, 30, tzinfo=UTC)
    payload = {
        "event_id": "t-1-open",
        "type": "ticket.opened",
        "account_id": "acme",
        "occurred_at": occurred,
        "ticket_id": "T-1",
        "severity": "P1",
        "sla_due_at": sla,
        "imported_on": date(2026, 3, 4),  # an unknown extra field: kept, ignored by keypulse
    }
    raw = wire_bytes(payload)
    assert b'"occurred_at":"2026-03-04T09:30:00+02:00"' in raw
    assert b'"imported_on":"2026-03-04"' in raw
    event = decode_event(raw)
    assert event.occurred_at == occurred
    assert event.sla_due_at == sla  # type: ignore[attr-defined]


def test_a_value_json_cannot_carry_is_refused_as_invalid_input() -> None:
    with pytest.raises(EventRejected, match="set has no JSON form"):
        wire_bytes({"event_id": "e", "tags": {"a", "b"}})


def test_non_ascii_text_stays_readable_utf8() -> None:
    assert wire_bytes({"name": "Müller & Søn"}) == '{"name":"Müller & Søn"}'.encode()
