"""A KAM's queue: ranking by value × risk × urgency, and a concrete next action."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.domain.alerts import open_alerts_for
from consumers.domain.evaluate import evaluate
from consumers.domain.priority import account_priority, handover, next_action
from tests.support.accounts import people, view

pytestmark = pytest.mark.unit


def test_silent_decision_maker_gives_a_call_action(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(0, "anna")]
    events += [ev.contact(d, who, "meeting") for d in range(0, 53, 7) for who in ("ben", "cara")]
    state, health, alerts = view(ev, events, 52)
    assert next_action(state, health, alerts) == "Call Anna Berg (decision maker, silent 52 days)"


def test_p1_ticket_comes_first_and_names_the_ticket(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.ticket(50, "T-123", "P1", "Line down")]
    events += [
        ev.contact(d, w, "meeting") for d in range(0, 53, 7) for w in ("anna", "ben", "cara")
    ]
    state, health, alerts = view(ev, events, 51)
    assert next_action(state, health, alerts) == "Get P1 ticket T-123 resolved"


def test_new_decision_maker_after_a_reorganisation(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(1, "anna"), ev.contact(1, "ben")]
    events += [ev.left(10, "anna"), ev.joined(11, "fred", "decision_maker", "Fred Noor")]
    events += [ev.contact(11, "ben"), ev.contact(11, "cara")]
    state, health, alerts = view(ev, events, 12)
    assert next_action(state, health, alerts) == (
        "Meet the new decision maker Fred Noor after the reorganisation"
    )


def test_handover_asks_the_new_kam_to_introduce_themselves(ev: Any) -> None:
    events = [ev.account(0, kam="kam-anna"), *people(ev), ev.account(30, kam="kam-omar")]
    events += [
        ev.contact(d, w, "meeting") for d in range(0, 41, 7) for w in ("anna", "ben", "cara")
    ]
    events += [ev.order(d, f"o{d}", 100_000.0) for d in range(0, 41, 10)]
    state, health, alerts = view(ev, events, 40)
    assert handover(state) == ("kam-anna", ev.at(30))
    assert alerts == ()
    assert next_action(state, health, alerts) == (
        "Handover from kam-anna: introduce yourself to decision maker Anna Berg"
    )
    # two months on the handover is history
    state, health, alerts = view(ev, events, 95)
    assert not next_action(state, health, alerts).startswith("Handover")


def test_priority_grows_with_value_risk_and_urgency(ev: Any, events_for: Any) -> None:
    base = [ev.account(0, tier="key", target=500_000.0), *people(ev), ev.contact(0, "anna")]
    state, health, alerts = view(ev, base, 10)
    p = account_priority(state, health, alerts)
    # more value: strategic tier
    richer = view(ev, [*base, ev.account(1, tier="strategic", target=500_000.0)], 10)
    assert account_priority(*richer) > p
    # more urgency: an extra open alert
    assert account_priority(state, health, alerts) < account_priority(
        state, health, (*alerts, *open_alerts_for(evaluate(state, ev.at(80))))
    )
    # more risk: the same account in worse health
    later = evaluate(state, ev.at(40))
    assert later.score < health.score
    assert account_priority(state, later, alerts) > p


def test_untapped_potential_ranks_higher_at_equal_risk(ev: Any) -> None:
    orders = [ev.order(5, "o1", 100_000.0, product_line="Sensors")]
    rest = [*people(ev), ev.contact(0, "anna"), *orders]
    without = view(ev, [ev.account(0, tier="key", target=500_000.0), *rest], 10)
    large = view(ev, [ev.account(0, tier="key", target=500_000.0, potential=900_000.0), *rest], 10)
    tapped = view(ev, [ev.account(0, tier="key", target=500_000.0, potential=100_000.0), *rest], 10)
    assert large[1].score == without[1].score  # the same risk: potential is not health
    assert account_priority(*large) > account_priority(*without)
    # A potential already bought in full leaves nothing untapped: no change.
    assert account_priority(*tapped) == account_priority(*without)
