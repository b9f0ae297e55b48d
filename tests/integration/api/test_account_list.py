"""GET /v1/accounts: who sees what, the filters, the orders and the 422s (SQLite and PostgreSQL)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.read_models import apply_health
from tests.integration.api.data import auth, health

ITEM_KEYS = {
    "account_id",
    "name",
    "tier",
    "kam_id",
    "parent_account_id",
    "score",
    "band",
    "open_alerts",
    "priority",
    "annual_revenue_target",
    "currency",
}


def _ids(client: TestClient, query: str = "", role: str = "admin") -> list[str]:
    resp = client.get(f"/v1/accounts{query}", headers=auth(role))
    assert resp.status_code == 200, resp.text
    return [item["account_id"] for item in resp.json()["items"]]


def test_items_have_the_contract_fields(client: TestClient) -> None:
    body = client.get("/v1/accounts", headers=auth("ops")).json()
    assert set(body) == {"items"}
    first = {item["account_id"]: item for item in body["items"]}["a1"]
    assert set(first) == ITEM_KEYS
    assert (first["name"], first["tier"], first["kam_id"]) == ("ACME Group", "strategic", "k1")
    assert (first["score"], first["band"], first["open_alerts"]) == (55.0, "watch", 2)


def test_a_kam_sees_only_their_own_accounts(client: TestClient) -> None:
    assert _ids(client, role="kam1") == ["a1"]
    assert _ids(client, role="kam2") == ["a2"]
    assert _ids(client, "?kam_id=k1", role="kam1") == ["a1"]
    other = client.get("/v1/accounts?kam_id=k2", headers=auth("kam1"))
    assert other.status_code == 403
    assert other.json() == {"detail": "a KAM may list only their own accounts"}


def test_ops_and_admin_see_every_account_and_the_unassigned(
    client: TestClient, engine: Engine
) -> None:
    with engine.begin() as conn:
        apply_health(conn, health("no-master-data", 10, 25.0))
    for role in ("ops", "admin"):
        assert sorted(_ids(client, role=role)) == ["a1", "a2", "no-master-data"]
    body = client.get("/v1/accounts?q=no-master", headers=auth("admin")).json()
    assert body["items"][0]["kam_id"] is None  # unassigned
    assert body["items"][0]["band"] == "critical"
    assert _ids(client, role="kam1") == ["a1"]  # never to a KAM
    assert client.get("/v1/accounts", headers=auth("ingest")).status_code == 403


def test_filters_and_orders(client: TestClient) -> None:
    assert _ids(client, "?q=acme") == ["a1"]
    assert _ids(client, "?q=GLOB") == ["a2"]
    assert _ids(client, "?q=a2") == ["a2"]
    assert _ids(client, "?q=nothing-like-it") == []
    assert _ids(client, "?kam_id=k2") == ["a2"]
    assert _ids(client, "?tier=strategic&band=watch") == ["a1"]
    assert _ids(client, "?band=healthy") == ["a2"]
    assert _ids(client, "?tier=key") == []
    assert _ids(client, "?sort=priority") == ["a1", "a2"]  # 87.5, then 10
    assert _ids(client, "?sort=score") == ["a1", "a2"]  # 55 before 90: worst first
    assert _ids(client, "?sort=name") == ["a1", "a2"]  # ACME Group, Globex
    assert _ids(client, "?sort=score&limit=1") == ["a1"]


def test_bad_sort_band_tier_and_limit_are_clear_422s(client: TestClient) -> None:
    for query, field in [
        ("?sort=health", "sort"),
        ("?band=red", "band"),
        ("?tier=gold", "tier"),
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=ten", "limit"),
        ("?q=", "q"),
    ]:
        resp = client.get(f"/v1/accounts{query}", headers=auth("ops"))
        assert resp.status_code == 422, query
        problem = resp.json()["detail"][0]
        assert problem["loc"] == ["query", field], query
        assert problem["msg"], query
    sort = client.get("/v1/accounts?sort=health", headers=auth("ops")).json()["detail"][0]
    assert "'priority', 'score', 'name' or 'revenue'" in sort["msg"]
