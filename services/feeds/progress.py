"""A tiny progress bar on stderr for long CLI runs (simulate, publish).

On a terminal it redraws one line; when stderr is a file or a pipe (the logs
of ``keypulse up``), it prints a line at every quarter instead, so logs stay
readable.
"""

from __future__ import annotations

import sys
import time
from typing import IO

_WIDTH = 30


class ProgressBar:
    """``label [#####.....]  120/400  30%`` updated as work is done."""

    def __init__(self, total: int, label: str, stream: IO[str] | None = None) -> None:
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_draw = 0.0
        self._last_quarter = -1
        self._last_shown = -1
        self._closed = False
        self._draw(force=True)

    def advance(self, n: int = 1, note: str = "") -> None:
        """Count ``n`` more items done; ``note`` is shown after the numbers."""
        self.done += n
        self._draw(note=note)

    def close(self, note: str = "") -> None:
        """Draw the final state and end the line."""
        if self._closed:
            return
        if self._tty or note or self.done != self._last_shown:
            self._draw(force=True, note=note)
        if self._tty:
            self.stream.write("\n")
            self.stream.flush()
        self._closed = True

    def _draw(self, force: bool = False, note: str = "") -> None:
        fraction = 1.0 if self.total == 0 else min(self.done / self.total, 1.0)
        if self._tty:
            now = time.monotonic()
            # Redrawing on every record would cost more than the work itself.
            if not force and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self.stream.write("\r" + self._line(fraction, note) + "\x1b[K")
            self.stream.flush()
            return
        quarter = int(fraction * 4)
        if force or quarter > self._last_quarter:
            self._last_quarter = quarter
            self._last_shown = self.done
            self.stream.write(self._line(fraction, note) + "\n")
            self.stream.flush()

    def _line(self, fraction: float, note: str) -> str:
        filled = int(fraction * _WIDTH)
        bar = "#" * filled + "." * (_WIDTH - filled)
        width = len(str(self.total))
        text = f"{self.label} [{bar}] {self.done:>{width}}/{self.total} {fraction:4.0%}"
        return f"{text}  {note}" if note else text
