"""Live delivery: SSE to a real client over real uvicorn, webhooks to a real HTTP receiver."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.api.app import WEBHOOK_START_WAIT, create_api
from services.ops.process import free_port
from services.read_models import apply_alert
from services.settings import Settings
from tests.integration.api.data import NOW, ServedApi, alert, at, auth
from tests.support.waiting import wait_for


class SseReader:
    """Reads an SSE stream in a thread; frames (dicts of field → value) land in a queue."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.frames: queue.Queue[dict[str, str]] = queue.Queue()
        self.status: int | None = None
        self._thread = threading.Thread(target=self._read, args=(url, headers), daemon=True)
        self._thread.start()

    def _read(self, url: str, headers: dict[str, str]) -> None:
        with httpx.Client(timeout=httpx.Timeout(5, read=60)) as client:
            try:
                with client.stream("GET", url, headers=headers) as resp:
                    self.status = resp.status_code
                    frame: dict[str, str] = {}
                    for line in resp.iter_lines():
                        if not line:
                            if frame:
                                self.frames.put(frame)
                            frame = {}
                        elif line.startswith(":"):
                            frame["comment"] = line[1:].strip()
                        else:
                            name, _, value = line.partition(":")
                            frame[name] = value.strip()
            except httpx.HTTPError:
                return  # the server went away at the end of the test

    def next_frame(self, timeout: float = 15) -> dict[str, str]:
        """The next frame, failing after ``timeout`` seconds."""
        try:
            return self.frames.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no SSE frame within {timeout} s") from None


def _apply(engine: Engine, *records: Any) -> None:
    with engine.begin() as conn:
        for record in records:
            apply_alert(conn, record)


def test_sse_delivers_raised_and_resolved_alerts_in_the_callers_scope(
    app: FastAPI, engine: Engine, serve: Callable[[FastAPI], ServedApi]
) -> None:
    with serve(app) as api:
        kam = SseReader(f"{api.url}/v1/alerts/stream", auth("kam1"))
        ops = SseReader(f"{api.url}/v1/alerts/stream", auth("ops"))
        admin = SseReader(f"{api.url}/v1/alerts/stream", auth("admin"))
        assert kam.next_frame() == {"comment": "connected"}
        assert ops.next_frame() == {"comment": "connected"}
        assert admin.next_frame() == {"comment": "connected"}
        assert kam.status == 200

        # k2's alert first: when k1's arrives, k2's would already have been delivered.
        _apply(engine, alert("al-k2-new", "a2", "k2", raised_at=at(10)))
        _apply(engine, alert("al-k1-new", "a1", "k1", raised_at=at(11)))
        frame = kam.next_frame()
        assert frame["event"] == "raised"
        assert frame["id"] == "al-k1-new:open"
        assert json.loads(frame["data"])["alert_id"] == "al-k1-new"
        assert json.loads(frame["data"])["account_name"] == "ACME Group"

        # Ops and admin read every alert elsewhere, so they follow every alert live.
        for reader in (ops, admin):
            seen = {json.loads(reader.next_frame()["data"])["alert_id"] for _ in range(2)}
            assert seen == {"al-k2-new", "al-k1-new"}

        _apply(
            engine,
            alert("al-k1-new", "a1", "k1", raised_at=at(11), status="resolved", resolved_at=at(12)),
        )
        frame = kam.next_frame()
        assert frame["event"] == "resolved"
        data = json.loads(frame["data"])
        assert data["alert_id"] == "al-k1-new"
        assert data["status"] == "resolved"
        assert kam.frames.empty()  # k2's alert never reached k1


def test_sse_refuses_roles_outside_the_contract(
    app: FastAPI, engine: Engine, serve: Callable[[FastAPI], ServedApi]
) -> None:
    del engine
    with serve(app) as api:
        resp = httpx.get(f"{api.url}/v1/alerts/stream", headers=auth("ingest"))
        assert resp.status_code == 403
        assert httpx.get(f"{api.url}/v1/alerts/stream").status_code == 401


