"""The worker's table values: account states survive JSON, unknown formats are refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from consumers.domain.apply import fold_events
from consumers.pipeline.codecs.errors import StateFormatError
from consumers.pipeline.codecs.state import state_from_dict, state_to_dict
from schemas.events import BaseEvent
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
