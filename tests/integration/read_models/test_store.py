"""Store rules and idempotence, on SQLite and on PostgreSQL (``database_url``)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from schemas.internal import HealthHistory, TeamMemberRecord
from services.read_models import (
    LATEST_VERSION,
    apply_alert,
    apply_health,
    apply_history,
    apply_profile,
    apply_queue,
    apply_records,
    create_engine_for,
    ensure_schema,
    writer,
)
from services.read_models.schema import (
    account_health,
    account_team,
    accounts,
    alerts,
    health_history,
    kam_queue_items,
    kam_queues,
    metadata,
    schema_version,
    stakeholders,
)
from services.read_models.store import ReadModelRecord
from services.read_models.team import get_team
from tests.integration.read_models.records import (
    alert,
    at,
    dump,
    health,
    profile,
    queue,
    stakeholder,
    stream,
)


def _apply(engine: Engine, records: list[ReadModelRecord]) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        apply_records(conn, records)


def _rows(engine: Engine, query: sa.Select[tuple[object, ...]]) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(query))


def _versions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(schema_version.c.version)).scalars())


# --- schema -------------------------------------------------------------------


def test_ensure_schema_is_idempotent(engine: Engine) -> None:
    assert ensure_schema(engine) == LATEST_VERSION
    assert ensure_schema(engine) == LATEST_VERSION
    assert _versions(engine) == list(range(1, LATEST_VERSION + 1))


def test_ensure_schema_from_several_processes_at_once(
    fresh_database_url: Callable[[], str],
) -> None:
    url = fresh_database_url()
    engines = [create_engine_for(url) for _ in range(4)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def migrate(engine: Engine) -> None:
        barrier.wait()
        try:
            ensure_schema(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert _versions(engines[0]) == list(range(1, LATEST_VERSION + 1))
    finally:
        for engine in engines:
            engine.dispose()


# --- health -------------------------------------------------------------------


def test_newer_health_replaces_older_only_lands_in_history(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_health(conn, health("a1", 2, score=70))
        assert not apply_health(conn, health("a1", 1, score=20))  # older: history only
        assert apply_health(conn, health("a1", 3, score=40))

    (current,) = _rows(engine, sa.select(account_health))
    assert current.score == 40
    assert current.band == "at_risk"
    assert current.as_of == at(3)
    assert current.drivers == [
        {"factor": "decision_maker_silent", "impact": -12.5, "text": "No contact for 52 days"}
    ]
    history = _rows(engine, sa.select(health_history).order_by(health_history.c.as_of))
    assert [(h.as_of, h.score) for h in history] == [(at(1), 20), (at(2), 70), (at(3), 40)]


def test_history_points_fill_the_history_only_and_a_recomputed_point_replaces_its_row(
    engine: Engine,
) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_health(conn, health("a1", 1, score=70))
        points = [health("a1", -48, score=90), health("a1", -24, score=80)]
        assert apply_history(conn, HealthHistory(account_id="a1", points=points))
        # Recomputed after a late event: the same day end, a new value.
        again = HealthHistory(account_id="a1", points=[health("a1", -24, score=35)])
        assert apply_history(conn, again)
        assert not apply_history(conn, HealthHistory(account_id="a1", points=[]))
        # A history point newer than the current health still is no current health.
        apply_history(conn, HealthHistory(account_id="a1", points=[health("a1", 5, score=10)]))

    (current,) = _rows(engine, sa.select(account_health))
    assert (current.as_of, current.score) == (at(1), 70)
    history = _rows(engine, sa.select(health_history).order_by(health_history.c.as_of))
    assert [(h.as_of, h.score, h.band) for h in history] == [
        (at(-48), 90, "healthy"),
        (at(-24), 35, "at_risk"),
        (at(1), 70, "watch"),
        (at(5), 10, "critical"),
    ]


def test_timestamps_are_stored_and_read_in_utc(engine: Engine) -> None:
    plus_two = timezone(timedelta(hours=2))
    snapshot = health("a1", 0).model_copy(
        update={"as_of": datetime(2026, 3, 1, 11, 0, tzinfo=plus_two)}
    )
    with writer(engine.connect()) as conn, conn.begin():
        apply_health(conn, snapshot)
        # The same instant in UTC is the same history row, not a second one.
        apply_health(conn, health("a1", 0, score=61))
    (row,) = _rows(engine, sa.select(health_history))
    assert row.as_of == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    assert row.as_of.tzinfo is not None
    assert row.as_of.utcoffset() == timedelta(0)
    assert row.score == 61


# --- alerts -------------------------------------------------------------------


def test_alert_lifecycle_and_no_reopen_by_a_replayed_open(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_alert(conn, alert("al1", raised=1))
        # Updated in place after a handover: same alert_id, new kam and severity.
        assert apply_alert(conn, alert("al1", kam_id="k2", severity="critical", raised=1))
        assert apply_alert(
            conn,
            alert("al1", kam_id="k2", severity="critical", status="resolved", raised=1, resolved=4),
        )
        assert not apply_alert(conn, alert("al1", raised=1))  # replayed open: refused
        assert apply_alert(conn, alert("al2", raised=6))  # the re-fire has a new id

    rows = {r.alert_id: r for r in _rows(engine, sa.select(alerts))}
    first = rows["al1"]
    assert (first.status, first.severity, first.kam_id) == ("resolved", "critical", "k2")
    assert first.resolved_at == at(4)
    assert first.updated_at == at(4)
    assert rows["al2"].status == "open"
    assert rows["al2"].updated_at == at(6)


def test_sink_never_overwrites_the_api_columns(engine: Engine) -> None:
    _apply(engine, [alert("al1", raised=1)])
    with engine.begin() as conn:
        conn.execute(
            alerts.update()
            .where(alerts.c.alert_id == "al1")
            .values(acked_at=at(2), acked_by="kam k1", snoozed_until=at(48))
        )
    _apply(engine, [alert("al1", raised=1), alert("al1", severity="critical", raised=1)])
    (row,) = _rows(engine, sa.select(alerts))
    assert row.severity == "critical"
    assert (row.acked_at, row.acked_by, row.snoozed_until) == (at(2), "kam k1", at(48))


# --- profiles -----------------------------------------------------------------


def test_profile_replaces_stakeholders_unless_older(engine: Engine) -> None:
    first = profile("a1", 1, [stakeholder("s1"), stakeholder("s2"), stakeholder("s3")])
    second = profile(
        "a1",
        2,
        [stakeholder("s1", warmth=0.9), stakeholder("s2", status="left", last_contact=None)],
        kam_id="k2",
    )
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_profile(conn, first)
        assert apply_profile(conn, second)
        assert not apply_profile(conn, first)  # older: ignored, s3 stays gone

    (account,) = _rows(engine, sa.select(accounts))
    assert (account.kam_id, account.as_of, account.tier) == ("k2", at(2), "strategic")
    people = {r.stakeholder_id: r for r in _rows(engine, sa.select(stakeholders))}
    assert set(people) == {"s1", "s2"}
    assert people["s1"].warmth == 0.9
    assert (people["s2"].status, people["s2"].last_contact) == ("left", None)
    assert people["s1"].last_contact == at(-24)


def _member(owner: str, sids: list[str], hours: float, count: int) -> TeamMemberRecord:
    return TeamMemberRecord(
        internal_owner=owner, stakeholders=sids, last_contact=at(hours), touchpoints_90d=count
    )


def test_profile_replaces_the_account_team_and_only_the_kams_people_are_named(
    engine: Engine,
) -> None:
    people = [stakeholder("s1"), stakeholder("s2"), stakeholder("s3", status="left")]
    first = profile("a1", 1, people, team=[_member("old-colleague", ["s1"], 0, 1)])
    second = profile(
        "a1",
        2,
        people,
        team=[_member("k1", ["s1", "s2", "s3"], 2, 5), _member("se-mia", ["s1"], 1, 2)],
    )
    _apply(engine, [first, second, first])  # the older profile again: ignored
    with engine.connect() as conn:
        team = get_team(conn, "a1")
        assert get_team(conn, "nobody").members == []
    assert team.kam_id == "k1"
    assert [(m.internal_owner, m.stakeholders, m.touchpoints_90d) for m in team.members] == [
        ("k1", ["s1", "s2", "s3"], 5),
        ("se-mia", ["s1"], 2),
    ]
    assert team.members[0].last_contact == at(2)
    assert team.known_only_by_kam == ["s2"]  # s1 is also se-mia's, s3 left


def test_a_version_2_database_gains_the_account_team_table_and_strategic_flags(
    fresh_database_url: Callable[[], str],
) -> None:
    engine = create_engine_for(fresh_database_url())
    try:
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                if table is not account_team:
                    table.create(conn)
            conn.execute(sa.text("ALTER TABLE accounts DROP COLUMN strategic_flags"))
            conn.execute(
                schema_version.insert().values(
                    version=2, description="v2", applied_at=datetime.now(UTC)
                )
            )
        assert ensure_schema(engine) == LATEST_VERSION
        assert _versions(engine) == list(range(2, LATEST_VERSION + 1))
        team = [_member("k1", ["s1"], 0, 1)]
        _apply(engine, [profile("a1", 1, [], team=team, strategic_flags=["market_leader"])])
        assert len(_rows(engine, sa.select(account_team))) == 1
        (row,) = _rows(engine, sa.select(accounts.c.strategic_flags))
        assert row.strategic_flags == ["market_leader"]
    finally:
        engine.dispose()


def test_profile_with_no_stakeholders_empties_the_list(engine: Engine) -> None:
    _apply(engine, [profile("a1", 1, [stakeholder("s1")]), profile("a1", 2, [])])
    assert _rows(engine, sa.select(stakeholders)) == []


# --- queues -------------------------------------------------------------------


def test_queue_replaces_items_unless_older(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        assert apply_queue(conn, queue("k1", 1, ["a1", "a2", "a3"]))
        assert apply_queue(conn, queue("k1", 2, ["a3", "a1"]))
        assert not apply_queue(conn, queue("k1", 0, ["a9"]))
        assert apply_queue(conn, queue("k2", 1, ["a2"]))

    items = _rows(
        engine,
        sa.select(kam_queue_items).order_by(kam_queue_items.c.kam_id, kam_queue_items.c.rank),
    )
    assert [(i.kam_id, i.rank, i.account_id) for i in items] == [
        ("k1", 1, "a3"),
        ("k1", 2, "a1"),
        ("k2", 1, "a2"),
    ]
    assert {(q.kam_id, q.as_of) for q in _rows(engine, sa.select(kam_queues))} == {
        ("k1", at(2)),
        ("k2", at(1)),
    }


def test_an_empty_queue_clears_the_items(engine: Engine) -> None:
    _apply(engine, [queue("k1", 1, ["a1"]), queue("k1", 2, [])])
    assert _rows(engine, sa.select(kam_queue_items)) == []


# --- idempotence --------------------------------------------------------------


def test_applying_the_same_records_twice_changes_nothing(engine: Engine) -> None:
    records = stream()
    _apply(engine, records)
    once = dump(engine)
    _apply(engine, records)
    assert dump(engine) == once
    assert len(once["accounts"]) == 6
    assert len(once["health_history"]) == 30


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_records_with_duplicates_give_the_same_rows(
    engine: Engine, fresh_database_url: Callable[[], str], seed: int
) -> None:
    records = stream()
    _apply(engine, records)
    expected = dump(engine)

    rng = random.Random(seed)
    # Keys interleave arbitrarily across topics and partitions, but one key's
    # records stay in order (one partition): shuffle keys' streams together,
    # then add redeliveries of random earlier stretches.
    by_key: dict[tuple[str, str], list[ReadModelRecord]] = {}
    for record in records:
        key = str(getattr(record, "account_id", None) or getattr(record, "kam_id", ""))
        by_key.setdefault((type(record).__name__, key), []).append(record)
    lanes = list(by_key.values())
    mixed: list[ReadModelRecord] = []
    while any(lanes):
        lane = rng.choice([lane for lane in lanes if lane])
        mixed.append(lane.pop(0))
        if rng.random() < 0.2:
            start = rng.randrange(len(mixed))
            mixed.extend(mixed[start : start + rng.randint(1, 5)])
    # A redelivered stretch replays its key's older records after newer ones;
    # the rules must still end on the same rows.
    mixed.extend(rng.sample(records, k=len(records) // 3))

    other = create_engine_for(fresh_database_url())
    try:
        ensure_schema(other)
        _apply(other, mixed)
        assert dump(other) == expected
    finally:
        other.dispose()
