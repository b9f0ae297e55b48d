"""The health score 0–100 of a state read as of a clock time, with every driver.

The score is 100 minus penalties. Each factor can cost at most its weight in
points (policy ``[weights]``); a component's value is the share of its points
still standing. Every penalty is a driver with a sentence a KAM understands,
so the drivers always add up to the distance from 100.

Everything is read *as of* ``now``: facts stamped after ``now`` are ignored,
which is what lets the engine compute last fortnight's score from today's
state (for ``health_drop``) and treat slightly-future events correctly.
Collections are always walked in sorted order so that float sums, and so the
rounded score, do not depend on the order events arrived in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from consumers.domain.as_of import AsOf
from consumers.domain.policy import Policy
from consumers.domain.scoring.commercial import commercial_drivers
from consumers.domain.scoring.drivers import Components, Scored, ScoreDriver
from consumers.domain.scoring.relationship import relationship_drivers
from consumers.domain.scoring.stability import stability_drivers
from consumers.domain.scoring.support import support_drivers, support_losses


def score_as_of(view: AsOf, policy: Policy, *, explain: bool = True) -> Scored:
    """Score a state already read as of a clock time.

    With ``explain=False`` the result has the same score, band and components
    but no drivers: for callers that only compare numbers (the health-drop
    baseline, next_due's probes), which then skip composing every sentence
    and building a driver per open ticket. The penalties are computed by the
    very same code either way and summed in the same order, so the numbers
    are identical.
    """
    if not explain:
        return scored_from_losses(
            {name: lost(view, policy) for name, lost in LOSSES.items()}, policy
        )
    drivers: list[ScoreDriver] = []
    drivers += relationship_drivers(view, policy, explain)
    drivers += commercial_drivers(view, policy, explain)
    drivers += support_drivers(view, policy, explain)
    drivers += stability_drivers(view.state, view.now, policy)  # rare: always explained
    return scored_from(drivers, policy, explain=explain)


def _lost(drivers: list[ScoreDriver]) -> list[float]:
    return [-d.impact for d in drivers]


#: Each component's penalties as plain points (``-impact``), in the order the
#: score sums them: what a numbers-only score needs, without building drivers.
LOSSES: dict[str, Callable[[AsOf, Policy], list[float]]] = {
    "relationship": lambda view, policy: _lost(relationship_drivers(view, policy, False)),
    "commercial": lambda view, policy: _lost(commercial_drivers(view, policy, False)),
    "support": support_losses,
    "stability": lambda view, policy: _lost(stability_drivers(view.state, view.now, policy)),
}


def scored_from_losses(losses: dict[str, list[float]], policy: Policy) -> Scored:
    """The score of each component's penalty points, summed component by component in LOSSES' order.

    The same floats in the same order as :func:`scored_from` over the drivers
    they come from, so the same score; the result has no drivers.
    """
    in_order = [losses[name] for name in LOSSES]
    return _scored(losses, sum(itertools.chain(*in_order)), policy, (), ())


def scored_from(drivers: list[ScoreDriver], policy: Policy, *, explain: bool = True) -> Scored:
    """The score of a list of penalties, summed in the order given (see score_as_of)."""
    # Each component's penalties in driver order, gathered in one pass; summing
    # the same values in the same order gives the same floats as before.
    losses: dict[str, list[float]] = {name: [] for name in LOSSES}
    for d in drivers:
        losses[d.component].append(-d.impact)
    total_lost = sum(-d.impact for d in drivers)
    if not explain:
        return _scored(losses, total_lost, policy, (), tuple(drivers))
    # A penalty that rounds to 0.0 (a reorganisation shock on the last day
    # of its fade) is not shown: "-0.0 points" explains nothing. Its loss
    # still counts in the score, less than 0.05 points.
    ordered = tuple(
        sorted(
            (
                ScoreDriver(d.factor, shown, d.text, d.component, d.subject)
                for d in drivers
                if (shown := round(d.impact, 1)) < 0
            ),
            key=lambda d: (d.impact, d.factor),
        )
    )
    return _scored(losses, total_lost, policy, ordered, tuple(drivers))


def _scored(
    losses: dict[str, list[float]],
    total_lost: float,
    policy: Policy,
    drivers: tuple[ScoreDriver, ...],
    penalties: tuple[ScoreDriver, ...],
) -> Scored:
    """The score, band and components of penalties gathered by component."""
    w = policy.weights

    def component(name: str, weight: float) -> float:
        lost = sum(losses[name])
        return 100.0 if weight <= 0 else round(max(0.0, 100.0 * (1 - lost / weight)), 1)

    value = round(min(100.0, max(0.0, 100.0 - total_lost)), 1)
    components = Components(
        relationship=component("relationship", w.relationship),
        commercial=component("commercial", w.commercial),
        support=component("support", w.support),
        stability=component("stability", w.stability),
    )
    return Scored(value, policy.band(value), components, drivers, penalties, total_lost)
