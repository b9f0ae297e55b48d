"""The batched table's value serializers: raw bytes pass through the changelog and back.

A real Faust app and table (memory store, never started: no broker is
contacted); the changelog message is decoded by the changelog topic itself,
as the table recovery does, and applied with the table's own method.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import faust
from faust.types import Message

from consumers.agents.batched_table import BatchedChangelogTable, batched_table


def _app(tmp_path: Path) -> faust.App:
    return faust.App(
        "batched-table-test", broker="kafka://127.0.0.1:1", store="memory://", datadir=tmp_path
    )


def _recover(table: BatchedChangelogTable, key: bytes | None, value: bytes | None) -> Any:
    """Decode one changelog record as the recovery does, apply it, return the stored value."""
    topic = table.changelog_topic
    message = Message(
        topic=topic.get_topic_name(),
        partition=0,
        offset=0,
        timestamp=0.0,
        timestamp_type=0,
        headers=[],
        key=key,
        value=value,
        checksum=None,
    )
    event = asyncio.run(topic.decode(message))
    table.apply_changelog_batch([event])
    return table.data[event.key]


def test_raw_values_leave_and_come_back_as_the_very_bytes(tmp_path: Path) -> None:
    table = batched_table(_app(tmp_path), "accounts", 4, value_serializer="raw")
    value = b"x\x01 compressed record"
    table["acct-1"] = value
    [record] = table.take_changelog_records().values()
    assert record.value is value  # sent unchanged
    assert table.value_serializer == "raw"
    assert _recover(table, record.key, record.value) == value


def test_a_json_record_of_the_previous_version_arrives_as_its_bytes(tmp_path: Path) -> None:
    table = batched_table(_app(tmp_path), "accounts", 4, value_serializer="raw")
    old = json.dumps({"v": 2, "state": {}}).encode()
    restored = _recover(table, b'"acct-1"', old)
    assert restored == old
    assert isinstance(restored, bytes)


def test_json_values_are_still_encoded_as_json(tmp_path: Path) -> None:
    table = batched_table(_app(tmp_path), "kam-queue-lines", 4)
    table["kam-1|acct-1"] = {"rank": 1}
    [record] = table.take_changelog_records().values()
    assert record.value is not None
    assert json.loads(record.value) == {"rank": 1}
    assert _recover(table, record.key, record.value) == {"rank": 1}
