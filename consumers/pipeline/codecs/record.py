"""The account table's values as bytes: a :class:`StoredAccount` as compressed compact JSON.

The worker's account table keeps one value per account for as long as it
owns it, so the value's form is the worker's memory: the dict of
:func:`stored_to_dict` costs about 59 KB resident for a deep-history account
whose compact JSON is about 15 KB, and that JSON compresses to about 6 KB
with zlib at level 1.

The value is also written at every step of the account, and encoding a long
history afresh each time (dict, JSON, zlib) cost more than the step itself.
So the JSON text is cut into *segments*, each compressed on its own: one per
stakeholder, the orders, the tickets, one per account-team contact
(:func:`state_pieces`), and the small rest. A step that brings a contact
changes one stakeholder and one team contact; :func:`encode_stored` takes the
segments of the record before (:class:`Segments`) and copies every segment
whose object the new record still holds, so a step's encoding costs what
changed. Segmented value::

    0x01, then per segment: kind (b"z" zlib, b"r" plain), length (4 bytes, big-endian), data

and the segments' texts, decompressed and joined, are the record's compact
JSON (its keys in another order than ``json.dumps(stored_to_dict(...))``).

:func:`stored_from_bytes` tells the forms apart by the first byte and also
reads what earlier versions wrote: one zlib stream of the whole JSON
(``0x78``: deflate, 32 KB window), a JSON-encoded dict (the changelog records
of the version that kept dicts, which a raw-bytes table hands over as they
are; JSON text of an object starts with ``{``) and a dict itself (a store
written by older code or tests).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson

from consumers.pipeline.codecs.errors import RecordFormatError
from consumers.pipeline.codecs.state import Piece, state_head, state_pieces
from consumers.pipeline.codecs.stored import stored_from_dict, stored_head
from consumers.pipeline.stored import StoredAccount

#: zlib's speed/size setting. Measured on a deep-mix account (120 events,
#: 15.5 KB of JSON): level 1 gives 5.95 KB in ~100 µs, level 6 5.5 KB in
#: ~190 µs; decompressing takes ~33 µs at either. The record is written once
#: per account step, so the faster level wins.
COMPRESS_LEVEL = 1
#: The first byte of a zlib stream with the deflate method and a 32 KB window (CMF).
_ZLIB_FIRST = 0x78
_JSON_FIRST = ord("{")


#: A reusable segment by the path of its piece: (the object it encodes, its bytes).
Segments = dict[tuple[str, ...], tuple[Any, memoryview]]

_SEGMENTED_FIRST = 0x01
_SEGMENT_HEADER = struct.Struct(">cI")  # kind, length
_ZLIB, _PLAIN = b"z", b"r"
#: Glue text shorter than this goes uncompressed (zlib's own overhead is ~11 bytes).
_PLAIN_UP_TO = 64


def stored_to_bytes(stored: StoredAccount) -> bytes:
    """The table value of ``stored`` (segmented compact JSON), encoded afresh."""
    return encode_stored(stored)[0]


def encode_stored(
    stored: StoredAccount, previous: Segments | None = None
) -> tuple[bytes, Segments]:
    """The table value of ``stored``, and its segments for encoding the account's next record.

    ``previous`` (what this returned for the record before) lets every piece
    whose object ``stored`` still holds copy its compressed segment instead
    of being encoded again; the value is the same either way.
    """
    writer = _SegmentWriter(previous or {})
    state = stored.state
    sections: dict[tuple[str, ...], list[Piece]] = {}
    for piece in state_pieces(state):
        sections.setdefault(piece.path[:-1], []).append(piece)
    # The same dict as stored_to_dict: the head, then the state (see state_to_dict).
    writer.text(_dumps(stored_head(stored))[:-1] + b',"state":')
    writer.text(_dumps(state_head(state))[:-1])
    writer.text(b',"stakeholders":')
    writer.members(sections.get(("stakeholders",), []))
    for piece in sections.get((), []):  # the orders, the tickets
        writer.text(b"," + _dumps(piece.path[-1]) + b":")
        writer.piece(piece)
    if state.team:
        writer.text(b',"team":{')
        for i, owner in enumerate(sorted(state.team)):
            writer.text((b"," if i else b"") + _dumps(owner) + b":")
            writer.members(sections.get(("team", owner), []))
        writer.text(b"}")
    writer.text(b"}}")
    return writer.finish()


def _dumps(value: Any) -> bytes:
    """Compact JSON of ``value``, in UTF-8 rather than ``\\u`` escapes (every JSON reader
    takes both alike). orjson: 33 µs against ``json.dumps``'s 222 µs for the whole
    dict of a record with 100 events of deep-mix history."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


