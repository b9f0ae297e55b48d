"""What several ``keypulse`` commands share: stopping cleanly on SIGTERM."""

from __future__ import annotations

import signal
from types import FrameType


def exit_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt so foreground commands stop cleanly."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
