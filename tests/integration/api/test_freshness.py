"""Freshness: GET /v1/freshness and /metrics say the same, from the read models."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from services.api.app import create_api
from services.read_models.schema import DATA_TABLES
from services.settings import Settings
from tests.integration.api.data import NOW, at, auth

#: The seed's newest record: a1's health and k1's queue at T0 + 48 h.
SEED_BEHIND = (NOW - at(48)).total_seconds()

#: What a worker still exporting the old event-time gauge serves.
WORKER_TEXT = (
    "# HELP keypulse_freshness_seconds Now minus the occurred_at of the newest event processed.\n"
    "# TYPE keypulse_freshness_seconds gauge\n"
    "keypulse_freshness_seconds 16159.0\n"
    "# HELP keypulse_events_consumed_total Input events applied.\n"
    "# TYPE keypulse_events_consumed_total counter\n"
    "keypulse_events_consumed_total 7.0\n"
)


@pytest.fixture
def worker_metrics() -> Iterator[str]:
    """A stand-in for the worker's /metrics; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = WORKER_TEXT.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/metrics"
    finally:
        server.shutdown()
        server.server_close()


def _samples(text: str, name: str) -> list[float]:
    return [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


def test_the_route_and_the_metric_give_the_same_figure(
    api_settings: Settings, engine: Engine, worker_metrics: str
) -> None:
    del engine
    settings = api_settings.model_copy(update={"worker_metrics_url": worker_metrics})
    with TestClient(create_api(settings, clock=lambda: NOW)) as client:
        body = client.get("/v1/freshness", headers=auth("kam2")).json()
        metrics = client.get("/metrics").text
    assert body["as_of"] == at(48).isoformat().replace("+00:00", "Z")
    assert body["seconds"] == SEED_BEHIND
    # One freshness sample, the read models' one: the worker's other definition is dropped.
    assert _samples(metrics, "keypulse_freshness_seconds") == [SEED_BEHIND]
    assert _samples(metrics, "keypulse_events_consumed_total") == [7.0]  # the rest is kept


def test_without_data_the_route_says_null_and_the_metric_nan(
    api_settings: Settings, engine: Engine
) -> None:
    with engine.begin() as conn:
        for table in reversed(DATA_TABLES):
            conn.execute(table.delete())
    with TestClient(create_api(api_settings, clock=lambda: NOW)) as client:
        body = client.get("/v1/freshness", headers=auth("ops")).json()
        metrics = client.get("/metrics").text
        anonymous = client.get("/v1/freshness")
    assert (body["as_of"], body["seconds"]) == (None, None)
    [value] = _samples(metrics, "keypulse_freshness_seconds")
    assert value != value  # NaN: no data yet, which is not the same as fresh
    assert anonymous.status_code == 401
