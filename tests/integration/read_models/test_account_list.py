"""The account list's filters, orders and counts, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from schemas.internal import KamQueue, QueueItem
from services.read_models import apply_records, list_accounts, snooze_alert, writer
from services.read_models.store import ReadModelRecord
from tests.integration.read_models.records import alert, at, health, profile

NOW = at(100)


def _queue(kam_id: str, priorities: dict[str, float]) -> KamQueue:
    ranked = sorted(priorities.items(), key=lambda kv: -kv[1])
    items = [
        QueueItem(
            rank=i + 1,
            account_id=a,
            priority=p,
            health=50.0,
            open_alerts=0,
            next_action="Call someone",
        )
        for i, (a, p) in enumerate(ranked)
    ]
    return KamQueue(kam_id=kam_id, items=items, as_of=at(5))


@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """Four accounts of two KAMs, one account with events but no master data."""
    records: list[ReadModelRecord] = [
        profile("spree-1", 1, [], name="Spreetech AG", kam_id="k1", annual_revenue_target=3e6),
        profile(
            "spree-2",
            1,
            [],
            name="Spreetech Logistik GmbH",
            tier="key",
            kam_id="k1",
            parent_account_id="spree-1",
            annual_revenue_target=5e5,
        ),
        profile("mue-1", 1, [], name="Müller Maschinenbau", kam_id="k2", annual_revenue_target=2e6),
        profile("zeta", 1, [], name="zeta Foods", tier="standard", kam_id="k2"),
        health("spree-1", 2, score=80),
        health("spree-2", 2, score=40),
        health("mue-1", 2, score=60),
        health("orphan", 2, score=20),  # events, no master data
        alert("al-1", "spree-2", raised=1),
        alert("al-2", "spree-2", kind="order_gap", subject=None, raised=2),
        alert("al-3", "spree-1", kind="order_gap", subject=None, status="resolved", resolved=3),
        alert("al-4", "orphan", kam_id=None, raised=2),
        _queue("k1", {"spree-1": 30.0, "spree-2": 90.0}),
        _queue("k2", {"mue-1": 50.0, "zeta": 10.0}),
        # A stale line of the old KAM after a handover must not count for spree-1.
        _queue("k-old", {"spree-1": 99.0}),
    ]
    with writer(engine.connect()) as conn, conn.begin():
        apply_records(conn, records)
    return engine


def _ids(engine: Engine, **filters: Any) -> list[str]:
    with engine.connect() as conn:
        return [a.account_id for a in list_accounts(conn, now=NOW, **filters)]


def test_every_known_account_is_listed_with_its_health_and_counts(loaded: Engine) -> None:
    with loaded.connect() as conn:
        by_id = {a.account_id: a for a in list_accounts(conn, now=NOW)}
    assert set(by_id) == {"spree-1", "spree-2", "mue-1", "zeta", "orphan"}
    child = by_id["spree-2"]
    assert (child.name, child.tier, child.kam_id, child.parent_account_id) == (
        "Spreetech Logistik GmbH",
        "key",
        "k1",
        "spree-1",
    )
    assert (child.score, child.band, child.open_alerts, child.priority) == (40, "at_risk", 2, 90)
    assert by_id["spree-1"].open_alerts == 0  # its only alert is resolved
    assert by_id["spree-1"].priority == 30  # the current KAM's queue, not k-old's
    assert by_id["zeta"].score is None  # master data, no health yet
    orphan = by_id["orphan"]
    assert (orphan.name, orphan.kam_id, orphan.open_alerts) == (None, None, 1)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kam_id": "k1"}, ["spree-2", "spree-1"]),
        ({"kam_id": "k2"}, ["mue-1", "zeta"]),
        ({"kam_id": "nobody"}, []),
        ({"tier": "key"}, ["spree-2"]),
        ({"tier": "standard"}, ["zeta"]),
        ({"band": "healthy"}, ["spree-1"]),
        ({"band": "critical"}, ["orphan"]),
        ({"q": "spreetech"}, ["spree-2", "spree-1"]),
        ({"q": "LOGISTIK"}, ["spree-2"]),
        ({"q": "MÜLLER"}, ["mue-1"]),  # case folding beyond ASCII, SQLite too
        ({"q": "orph"}, ["orphan"]),  # the id matches even without a name
        ({"q": "%"}, []),  # LIKE wildcards are taken literally
        ({"q": "_"}, []),
        ({"kam_id": "k1", "band": "at_risk", "q": "spree"}, ["spree-2"]),
    ],
)
def test_filters(loaded: Engine, filters: dict[str, Any], expected: list[str]) -> None:
    assert _ids(loaded, **filters) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("priority", ["spree-2", "mue-1", "spree-1", "zeta", "orphan"]),
        ("score", ["orphan", "spree-2", "mue-1", "spree-1", "zeta"]),
        ("name", ["mue-1", "spree-1", "spree-2", "zeta", "orphan"]),
        ("revenue", ["spree-1", "mue-1", "zeta", "spree-2", "orphan"]),
    ],
)
def test_orders(loaded: Engine, sort: str, expected: list[str]) -> None:
    assert _ids(loaded, sort=sort) == expected


def test_limit_keeps_the_first_of_the_order(loaded: Engine) -> None:
    assert _ids(loaded, sort="score", limit=2) == ["orphan", "spree-2"]


def test_open_alerts_leave_out_snoozed_ones(loaded: Engine) -> None:
    with loaded.begin() as conn:
        snooze_alert(conn, "al-1", NOW + timedelta(hours=1))
    with loaded.connect() as conn:
        during = {a.account_id: a.open_alerts for a in list_accounts(conn, now=NOW)}
        after = {
            a.account_id: a.open_alerts for a in list_accounts(conn, now=NOW + timedelta(hours=2))
        }
    assert (during["spree-2"], after["spree-2"]) == (1, 2)
