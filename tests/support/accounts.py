"""An account evaluated from scratch, as the queue tests need it: state, health, open alerts."""

from __future__ import annotations

from typing import Any

from consumers.domain.alerts import AlertState, open_alerts_for
from consumers.domain.apply import fold_events
from consumers.domain.evaluate import Evaluation, evaluate
from consumers.domain.state import AccountState

View = tuple[AccountState, Evaluation, tuple[AlertState, ...]]


def view(ev: Any, events: list[Any], day: float) -> View:
    """Fold ``events`` for ``ev``'s account and evaluate it on ``day``."""
    state = fold_events(ev.account_id, events)
    health = evaluate(state, ev.at(day))
    return state, health, open_alerts_for(health)


def people(ev: Any) -> list[Any]:
    """A small buying centre: a decision maker, a champion and an influencer."""
    return [
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
        ev.person(0, "cara", "Cara Lind", "influencer", "Operations"),
    ]
