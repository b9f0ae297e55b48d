"""Per-state indexes carried through apply are those a fresh state would build."""

from __future__ import annotations

from typing import Any

import pytest

from consumers.domain.apply import apply, fold_events
from consumers.pipeline.codecs.state import state_from_dict, state_to_dict

pytestmark = pytest.mark.unit

INDEXES = ("stakeholders_by_id", "tickets_by_id", "placed_orders", "placed_order_times")


def built(state: Any) -> dict[str, Any]:
    return {name: getattr(state, name) for name in INDEXES}


@pytest.mark.parametrize("kind", ["contact", "order", "cancel", "ticket", "person"])
def test_indexes_after_any_event_equal_a_fresh_build(ev: Any, kind: str) -> None:
    state = fold_events("acme", [*ev.healthy_account(), ev.ticket(100, "t-1", "P2")])
    before = built(state)  # build them, so that apply has something to carry
    event = {
        "contact": ev.contact(121, "anna"),
        "order": ev.order(121, "o-new", 10.0),
        "cancel": ev.cancel(121, "o-112"),
        "ticket": ev.ticket(121, "t-2", "P1"),
        "person": ev.person(121, "eve", "Eve Park", "champion"),
    }[kind]
    after = apply(state, event)
    fresh = state_from_dict(state_to_dict(after))
    assert built(after) == built(fresh)
    if kind == "contact":  # nothing an index is built from changed: reused as is
        assert after.placed_orders is before["placed_orders"]
        assert after.tickets_by_id is before["tickets_by_id"]
