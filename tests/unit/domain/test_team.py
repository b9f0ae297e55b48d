"""The account team: who on our side speaks to whom, and team_single_threaded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.alerts import open_alerts_for
from consumers.domain.apply import apply, fold_events
from consumers.domain.due import next_due
from consumers.domain.evaluate import evaluate
from consumers.domain.priority import next_action
from consumers.domain.state import TEAM_TOUCHPOINTS_KEPT, UNNAMED_OWNER, Span
from consumers.domain.team import account_team, kam_at, recent_voices
from schemas.events import BaseEvent
from tests.support.strategies import BASE, arrivals
from tests.unit.conftest import T0, Events

pytestmark = pytest.mark.unit

WINDOW = timedelta(days=90)


def key_account(ev: Any, tier: str = "key") -> list[Any]:
    """Rheinwerk AG (kam-lena's) with two active stakeholders."""
    return [
        ev.account(0, tier=tier, kam="kam-lena", name="Rheinwerk AG"),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
    ]


def test_the_team_lists_each_person_with_stakeholders_last_contact_and_recent_count(
    ev: Any,
) -> None:
    state = fold_events(
        "acme",
        [
            *key_account(ev),
            ev.contact(10, "anna"),  # no internal_owner: the KAM's
            ev.contact(20, "anna", owner="kam-lena"),
            ev.contact(30, "ben", owner="se-mia"),
        ],
    )
    team = account_team(state, ev.at(40), WINDOW)
    assert [(m.internal_owner, m.stakeholders, m.touchpoints_90d) for m in team.members] == [
        ("kam-lena", ("anna",), 2),
        ("se-mia", ("ben",), 1),
    ]
    assert team.members[0].last_contact == ev.at(20)
    assert team.known_only_by_kam == ("anna",)


def test_an_unnamed_touchpoint_belongs_to_the_kam_of_its_time(ev: Any) -> None:
    events = [
        *key_account(ev),
        ev.contact(10, "anna"),
        ev.account(50, tier="key", kam="kam-omar", name="Rheinwerk AG"),  # handover
        ev.contact(60, "ben"),
    ]
    # The master data arrives last: the owner is resolved when the team is read.
    state = fold_events("acme", [*events[1:], events[0]])
    team = account_team(state, ev.at(70), WINDOW)
    members = {m.internal_owner: m.stakeholders for m in team.members}
    assert members == {"kam-lena": ("anna",), "kam-omar": ("ben",)}


def _alerts(state: Any, day: float) -> dict[str, Any]:
    return {c.kind: c for c in evaluate(state, T0 + timedelta(days=day)).conditions}


def test_only_the_kam_speaking_raises_team_single_threaded_naming_them(ev: Any) -> None:
    events = [
        *key_account(ev),
        ev.contact(5, "anna", owner="se-mia"),  # a colleague, long ago
        *(ev.contact(d, "anna") for d in range(100, 190, 10)),
        *(ev.contact(d + 2, "ben", "call") for d in range(100, 190, 10)),
    ]
    state = fold_events("acme", events)
    condition = _alerts(state, 190)["team_single_threaded"]
    assert condition.severity == "warning"
    assert condition.reason == "Only kam-lena has spoken to anyone at Rheinwerk AG in 90 days"
    # The onset is the evaluation that sees it (a drifting-onset kind, alerts.py).
    assert condition.since == ev.at(190)
    health = evaluate(state, ev.at(190))
    alert = next(a for a in open_alerts_for(health) if a.kind == "team_single_threaded")
    assert "se-mia" in next_action(state, health, (alert,))
    assert "Anna Berg" in next_action(state, health, (alert,))

    # A colleague logs a touchpoint: resolved.
    later = fold_events("acme", [*events, ev.contact(191, "ben", owner="se-mia")])
    assert "team_single_threaded" not in _alerts(later, 192)


def test_without_a_colleague_ever_the_next_action_asks_for_one(ev: Any) -> None:
    state = fold_events("acme", [*key_account(ev), ev.contact(10, "anna"), ev.contact(11, "ben")])
    health = evaluate(state, ev.at(20))
    alert = next(a for a in open_alerts_for(health) if a.kind == "team_single_threaded")
    assert next_action(state, health, (alert,)) == (
        "Bring a colleague into Rheinwerk AG: only kam-lena speaks to its people"
    )


def test_not_on_a_standard_account_with_two_voices_or_one_active_stakeholder(ev: Any) -> None:
    standard = fold_events(
        "acme", [*key_account(ev, tier="standard"), ev.contact(10, "anna"), ev.contact(11, "ben")]
    )
    assert "team_single_threaded" not in _alerts(standard, 20)
    two = fold_events(
        "acme",
        [*key_account(ev), ev.contact(10, "anna"), ev.contact(11, "ben", owner="svc-olaf")],
    )
    assert "team_single_threaded" not in _alerts(two, 20)
    lone = fold_events(
        "acme",
        [*key_account(ev), ev.left(5, "ben"), ev.contact(10, "anna")],
    )
    assert "team_single_threaded" not in _alerts(lone, 20)


def test_next_due_wakes_the_account_when_a_colleagues_touchpoint_leaves_the_window(
    ev: Any,
) -> None:
    state = fold_events(
        "acme",
        [
            *key_account(ev),
            ev.contact(10, "anna", owner="se-mia"),
            *(ev.contact(d, "ben") for d in range(12, 100, 7)),
        ],
    )
    assert "team_single_threaded" not in _alerts(state, 99)
    due = next_due(state, ev.at(99))
    assert due is not None
    assert due <= ev.at(100)
    assert "team_single_threaded" in _alerts(state, 100)


def test_the_kept_touchpoints_are_bounded_and_follow_the_newest_event(ev: Any) -> None:
    many = [ev.contact(d / 4, "anna", owner="se-mia") for d in range(400)]
    state = fold_events("acme", [*key_account(ev), *many])
    kept = state.team["se-mia"]["anna"].recent
    assert len(kept) == TEAM_TOUCHPOINTS_KEPT
    assert kept[0][0] == ev.at(99.75)
    later = fold_events("acme", [*key_account(ev), *many, ev.contact(200, "ben")])
    assert later.team["se-mia"]["anna"].recent == ()  # older than 90 days before day 200
    assert later.team["se-mia"]["anna"].last == ev.at(99.75)  # still remembered


def test_on_a_handover_the_queue_line_says_who_knows_the_account_best(ev: Any) -> None:
    state = fold_events(
        "acme",
        [
            *key_account(ev),
            *(ev.contact(d, "anna") for d in range(0, 60, 5)),
            ev.contact(30, "ben", owner="se-mia"),
            ev.account(60, tier="key", kam="kam-omar", name="Rheinwerk AG"),
        ],
    )
    health = evaluate(state, ev.at(61))
    assert next_action(state, health, ()) == (
        "Handover from kam-lena: introduce yourself to decision maker Anna Berg; "
        "on our side kam-lena knows the account best: +2 points"
    )


@settings(max_examples=200, deadline=None)
@given(arrivals())
def test_any_order_and_duplicates_give_the_same_team(
    case: tuple[list[BaseEvent], list[BaseEvent]],
) -> None:
    events, arrival = case
    in_order = fold_events("acme", sorted(events, key=lambda e: (e.occurred_at, e.event_id)))
    shuffled = fold_events("acme", arrival)
    now = BASE + timedelta(days=950)
    for at in (now, BASE + timedelta(days=45)):
        assert account_team(shuffled, at, WINDOW) == account_team(in_order, at, WINDOW)


def _kam_at_by_definition(kams: dict[str, Any], at: Any) -> str | None:
    """The module docs' rule, literally: the ownership begun last at or before, else the first."""
    if not kams:
        return None
    began = [(span.first, kam) for kam, span in kams.items()]
    before = [b for b in began if b[0] <= at]
    return max(before)[1] if before else min(began)[1]


@settings(max_examples=200, deadline=None)
@given(
    starts=st.dictionaries(
        st.sampled_from(["kam-a", "kam-b", "kam-c", "kam-d"]),
        st.integers(min_value=0, max_value=6),
        max_size=4,
    ),
    probe=st.integers(min_value=-1, max_value=7),
)
def test_the_kam_at_a_time_follows_the_ownerships_begun_before_it(
    starts: dict[str, int], probe: int
) -> None:
    # Same-day starts are ties, broken by the larger id: the bisection must agree.
    kams = {
        kam: Span(T0 + timedelta(days=d), T0 + timedelta(days=d + 30)) for kam, d in starts.items()
    }
    state = replace(fold_events("acme", []), kams=kams)
    at = T0 + timedelta(days=probe)
    assert kam_at(state, at) == _kam_at_by_definition(kams, at)


@settings(max_examples=100, deadline=None)
@given(
    touches=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=200),  # day
            st.sampled_from(["anna", "ben"]),
            st.sampled_from([None, "kam-lena", "sam-sales", "tom-tech"]),
        ),
        max_size=40,
    ),
    handover_day=st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
    probe=st.integers(min_value=0, max_value=260),
)
def test_recent_voices_count_each_person_s_touchpoints_within_the_window(
    touches: list[tuple[int, str, str | None]], handover_day: int | None, probe: int
) -> None:
    # The counts come from times sorted once per state, and whom each contact's
    # touchpoints count for is carried from state to state while the KAMs stay:
    # count them by hand after every event, as a worker stepping them would.
    ev = Events()
    events = key_account(ev)
    if handover_day is not None:
        events.append(ev.account(handover_day, kam="kam-mia", name="Rheinwerk AG"))
    events += [ev.contact(day, sid, owner=owner) for day, sid, owner in touches]
    now = T0 + timedelta(days=probe)
    state = fold_events("acme", events[:1])
    for event in events[1:]:
        state = apply(state, event)
        assert recent_voices(state, now, WINDOW) == _voices_by_hand(state, now)


def _voices_by_hand(state: Any, now: Any) -> dict[str, int]:
    expected: dict[str, int] = {}
    for owner, contacts in state.team.items():
        for contact in contacts.values():
            for at, _ in contact.recent:
                who = kam_at(state, at) if owner == UNNAMED_OWNER else owner
                if who is not None and now - WINDOW < at <= now:
                    expected[who] = expected.get(who, 0) + 1
    return expected
