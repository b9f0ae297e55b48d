"""The account table's values as bytes: compressed JSON that also reads the older forms."""

from __future__ import annotations

import json
import zlib

import pytest

from consumers.pipeline.codecs.errors import RecordFormatError, StateFormatError
from consumers.pipeline.codecs.record import (
    COMPRESS_LEVEL,
    json_to_bytes,
    stored_dict_from_bytes,
    stored_from_bytes,
    stored_to_bytes,
)
from consumers.pipeline.codecs.stored import stored_from_dict, stored_to_dict
from consumers.pipeline.step import step
from consumers.pipeline.stored import StoredAccount
from schemas import validate_event
from schemas.events import BaseEvent
from tests.support.histories import portfolio_history

HISTORY: list[BaseEvent] = [validate_event(e) for e in portfolio_history()]


def stored_account(account_id: str = "acct-03") -> StoredAccount:
    """A stored record with state, snapshot, alerts, profile, queue line and outbox."""
    events = [e for e in HISTORY if e.account_id == account_id]
    return step(None, account_id, events, events[-1].occurred_at).stored


def test_the_bytes_round_trip_to_the_same_record_and_dict() -> None:
    stored = stored_account()
    raw = stored_to_bytes(stored)
    assert isinstance(raw, bytes)
    assert stored_from_bytes(raw) == stored
    assert stored_dict_from_bytes(raw) == stored_to_dict(stored)
    assert stored_from_bytes(raw) == stored_from_dict(stored_to_dict(stored))
    assert stored_to_bytes(stored_from_bytes(raw)) == raw  # what a recovery writes back


def test_the_bytes_are_compressed_compact_json() -> None:
    stored = stored_account()
    text = json.dumps(stored_to_dict(stored), separators=(",", ":"))
    raw = stored_to_bytes(stored)
    assert raw == zlib.compress(text.encode(), COMPRESS_LEVEL)
    assert raw == json_to_bytes(text)
    assert raw[0] == 0x78  # the zlib header the decoder tells the forms apart by
    assert len(raw) < len(text) / 2


@pytest.mark.parametrize("view", [bytes, bytearray, memoryview])
def test_any_bytes_like_value_reads(view: type) -> None:
    stored = stored_account()
    assert stored_from_bytes(view(stored_to_bytes(stored))) == stored


def test_an_uncompressed_json_record_of_the_previous_version_reads() -> None:
    # The previous version's changelog holds the JSON of the dict (Faust's
    # "json" codec); a table of raw values hands those bytes over as they are.
    stored = stored_account()
    for text in (
        json.dumps(stored_to_dict(stored)),
        json.dumps(stored_to_dict(stored), separators=(",", ":")),
    ):
        assert stored_from_bytes(text.encode()) == stored
    old = {k: v for k, v in stored_to_dict(stored).items() if k not in ("outbox", "at")}
    format_1 = stored_from_bytes(json.dumps(old | {"v": 1}).encode())
    assert format_1.state == stored.state
    assert format_1.outbox.is_empty


def test_a_dict_of_a_store_written_by_older_code_reads() -> None:
    stored = stored_account()
    data = stored_to_dict(stored)
    assert stored_from_bytes(data) == stored
    assert stored_dict_from_bytes(data) is data


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "empty"),
        (b"\x00\x01garbage", "neither zlib-compressed nor a JSON object"),
        (b"[1, 2, 3]", "neither zlib-compressed nor a JSON object"),
        (b"x\x01not a zlib stream", "compressed stored account record is corrupt"),
        (b"{not json", "not valid JSON"),
        (b'{"v": 2, "\xff": 1}', "not valid JSON"),
        (zlib.compress(b"[1]"), "must be a JSON object"),
        ("{}", "must be bytes or a dict, got str"),
    ],
)
def test_garbage_is_refused_with_the_problem_named(raw: object, problem: str) -> None:
    with pytest.raises(RecordFormatError, match=problem) as caught:
        stored_from_bytes(raw)  # type: ignore[arg-type]
    assert isinstance(caught.value, StateFormatError)
    assert isinstance(caught.value, ValueError)


def test_a_record_of_an_unknown_format_is_refused() -> None:
    raw = json_to_bytes(json.dumps(stored_to_dict(stored_account()) | {"v": 99}))
    with pytest.raises(ValueError, match="unknown stored account format 99"):
        stored_from_bytes(raw)
