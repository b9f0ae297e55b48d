"""Drivers: they explain the whole distance from 100, in sentences a KAM reads right."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.apply import fold_events
from consumers.domain.evaluate import evaluate
from schemas.events import BaseEvent
from tests.support.strategies import BASE, event_sets

pytestmark = pytest.mark.unit

#: A fresh touchpoint read as a penalty: what a KAM must never see.
FRESH_PENALTY = re.compile(r"last contact [0-3] days? ago")


def key_people(ev: Any) -> list[Any]:
    return [
        ev.account(0),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
    ]


def driver(ev: Any, events: list[Any], day: float, factor: str) -> Any:
    health = evaluate(fold_events("acme", events), ev.at(day))
    found = [d for d in health.drivers if d.factor == factor]
    assert found, f"no {factor} driver in {health.drivers}"
    return found[0]


def test_a_fresh_call_names_the_missing_meeting_not_the_last_contact(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(40, "anna", "meeting"), ev.contact(100, "anna", "call")]
    events += [ev.contact(95, "anna", "email")]
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert d.impact == -6.4  # 16 × (1 − 0.6): a call is worth 0.6 of a meeting
    assert d.text == "Only calls and e-mails with decision maker Anna Berg, no meeting in 60 days"
    assert d.subject == "anna"


def test_someone_never_met_in_person_is_told_so(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(9, "ben", "email"), ev.contact(10, "ben", "message")]
    d = driver(ev, events, 11, "champion_warmth")
    assert d.text == "Only e-mails and messages with champion Ben Ortiz, no meeting yet"


def test_a_recent_meeting_costs_only_its_decay_and_says_so(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(97, "anna", "meeting")]
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert -1.2 < d.impact < -1.0  # 16 × (1 − 0.5^(3/30))
    assert d.text == "Decision maker Anna Berg: met 3 days ago (warmth halves every 30 days)"


def test_a_meeting_followed_by_weaker_contact_names_both(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(70, "anna", "visit"), ev.contact(98, "anna", "email")]
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert d.text == (
        "Decision maker Anna Berg: met 30 days ago, only e-mails since "
        "(warmth halves every 30 days)"
    )


def test_a_negative_meeting_is_named_as_the_reason(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(99, "anna", "meeting", -0.8)]
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert d.text == "Decision maker Anna Berg: the last meeting (1 day ago) was negative"
    events.append(ev.contact(100, "anna", "call"))  # a good call after it is the stronger now
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert d.text == (
        "Only calls with decision maker Anna Berg, the last meeting (1 day ago) was negative"
    )


def test_real_silence_still_reads_as_silence(ev: Any) -> None:
    events = [*key_people(ev), ev.contact(48, "anna", "meeting")]
    d = driver(ev, events, 100, "decision_maker_warmth")
    assert d.text == "No contact with decision maker Anna Berg for 52 days"


@pytest.mark.parametrize("channel", ["meeting", "visit", "video", "call", "email", "message"])
@pytest.mark.parametrize("days_ago", [0, 1, 2, 3])
def test_no_fresh_touchpoint_reads_as_last_contact_n_days_ago(
    ev: Any, channel: str, days_ago: int
) -> None:
    events = [*key_people(ev), ev.contact(0, "anna", "email"), ev.contact(0, "ben", "meeting")]
    events += [ev.contact(50 - days_ago, who, channel) for who in ("anna", "ben")]
    health = evaluate(fold_events("acme", events), ev.at(50))
    for d in health.drivers:
        assert not FRESH_PENALTY.search(d.text), d


NOWS = [BASE + timedelta(days=d) for d in (30, 200, 420)]


@settings(max_examples=150, deadline=None)
@given(event_sets(), st.sampled_from(NOWS))
def test_drivers_add_up_to_the_distance_from_100(events: list[BaseEvent], now: datetime) -> None:
    health = evaluate(fold_events("acme", events), now)
    explained = 100 + sum(d.impact for d in health.drivers)
    # each driver is rounded to 0.1 and the score to 0.1; the score stops at 0
    tolerance = 0.05 * (len(health.drivers) + 1) + 1e-9
    assert abs(max(0.0, explained) - health.score) <= tolerance
    for d in health.drivers:
        assert d.impact < 0
        assert d.text  # every penalty is explained by a sentence
        assert not FRESH_PENALTY.search(d.text)
