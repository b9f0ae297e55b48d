"""The schema layer: every event type accepted when valid, rejected with a reason when not."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas import EVENT_MODELS, INPUT_EVENT_ADAPTER, EventRejected, decode_event, validate_event
from schemas.events import OrderPlaced
from tests.unit.schemas.examples import INVALID, VALID, event


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode()


def test_every_contract_type_has_a_valid_and_an_invalid_example() -> None:
    assert set(VALID) == set(EVENT_MODELS) == set(INVALID)


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_valid_event_decodes_to_its_type(event_type: str) -> None:
    decoded = decode_event(_encode(event(event_type)))
    assert decoded.type == event_type  # type: ignore[attr-defined]
    assert type(decoded) is EVENT_MODELS[event_type]
    assert decoded.account_id == "acme-group"
    assert decoded.occurred_at == datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert decoded.schema_version == 1


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_discriminated_union_agrees_with_decode(event_type: str) -> None:
    body = event(event_type)
    assert INPUT_EVENT_ADAPTER.validate_python(body) == decode_event(_encode(body))


@pytest.mark.parametrize(
    ("event_type", "field", "bad"),
    [(t, f, v) for t, cases in sorted(INVALID.items()) for f, v in cases],
)
def test_invalid_field_is_rejected_naming_the_field(event_type: str, field: str, bad: Any) -> None:
    with pytest.raises(EventRejected) as caught:
        decode_event(_encode(event(event_type, **{field: bad})))
    assert field in caught.value.reason
    assert any(name == field for name, _ in caught.value.problems)


@pytest.mark.parametrize("field", ["event_id", "account_id", "occurred_at", "type"])
def test_missing_common_field_is_rejected(field: str) -> None:
    with pytest.raises(EventRejected, match=f"{field}: field required"):
        decode_event(_encode(event("order.cancelled", **{field: ...})))


def test_amount_as_text_is_an_error_not_a_coercion() -> None:
    with pytest.raises(EventRejected, match=r"amount: .*got 'lots'"):
        decode_event(_encode(event("order.placed", amount="lots")))


def test_integer_amount_is_a_number() -> None:
    decoded = decode_event(_encode(event("order.placed", amount=100)))
    assert isinstance(decoded, OrderPlaced)
    assert decoded.amount == 100.0


@pytest.mark.parametrize(
    "stamp", ["2026-03-02T09:30:00", "2026-03-02", "yesterday", 1_772_443_800, None]
)
def test_timestamp_without_offset_or_as_number_is_rejected(stamp: Any) -> None:
    with pytest.raises(EventRejected, match="occurred_at"):
        decode_event(_encode(event("ticket.resolved", occurred_at=stamp)))


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(EventRejected, match=r"unknown event type 'order.shipped'.*order.placed"):
        decode_event(_encode(event("order.placed", type="order.shipped")))


def test_unknown_extra_fields_are_ignored() -> None:
    decoded = decode_event(_encode(event("order.cancelled", crm_internal={"x": 1}, note="hi")))
    assert "crm_internal" not in decoded.model_dump()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "must be a JSON object, got an array"),
        (b'"text"', "must be a JSON object, got a string"),
        (b"null", "got null"),
        (b'{"type": "order.placed", "amount": NaN}', "NaN is not a valid JSON number"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_undecodable_bytes_give_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(EventRejected, match=reason):
        decode_event(raw)


def test_event_from_the_future_is_rejected_with_the_wall_clock_only() -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    body = event("order.cancelled", occurred_at=(now + timedelta(hours=25)).isoformat())
    with pytest.raises(EventRejected, match="clock is wrong"):
        validate_event(body, now=now)
    # 23 hours ahead is tolerated skew; with the event clock (now=None) nothing is checked.
    assert validate_event(
        event("order.cancelled", occurred_at=(now + timedelta(hours=23)).isoformat()), now=now
    )
    assert validate_event(body, now=None)


def test_events_are_immutable() -> None:
    decoded = decode_event(_encode(event("order.cancelled")))
    with pytest.raises(ValueError, match="frozen"):
        decoded.account_id = "other"  # type: ignore[misc]


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=300)
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_event_rejected(raw: bytes) -> None:
    try:
        decode_event(raw)
    except EventRejected as exc:
        assert exc.reason


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    event_type=st.sampled_from(sorted(VALID)),
    changes=st.dictionaries(
        st.sampled_from(
            [
                "event_id",
                "account_id",
                "occurred_at",
                "amount",
                "severity",
                "stakeholder_id",
                "affected_stakeholder_ids",
                "sentiment",
                "tier",
            ]
        ),
        json_values,
        max_size=3,
    ),
)
def test_mutated_events_raise_only_event_rejected(event_type: str, changes: dict[str, Any]) -> None:
    try:
        decode_event(_encode(event(event_type, **changes)))
    except EventRejected as exc:
        assert exc.problems
