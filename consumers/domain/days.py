"""Counting days as the engine and a KAM do: fractional for the rules, whole for sentences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

DAY = timedelta(days=1)
#: The Unix epoch, for timestamps stored as numbers.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def days_between(earlier: datetime, later: datetime) -> float:
    """Days (fractional) from ``earlier`` to ``later``."""
    return (later - earlier) / DAY


def whole_days(earlier: datetime, later: datetime) -> int:
    """Whole days elapsed, as a KAM would count them."""
    return max(0, int(days_between(earlier, later)))


# --- the score -------------------------------------------------------------------------------
