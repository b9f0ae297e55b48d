"""Bad input everywhere: clear 4xx JSON, never a 5xx; a bounded schemathesis run."""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from services.api.app import create_api
from services.broker.topics import ensure_topics
from services.settings import Settings
from tests.integration.api.data import NOW, TOKENS, auth


def test_unknown_paths_and_methods_are_json(client: TestClient) -> None:
    resp = client.get("/v1/nothing-here", headers=auth("ops"))
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not Found"}
    resp = client.delete("/v1/alerts", headers=auth("ops"))
    assert resp.status_code == 405
    assert resp.json() == {"detail": "Method Not Allowed"}
    resp = client.get("/v1/alerts/al-1/ack", headers=auth("ops"))
    assert resp.status_code == 405


def test_malformed_json_and_wrong_types_are_422(client: TestClient) -> None:
    for body in (b"{", b"null", b'{"until": []}', b'"until"', b"\xff\xfe"):
        resp = client.post(
            "/v1/alerts/al-1/snooze",
            headers={**auth("kam1"), "Content-Type": "application/json"},
            content=body,
        )
        assert resp.status_code in (400, 422), body
        assert "detail" in resp.json()


def test_identifiers_with_nul_or_over_128_chars_are_422(client: TestClient) -> None:
    for bad in ("a%00b", "x" * 129):
        for path in (
            f"/v1/accounts/{bad}",
            f"/v1/kams/{bad}/queue",
            f"/v1/alerts?account_id={bad}",
        ):
            resp = client.get(path, headers=auth("ops"))
            assert resp.status_code == 422, path
        assert client.post(f"/v1/alerts/{bad}/ack", headers=auth("admin")).status_code == 422


def test_oversize_snooze_body_is_413(client: TestClient) -> None:
    resp = client.post(
        "/v1/alerts/al-1/snooze", headers=auth("kam1"), content=b" " * (2 * 1024 * 1024)
    )
    assert resp.status_code == 413
    assert "limit" in resp.json()["detail"]


def test_openapi_documents_every_route_with_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) >= {
        "/v1/events",
        "/v1/accounts/{account_id}",
        "/v1/accounts/{account_id}/health",
        "/v1/accounts/{account_id}/health/history",
        "/v1/accounts/{account_id}/stakeholders",
        "/v1/kams/{kam_id}/queue",
        "/v1/alerts",
        "/v1/alerts/{alert_id}/ack",
        "/v1/alerts/{alert_id}/snooze",
        "/v1/alerts/stream",
        "/v1/ops/lag",
        "/healthz",
        "/readyz",
        "/metrics",
    }
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    schemas = spec["components"]["schemas"]
    for name in ("Account", "Alert", "Health", "Queue", "Stakeholder", "IngestAccepted"):
        assert schemas[name].get("examples"), name
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            assert op.get("description") or op.get("summary"), (method, path)
            assert any(code.startswith("2") for code in op["responses"]), (method, path)


@pytest.fixture
def fuzzed_app(broker_settings: Settings, sqlite_url: str, tmp_path: Path) -> FastAPI:
    """The API on the real broker (ingest may publish) and a seeded SQLite read model."""
    from services.read_models import create_engine_for, ensure_schema
    from tests.integration.api.data import seed

    settings = broker_settings.model_copy(
        update={
            "topic_prefix": f"fuzz{uuid.uuid4().hex[:8]}.",
            "api_keys": Settings(api_keys=json.dumps(TOKENS)).api_keys,
            "database_url": Settings(database_url=sqlite_url).database_url,
            "data_dir": tmp_path,
        }
    )
    ensure_topics(settings.bootstrap_servers, settings.topics.specs())
    engine = create_engine_for(settings)
    ensure_schema(engine)
    seed(engine)
    engine.dispose()
    return create_api(settings, clock=lambda: NOW)


def test_schemathesis_finds_no_server_error(fuzzed_app: FastAPI) -> None:
    """Every operation, positive and negative cases, a bounded number of examples each."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 12
    statuses: Counter[int] = Counter()
    for operation, mode in itertools.product(operations, GenerationMode):

        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        @hypothesis.settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            # The admin token reaches every route but the endless SSE stream (403 for admin).
            response = case.call_and_validate(
                headers=auth("admin"), checks=[not_a_server_error, response_schema_conformance]
            )
            statuses[response.status_code] += 1

        try:
            run()
        except hypothesis.errors.Unsatisfiable:
            # An operation without parameters or body has no negative cases.
            assert mode != GenerationMode.POSITIVE, operation.label
    # Both good and bad requests were made, and none got a 5xx.
    assert {200, 202, 404, 422} <= set(statuses), statuses
    assert not any(code >= 500 for code in statuses), statuses
