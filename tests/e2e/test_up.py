"""``keypulse up``: the stack starts, answers, and stops without leaving anything behind."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.ops.process import terminate
from tests.support.processes import pids_mentioning
from tests.support.waiting import wait_for


class Stack:
    """A running ``keypulse up`` and what it printed."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.api = f"http://127.0.0.1:{env['KEYPULSE_API_PORT']}"
        self.marker = env["KEYPULSE_DATA_DIR"]
        # Started outside the repository: keypulse up must work from any directory.
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "up", "--no-demo"],
                env=env,
                cwd=log.parent,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str) -> tuple[int, dict[str, object]]:
        with urllib.request.urlopen(f"{self.api}{path}", timeout=5) as resp:  # noqa: S310
            return resp.status, json.loads(resp.read())

    def wait_running(self) -> None:
        def running() -> bool:
            assert self.proc.poll() is None, f"keypulse up exited:\n{self.output()}"
            return "keypulse is running" in self.output()

        wait_for(running, timeout=120, what="keypulse up to report it is running")

    def children(self) -> list[int]:
        # Every child inherits KEYPULSE_DATA_DIR; tansu is found by its port.
        broker = f"tcp://127.0.0.1:{self.env['KEYPULSE_EMBEDDED_BROKER_PORT']}"
        pids = set(pids_mentioning(self.marker)) | set(pids_mentioning(broker))
        return sorted(pids - {self.proc.pid})


@pytest.fixture
def stack(keypulse_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    running = Stack(keypulse_env, tmp_path / "up.log")
    try:
        yield running
    finally:
        terminate(running.proc, grace_seconds=30)


def test_up_serves_health_and_sigterm_leaves_no_process(stack: Stack) -> None:
    stack.wait_running()
    assert stack.get("/healthz") == (200, {"status": "ok"})
    assert stack.get("/readyz") == (200, {"status": "ok", "broker": "ok"})
    assert "admin" in stack.output()  # demo tokens are printed
    assert len(stack.children()) >= 5  # broker wrapper, tansu, worker, sink, api

    stack.proc.send_signal(signal.SIGTERM)
    assert stack.proc.wait(timeout=30) == 0
    wait_for(lambda: stack.children() == [], timeout=15, what="every child to exit")


def test_a_dying_child_stops_up_with_its_last_log_lines(stack: Stack) -> None:
    stack.wait_running()
    worker = wait_for(
        lambda: [
            p for p in stack.children() if b"worker" in Path(f"/proc/{p}/cmdline").read_bytes()
        ],
        timeout=10,
        what="the worker process",
    )
    subprocess.run(["kill", "-9", str(worker[0])], check=True)
    assert stack.proc.wait(timeout=30) == 1
    out = stack.output()
    assert "worker exited with code -9; its last log lines:" in out
    assert "  | " in out
    wait_for(lambda: stack.children() == [], timeout=15, what="the other children to exit")


def test_sigkill_of_up_leaves_no_orphan(stack: Stack) -> None:
    stack.wait_running()
    stack.proc.send_signal(signal.SIGKILL)
    stack.proc.wait(timeout=10)
    wait_for(lambda: stack.children() == [], timeout=20, what="children to die with their parent")


def test_a_taken_worker_port_is_refused_before_anything_starts(
    keypulse_env: dict[str, str], tmp_path: Path
) -> None:
    port = int(keypulse_env["KEYPULSE_WORKER_WEB_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        stack = Stack(keypulse_env, tmp_path / "up.log")
        try:
            assert stack.proc.wait(timeout=60) != 0
        finally:
            terminate(stack.proc, grace_seconds=5)
    out = stack.output()
    assert f"port {port} for the stream worker's web page is already in use" in out
    assert "KEYPULSE_WORKER_WEB_PORT" in out
    assert "starting" not in out  # refused before any child was started
    assert stack.children() == []
