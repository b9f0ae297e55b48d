"""POST /v1/events against the real embedded broker: all or nothing, limits, broker down."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from kafka import KafkaConsumer

from services.api.app import create_api
from services.broker.topics import ensure_topics
from services.settings import Settings
from tests.integration.api.data import TOKENS, auth
from tests.support.waiting import wait_for


def event(n: int, **fields: Any) -> dict[str, Any]:
    """A valid order.placed event for account acme-<n % 3>."""
    values: dict[str, Any] = {
        "event_id": f"erp-{n}",
        "type": "order.placed",
        "account_id": f"acme-{n % 3}",
        "occurred_at": "2026-03-02T09:30:00+01:00",
        "source": "erp",
        "order_id": f"o-{n}",
        "amount": 100.0 + n,
        "currency": "EUR",
    }
    values.update(fields)
    return values


@pytest.fixture
def ingest_settings(broker_settings: Settings, sqlite_url: str, tmp_path: Path) -> Settings:
    """The session's broker with topics of this test's own (a fresh prefix)."""
    settings = broker_settings.model_copy(
        update={
            "topic_prefix": f"api{uuid.uuid4().hex[:8]}.",
            "api_keys": Settings(api_keys=json.dumps(TOKENS)).api_keys,
            "database_url": Settings(database_url=sqlite_url).database_url,
            "data_dir": tmp_path,
            "api_max_events": 50,
            "api_max_body_bytes": 64 * 1024,
        }
    )
    ensure_topics(settings.bootstrap_servers, settings.topics.specs())
    return settings


@pytest.fixture
def ingest_client(ingest_settings: Settings) -> Iterator[TestClient]:
    """A TestClient for the API on the broker."""
    with TestClient(create_api(ingest_settings), raise_server_exceptions=False) as client:
        yield client


def consume_all(settings: Settings, topic_names: list[str], at_least: int) -> list[Any]:
    """Every record on the topics once at least ``at_least`` arrived (or a short quiet spell)."""
    consumer = KafkaConsumer(
        *topic_names, bootstrap_servers=settings.bootstrap_servers, auto_offset_reset="earliest"
    )
    records: list[Any] = []
    polls = [0]

    def collect() -> bool:
        for batch in consumer.poll(timeout_ms=300).values():
            records.extend(batch)
        polls[0] += 1
        # Nothing expected: enough polls after partition assignment prove the silence.
        return (
            len(records) >= at_least if at_least else polls[0] >= 8 and bool(consumer.assignment())
        )

    try:
        wait_for(collect, timeout=30, what=f"{at_least} records on {topic_names}")
    finally:
        consumer.close()
    return records


def test_a_valid_batch_is_published_keyed_by_account(
    ingest_client: TestClient, ingest_settings: Settings
) -> None:
    batch = [event(n) for n in range(5)] + [
        {
            "event_id": "crm-1",
            "type": "contact.logged",
            "account_id": "acme-1",
            "occurred_at": "2026-03-02T10:00:00Z",
            "stakeholder_id": "s1",
            "channel": "call",
            "direction": "outbound",
            "extra_field": "kept",
        }
    ]
    resp = ingest_client.post("/v1/events", headers=auth("ingest"), json=batch)
    assert resp.status_code == 202, resp.text
    assert resp.json() == {"accepted": [e["event_id"] for e in batch], "count": 6}

    topics = ingest_settings.topics
    orders = consume_all(ingest_settings, [topics.name_of("orders")], 5)
    assert sorted(r.key.decode() for r in orders) == sorted(f"acme-{n % 3}" for n in range(5))
    assert {json.loads(r.value)["event_id"] for r in orders} == {f"erp-{n}" for n in range(5)}
    contacts = consume_all(ingest_settings, [topics.name_of("contacts")], 1)
    assert json.loads(contacts[0].value)["extra_field"] == "kept"
    assert contacts[0].key == b"acme-1"


def test_one_event_alone_is_accepted(ingest_client: TestClient) -> None:
    resp = ingest_client.post("/v1/events", headers=auth("admin"), json=event(7))
    assert resp.status_code == 202
    assert resp.json()["accepted"] == ["erp-7"]


def test_a_batch_with_an_invalid_item_publishes_nothing(
    ingest_client: TestClient, ingest_settings: Settings
) -> None:
    future = (datetime.now(UTC) + timedelta(hours=30)).isoformat()
    batch = [
        event(1),
        event(2, amount=-5),
        event(3),
        {"event_id": "x", "type": "order.exploded", "account_id": "a", "occurred_at": future},
        event(4, occurred_at=future),
        "not an object",
        event(5, occurred_at="2026-03-02T09:30:00"),  # no offset
    ]
    resp = ingest_client.post("/v1/events", headers=auth("ingest"), json=batch)
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    by_index = {p["index"]: p for p in detail}
    assert set(by_index) == {1, 3, 4, 5, 6}
    assert by_index[1] == {
        "index": 1,
        "event_id": "erp-2",
        "field": "amount",
        "message": by_index[1]["message"],
    }
    assert "greater than or equal to 0" in by_index[1]["message"]
    assert by_index[3]["field"] == "type"
    assert by_index[4]["field"] == "occurred_at"
    assert "24 hours" in by_index[4]["message"]
    assert by_index[5]["event_id"] is None
    assert by_index[6]["field"] == "occurred_at"
    topics = ingest_settings.topics
    published = consume_all(ingest_settings, [t.name for t in topics.specs()], 0)
    assert published == []


def test_malformed_bodies_are_422(ingest_client: TestClient) -> None:
    for body in (b"{not json", b"", b"[]", b"NaN", b"[1, 2", b'"\\ud800"'):
        resp = ingest_client.post("/v1/events", headers=auth("ingest"), content=body)
        assert resp.status_code == 422, body
        assert resp.json()["detail"][0]["message"]


def test_limits_are_413(ingest_client: TestClient, ingest_settings: Settings) -> None:
    too_many = [event(n) for n in range(ingest_settings.api_max_events + 1)]
    resp = ingest_client.post("/v1/events", headers=auth("ingest"), json=too_many)
    assert resp.status_code == 413
    assert "at most 50" in resp.json()["detail"]
    huge = json.dumps([event(1, note="x" * 70_000)]).encode()
    resp = ingest_client.post("/v1/events", headers=auth("ingest"), content=huge)
    assert resp.status_code == 413
    assert "limit" in resp.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit still holds
        for _ in range(100):
            yield b" " * 1024

    resp = ingest_client.post("/v1/events", headers=auth("ingest"), content=chunks())
    assert resp.status_code == 413


def test_broker_down_is_503(api_settings: Settings) -> None:
    # api_settings points at a port nothing listens on.
    with TestClient(create_api(api_settings), raise_server_exceptions=False) as client:
        resp = client.post("/v1/events", headers=auth("ingest"), json=event(1))
    assert resp.status_code == 503
    assert "broker" in resp.json()["detail"]
