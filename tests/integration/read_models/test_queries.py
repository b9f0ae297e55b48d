"""The API's read functions, filters, ack and snooze, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from services.errors import AlertNotFound
from services.read_models import (
    ack_alert,
    apply_records,
    get_account,
    get_alert,
    get_health,
    get_kam_queue,
    health_history,
    list_alerts,
    list_stakeholders,
    snooze_alert,
    writer,
)
from services.read_models.store import ReadModelRecord
from tests.integration.read_models.records import (
    alert,
    at,
    health,
    profile,
    queue,
    stakeholder,
)

NOW = at(100)


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """A small fixed data set: two accounts of k1, one of k2."""
    records: list[ReadModelRecord] = [
        profile(
            "a1",
            1,
            [
                stakeholder("s1", name="Zoe", role="decision_maker", warmth=0.8),
                stakeholder("s2", name="Adam", status="left", warmth=0.0),
                stakeholder("s3", name="Bea", role="user", department="IT"),
            ],
        ),
        profile("a2", 1, [], kam_id="k1"),
        profile("a3", 1, [], kam_id="k2"),
        health("a1", 3, score=40),
        health("a1", 1, score=80),
        health("a1", 2, score=55),
        health("a3", 1, score=90),
        alert("al-1", "a1", kind="stakeholder_cooling", raised=1),
        alert("al-2", "a1", kind="champion_left", severity="critical", raised=2),
        alert("al-3", "a2", kind="order_gap", subject=None, raised=3),
        alert(
            "al-4", "a1", kind="order_gap", subject=None, status="resolved", raised=0, resolved=2
        ),
        alert("al-5", "a3", kam_id="k2", kind="critical_ticket", subject="t1", raised=4),
        queue("k1", 5, ["a1", "a2"]),
    ]
    with writer(engine.connect()) as conn, conn.begin():
        apply_records(conn, records)
    return engine


def test_account_with_health_and_open_alerts(loaded: Engine) -> None:
    with loaded.connect() as conn:
        view = get_account(conn, "a1", NOW)
        assert get_account(conn, "nobody", NOW) is None
    assert view is not None
    assert (view.name, view.kam_id, view.tier, view.currency) == (
        "Account a1",
        "k1",
        "strategic",
        "EUR",
    )
    assert view.health is not None
    assert view.health.score == 40
    assert [a.alert_id for a in view.open_alerts] == ["al-2", "al-1"]


def test_account_known_only_from_its_health(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        apply_records(conn, [health("lonely", 1)])
        view = get_account(conn, "lonely", NOW)
    assert view is not None
    assert view.name is None
    assert view.health is not None


def test_health_and_history_oldest_first(loaded: Engine) -> None:
    with loaded.connect() as conn:
        current = get_health(conn, "a1")
        history = health_history(conn, "a1")
        recent = health_history(conn, "a1", since=at(2))
        newest_two = health_history(conn, "a1", limit=2)
        assert get_health(conn, "a2") is None
    assert current is not None
    assert current == health("a1", 3, score=40)
    assert [h.score for h in history] == [80, 55, 40]
    assert [h.as_of for h in history] == [at(1), at(2), at(3)]
    assert [h.score for h in recent] == [55, 40]
    assert [h.score for h in newest_two] == [55, 40]  # the latest ones, still oldest first


def test_stakeholders_active_first(loaded: Engine) -> None:
    with loaded.connect() as conn:
        people = list_stakeholders(conn, "a1")
    assert [(p.name, p.status) for p in people] == [
        ("Bea", "active"),
        ("Zoe", "active"),
        ("Adam", "left"),
    ]
    assert people[0].department == "IT"
    assert people[1].role == "decision_maker"
    assert people[1].warmth == 0.8


def test_kam_queue_carries_names_and_counts_open_alerts_itself(loaded: Engine) -> None:
    with loaded.connect() as conn:
        mine = get_kam_queue(conn, "k1", NOW)
        assert get_kam_queue(conn, "k2", NOW) is None
    assert mine is not None
    published = queue("k1", 5, ["a1", "a2"])
    assert mine.as_of == published.as_of
    assert [(i.rank, i.account_id, i.next_action) for i in mine.items] == [
        (i.rank, i.account_id, i.next_action) for i in published.items
    ]
    assert [(i.account_name, i.account_tier) for i in mine.items] == [
        ("Account a1", "strategic"),
        ("Account a2", "strategic"),
    ]
    # The stream's line said 0 and 1; the alerts table holds 2 open on a1 and 1 on a2.
    assert [i.open_alerts for i in mine.items] == [2, 1]


def test_queue_open_alerts_leave_out_snoozed_alerts_like_the_account(loaded: Engine) -> None:
    """Issue 13: after snoozing one of a1's two alerts every view says 1."""
    until = NOW + timedelta(hours=2)
    with loaded.begin() as conn:
        snooze_alert(conn, "al-2", until)
    with loaded.connect() as conn:
        during = get_kam_queue(conn, "k1", NOW)
        account = get_account(conn, "a1", NOW)
        listed = list_alerts(conn, now=NOW, status="open", account_id="a1")
        after = get_kam_queue(conn, "k1", until)
    assert during is not None
    assert after is not None
    assert account is not None
    assert during.items[0].open_alerts == len(account.open_alerts) == len(listed) == 1
    assert after.items[0].open_alerts == 2  # the snooze ended


