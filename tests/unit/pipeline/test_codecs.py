"""The worker's table values: states survive JSON and stay small; unknown formats are refused."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings

from consumers.domain.apply import fold_events
from consumers.pipeline.codecs.errors import StateFormatError
from consumers.pipeline.codecs.state import state_from_dict, state_to_dict
from schemas.events import BaseEvent
from services.ops.bench.domain import state_bytes
from services.ops.bench.workloads import UuidIds, realistic_account
from tests.support.strategies import event_sets

pytestmark = pytest.mark.unit


@settings(max_examples=100, deadline=None)
@given(event_sets())
def test_state_round_trips_through_json(events: list[BaseEvent]) -> None:
    state = fold_events("acme", events)
    text = json.dumps(state_to_dict(state))
    assert state_from_dict(json.loads(text)) == state


def test_unknown_stored_format_is_refused() -> None:
    with pytest.raises(StateFormatError):
        state_from_dict({"v": 99, "account_id": "acme"})
    with pytest.raises(StateFormatError):
        state_from_dict({"v": 2})


def test_a_state_stored_before_the_account_team_was_kept_is_read_with_an_empty_team() -> None:
    ids = UuidIds()
    state = fold_events("real", realistic_account("real", random.Random(3), ids))
    assert state.team  # the realistic account's touchpoints have owners
    stored = {k: v for k, v in state_to_dict(state).items() if k != "team"}
    old = state_from_dict(json.loads(json.dumps(stored)))
    assert old.team == {}
    assert old.stakeholders == state.stakeholders


def test_a_realistic_account_stays_small_in_the_changelog() -> None:
    ids = UuidIds()
    state = fold_events("real", realistic_account("real", random.Random(3), ids))
    size = state_bytes(state)
    assert size < 20_000, size
    assert state_from_dict(json.loads(json.dumps(state_to_dict(state)))) == state


def test_a_state_stored_before_whitespace_and_potential_still_reads() -> None:
    # Format 2 as written before orders kept product_line, business_unit and
    # margin and the account annual_potential: short lists, read with None.
    at = 1_767_225_600_000_000  # 2026-01-01 in microseconds
    stored = {
        "v": 2,
        "account_id": "acme",
        "info": [["ACME", "key", "k1", None, 500000.0, "EUR"], at, "e1"],
        "first_seen": at,
        "latest_at": at,
        "kams": {"k1": [at, at]},
        "stakeholders": {},
        "orders": {"o1": [[[12000.0, "EUR"], at, "e2"], None]},
        "tickets": {},
        "restructures": [],
    }
    state = state_from_dict(stored)
    assert state.info is not None
    assert state.info.value.annual_potential is None
    placed = state.orders["o1"].placed
    assert placed is not None
    facts = placed.value
    assert (facts.amount, facts.margin, facts.product_line, facts.business_unit) == (
        12000.0,
        None,
        None,
        None,
    )
    assert state_to_dict(state) == stored  # and writes back what it read
