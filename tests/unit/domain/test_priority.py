"""A KAM's queue: ranking by value × risk × urgency, and a concrete next action."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.domain.alerts import open_alerts_for
from consumers.domain.apply import fold_events
from consumers.domain.evaluate import evaluate
from consumers.domain.priority import (
    NOTHING_DUE,
    PROACTIVE_MIN_POINTS,
    account_priority,
    handover,
    next_action,
)
from consumers.pipeline.codecs.state import state_to_dict
from tests.support.accounts import people, view

pytestmark = pytest.mark.unit


def test_silent_decision_maker_gives_a_meeting_action_with_its_gain(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(0, "anna")]
    events += [ev.contact(d, who, "meeting") for d in range(0, 53, 7) for who in ("ben", "cara")]
    state, health, alerts = view(ev, events, 52)
    assert next_action(state, health, alerts) == (
        "Meet Anna Berg (decision maker, silent 52 days): +11 points"
    )
    # the figure is the account evaluated with that meeting logged now
    met = evaluate(fold_events("acme", [*events, ev.contact(52, "anna", "meeting")]), ev.at(52))
    assert round(met.score - health.score) == 11


def test_p1_ticket_comes_first_and_names_the_ticket(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.ticket(50, "T-123", "P1", "Line down")]
    events += [
        ev.contact(d, w, "meeting") for d in range(0, 53, 7) for w in ("anna", "ben", "cara")
    ]
    state, health, alerts = view(ev, events, 51)
    assert next_action(state, health, alerts) == "Get P1 ticket T-123 resolved: +10 points"


def test_new_decision_maker_after_a_reorganisation(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(1, "anna"), ev.contact(1, "ben")]
    events += [ev.left(10, "anna"), ev.joined(11, "fred", "decision_maker", "Fred Noor")]
    events += [ev.contact(11, "ben"), ev.contact(11, "cara")]
    state, health, alerts = view(ev, events, 12)
    assert next_action(state, health, alerts) == (
        "Meet the new decision maker Fred Noor after the reorganisation: "
        "+19 points, back to healthy"
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
        "Handover from kam-anna: introduce yourself to decision maker Anna Berg: +2 points"
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


def well_met(ev: Any, last_day: int, met: tuple[str, ...] = ("anna", "ben", "cara")) -> list[Any]:
    """A healthy account: everyone in ``met`` met every week, orders every ten days.

    The KAM and a colleague take turns (week by week), so the account team is
    no single thread.
    """
    events = [ev.account(0), *people(ev)]
    events += [
        ev.contact(d, w, "meeting", owner=_turn(d)) for d in range(0, last_day + 1, 7) for w in met
    ]
    events += [ev.order(d, f"o{d}", 100_000.0) for d in range(0, last_day + 1, 10)]
    return events


def test_a_healthy_account_with_nothing_to_do_gets_no_filler(ev: Any) -> None:
    state, health, alerts = view(ev, well_met(ev, 120), 122)
    assert health.band == "healthy"
    assert alerts == ()
    assert health.top_drivers  # small penalties exist (two days of decay) ...
    assert next_action(state, health, alerts) == NOTHING_DUE  # ... but nothing is worth doing


def test_a_calm_account_gets_the_meeting_that_would_gain_most(ev: Any) -> None:
    # the champion is only ever e-mailed, the last time yesterday
    events = [*well_met(ev, 120, met=("anna", "cara")), ev.contact(121, "ben", "email")]
    state, health, alerts = view(ev, events, 122)
    assert alerts == ()
    action = next_action(state, health, alerts)
    assert action == "Meet champion Ben Ortiz (no meeting yet): +7 points"
    met = evaluate(fold_events("acme", [*events, ev.contact(122, "ben", "meeting")]), ev.at(122))
    assert round(met.score - health.score) == 7


def test_the_what_if_changes_nothing_and_is_deterministic(ev: Any) -> None:
    events = [ev.account(0), *people(ev), ev.contact(0, "anna")]
    state, health, alerts = view(ev, events, 52)
    before = state_to_dict(state)
    first = next_action(state, health, alerts)
    assert next_action(state, health, alerts) == first
    assert state_to_dict(state) == before
    assert evaluate(state, ev.at(52)) == health


def _turn(day: int) -> str | None:
    """Whose week it is: the KAM's (None) or their colleague's."""
    return "se-mia" if (day // 7) % 2 else None


def met_weekly(ev: Any, who: tuple[str, ...], until: int) -> list[Any]:
    return [ev.contact(d, w, "meeting", owner=_turn(d)) for d in range(0, until, 7) for w in who]


def test_a_departed_champion_is_replaced_by_a_new_one_in_the_what_if(ev: Any) -> None:
    events = [ev.account(0), *people(ev), *met_weekly(ev, ("anna", "ben", "cara"), 30)]
    state, health, alerts = view(ev, [*events, ev.left(30, "ben")], 31)
    assert [a.kind for a in alerts] == ["champion_left"]
    assert next_action(state, health, alerts) == (
        "Find and win a new champion to replace Ben Ortiz: +13 points, back to healthy"
    )


def test_single_threading_names_whom_to_meet(ev: Any) -> None:
    events = [
        ev.account(0, tier="strategic"),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "cara", "Cara Lind", "influencer", "Operations"),
        ev.person(0, "dev", "Dev Shah", "user", "Operations"),
        *met_weekly(ev, ("anna",), 200),
        ev.contact(0, "cara", "meeting"),
        ev.contact(20, "dev", "meeting"),
    ]
    state, health, alerts = view(ev, events, 199)
    assert "single_threaded" in [a.kind for a in alerts]
    top = [a for a in alerts if a.kind == "single_threaded"]
    # Dev was met more recently than Cara: the warmer of the two is the easier second thread
    assert next_action(state, health, top) == (
        "Multi-thread the account: meet user Dev Shah besides Anna Berg: +6 points"
    )


def test_an_order_gap_is_evaluated_with_an_order_like_the_last(ev: Any) -> None:
    events = [ev.account(0), *people(ev), *met_weekly(ev, ("anna", "ben", "cara"), 120)]
    events += [ev.order(d, f"o{d}", 50_000.0) for d in range(0, 60, 7)]
    state, health, alerts = view(ev, events, 119)
    assert [a.kind for a in alerts] == ["order_gap"]
    assert next_action(state, health, alerts) == (
        "Ask for the next order (no order for 63 days; this account usually orders every "
        "7 days): +12 points"
    )


def test_someone_met_within_their_cadence_is_not_proposed_again(ev: Any) -> None:
    # everyone last met on day 98: 17 days later the decision maker's warmth costs ~5 points
    events = [
        *well_met(ev, 100),
        ev.order(110, "o110", 100_000.0),
        ev.order(120, "o120", 100_000.0),
    ]
    state, health, alerts = view(ev, events, 115)
    assert alerts == ()
    assert health.top_drivers[0].factor == "decision_maker_warmth"
    assert health.top_drivers[0].impact <= -PROACTIVE_MIN_POINTS
    assert next_action(state, health, alerts) == NOTHING_DUE
    # once her 30 days are up, the meeting is due
    state, health, alerts = view(ev, events, 128)
    assert next_action(state, health, alerts).startswith(
        "Meet decision maker Anna Berg (last met 30 days ago): +"
    )


def test_an_open_ticket_without_an_alert_is_a_concrete_action(ev: Any) -> None:
    events = [*well_met(ev, 120), ev.ticket(121, "T-5", "P2", "Damaged shipment")]
    state, health, alerts = view(ev, events, 121.5)
    assert alerts == ()
    assert next_action(state, health, alerts) == "Get P2 ticket T-5 resolved: +5 points"


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