def test_queue_line_of_an_account_without_master_data_has_no_name(engine: Engine) -> None:
    with writer(engine.connect()) as conn, conn.begin():
        apply_records(conn, [queue("k1", 1, ["ghost"])])
        view = get_kam_queue(conn, "k1", NOW)
    assert view is not None
    assert (view.items[0].account_name, view.items[0].open_alerts) == (None, 0)


def test_alerts_carry_the_account_name_when_it_is_known(loaded: Engine) -> None:
    with writer(loaded.connect()) as conn, conn.begin():
        apply_records(conn, [alert("al-x", "no-master", raised=5)])
        names = {a.alert_id: a.account_name for a in list_alerts(conn, now=NOW)}
        one = get_alert(conn, "al-5")
    assert names["al-1"] == "Account a1"
    assert names["al-x"] is None
    assert one is not None
    assert (one.account_name, one.account_tier) == ("Account a3", "strategic")


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["al-5", "al-3", "al-2", "al-1", "al-4"]),
        ({"status": "open"}, ["al-5", "al-3", "al-2", "al-1"]),
        ({"status": "resolved"}, ["al-4"]),
        ({"kind": "order_gap"}, ["al-3", "al-4"]),
        ({"account_id": "a1"}, ["al-2", "al-1", "al-4"]),
        ({"kam_id": "k2"}, ["al-5"]),
        ({"kam_id": "k1", "status": "open", "kind": "order_gap"}, ["al-3"]),
        ({"account_id": "a3", "kam_id": "k1"}, []),
    ],
)
def test_alert_filters(loaded: Engine, filters: dict[str, str], expected: list[str]) -> None:
    with loaded.connect() as conn:
        found = list_alerts(conn, now=NOW, **filters)  # type: ignore[arg-type]
    assert [a.alert_id for a in found] == expected


def test_ack_keeps_the_first_acknowledgement(loaded: Engine) -> None:
    with loaded.begin() as conn:
        first = ack_alert(conn, "al-1", by="k1", at=at(10))
        again = ack_alert(conn, "al-1", by="admin", at=at(11))
    assert (first.acked_by, first.acked_at) == ("k1", at(10))
    assert (again.acked_by, again.acked_at) == ("k1", at(10))
    with loaded.connect() as conn:
        # Acknowledged alerts stay in the open list.
        assert "al-1" in [a.alert_id for a in list_alerts(conn, now=NOW, status="open")]


def test_snoozed_alerts_are_hidden_until_the_snooze_ends(loaded: Engine) -> None:
    until = NOW + timedelta(hours=2)
    with loaded.begin() as conn:
        view = snooze_alert(conn, "al-2", until)
    assert view.snoozed_until == until
    assert view.is_snoozed(NOW)
    with loaded.connect() as conn:
        during = [a.alert_id for a in list_alerts(conn, now=NOW, status="open")]
        with_snoozed = list_alerts(conn, now=NOW, status="open", include_snoozed=True)
        after = [a.alert_id for a in list_alerts(conn, now=until, status="open")]
        account = get_account(conn, "a1", NOW)
    assert "al-2" not in during
    assert "al-2" in [a.alert_id for a in with_snoozed]
    assert "al-2" in after  # the snooze ends at `until`
    assert account is not None
    assert [a.alert_id for a in account.open_alerts] == ["al-1"]


def test_a_resolved_snoozed_alert_is_still_listed_as_resolved(loaded: Engine) -> None:
    with loaded.begin() as conn:
        snooze_alert(conn, "al-4", NOW + timedelta(days=1))
        resolved = list_alerts(conn, now=NOW, status="resolved")
    assert [a.alert_id for a in resolved] == ["al-4"]


def test_unknown_alert(loaded: Engine) -> None:
    with loaded.begin() as conn:
        assert get_alert(conn, "nope") is None
        with pytest.raises(AlertNotFound):
            ack_alert(conn, "nope", by="k1", at=NOW)
        with pytest.raises(AlertNotFound):
            snooze_alert(conn, "nope", NOW)


def test_the_sink_keeps_ack_and_snooze_through_a_resolve(loaded: Engine) -> None:
    with loaded.begin() as conn:
        ack_alert(conn, "al-1", by="k1", at=at(10))
        snooze_alert(conn, "al-1", at(200))
    with writer(loaded.connect()) as conn, conn.begin():
        apply_records(conn, [alert("al-1", "a1", status="resolved", raised=1, resolved=20)])
        view = get_alert(conn, "al-1")
    assert view is not None
    assert (view.status, view.acked_by, view.snoozed_until) == ("resolved", "k1", at(200))
    assert not view.is_snoozed(NOW)
