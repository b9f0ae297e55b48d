"""The worker's clock: ``wall`` (production) or ``event`` (now = newest occurred_at seen).

With the event clock a replayed history fires its decay alerts exactly as
the reference replay does, independent of how fast it is replayed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the account stage asks for the current time."""

    def observe(self, occurred_at: datetime) -> None:
        """Tell the clock about an event's time."""

    def now(self) -> datetime | None:
        """The current time, or None when it is not known yet (event clock, no events)."""


class WallClock:
    """Real time; observing events changes nothing."""

    def observe(self, occurred_at: datetime) -> None:
        """Ignored: the wall clock does not follow events."""

    def now(self) -> datetime | None:
        """The current UTC time."""
        return datetime.now(UTC)


class EventClock:
    """Now is the newest ``occurred_at`` observed; it never goes back."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start

    def observe(self, occurred_at: datetime) -> None:
        """Move forward to ``occurred_at`` if it is newer."""
        if self._now is None or occurred_at > self._now:
            self._now = occurred_at.astimezone(UTC)

    def now(self) -> datetime | None:
        """The newest event time seen, or None before the first event."""
        return self._now


def clock_for(mode: str) -> Clock:
    """The clock for ``KEYPULSE_CLOCK``."""
    if mode == "wall":
        return WallClock()
    if mode == "event":
        return EventClock()
    raise ValueError(f"unknown clock mode {mode!r}; expected 'wall' or 'event'")
