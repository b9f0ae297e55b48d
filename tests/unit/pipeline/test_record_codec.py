"""The account table's values as bytes: segmented compressed JSON; the older forms still read."""

from __future__ import annotations

import json
import math
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.apply import fold_events
from consumers.pipeline.codecs.errors import RecordFormatError, StateFormatError
from consumers.pipeline.codecs.record import (
    COMPRESS_LEVEL,
    encode_stored,
    rewrite_segments,
    segment_texts,
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
from tests.support.strategies import event_sets

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


def test_the_bytes_are_segments_of_compressed_compact_json() -> None:
    stored = stored_account()
    text = json.dumps(stored_to_dict(stored), separators=(",", ":"))
    raw = stored_to_bytes(stored)
    assert raw[0] == 0x01  # the first byte the decoder tells the forms apart by
    assert rewrite_segments(raw, lambda t: t) == raw  # each segment's text, unchanged
    seen = segment_texts(raw)
    whole = b"".join(seen)
    assert len(whole) == len(text)  # the compact JSON, keys in another order
    assert json.loads(whole) == json.loads(text)
    # A segment per stakeholder, for the orders, the tickets and per team contact,
    # and the glue between them.
    people = len(stored.state.stakeholders)
    contacts = sum(len(c) for c in stored.state.team.values())
    assert people > 1
    assert contacts > 1
    assert len(seen) > people + 2 + contacts
    assert len(raw) < len(text) / 2


def test_the_single_zlib_stream_of_the_previous_version_reads() -> None:
    stored = stored_account()
    text = json.dumps(stored_to_dict(stored), separators=(",", ":"))
    old = zlib.compress(text.encode(), COMPRESS_LEVEL)
    assert old[0] == 0x78
    assert stored_from_bytes(old) == stored
    assert stored_to_bytes(stored_from_bytes(old)) == stored_to_bytes(stored)


@settings(max_examples=100, deadline=None)
@given(event_sets(), st.integers(0, 40), st.integers(1, 5))
def test_reusing_the_previous_segments_gives_the_value_of_a_fresh_encoding(
    events: list[BaseEvent], split: int, steps: int
) -> None:
    # The worker encodes each step with the segments of the record it read;
    # whatever changed or not, the value is that of encoding from scratch.
    account = events[0].account_id
    first = fold_events(account, events[:split])
    stored = StoredAccount(state=first)
    raw, segments = encode_stored(stored)
    rest = events[split:]
    for n in range(steps):
        part = rest[n::steps]
        if not part:
            continue
        stored = step(stored, account, part, max(e.occurred_at for e in part)).stored
        raw, segments = encode_stored(stored, segments)
        assert raw == stored_to_bytes(stored)
        assert stored_from_bytes(raw) == stored


def test_names_beyond_ascii_are_written_as_utf8_and_read_back() -> None:
    data = stored_to_dict(stored_account())
    person = next(iter(data["state"]["stakeholders"].values()))
    person["name"][0] = "Jürgen Weiß-Øster 李"
    stored = stored_from_dict(data)
    raw = stored_to_bytes(stored)
    assert stored_from_bytes(raw) == stored
    assert "Jürgen Weiß-Øster 李".encode() in b"".join(segment_texts(raw))


def test_a_record_the_json_module_wrote_with_nan_still_reads() -> None:
    # json.dumps writes NaN, which orjson (the codec's reader) refuses.
    text = json.dumps({"v": 2, "score": float("nan")})
    assert math.isnan(stored_dict_from_bytes(text.encode())["score"])


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
        (b"\x01z\x00\x00\x00\x09abc", "cut short"),
        (b"\x01q\x00\x00\x00\x01a", "segment of kind"),
        (b"\x01z\x00\x00\x00\x03abc", "segmented stored account record is corrupt"),
        (b"\x01z\x00", "segmented stored account record is corrupt"),
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
    text = json.dumps(stored_to_dict(stored_account()) | {"v": 99})
    raw = zlib.compress(text.encode(), COMPRESS_LEVEL)
    with pytest.raises(ValueError, match="unknown stored account format 99"):
        stored_from_bytes(raw)
