"""The real ``keypulse api`` process (uvicorn) on a free port."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from services.read_models import create_engine_for, ensure_schema
from tests.integration.api.data import TOKENS, auth, seed
from tests.support.processes import run_cli
from tests.support.waiting import wait_for


def test_api_refuses_to_start_without_keys(keypulse_env: dict[str, str]) -> None:
    result = run_cli("api", env=keypulse_env)
    assert result.returncode == 1
    assert "no API keys configured" in result.stderr
    assert "KEYPULSE_API_KEYS" in result.stderr


def test_api_process_serves_the_read_models(keypulse_env: dict[str, str], tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'rm.db'}"
    engine = create_engine_for(database_url)
    ensure_schema(engine)
    seed(engine)
    engine.dispose()
    env = {
        **keypulse_env,
        "KEYPULSE_DATABASE_URL": database_url,
        "KEYPULSE_API_KEYS": json.dumps(TOKENS),
    }
    url = f"http://127.0.0.1:{env['KEYPULSE_API_PORT']}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "api"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def healthy() -> bool:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, timeout=30, what="keypulse api to answer /healthz")
        account = httpx.get(f"{url}/v1/accounts/a1", headers=auth("kam1"))
        assert account.status_code == 200
        assert account.json()["name"] == "ACME Group"
        assert httpx.get(f"{url}/v1/accounts/a1", headers=auth("kam2")).status_code == 403
        assert httpx.get(f"{url}/v1/accounts/a1").status_code == 401
        ack = httpx.post(f"{url}/v1/alerts/al-1/ack", headers=auth("kam1"))
        assert ack.json()["acked_by"] == "k1"
        page = httpx.get(f"{url}/", follow_redirects=True)
        assert page.status_code == 200
        assert "<title>keypulse</title>" in page.text
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    output = proc.stdout.read() if proc.stdout else ""
    # uvicorn shuts down gracefully, then re-raises the captured SIGTERM (so -15 or 0).
    assert code in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
