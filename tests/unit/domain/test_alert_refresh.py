"""Open alerts keep quoting today's figures: the reason is refreshed in place, at most daily."""

from __future__ import annotations

import re
from typing import Any

import pytest

from consumers.domain.priority import next_action

pytestmark = pytest.mark.unit


def silent_decision_maker(ev: Any) -> list[Any]:
    return [
        ev.account(0),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
        ev.contact(0, "anna", "meeting"),
        ev.contact(50, "ben", "meeting", owner="se-mia"),  # two of us: no one-person team
    ]


def test_a_day_counter_is_refreshed_once_a_day_and_matches_the_queue(
    ev: Any, timeline: Any
) -> None:
    tl = timeline(silent_decision_maker(ev))
    raised = tl.check(52).raised
    assert [a.key for a in raised] == [("stakeholder_cooling", "anna")]
    first = raised[0]
    updates = []
    for hour in range(1, 3 * 24 + 1):  # hourly evaluations for three more days
        changes = tl.check(52 + hour / 24)
        assert not changes.raised
        assert not changes.resolved
        updates += changes.updated
        alert = tl.alert("stakeholder_cooling", "anna")
        quoted = re.search(r"for (\d+) days", alert.reason)
        action = re.search(r"silent (\d+) days", next_action(tl.state, tl.health, tl.open))
        assert quoted is not None
        assert action is not None
        assert quoted.group(1) == action.group(1)  # the alert and the queue agree
    assert [a.reason for a in updates] == [
        f"No contact with decision maker Anna Berg for {d} days (expected every 30 days)"
        for d in (53, 54, 55)
    ]
    assert {(a.alert_id, a.raised_at, a.severity) for a in updates} == {
        (first.alert_id, first.raised_at, first.severity)
    }


def test_a_health_drop_quotes_the_current_score(ev: Any, timeline: Any) -> None:
    tl = timeline(ev.healthy_account())
    tl.check(121)
    tl.add(ev.ticket(121.5, "T-8", "P1", "Plant outage", sla_hours=4), ev.escalate(121.6, "T-8"))
    tl.add(ev.ticket(121.5, "T-9", "P1", "Billing down"), ev.left(121.5, "ben"))
    tl.check(122)
    drop = tl.alert("health_drop")
    tl.add(ev.resolve(122.5, "T-8"))  # one of the two outages is over: the score recovers a bit
    changes = tl.check(123)
    assert drop.alert_id in [a.alert_id for a in changes.updated]
    refreshed = tl.alert("health_drop")
    assert refreshed.raised_at == drop.raised_at
    assert f" to {tl.health.score:.0f} in 14 days" in refreshed.reason
    assert refreshed.reason != drop.reason
