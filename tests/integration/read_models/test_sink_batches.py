"""How the sink writes a decoded batch: refused records are skipped, the rest land."""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine

from services.read_models import create_engine_for
from services.read_models.sink import SinkStats, _Item, _write
from services.read_models.store import ReadModelRecord
from tests.integration.read_models.records import dump, health, profile, stakeholder


def test_a_record_the_database_refuses_is_skipped_and_the_rest_is_written(
    engine: Engine, database_url: str
) -> None:
    # PostgreSQL text cannot hold NUL characters; SQLite stores them.
    refused = profile("acc-nul", 1, [stakeholder("s1", name="Nul\x00Person")])
    records: list[ReadModelRecord] = [health("acc-1", 1), refused, health("acc-2", 1)]
    items = [_Item(f"t/0@{i}", r) for i, r in enumerate(records)]
    stats = SinkStats()

    assert _write(engine, items, threading.Event(), stats)

    rows = dump(engine)
    assert {r[0] for r in rows["account_health"]} == {"acc-1", "acc-2"}
    if database_url.startswith("postgresql"):
        assert (stats.applied, stats.skipped, stats.skipped_at) == (2, 1, ["t/0@1"])
        assert rows["accounts"] == []
    else:
        assert (stats.applied, stats.skipped) == (3, 0)
        assert len(rows["accounts"]) == 1


def test_an_unreachable_database_is_retried_until_stopped_and_nothing_is_counted() -> None:
    # Port 1 on loopback: connection refused at once, an OperationalError.
    engine = create_engine_for("postgresql+psycopg://postgres@127.0.0.1:1/none")
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    stats = SinkStats()
    timer.start()
    try:
        written = _write(engine, [_Item("t/0@0", health("acc-1", 1))], stop, stats)
    finally:
        timer.cancel()
        engine.dispose()
    assert written is False  # the caller must not commit the offsets
    assert stats.db_retries >= 2
    assert (stats.applied, stats.skipped) == (0, 0)
