"""next_due: the earliest moment an account's evaluation can change without new events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consumers.domain.apply import fold_events
from consumers.domain.due import RESOLUTION, next_due, signature
from consumers.domain.evaluate import evaluate
from consumers.domain.policy import DEFAULT_POLICY, policy_from_mapping

pytestmark = pytest.mark.unit

#: Bands that never change, and no daily safety net: only the exact thresholds remain.
FLAT_BANDS = {
    "band_healthy": 0.3,
    "band_watch": 0.2,
    "band_at_risk": 0.1,
    "max_recheck_hours": 9000,
}


def lone_decision_maker(ev: Any) -> list[Any]:
    return [
        ev.account(0, tier="strategic"),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.contact(0, "anna", "meeting"),
    ]


def test_nothing_time_dependent_means_no_timer(ev: Any) -> None:
    state = fold_events("acme", [ev.account(0)])
    assert next_due(state, ev.at(1)) is None


def test_due_when_the_decision_maker_crosses_one_and_a_half_times_cadence(ev: Any) -> None:
    policy = policy_from_mapping(FLAT_BANDS)
    state = fold_events("acme", lone_decision_maker(ev))
    due = next_due(state, ev.at(1), policy)
    assert due == ev.at(45)  # 1.5 × 30 days after the meeting
    assert "stakeholder_cooling" not in {
        c.kind for c in evaluate(state, ev.at(44.99), policy).conditions
    }
    assert "stakeholder_cooling" in {c.kind for c in evaluate(state, due, policy).conditions}
    # and after that: the critical step at 3 × cadence
    assert next_due(state, ev.at(46), policy) == ev.at(60)  # warmth falls below the threshold
    assert next_due(state, ev.at(61), policy) == ev.at(90)


def test_a_drifting_band_change_is_found_between_thresholds(ev: Any) -> None:
    policy = policy_from_mapping({"max_recheck_hours": 9000})
    state = fold_events("acme", lone_decision_maker(ev))
    now = ev.at(1)
    due = next_due(state, now, policy)
    assert due is not None
    start = signature(evaluate(state, now, policy))
    assert evaluate(state, due, policy).band != evaluate(state, now, policy).band
    assert signature(evaluate(state, due - RESOLUTION, policy)) == start
    assert due < ev.at(45)  # the band falls before the cooling alert fires


def test_never_later_than_the_recheck_horizon(ev: Any) -> None:
    state = fold_events("acme", ev.healthy_account())
    now = ev.at(121)
    due = next_due(state, now, DEFAULT_POLICY)
    assert due is not None
    assert now < due <= now + timedelta(hours=DEFAULT_POLICY.max_recheck_hours)


def test_an_sla_deadline_is_a_due_time(ev: Any) -> None:
    policy = policy_from_mapping(FLAT_BANDS | {"support": {"sla_breached_factor": 1.0}})
    events = [*lone_decision_maker(ev), ev.ticket(1, "T-5", "P2", sla_hours=6)]
    state = fold_events("acme", events)
    assert next_due(state, ev.at(1.1), policy) == ev.at(1) + timedelta(hours=6)
