"""What a score is made of: its drivers (the penalties), components and band."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class ScoreDriver(NamedTuple):
    """A factor that costs the score points: ``impact`` is negative score points.

    ``subject`` is the stakeholder the penalty is about (a warmth driver), so
    that the work queue can propose the touchpoint that would remove it.
    A tuple, not a frozen dataclass: an evaluation of a long history builds
    one per open ticket, twice (unrounded and rounded), and a tuple is built
    in a third of the time.
    """

    factor: str
    impact: float
    text: str
    component: str
    subject: str | None = None


@dataclass(frozen=True)
class Components:
    """The four components, each 0–100."""

    relationship: float
    commercial: float
    support: float
    stability: float


@dataclass(frozen=True)
class Scored:
    """A score with everything that explains it."""

    score: float
    band: str
    components: Components
    drivers: tuple[ScoreDriver, ...]  # every penalty, most negative first
    # The same penalties unrounded, in the order they were summed (component
    # by component): what a what-if needs to rescore one component alone.
    penalties: tuple[ScoreDriver, ...] = field(default=(), compare=False, repr=False)
    # Points lost before rounding and clamping: 100 - lost is the score unrounded,
    # which next_due interpolates to find where a drifting score crosses a line.
    lost: float = field(default=0.0, compare=False, repr=False)


# --- as-of views of the state -------------------------------------------------------------
