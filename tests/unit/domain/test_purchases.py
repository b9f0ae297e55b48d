"""Trailing-12-month purchases and share of wallet: what whitespace and priority read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings

from consumers.domain.apply import fold_events
from consumers.domain.due import next_due
from consumers.domain.purchases import (
    UNSPECIFIED,
    account_share_of_wallet,
    purchases,
    share_of_wallet,
)
from schemas import validate_event
from schemas.events import BaseEvent
from tests.support.strategies import BASE, arrivals

pytestmark = pytest.mark.unit

NOW = BASE + timedelta(days=400)


def _event(n: int, kind: str, at: datetime, **fields: Any) -> BaseEvent:
    return validate_event(
        {"event_id": f"e{n}", "type": kind, "account_id": "acme", "occurred_at": at.isoformat()}
        | fields
    )


def _order(n: int, at: datetime, amount: float, **fields: Any) -> BaseEvent:
    return _event(n, "order.placed", at, order_id=f"o{n}", amount=amount, currency="EUR", **fields)


def _account(potential: float | None) -> BaseEvent:
    return _event(
        0,
        "account.upserted",
        BASE,
        name="ACME",
        tier="key",
        kam_id="k1",
        annual_potential=potential,
    )


def test_revenue_and_margin_by_product_line_and_business_unit() -> None:
    events = [
        _order(
            1,
            NOW - timedelta(days=10),
            1000.0,
            product_line="Sensors",
            business_unit="Cars",
            margin=300.0,
        ),
        _order(
            2,
            NOW - timedelta(days=20),
            500.0,
            product_line="Sensors",
            business_unit="Cars",
            margin=100.0,
        ),
        _order(3, NOW - timedelta(days=30), 700.0, product_line="Drives", business_unit="Vans"),
        _order(4, NOW - timedelta(days=40), 200.0),  # names neither: "unspecified"
    ]
    bought = purchases(fold_events("acme", events), NOW)
    assert [
        (x.product_line, x.business_unit, x.revenue_12m, x.margin_12m) for x in bought.lines
    ] == [
        ("Drives", "Vans", 700.0, 0.0),
        ("Sensors", "Cars", 1500.0, 400.0),
        (UNSPECIFIED, UNSPECIFIED, 200.0, 0.0),
    ]
    assert (bought.revenue_12m, bought.margin_12m) == (2400.0, 400.0)
    assert bought.by_product_line() == {"Drives": 700.0, "Sensors": 1500.0, UNSPECIFIED: 200.0}


def test_cancelled_orders_never_count_whichever_half_arrives_first() -> None:
    placed = _order(1, NOW - timedelta(days=10), 1000.0, product_line="Sensors")
    kept = _order(2, NOW - timedelta(days=10), 50.0, product_line="Sensors")
    cancelled = _event(9, "order.cancelled", NOW - timedelta(days=12), order_id="o1")
    for events in ([placed, kept, cancelled], [cancelled, kept, placed]):
        assert purchases(fold_events("acme", events), NOW).revenue_12m == 50.0


def test_an_order_leaves_the_window_after_365_days_and_the_worker_looks_again_then() -> None:
    placed_at = NOW - timedelta(days=300)
    state = fold_events("acme", [_account(None), _order(1, placed_at, 1000.0)])
    assert purchases(state, NOW).revenue_12m == 1000.0
    leaves = placed_at + timedelta(days=365)
    assert purchases(state, leaves - timedelta(microseconds=1)).revenue_12m == 1000.0
    assert purchases(state, leaves).revenue_12m == 0.0
    # The timer must not sleep past that moment (a new profile follows it).
    due = next_due(state, leaves - timedelta(hours=1))
    assert due is not None
    assert due <= leaves


def test_share_of_wallet_is_revenue_over_potential_and_none_without_one() -> None:
    orders = [_order(1, NOW - timedelta(days=5), 30_000.0)]
    assert account_share_of_wallet(fold_events("acme", [_account(200_000.0), *orders]), NOW) == 0.15
    assert account_share_of_wallet(fold_events("acme", [_account(None), *orders]), NOW) is None
    assert share_of_wallet(10.0, 0.0) is None  # a zero potential is no potential


def test_the_memo_is_not_stale_when_only_the_clock_moves() -> None:
    state = fold_events("acme", [_order(1, NOW - timedelta(days=100), 10.0), _order(2, NOW, 5.0)])
    assert purchases(state, NOW).revenue_12m == 15.0
    assert purchases(state, NOW - timedelta(days=1)).revenue_12m == 10.0  # o2 not placed yet
    assert purchases(state, NOW + timedelta(days=300)).revenue_12m == 5.0
    assert purchases(state, NOW).revenue_12m == 15.0


@settings(max_examples=200, deadline=None)
@given(arrivals())
def test_any_order_and_duplication_gives_the_same_purchases(
    case: tuple[list[BaseEvent], list[BaseEvent]],
) -> None:
    events, arrival = case
    now = BASE + timedelta(days=500)
    in_order = fold_events("acme", sorted(events, key=lambda e: (e.occurred_at, e.event_id)))
    assert purchases(fold_events("acme", arrival), now) == purchases(in_order, now)
