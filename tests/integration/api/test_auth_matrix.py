"""The whole authorisation matrix: every caller (and no/unknown token) against every route.

Served by real uvicorn so that the endless SSE stream is part of the same
matrix: for it, only the status line and headers are read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from services.api.app import create_api
from services.ops.process import free_port
from services.read_models import apply_profile
from services.settings import Settings
from tests.integration.api.data import NOW, ServedApi, auth, profile

UNTIL = {"until": (NOW + timedelta(days=1)).isoformat()}

#: (method, path, body) per route of docs/contract.md section 4 (plus /v1/me); the account,
#: queue and alerts belong to KAM k1.
ROUTES: dict[str, tuple[str, str, object]] = {
    "ingest": ("POST", "/v1/events", "not json"),
    "accounts": ("GET", "/v1/accounts", None),
    "accounts_of_k1": ("GET", "/v1/accounts?kam_id=k1", None),
    "account": ("GET", "/v1/accounts/a1", None),
    "health": ("GET", "/v1/accounts/a1/health", None),
    "history": ("GET", "/v1/accounts/a1/health/history", None),
    "stakeholders": ("GET", "/v1/accounts/a1/stakeholders", None),
    "team": ("GET", "/v1/accounts/a1/team", None),
    "group": ("GET", "/v1/accounts/a1/group", None),
    "whitespace": ("GET", "/v1/accounts/a1/whitespace", None),
    "queue": ("GET", "/v1/kams/k1/queue", None),
    "portfolio": ("GET", "/v1/portfolio", None),
    "portfolio_of_k1": ("GET", "/v1/portfolio?kam_id=k1", None),
    "alerts": ("GET", "/v1/alerts", None),
    "alerts_of_k1": ("GET", "/v1/alerts?kam_id=k1", None),
    "alerts_of_a1": ("GET", "/v1/alerts?account_id=a1", None),
    "ack": ("POST", "/v1/alerts/al-1/ack", None),
    "snooze": ("POST", "/v1/alerts/al-1/snooze", UNTIL),
    "stream": ("GET", "/v1/alerts/stream", None),
    "lag": ("GET", "/v1/ops/lag", None),
    "metrics": ("GET", "/metrics", None),
    "healthz": ("GET", "/healthz", None),
    "readyz": ("GET", "/readyz", None),
    "me": ("GET", "/v1/me", None),
    "freshness": ("GET", "/v1/freshness", None),
}

#: Routes anyone may call, with or without a token.
OPEN_ROUTES = ("metrics", "healthz", "readyz")

OK = "ok"
#: What each caller gets: OK (it reached the route) or the refusal. kam1 owns everything.
EXPECTED: dict[str, dict[str, object]] = {
    "kam1": {"ingest": 403, "lag": 403},
    "kam2": {
        "ingest": 403,
        "accounts_of_k1": 403,
        "account": 403,
        "health": 403,
        "history": 403,
        "stakeholders": 403,
        "team": 403,
        "whitespace": 403,
        "queue": 403,
        "portfolio_of_k1": 403,
        "alerts_of_k1": 403,
        "alerts_of_a1": 403,
        "ack": 403,
        "snooze": 403,
        "lag": 403,
    },
    "ops": {"ingest": 403, "ack": 403, "snooze": 403},
    # The KAM team lead reads every account, queue and alert but acts on nothing.
    "lead": {"ingest": 403, "ack": 403, "snooze": 403, "lag": 403},
    "ingest": {
        name: 403 for name in ROUTES if name not in ("ingest", "me", "freshness", *OPEN_ROUTES)
    },
    # Everyone who may read alerts may follow them live (docs/contract.md section 4).
    "admin": {},
    "none": {name: 401 for name in ROUTES if name not in OPEN_ROUTES},
    "unknown": {name: 401 for name in ROUTES if name not in OPEN_ROUTES},
}


@pytest.fixture
def served(
    api_settings: Settings,
    broker_settings: Settings,
    engine: Engine,
    serve: Callable[[FastAPI], ServedApi],
) -> Iterator[ServedApi]:
    """The API over the seeded read models and the session's broker (a prefix of its own,
    so the lag report has no group); the worker's metrics port is closed.

    a1 gets a subsidiary of k2's: k2 may then see the group (the KAM of a
    member), but not a1 itself nor its whitespace.
    """
    with engine.begin() as conn:
        sub = profile("a1-sub", "k2", "ACME Parts").model_copy(update={"parent_account_id": "a1"})
        apply_profile(conn, sub)
    settings = api_settings.model_copy(
        update={
            "embedded_broker_port": broker_settings.embedded_broker_port,
            "topic_prefix": f"authz{uuid.uuid4().hex[:8]}.",
            "worker_metrics_url": f"http://127.0.0.1:{free_port()}/metrics",
        }
    )
    with serve(create_api(settings, clock=lambda: NOW)) as api:
        yield api


def _headers(caller: str) -> dict[str, str]:
    if caller == "none":
        return {}
    if caller == "unknown":
        return {"Authorization": "Bearer not-a-configured-token"}
    return auth(caller)


def _call(client: httpx.Client, route: str, caller: str) -> object:
    """OK when the caller reached the route, else the refusal status (checked to be JSON)."""
    method, path, body = ROUTES[route]
    content = body.encode() if isinstance(body, str) else None
    json_body = None if isinstance(body, str) else body
    with client.stream(
        method, path, headers=_headers(caller), content=content, json=json_body
    ) as resp:
        status = resp.status_code
        if status in (401, 403):
            resp.read()
            assert resp.headers["content-type"].startswith("application/json"), route
            assert isinstance(resp.json()["detail"], str), (route, resp.text)
            if status == 401:
                assert resp.headers["www-authenticate"] == "Bearer", route
            return status
        if route == "stream":
            assert status == 200, route
            assert resp.headers["content-type"].startswith("text/event-stream")
            return OK  # the stream never ends: leave after the headers
        resp.read()
    # The ingest probe's body is invalid: 422 only once authorised, and nothing is published.
    reached = status < 300 or (route, status) == ("ingest", 422)
    assert reached, (route, caller, status, resp.text)
    return OK


def test_every_caller_against_every_route(served: ServedApi) -> None:
    outcomes: dict[str, dict[str, object]] = {}
    with httpx.Client(base_url=served.url, timeout=httpx.Timeout(15)) as client:
        for caller in EXPECTED:
            outcomes[caller] = {route: _call(client, route, caller) for route in ROUTES}
    expected = {
        caller: {route: refusals.get(route, OK) for route in ROUTES}
        for caller, refusals in EXPECTED.items()
    }
    assert outcomes == expected


@pytest.mark.parametrize(
    "authorization",
    ["Basic dG9rLW9wczo=", "Bearer", "tok-ops", "bearer tok-opsX", "Bearer  tok-ops x"],
    ids=["basic", "empty", "no-scheme", "longer", "trailing-word"],
)
def test_malformed_authorization_is_401(served: ServedApi, authorization: str) -> None:
    with httpx.Client(base_url=served.url, timeout=15) as client:
        for route in ("account", "lag", "stream", "ingest"):
            method, path, _ = ROUTES[route]
            resp = client.request(method, path, headers={"Authorization": authorization})
            assert resp.status_code == 401, route
            assert resp.headers["www-authenticate"] == "Bearer"
