"""The what-if: the score an account would have with a fix done now, computed two ways."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.apply import fold_events
from consumers.domain.evaluate import evaluate
from consumers.domain.policy import DEFAULT_POLICY
from consumers.domain.what_if import (
    Fix,
    meeting,
    newcomer_met,
    order_like_the_last,
    outcome,
    outcome_by_apply,
    ticket_resolved,
)
from schemas.events import BaseEvent
from tests.support.accounts import people
from tests.support.strategies import BASE, event_sets

pytestmark = pytest.mark.unit

NOWS = [BASE + timedelta(days=d) for d in (0, 30, 200, 420, 800)]


@settings(max_examples=300, deadline=None)
@given(event_sets(), st.sampled_from(NOWS))
def test_the_quick_what_if_equals_applying_the_fix_events(
    events: list[BaseEvent], now: datetime
) -> None:
    state = fold_events("acme", events)
    health = evaluate(state, now)
    # the queue proposes meetings only with people at the customer now
    assert health.view is not None
    fixes: list[Fix] = [meeting(sid) for sid in sorted(health.view.heat)]
    fixes += [newcomer_met("champion"), newcomer_met("decision_maker")]
    # A ticket with a fact after ``now`` (resolved tomorrow, say) is left out: a
    # resolution stamped ``now`` loses to that newer register in ``apply``, while
    # the quick path resolves the ticket open at ``now``. The queue evaluates at
    # the clock, which no fact of the account is newer than in event-clock mode.
    fixes += [ticket_resolved(t.ticket_id) for newest, t in state.tickets_by_id if newest <= now]
    order = order_like_the_last(state, now)
    fixes += [order] if order is not None else []
    for fix in fixes:
        assert outcome(state, health, fix, DEFAULT_POLICY) == outcome_by_apply(
            state, health, fix, DEFAULT_POLICY
        ), fix


def test_each_fix_of_a_troubled_account_gains_what_its_evaluation_says(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(0, "anna"), ev.ticket(50, "T-1", "P1")]
    state = fold_events("acme", events)
    health = evaluate(state, ev.at(60))
    for fix in (meeting("anna"), meeting("ben"), ticket_resolved("T-1"), newcomer_met("champion")):
        result = outcome(state, health, fix, DEFAULT_POLICY)
        assert result.gain > 0, fix
        assert result.gain == round(result.score - health.score, 1)
    resolved = outcome(state, health, ticket_resolved("T-1"), DEFAULT_POLICY)
    later = fold_events("acme", [*events, ev.resolve(60, "T-1")])
    assert resolved.score == evaluate(later, ev.at(60)).score