class _SegmentWriter:
    """Builds a segmented value: glue text between pieces, and one segment per piece."""

    def __init__(self, reuse: Segments) -> None:
        self.reuse = reuse
        self.out = bytearray((_SEGMENTED_FIRST,))
        self.glue: list[bytes] = []
        self.kept: list[tuple[tuple[str, ...], Any, int, int]] = []

    def text(self, text: bytes) -> None:
        self.glue.append(text)

    def members(self, pieces: list[Piece]) -> None:
        """A JSON object whose members are ``pieces`` (keyed by their last path part)."""
        self.text(b"{")
        for i, piece in enumerate(pieces):
            self.text((b"," if i else b"") + _dumps(piece.path[-1]) + b":")
            self.piece(piece)
        self.text(b"}")

    def piece(self, piece: Piece) -> None:
        self._flush()
        old = self.reuse.get(piece.path)
        if old is not None and old[0] is piece.value:
            data: bytes | memoryview = old[1]
        else:
            data = zlib.compress(_dumps(piece.encode(piece.value)), COMPRESS_LEVEL)
        _append(self.out, _ZLIB, data)
        self.kept.append((piece.path, piece.value, len(self.out) - len(data), len(self.out)))

    def finish(self) -> tuple[bytes, Segments]:
        self._flush()
        raw = bytes(self.out)
        view = memoryview(raw)
        return raw, {path: (value, view[a:b]) for path, value, a, b in self.kept}

    def _flush(self) -> None:
        if not self.glue:
            return
        text = b"".join(self.glue)
        self.glue.clear()
        if len(text) <= _PLAIN_UP_TO:
            _append(self.out, _PLAIN, text)
        else:
            _append(self.out, _ZLIB, zlib.compress(text, COMPRESS_LEVEL))


def _append(out: bytearray, kind: bytes, data: bytes | memoryview) -> None:
    out += _SEGMENT_HEADER.pack(kind, len(data))
    out += data


def stored_dict_from_bytes(
    raw: bytes | bytearray | memoryview | Mapping[str, Any],
) -> Mapping[str, Any]:
    """The :func:`stored_to_dict` form of a table value (compressed, plain JSON or a dict).

    Raises :class:`RecordFormatError` naming the problem when ``raw`` is none of those.
    """
    if isinstance(raw, Mapping):
        return raw
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise RecordFormatError(
            f"a stored account record must be bytes or a dict, got {type(raw).__name__}"
        )
    data = bytes(raw)
    if not data:
        raise RecordFormatError("a stored account record is empty")
    if data[0] == _SEGMENTED_FIRST:
        data = b"".join(segment_texts(data))
    elif data[0] == _ZLIB_FIRST:
        try:
            data = zlib.decompress(data)
        except zlib.error as exc:
            raise RecordFormatError(
                f"a compressed stored account record is corrupt: {exc}"
            ) from exc
    elif data[0] != _JSON_FIRST:
        raise RecordFormatError(
            "a stored account record is neither zlib-compressed nor a JSON object "
            f"(it starts with {data[:8]!r})"
        )
    try:
        decoded = _loads(data)
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
        raise RecordFormatError(f"a stored account record is not valid JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise RecordFormatError(
            f"a stored account record must be a JSON object, got {type(decoded).__name__}"
        )
    return decoded


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        # What orjson refuses and the json module wrote into older records
        # (NaN, Infinity); json raises for what is not JSON at all.
        return json.loads(data)


def segment_texts(raw: bytes) -> list[bytes]:
    """Each segment's text of a segmented value, decompressed, in order (they join to the JSON)."""
    return [text for _, text in _segments(raw)]


def rewrite_segments(raw: bytes, rewrite: Callable[[bytes], bytes]) -> bytes:
    """A segmented value with ``rewrite`` applied to each segment's text, each kept in its kind.

    For generated copies of a record (the memory bench renames a template's
    ids): a rewrite that keeps every text's length gives the very value
    :func:`encode_stored` writes for the rewritten record.
    """
    out = bytearray((_SEGMENTED_FIRST,))
    for kind, text in _segments(raw):
        changed = rewrite(text)
        _append(out, kind, zlib.compress(changed, COMPRESS_LEVEL) if kind == _ZLIB else changed)
    return bytes(out)


def _segments(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(kind, text) of each segment of a segmented value, decompressed."""
    if not data or data[0] != _SEGMENTED_FIRST:
        raise RecordFormatError("not a segmented stored account record")
    at, end = 1, len(data)
    try:
        while at < end:
            kind, length = _SEGMENT_HEADER.unpack_from(data, at)
            at += _SEGMENT_HEADER.size
            if at + length > end:
                raise RecordFormatError("a segmented stored account record is cut short")
            chunk = data[at : at + length]
            if kind == _ZLIB:
                chunk = zlib.decompress(chunk)
            elif kind != _PLAIN:
                raise RecordFormatError(f"a stored account record has a segment of kind {kind!r}")
            yield kind, chunk
            at += length
    except (struct.error, zlib.error) as exc:
        raise RecordFormatError(f"a segmented stored account record is corrupt: {exc}") from exc


def stored_from_bytes(raw: bytes | bytearray | memoryview | Mapping[str, Any]) -> StoredAccount:
    """Inverse of :func:`stored_to_bytes`; also reads a plain JSON record and a dict.

    Raises :class:`RecordFormatError` for bytes that are none of those, and
    what :func:`stored_from_dict` raises for a dict it cannot read.
    """
    return stored_from_dict(stored_dict_from_bytes(raw))
