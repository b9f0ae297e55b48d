"""Groups, whitespace, growth lines and share of wallet through the API (SQLite and PostgreSQL).

The read models are written as the sink writes them; the full path from
events through the worker and the sink is tests/integration/pipeline/test_groups.py.
"""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from schemas.internal import KamQueue, PurchaseRecord, QueueItem
from services.read_models import apply_health, apply_profile, apply_queue
from tests.integration.api.data import at, auth, health, profile


def _account(
    engine: Engine,
    account_id: str,
    kam_id: str,
    parent: str | None,
    score: float,
    **lines: float,
) -> None:
    bought = [
        PurchaseRecord(
            product_line=line, business_unit="Cars", revenue_12m=revenue, margin_12m=revenue / 4
        )
        for line, revenue in lines.items()
    ]
    record = profile(account_id, kam_id, account_id.replace("-", " ").title()).model_copy(
        update={
            "parent_account_id": parent,
            "revenue_12m": sum(lines.values()),
            "margin_12m": sum(lines.values()) / 4,
            "annual_potential": 1_000_000.0,
            "share_of_wallet": sum(lines.values()) / 1_000_000.0,
            "bought": bought,
        }
    )
    with engine.begin() as conn:
        apply_profile(conn, record)
        apply_health(conn, health(account_id, 1, score))


@pytest.fixture
def group(engine: Engine) -> Engine:
    """hq (k1) → sub1 (k1), sub2 (k3) → grand (k3): three levels, two KAMs with tokens k1 only."""
    _account(engine, "hq", "k1", None, 80.0, Sensors=600_000.0)
    _account(engine, "sub1", "k1", "hq", 90.0, Drives=100_000.0)
    _account(engine, "sub2", "k3", "hq", 40.0, Sensors=200_000.0, Drives=100_000.0)
    _account(engine, "grand", "k3", "sub2", 60.0)
    with engine.begin() as conn:
        apply_queue(
            conn,
            KamQueue(
                kam_id="k1",
                as_of=at(72),
                items=[
                    QueueItem(
                        rank=1,
                        account_id="a1",
                        priority=87.5,
                        health=55.0,
                        open_alerts=2,
                        next_action="Call Anna Berg",
                    ),
                    QueueItem(
                        rank=2,
                        account_id="sub1",
                        priority=3.0,
                        health=90.0,
                        open_alerts=0,
                        next_action="Nothing urgent: keep the regular contact cadence",
                    ),
                ],
            ),
        )
    return engine


def test_the_group_rolls_up_every_level_and_a_member_answers_with_its_top(
    client: TestClient, group: Engine
) -> None:
    del group
    body = client.get("/v1/accounts/grand/group", headers=auth("kam1")).json()
    assert body["account_id"] == "hq"
    assert [(m["account_id"], m["depth"], m["kam_id"]) for m in body["members"]] == [
        ("hq", 0, "k1"),
        ("sub1", 1, "k1"),
        ("sub2", 1, "k3"),
        ("grand", 2, "k3"),
    ]
    # (80·600k + 90·100k + 40·300k + 60·0) / 1M
    assert (body["score"], body["band"]) == (69.0, "watch")
    assert body["revenue_12m"] == 1_000_000.0
    assert body["most_at_risk"] == "sub2"
    assert body["error"] is None
    assert client.get("/v1/accounts/hq/group", headers=auth("admin")).json() == body


def test_whitespace_lists_what_it_bought_and_the_groups_lines_it_did_not(
    client: TestClient, group: Engine
) -> None:
    del group
    body = client.get("/v1/accounts/sub1/whitespace", headers=auth("kam1")).json()
    assert body["bought"] == [
        {
            "product_line": "Drives",
            "business_unit": "Cars",
            "revenue_12m": 100_000.0,
            "margin_12m": 25_000.0,
        }
    ]
    (gap,) = body["gaps"]
    assert gap["product_line"] == "Sensors"
    assert gap["bought_by"] == ["hq", "sub2"]
    assert gap["group_revenue_12m"] == 800_000.0
    assert "2 companies of the Hq group bought 800k EUR of Sensors" in gap["reason"]


def test_a_kam_of_an_unrelated_account_gets_403_and_a_lone_account_404(
    client: TestClient, group: Engine
) -> None:
    del group
    for path in ("/v1/accounts/hq/group", "/v1/accounts/grand/group", "/v1/accounts/hq/whitespace"):
        assert client.get(path, headers=auth("kam2")).status_code == 403, path
    assert client.get("/v1/accounts/a1/group", headers=auth("kam1")).status_code == 404
    assert client.get("/v1/accounts/nobody/group", headers=auth("admin")).status_code == 404
    # Outside any group there is no gap, but what it bought is still shown.
    lone = client.get("/v1/accounts/a1/whitespace", headers=auth("kam1")).json()
    assert lone == {"account_id": "a1", "bought": [], "gaps": []}


def test_a_cycle_is_named_on_the_route_and_in_the_log(
    client: TestClient, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _account(engine, "x", "k1", "y", 70.0)
    _account(engine, "y", "k1", "x", 70.0)
    with caplog.at_level(logging.WARNING, logger="keypulse.api"):
        body = client.get("/v1/accounts/y/group", headers=auth("kam1")).json()
    assert body["error"] == "parent_account_id forms a cycle: x → y → x"
    assert body["account_id"] == "x"
    assert [m["account_id"] for m in body["members"]] == ["x", "y"]
    assert "forms a cycle: x → y → x" in caplog.text


def test_a_healthy_account_with_a_gap_gets_a_growth_line_below_every_risk_line(
    client: TestClient, group: Engine
) -> None:
    del group
    items = client.get("/v1/kams/k1/queue", headers=auth("kam1")).json()["items"]
    assert [(i["rank"], i["account_id"], i["kind"]) for i in items] == [
        (1, "a1", "risk"),
        (2, "sub1", "risk"),
        (3, "sub1", "growth"),
    ]
    assert items[2]["next_action"] == (
        "Offer Sensors to Sub1: 2 companies of the Hq group bought 800k EUR of it in 12 months"
    )
    assert items[2]["priority"] == 0.0


def test_the_account_shows_its_share_of_wallet(client: TestClient, group: Engine) -> None:
    del group
    body = client.get("/v1/accounts/sub2", headers=auth("admin")).json()
    assert (body["revenue_12m"], body["annual_potential"], body["share_of_wallet"]) == (
        300_000.0,
        1_000_000.0,
        0.3,
    )
    assert client.get("/v1/accounts/a1", headers=auth("kam1")).json()["share_of_wallet"] is None