class Receiver:
    """A local webhook receiver that answers 500 to the first ``failures`` requests."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[tuple[str, int, dict[str, Any], dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                failing = sum(1 for r in receiver.requests if r[0] == self.path) < receiver.failures
                status = 500 if failing else 200
                receiver.requests.append((self.path, status, body, dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def delivered(self, path: str) -> list[dict[str, Any]]:
        """Bodies answered with 200 on ``path``."""
        return [body for p, status, body, _ in self.requests if p == path and status == 200]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver that fails twice per path, then succeeds."""
    receiver = Receiver(failures=2)
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def test_webhooks_retry_until_the_receiver_accepts(
    api_settings: Settings, engine: Engine, receiver: Receiver
) -> None:
    settings = api_settings.model_copy(
        update={
            "webhook_url": Settings(webhook_url=f"{receiver.url}/all").webhook_url,
            "kam_webhooks": Settings(
                kam_webhooks=json.dumps({"k1": f"{receiver.url}/k1"})
            ).kam_webhooks,
            "webhook_backoff": 0.05,
            "webhook_max_attempts": 4,
        }
    )
    app = create_api(settings, clock=lambda: NOW)
    with TestClient(app):  # runs the lifespan: the dispatcher polls from start-up
        wait_for(lambda: app.state.alert_feed.polls > 0, timeout=15, what="the baseline poll")
        _apply(engine, alert("al-hook", "a1", "k1", severity="critical", raised_at=at(20)))
        _apply(engine, alert("al-hook-k2", "a2", "k2", raised_at=at(21)))
        stats = app.state.webhooks.stats
        # The receiver records a request before its answer reaches the
        # dispatcher, which counts the delivery after: wait for both.
        wait_for(
            lambda: (
                len(receiver.delivered("/all")) == 2
                and receiver.delivered("/k1")
                and stats.delivered == 3
            ),
            timeout=20,
            what="webhook deliveries after two failures",
        )
    (k1_body,) = receiver.delivered("/k1")  # k2's alert went to the global URL only
    assert k1_body["text"].startswith(":red_circle: stakeholder_cooling raised on a1:")
    fields = k1_body["blocks"][1]["fields"]
    assert {"type": "mrkdwn", "text": "*Alert*\nal-hook"} in fields
    assert sum(1 for r in receiver.requests if r[0] == "/k1") == 3  # 500, 500, 200
    headers = next(r[3] for r in receiver.requests if r[0] == "/k1" and r[1] == 200)
    assert headers["X-Keypulse-Alert-Id"] == "al-hook"
    assert headers["X-Keypulse-Event"] == "raised"
    assert stats.delivered == 3
    assert stats.failed == 0
    assert stats.retries >= 4


def test_webhook_failures_are_counted_and_do_not_block(
    api_settings: Settings, engine: Engine
) -> None:
    receiver = Receiver(failures=1000)
    try:
        settings = api_settings.model_copy(
            update={
                "webhook_url": Settings(webhook_url=f"{receiver.url}/down").webhook_url,
                "webhook_backoff": 0.01,
                "webhook_max_attempts": 2,
            }
        )
        app = create_api(settings, clock=lambda: NOW)
        with TestClient(app) as client:
            wait_for(lambda: app.state.alert_feed.polls > 0, timeout=15, what="the baseline poll")
            _apply(engine, alert("al-x", "a1", "k1", raised_at=at(30)))
            wait_for(lambda: app.state.webhooks.stats.failed == 1, timeout=15, what="a give-up")
            # The API still answers while deliveries fail.
            assert client.get("/v1/alerts?status=open", headers=auth("ops")).status_code == 200
        assert len(receiver.requests) == 2
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


def test_api_with_webhooks_serves_while_the_database_is_unreachable(
    api_settings: Settings,
) -> None:
    """Start-up waits for the webhooks' first read of the alerts only for a bounded time."""
    settings = api_settings.model_copy(
        update={
            "database_url": Settings(
                database_url=f"postgresql+psycopg://kp:kp@127.0.0.1:{free_port()}/kp"
            ).database_url,
            "webhook_url": Settings(webhook_url="http://127.0.0.1:9/hook").webhook_url,
        }
    )
    answers: dict[str, Any] = {}

    def serve_and_ask() -> None:
        with TestClient(create_api(settings), raise_server_exceptions=False) as client:
            answers["started"] = time.monotonic()
            answers["healthz"] = client.get("/healthz").status_code
            answers["alerts"] = client.get("/v1/alerts", headers=auth("ops"))

    began = time.monotonic()
    # In a thread with a deadline: a start-up that blocks must fail the test, not hang it.
    thread = threading.Thread(target=serve_and_ask, daemon=True)
    thread.start()
    thread.join(timeout=WEBHOOK_START_WAIT + 15)
    assert not thread.is_alive(), "the API did not start while the database was unreachable"
    assert answers["started"] - began < WEBHOOK_START_WAIT + 5
    assert answers["healthz"] == 200
    assert answers["alerts"].status_code == 503
    assert "unavailable" in answers["alerts"].json()["detail"]
