"""One supervised child process of ``keypulse up``: its log file and the tail of its output."""

from __future__ import annotations

import collections
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from services.ops.process import spawn, terminate

#: How many of a child's last log lines are shown when it dies.
TAIL_LINES = 30
#: Lines with any of these are echoed to the console even without --verbose.
_ATTENTION = (b"WARNING", b"ERROR", b"CRITICAL", b"Traceback", b"Error")


@dataclass
class Child:
    """One supervised process, its log file and the tail of its output."""

    name: str
    argv: Sequence[str]
    log_path: Path
    echo_all: bool
    #: A child that may end on its own with status 0 (the demo simulator).
    may_finish: bool = False
    proc: subprocess.Popen[bytes] | None = None
    tail: collections.deque[str] = field(
        default_factory=lambda: collections.deque(maxlen=TAIL_LINES)
    )
    _pump: threading.Thread | None = None

    def start(self, env: Mapping[str, str], out: IO[str]) -> None:
        """Start the process and a thread that copies its output to log, tail and console."""
        self.proc = spawn(self.argv, env=env, stdout=subprocess.PIPE, own_session=True)
        self._pump = threading.Thread(target=self._copy_output, args=(out,), daemon=True)
        self._pump.start()

    def _copy_output(self, out: IO[str]) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        with self.log_path.open("ab") as log:
            for raw in self.proc.stdout:
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", "replace").rstrip()
                self.tail.append(line)
                if self.echo_all or any(word in raw for word in _ATTENTION):
                    print(f"[{self.name}] {line}", file=out, flush=True)

    def stop(self) -> None:
        """SIGTERM, wait, SIGKILL if needed; then drain the output thread."""
        if self.proc is not None:
            terminate(self.proc, grace_seconds=8.0)
        if self._pump is not None:
            self._pump.join(timeout=2.0)

    def exit_code(self) -> int | None:
        """The exit code, or None while running."""
        return None if self.proc is None else self.proc.poll()
