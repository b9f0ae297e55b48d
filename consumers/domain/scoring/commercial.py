"""The commercial component: revenue trend, pace against the target, order cadence."""

from __future__ import annotations

from datetime import timedelta

from consumers.domain.as_of import AsOf
from consumers.domain.days import days_between
from consumers.domain.policy import Policy
from consumers.domain.scoring.drivers import ScoreDriver
from consumers.domain.sentences import money, n_days


def commercial_drivers(view: AsOf, policy: Policy, explain: bool) -> list[ScoreDriver]:
    w = policy.weights
    c = policy.commercial
    state, now, orders = view.state, view.now, view.orders
    if not orders:
        return []  # no order data yet: unknown is neutral, not bad
    currency = state.info.value.currency if state.info is not None else None
    window = timedelta(days=c.window_days)
    recent, before = view.revenue.recent, view.revenue.before
    drivers: list[ScoreDriver] = []
    if before > 0 and recent < before:
        drop = (before - recent) / before
        text = (
            (
                f"Revenue in the last {c.window_days} days {money(recent, currency)} is "
                f"{drop:.0%} below the {c.window_days} days before ({money(before, currency)})"
            )
            if explain
            else ""
        )
        share = min(1.0, drop / c.full_penalty_drop) if c.full_penalty_drop > 0 else 1.0
        drivers.append(ScoreDriver("revenue_trend", -w.revenue_trend * share, text, "commercial"))
    target = state.info.value.annual_revenue_target if state.info is not None else None
    history_long_enough = state.first_seen is not None and state.first_seen <= now - window
    if target and history_long_enough:
        annual = recent * 365.0 / c.window_days
        short = max(0.0, 1 - annual / target)
        if short > 0:
            text = (
                (
                    f"Annualised revenue {money(annual, currency)} is {short:.0%} below "
                    f"the target of {money(target, currency)}"
                )
                if explain
                else ""
            )
            drivers.append(ScoreDriver("target_pace", -w.target_pace * short, text, "commercial"))
    interval = view.order_interval
    if interval is not None:
        gap = days_between(orders[-1][0], now)
        ratio = gap / interval
        span = max(1e-9, c.cadence_full_penalty_ratio - 1)
        share = min(1.0, max(0.0, (ratio - 1) / span))
        if share > 0:
            text = (
                (
                    f"No order for {n_days(int(gap))}; this account usually orders "
                    f"every {n_days(round(interval))}"
                )
                if explain
                else ""
            )
            drivers.append(
                ScoreDriver("order_cadence", -w.order_cadence * share, text, "commercial")
            )
    return drivers
