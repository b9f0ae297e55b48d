"""next_due: the earliest moment an account's evaluation can change without new events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from consumers.domain.apply import fold_events
from consumers.domain.due import RESOLUTION, TICK, next_due, signature
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
    # warmth reaches the threshold on day 60 (still warm) and is below it a tick later
    assert next_due(state, ev.at(46), policy) == ev.at(60) + TICK
    assert next_due(state, ev.at(61), policy) == ev.at(90)


def test_each_due_time_is_the_first_moment_something_changes(ev: Any) -> None:
    """Following the timers: just before each due time the evaluation is as it was; at it, not.

    Day 45: the decision maker crosses 1.5 x cadence (cooling warning). Just
    after day 60: her meeting no longer keeps her warm (single-threading turns
    critical).
    Day 90: 3 x cadence (cooling critical).
    """
    policy = policy_from_mapping(FLAT_BANDS)
    state = fold_events("acme", lone_decision_maker(ev))
    now = ev.at(1)
    seen = []
    for expected in (ev.at(45), ev.at(60) + TICK, ev.at(90)):
        due = next_due(state, now, policy)
        assert due == expected
        start = signature(evaluate(state, now, policy))
        for probe in (now + (due - now) / 3, now + (due - now) * 2 / 3, due - TICK):
            assert signature(evaluate(state, probe, policy)) == start, probe
        after = evaluate(state, due, policy)
        assert signature(after) != start
        seen.append(
            {(c.kind, c.severity) for c in after.conditions}
            - {(c.kind, c.severity) for c in evaluate(state, due - TICK, policy).conditions}
        )
        now = due
    assert seen == [
        {("stakeholder_cooling", "warning")},
        {("single_threaded", "critical")},
        {("stakeholder_cooling", "critical")},
    ]


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
    # the breach turns the P2's 5 points into 6.25: 76.2 (healthy) -> 74.9 (watch)
    policy = DEFAULT_POLICY
    events = [*lone_decision_maker(ev), ev.ticket(1, "T-5", "P2", sla_hours=6)]
    state = fold_events("acme", events)
    sla = ev.at(1) + timedelta(hours=6)
    due = next_due(state, ev.at(1.1), policy)
    assert due == sla + TICK  # breached once the due time lies in the past
    at_sla, after = evaluate(state, sla, policy), evaluate(state, due, policy)
    assert "SLA breached" not in at_sla.drivers[0].text
    assert any("SLA breached" in d.text for d in after.drivers)
    assert (at_sla.band, after.band) == ("healthy", "watch")


def test_an_untouched_ticket_is_forgotten_on_time(ev: Any) -> None:
    policy = policy_from_mapping(FLAT_BANDS)
    events = [*lone_decision_maker(ev), ev.ticket(1, "T-9", "P1", "Line down")]
    state = fold_events("acme", events)
    due = next_due(state, ev.at(180.9), policy)
    assert due == ev.at(181) + TICK  # 180 days after its last fact
    assert ("critical_ticket", "T-9") in {
        c.key for c in evaluate(state, ev.at(181), policy).conditions
    }
    assert ("critical_ticket", "T-9") not in {
        c.key for c in evaluate(state, due, policy).conditions
    }
