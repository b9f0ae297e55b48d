"""The account table's values as bytes: a :class:`StoredAccount` as compressed compact JSON.

The worker's account table keeps one value per account for as long as it
owns it, so the value's form is the worker's memory: the dict of
:func:`stored_to_dict` costs about 59 KB resident for a deep-history account
whose compact JSON is about 15 KB, and that JSON compresses to about 6 KB
with zlib at level 1. So the table holds, and its changelog carries, the
zlib stream of the compact JSON of :func:`stored_to_dict`.

:func:`stored_from_bytes` tells the forms apart by the first byte and also
reads what earlier versions wrote: a JSON-encoded dict (the changelog
records of the version that kept dicts, which a raw-bytes table hands over
as they are; JSON text of an object starts with ``{``) and a dict itself (a
store written by older code or tests). A zlib stream starts with ``0x78``
(deflate, 32 KB window), which no JSON text does.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any

from consumers.pipeline.codecs.errors import RecordFormatError
from consumers.pipeline.codecs.stored import stored_from_dict, stored_to_dict
from consumers.pipeline.stored import StoredAccount

#: zlib's speed/size setting. Measured on a deep-mix account (120 events,
#: 15.5 KB of JSON): level 1 gives 5.95 KB in ~100 µs, level 6 5.5 KB in
#: ~190 µs; decompressing takes ~33 µs at either. The record is written once
#: per account step, so the faster level wins.
COMPRESS_LEVEL = 1
#: The first byte of a zlib stream with the deflate method and a 32 KB window (CMF).
_ZLIB_FIRST = 0x78
_JSON_FIRST = ord("{")
_COMPACT = (",", ":")


def stored_to_bytes(stored: StoredAccount) -> bytes:
    """The table value of ``stored``: zlib-compressed compact JSON of :func:`stored_to_dict`."""
    return json_to_bytes(json.dumps(stored_to_dict(stored), separators=_COMPACT))


def json_to_bytes(text: str) -> bytes:
    """The table value of a record given as its compact JSON text (as :func:`stored_to_bytes`)."""
    return zlib.compress(text.encode(), COMPRESS_LEVEL)


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
    if data[0] == _ZLIB_FIRST:
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
        decoded = json.loads(data)
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError
        raise RecordFormatError(f"a stored account record is not valid JSON: {exc}") from exc
    if not isinstance(decoded, dict):
        raise RecordFormatError(
            f"a stored account record must be a JSON object, got {type(decoded).__name__}"
        )
    return decoded


def stored_from_bytes(raw: bytes | bytearray | memoryview | Mapping[str, Any]) -> StoredAccount:
    """Inverse of :func:`stored_to_bytes`; also reads a plain JSON record and a dict.

    Raises :class:`RecordFormatError` for bytes that are none of those, and
    what :func:`stored_from_dict` raises for a dict it cannot read.
    """
    return stored_from_dict(stored_dict_from_bytes(raw))
