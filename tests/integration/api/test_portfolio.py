"""GET /v1/portfolio over seeded read models (SQLite and PostgreSQL): suggestions and access."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.read_models import apply_health, apply_profile
from tests.integration.api.data import auth
from tests.integration.read_models import records


@pytest.fixture
def portfolio(engine: Engine) -> Engine:
    """Beside the seed (a1 of k1, a2 of k2): a k1 standard account that earns promotion and
    a k2 key account that does not."""
    with engine.begin() as conn:
        apply_profile(
            conn,
            records.profile(
                "rising",
                0,
                [],
                tier="standard",
                kam_id="k1",
                revenue_12m=2_000_000.0,
                margin_12m=700_000.0,
                annual_potential=5_000_000.0,
                share_of_wallet=0.4,
                strategic_flags=["reference_customer"],
            ),
        )
        apply_health(conn, records.health("rising", 1, 80.0))
        apply_profile(
            conn,
            records.profile(
                "fading", 0, [], tier="key", kam_id="k2", revenue_12m=50_000.0, margin_12m=2_000.0
            ),
        )
        apply_health(conn, records.health("fading", 1, 20.0))
    return engine


def _items(client: TestClient, query: str, role: str) -> list[dict[str, Any]]:
    resp = client.get(f"/v1/portfolio{query}", headers=auth(role))
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def test_the_lead_sees_every_suggestion_with_its_deciding_figures(
    client: TestClient, portfolio: Engine
) -> None:
    del portfolio
    items = _items(client, "", "lead")
    scores = [i["portfolio_score"] for i in items]
    assert scores == sorted(scores, reverse=True)
    by_id = {i["account_id"]: i for i in items}
    assert set(by_id) >= {"a1", "a2", "rising", "fading"}
    rising = by_id["rising"]
    assert rising["suggestion"] == "promote"
    assert rising["margin_share"] == pytest.approx(0.35)
    assert rising["reasons"][0].endswith("≥ promotion threshold 60")
    assert "revenue 12 months 2.0M EUR: 35.0 of 35 points" in rising["reasons"]
    assert "strategic: reference_customer (+10)" in rising["reasons"]
    assert by_id["fading"]["suggestion"] == "demote"
    assert by_id["fading"]["reasons"][0].endswith("< demotion threshold 35")
    promoted = _items(client, "?suggestion=promote", "admin")
    assert [i["account_id"] for i in promoted] == ["rising"]
    assert [i["account_id"] for i in _items(client, "?tier=key", "ops")] == ["fading"]


def test_a_kam_sees_only_their_own_and_ingest_is_refused(
    client: TestClient, portfolio: Engine
) -> None:
    del portfolio
    assert {i["account_id"] for i in _items(client, "", "kam1")} == {"a1", "rising"}
    assert {i["account_id"] for i in _items(client, "?kam_id=k2", "lead")} == {"a2", "fading"}
    assert client.get("/v1/portfolio?kam_id=k2", headers=auth("kam1")).status_code == 403
    assert client.get("/v1/portfolio", headers=auth("ingest")).status_code == 403
    assert client.get("/v1/portfolio?suggestion=maybe", headers=auth("lead")).status_code == 422
