"""Child processes that never outlive their parent.

Every process keypulse starts (the Tansu broker, the worker, the API) is
started through :func:`spawn`, which asks the Linux kernel to send it SIGTERM
when its parent dies (``PR_SET_PDEATHSIG``). So even a parent killed with
SIGKILL leaves no orphan behind; a normal stop goes through :func:`terminate`.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> Callable[[], None]:
    def preexec() -> None:
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would
        # ever signal us, so give up at once.
        if os.getppid() != parent_pid:
            os._exit(1)

    return preexec


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdout: IO[bytes] | int | None = None,
    stderr: IO[bytes] | int | None = subprocess.STDOUT,
    cwd: Path | None = None,
    own_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` as a child that receives SIGTERM when this process dies.

    ``own_session`` keeps terminal signals (Ctrl-C) away from the child so that
    its parent decides the order in which children stop.
    """
    return subprocess.Popen(
        list(argv),
        env=dict(env) if env is not None else None,
        stdout=stdout,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        start_new_session=own_session,
        preexec_fn=_die_with_parent(os.getpid()),
    )


def terminate(proc: subprocess.Popen[bytes], grace_seconds: float = 8.0) -> int:
    """Stop a child: SIGTERM, then SIGKILL after ``grace_seconds``; return its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def port_is_free(host: str, port: int) -> bool:
    """Whether a TCP server could bind ``host:port`` now.

    Checked before starting a server because Tansu binds with SO_REUSEPORT:
    a second broker on a taken port would start and silently share it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host or "0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
