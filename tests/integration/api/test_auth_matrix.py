"""The whole authorisation matrix: every role (and no/unknown token) against every route."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.integration.api.data import NOW, auth

UNTIL = {"until": (NOW + timedelta(days=1)).isoformat()}

#: (method, path, body) per route; the account, queue and alerts belong to KAM k1.
ROUTES: dict[str, tuple[str, str, object]] = {
    "ingest": ("POST", "/v1/events", "not json"),
    "account": ("GET", "/v1/accounts/a1", None),
    "health": ("GET", "/v1/accounts/a1/health", None),
    "history": ("GET", "/v1/accounts/a1/health/history", None),
    "stakeholders": ("GET", "/v1/accounts/a1/stakeholders", None),
    "queue": ("GET", "/v1/kams/k1/queue", None),
    "alerts": ("GET", "/v1/alerts", None),
    "alerts_of_k1": ("GET", "/v1/alerts?kam_id=k1", None),
    "ack": ("POST", "/v1/alerts/al-1/ack", None),
    "snooze": ("POST", "/v1/alerts/al-1/snooze", UNTIL),
    "me": ("GET", "/v1/me", None),
}

OK = "ok"
#: What each caller gets: OK (2xx, or 422 for the ingest probe's invalid body, which
#: only an authorised caller reaches), or the status. kam1 owns everything above.
EXPECTED: dict[str, dict[str, object]] = {
    "kam1": {"ingest": 403, "stream": OK},
    "kam2": {
        "ingest": 403,
        "account": 403,
        "health": 403,
        "history": 403,
        "stakeholders": 403,
        "queue": 403,
        "alerts_of_k1": 403,
        "ack": 403,
        "snooze": 403,
        "stream": OK,
    },
    "ops": {"ingest": 403, "ack": 403, "snooze": 403, "stream": OK},
    "ingest": {name: 403 for name in [*ROUTES, "stream"] if name not in ("ingest", "me")},
    "admin": {"stream": 403},  # CONTRACT.md: the stream is for kam and ops
}


def _call(client: TestClient, route: str, headers: dict[str, str]) -> int:
    method, path, body = ROUTES[route]
    if isinstance(body, str):
        resp = client.request(method, path, headers=headers, content=body)
    else:
        resp = client.request(method, path, headers=headers, json=body)
    assert resp.headers["content-type"].startswith("application/json"), (route, resp.text)
    assert "detail" in resp.json() or resp.is_success, (route, resp.text)
    return int(resp.status_code)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_matrix(client: TestClient, role: str) -> None:
    outcomes = {}
    for route in ROUTES:
        status = _call(client, route, auth(role))
        outcomes[route] = OK if (status < 300 or (route == "ingest" and status == 422)) else status
    expected = {route: EXPECTED[role].get(route, OK) for route in ROUTES}
    assert outcomes == expected


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic dG9rLW9wczo="},
        {"Authorization": "Bearer"},
        {"Authorization": "tok-ops"},
    ],
    ids=["none", "unknown", "basic", "empty", "no-scheme"],
)
def test_missing_or_unknown_token_is_401_with_a_challenge(
    client: TestClient, headers: dict[str, str]
) -> None:
    for route in ROUTES:
        method, path, _ = ROUTES[route]
        resp = client.request(method, path, headers=headers)
        assert resp.status_code == 401, route
        assert resp.headers["www-authenticate"] == "Bearer"
        assert isinstance(resp.json()["detail"], str)
    resp = client.get("/v1/alerts/stream", headers=headers)
    assert resp.status_code == 401


def test_stream_rights(client: TestClient) -> None:
    """The stream's 403s (its 200s are checked with a real server in test_stream.py)."""
    for role, status in [("admin", 403), ("ingest", 403)]:
        assert client.get("/v1/alerts/stream", headers=auth(role)).status_code == status


def test_probes_need_no_token(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
