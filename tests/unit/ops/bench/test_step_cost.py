"""Bench phase (e): the states it times hold the history they claim, and its figures' shape."""

from __future__ import annotations

from collections import Counter

import pytest

from schemas.events import BaseEvent
from services.ops.bench.deep_mix import STAKEHOLDERS
from services.ops.bench.step_cost import StepCost, cost_ratio, history_stored, measure_step_cost


def kind(event: BaseEvent) -> str:
    """The event's ``type`` tag (declared per model, not on BaseEvent)."""
    return str(type(event).model_fields["type"].default)


@pytest.mark.parametrize("events", [10, 100])
def test_a_history_of_n_events_is_the_state_of_those_n_events(events: int) -> None:
    stored, history = history_stored("cost-acc", events)
    assert len(history) == events
    kinds = Counter(kind(e) for e in history)
    state = stored.state
    assert state.account_id == "cost-acc"
    assert state.latest_at == history[-1].occurred_at
    assert len(state.stakeholders) == STAKEHOLDERS
    assert len(state.orders) == kinds["order.placed"]
    assert len(state.tickets) == kinds["ticket.opened"]
    touchpoints = sum(len(s.touchpoints) for s in state.stakeholders.values())
    assert 0 < touchpoints <= kinds["contact.logged"]  # kept per kind, not all
    assert stored.evaluated_at == history[-1].occurred_at


def test_measuring_takes_a_sample_per_account_and_repetition() -> None:
    cost = measure_step_cost(10, accounts=2, repeats=3)
    assert cost.history_events == 10
    assert cost.samples == 6
    assert cost.step_us > 0
    assert cost.step_encode_us > 0
    assert cost.decode_step_encode_us > 0


def test_progress_is_told_per_quarter_of_the_accounts() -> None:
    told: list[str] = []
    measure_step_cost(10, accounts=4, repeats=1, progress=told.append)
    assert told == [f"(e) 10 events of history: {n}/4 accounts" for n in (1, 2, 3, 4)]


def _cost(history: int, step_us: float) -> StepCost:
    return StepCost(history, 1, step_us, step_us, step_us)


def test_the_ratio_is_deep_over_shallow_step_cost() -> None:
    costs = [_cost(10, 300.0), _cost(100, 500.0), _cost(1_000, 2_100.0)]
    assert cost_ratio(costs) == 7.0


def test_no_ratio_without_both_depths() -> None:
    assert cost_ratio([_cost(10, 300.0)]) is None
    assert cost_ratio([_cost(1_000, 300.0)]) is None
    assert cost_ratio([]) is None
