"""The account step publishes the 12-month figures and a new profile when an order leaves them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consumers.domain.due import next_due
from consumers.pipeline.step import step
from services.feeds.simulator.builder import AccountEvents

pytestmark = pytest.mark.unit


def test_the_profile_follows_an_order_out_of_the_12_months() -> None:
    b = AccountEvents("acme")
    events = [
        b.account(0, potential=400_000.0),
        b.order(1, "o1", 100_000.0, product_line="Sensors", business_unit="Cars", margin=20_000.0),
        b.order(200, "o2", 50_000.0),
    ]
    first = step(None, "acme", events, b.at(201))
    profile = first.profile
    assert profile is not None
    assert (profile.revenue_12m, profile.margin_12m, profile.share_of_wallet) == (
        150_000.0,
        20_000.0,
        0.375,
    )
    assert [(x.product_line, x.business_unit, x.revenue_12m) for x in profile.bought] == [
        ("Sensors", "Cars", 100_000.0),
        ("unspecified", "unspecified", 50_000.0),
    ]
    # Nothing arrives; the timer wakes the account no later than when o1 leaves the window.
    leaves = b.at(1) + timedelta(days=365)
    stored = first.stored
    at = stored.due_at
    while at is not None and at < leaves:
        stored = step(stored, "acme", [], at).stored
        at = next_due(stored.state, at)
    assert at == leaves
    later = step(stored, "acme", [], leaves)
    assert later.profile is not None
    assert later.profile.revenue_12m == 50_000.0
    assert later.profile.share_of_wallet == 0.125
