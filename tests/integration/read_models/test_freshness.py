"""The read models' freshness: the newest as_of of health, profiles and queues (both databases)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from services.read_models import apply_records, writer
from services.read_models.freshness import freshness_seconds, newest_as_of
from tests.integration.read_models.records import alert, at, health, profile, queue


def test_newest_as_of_of_health_profiles_and_queues_but_not_alerts(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        assert newest_as_of(conn) is None
        apply_records(conn, [health("a1", 2), profile("a1", 1, [])])
        assert newest_as_of(conn) == at(2)
        apply_records(conn, [queue("k1", 5, ["a1"])])
        assert newest_as_of(conn) == at(5)
        # An alert's times say when its condition began or ended, not when data was computed.
        apply_records(conn, [alert("al-1", raised=50, status="resolved", resolved=60)])
        assert newest_as_of(conn) == at(5)
        apply_records(conn, [profile("a2", 7, [])])
        assert newest_as_of(conn) == at(7)


def test_freshness_is_now_minus_as_of_and_never_negative() -> None:
    assert freshness_seconds(at(1), at(2)) == 3600.0
    assert freshness_seconds(at(3), at(2)) == 0.0  # a worker clock ahead of the API's
    assert freshness_seconds(None, at(2)) is None
