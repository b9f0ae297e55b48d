"""``keypulse up``: run the whole stack on one machine as supervised children.

Children (embedded broker, stream worker, read-model sink, API and, unless
``--no-demo``, the demo simulator) start in their own sessions
so that Ctrl-C reaches only this supervisor, which then stops them in
reverse order. Each child also dies with the supervisor (PR_SET_PDEATHSIG),
so not even ``kill -9`` of ``keypulse up`` leaves a process behind.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import IO

from services.errors import ConfigurationError, KeypulseError
from services.ops.process import port_is_free
from services.ops.supervisor.banner import banner
from services.ops.supervisor.children import Child
from services.ops.supervisor.tokens import demo_tokens
from services.settings import Settings


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "services.cli", *args]


class Supervisor:
    """Starts the stack, watches it, and stops it on a signal or a child's death."""

    def __init__(
        self,
        settings: Settings,
        env: Mapping[str, str],
        *,
        demo: bool,
        verbose: bool = False,
        out: IO[str] = sys.stdout,
    ) -> None:
        self.settings = settings
        # Unbuffered: a child killed abruptly must still have shown its last lines.
        self.env = {**env, "PYTHONUNBUFFERED": "1"}
        self.demo = demo
        self.out = out
        self.log_dir = settings.data_dir / "logs"
        self.children: list[Child] = []
        self._stop = threading.Event()
        self._stop_reason = ""
        self.verbose = verbose

    def _child(self, name: str, argv: Sequence[str]) -> Child:
        return Child(name, argv, self.log_dir / f"{name}.log", echo_all=self.verbose)

    def plan(self) -> list[Child]:
        """The children to start, in start order."""
        plan = []
        if self.settings.uses_embedded_broker:
            plan.append(self._child("broker", _cli("broker")))
        plan.append(self._child("worker", _cli("worker")))
        plan.append(self._child("sink", _cli("sink")))
        plan.append(self._child("api", _cli("api")))
        if self.demo:
            from services.feeds.simulator.run import demo_arguments

            # Last, once the API answers: the worker is consuming by then, and
            # the simulator's progress is echoed so a newcomer sees it work.
            simulator = self._child("simulator", _cli(*demo_arguments()))
            simulator.echo_all = True
            simulator.may_finish = True
            plan.append(simulator)
        return plan

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stop_reason = signal.Signals(signum).name
        self._stop.set()

    def run(self) -> int:
        """Run until a signal (exit 0) or until a child dies (exit 1)."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            return self._run()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _check_ports(self) -> None:
        """Refuse to start when a port ``up`` needs is taken, naming the setting to change."""
        s = self.settings
        wanted = [
            ("API", s.api_host, s.api_port, "KEYPULSE_API_PORT"),
            (
                "stream worker's web page",
                "127.0.0.1",
                s.worker_web_port,
                "KEYPULSE_WORKER_WEB_PORT",
            ),
        ]
        if s.uses_embedded_broker:
            wanted.append(
                (
                    "embedded broker",
                    "127.0.0.1",
                    s.embedded_broker_port,
                    "KEYPULSE_EMBEDDED_BROKER_PORT",
                )
            )
        for what, host, port, variable in wanted:
            if not port_is_free(host, port):
                raise ConfigurationError(
                    f"port {port} for the {what} is already in use; stop whatever holds it "
                    f"or choose another with {variable}"
                )

    def _run(self) -> int:
        self._check_ports()
        tokens = None
        if not self.settings.api_principals():
            kams: list[str] = []
            if self.demo:
                from services.feeds.simulator.run import demo_kams

                kams = [kam_id for kam_id, _ in demo_kams()]
            tokens = demo_tokens(kams)
            import json

            self.env["KEYPULSE_API_KEYS"] = json.dumps(tokens)
        for child in self.plan():
            if self._stop.is_set():
                return 0
            self._say(f"starting {child.name} (log: {child.log_path})")
            child.start(self.env, self.out)
            self.children.append(child)
            ready = self._wait_ready(child)
            if not ready:
                return self._report_death() if not self._stop.is_set() else 0
        self._announce(tokens)
        while not self._stop.wait(0.2):
            self._note_finished()
            if self._dead_child() is not None:
                return self._report_death()
        self._say(f"received {self._stop_reason}: stopping keypulse")
        return 0

    def _wait_ready(self, child: Child, timeout: float = 60.0) -> bool:
        checks: dict[str, Callable[[], bool]] = {
            "broker": self._broker_ready,
            "api": self._api_ready,
        }
        check = checks.get(child.name)
        deadline = time.monotonic() + timeout
        while not self._stop.is_set():
            if child.exit_code() is not None:
                return False
            if check is None or check():
                return True
            if time.monotonic() > deadline:
                self._say(f"{child.name} did not become ready within {timeout:.0f} s")
                child.stop()
                return False
            self._stop.wait(0.2)
        return False

    def _broker_ready(self) -> bool:
        # `keypulse broker` prints this line once the topics exist.
        return any("embedded broker ready" in line for line in self._by_name("broker").tail)

    def _api_ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/healthz", timeout=1) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def _by_name(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    @property
    def api_url(self) -> str:
        """Base URL of the API as started."""
        host = "127.0.0.1" if self.settings.api_host in ("0.0.0.0", "") else self.settings.api_host
        return f"http://{host}:{self.settings.api_port}"

    def _announce(self, tokens: dict[str, dict[str, str]] | None) -> None:
        self._say(banner(self.settings, self.api_url, self.log_dir, tokens, demo=self.demo))

    def _dead_child(self) -> Child | None:
        return next(
            (
                c
                for c in self.children
                if c.exit_code() is not None and not (c.may_finish and c.exit_code() == 0)
            ),
            None,
        )

    def _note_finished(self) -> None:
        """Say once that a child allowed to finish (the simulator) has finished."""
        for child in list(self.children):
            if child.may_finish and child.exit_code() == 0:
                self._say(f"{child.name} finished; the rest of keypulse keeps running")
                child.stop()
                self.children.remove(child)

    def _report_death(self) -> int:
        child = self._dead_child()
        if child is None:
            return 1
        child.stop()  # drain the rest of its output
        self._say(f"\n{child.name} exited with code {child.exit_code()}; its last log lines:")
        for line in child.tail:
            self._say(f"  | {line}")
        if not child.tail:
            self._say("  | (it printed nothing)")
        self._say(f"full log: {child.log_path}")
        self._say("stopping keypulse")
        return 1

    def _stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()


def up(settings: Settings, *, demo: bool, verbose: bool) -> int:
    """Entry point of ``keypulse up``."""
    try:
        return Supervisor(settings, os.environ, demo=demo, verbose=verbose).run()
    except KeypulseError as exc:
        print(f"keypulse up: {exc}", file=sys.stderr)
        return 1
