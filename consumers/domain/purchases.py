"""What an account bought in the trailing 12 months, by product line × business unit.

The figures are a function of the account's own state and a clock time, like
the score: orders placed in ``(now − 365 days, now]`` and not cancelled by
``now`` (a cancellation is read as of the clock, as everywhere in
:mod:`consumers.domain.as_of`). Orders that name no product line or business
unit count under ``"unspecified"``. Share of wallet divides that revenue by
the account's ``annual_potential``. See docs/scoring.md, "Whitespace and
share of wallet".
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime

from consumers.domain.state import ORDER_HORIZON, PURCHASE_WINDOW, AccountState

#: The trailing window of revenue_12m: an order leaves it 365 days after its placement
#: (state.order_thresholds schedules a re-evaluation at that moment).
WINDOW = PURCHASE_WINDOW
#: The product line (and business unit) of an order that names none.
UNSPECIFIED = "unspecified"


@dataclass(frozen=True)
class PurchaseLine:
    """Revenue and margin of one product line in one business unit over the window."""

    product_line: str
    business_unit: str
    revenue_12m: float
    margin_12m: float


@dataclass(frozen=True)
class Purchases:
    """An account's trailing-12-month revenue and margin, in total and per line."""

    revenue_12m: float
    margin_12m: float
    lines: tuple[PurchaseLine, ...]  # sorted by (product_line, business_unit)

    def by_product_line(self) -> dict[str, float]:
        """Revenue per product line, business units summed (what whitespace compares)."""
        found: dict[str, float] = {}
        for line in self.lines:
            found[line.product_line] = found.get(line.product_line, 0.0) + line.revenue_12m
        return {k: round(v, 2) for k, v in found.items()}


NOTHING = Purchases(0.0, 0.0, ())


def purchases(state: AccountState, now: datetime) -> Purchases:
    """The account's purchases in the 12 months up to ``now`` (cancelled orders never count).

    Memoised on the state's order memo: which orders count is fixed by the
    slice of placements inside the window and the slice of cancellations
    already in effect, so a step that moves only the clock (or brings only
    contacts) costs a few bisections, not a walk over the orders.
    """
    times = state.placed_order_times
    lo, hi = bisect_right(times, now - WINDOW), bisect_right(times, now)
    if lo == hi:
        return NOTHING
    cancels = _cancellation_times(state)
    floor = now - ORDER_HORIZON
    key = (lo, hi, bisect_left(cancels, floor), bisect_right(cancels, now))
    memo = state.order_memo
    cached = memo.get("purchases")
    if cached is not None and cached[0] == key:
        hit: Purchases = cached[1]
        return hit
    result = _sum(state, lo, hi, floor, now)
    memo["purchases"] = (key, result)
    return result


def share_of_wallet(revenue_12m: float, annual_potential: float | None) -> float | None:
    """revenue_12m / annual_potential (0.1 is 10 %); None without a positive potential."""
    if annual_potential is None or annual_potential <= 0:
        return None
    return round(revenue_12m / annual_potential, 4)


def account_share_of_wallet(state: AccountState, now: datetime) -> float | None:
    """The account's share of wallet at ``now`` (None without an annual_potential)."""
    potential = state.info.value.annual_potential if state.info is not None else None
    if potential is None:
        return None
    return share_of_wallet(purchases(state, now).revenue_12m, potential)


def _cancellation_times(state: AccountState) -> list[datetime]:
    memo = state.order_memo
    found: list[datetime] | None = memo.get("cancellations")
    if found is None:
        found = memo["cancellations"] = sorted(
            o.cancelled.at for o in state.orders.values() if o.cancelled is not None
        )
    return found


def _sum(state: AccountState, lo: int, hi: int, floor: datetime, now: datetime) -> Purchases:
    revenue: dict[tuple[str, str], float] = {}
    margin: dict[tuple[str, str], float] = {}
    # placed_orders is sorted by (placed_at, order_id): summing in that order
    # gives the same floats whatever order the events arrived in.
    for row in state.placed_orders[lo:hi]:
        cancelled = row.cancelled_at
        if cancelled is not None and floor <= cancelled <= now:
            continue
        facts = row.facts
        key = (facts.product_line or UNSPECIFIED, facts.business_unit or UNSPECIFIED)
        revenue[key] = revenue.get(key, 0.0) + facts.amount
        margin[key] = margin.get(key, 0.0) + (facts.margin or 0.0)
    lines = tuple(
        PurchaseLine(line, unit, round(revenue[(line, unit)], 2), round(margin[(line, unit)], 2))
        for line, unit in sorted(revenue)
    )
    return Purchases(
        round(sum(x.revenue_12m for x in lines), 2),
        round(sum(x.margin_12m for x in lines), 2),
        lines,
    )
