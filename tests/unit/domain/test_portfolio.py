"""The portfolio review: score, suggestion and reasons from plain figures."""

from __future__ import annotations

from dataclasses import replace

import pytest

from consumers.domain.errors import PolicyError
from consumers.domain.policy import DEFAULT_POLICY, policy_from_mapping
from consumers.domain.portfolio import PortfolioFigures, review, review_portfolio

pytestmark = pytest.mark.unit

RISING = PortfolioFigures(
    account_id="std-rising",
    name="Nordwerk GmbH",
    tier="standard",
    kam_id="kam-lena",
    currency="EUR",
    revenue_12m=1_500_000.0,
    margin_12m=450_000.0,
    annual_potential=4_000_000.0,
    share_of_wallet=0.375,
    relationship=30.0,
    strategic_flags=("reference_customer",),
)
FADING = replace(
    RISING,
    account_id="key-fading",
    name="Elbtech AG",
    tier="key",
    revenue_12m=120_000.0,
    margin_12m=6_000.0,
    annual_potential=None,
    share_of_wallet=None,
    relationship=12.0,
    strategic_flags=(),
)


def test_a_standard_account_above_the_threshold_is_suggested_for_promotion() -> None:
    r = review(RISING, DEFAULT_POLICY)
    # 35 revenue + 15 margin (30 %) + 15 × 0.625 wallet + 20 × 30/40 + 10 reference
    assert r.portfolio_score == pytest.approx(84.4, abs=0.05)
    assert r.suggestion == "promote"
    assert r.reasons[0] == "score 84.4 ≥ promotion threshold 60"
    assert r.reasons[1] == "revenue 12 months 1.5M EUR: 35.0 of 35 points"
    assert "strategic: reference_customer (+10)" in r.reasons
    assert r.margin_share == pytest.approx(0.30)


def test_a_key_account_below_the_threshold_is_suggested_for_demotion() -> None:
    r = review(FADING, DEFAULT_POLICY)
    assert r.suggestion == "demote"
    # 35 × 0.12 revenue + 15 × 5/30 margin + no wallet + 20 × 12/40 relationship
    assert r.reasons[0] == "score 12.7 < demotion threshold 35"
    assert "no annual potential known: 0 of 15 points" in r.reasons
    assert any(reason.startswith("margin share 5%") for reason in r.reasons)


def test_in_between_accounts_are_kept_and_the_portfolio_is_sorted() -> None:
    middle = replace(
        RISING,
        account_id="std-middle",
        revenue_12m=400_000.0,
        margin_12m=40_000.0,
        strategic_flags=(),
    )
    reviews = review_portfolio([FADING, middle, RISING], DEFAULT_POLICY)
    assert [r.figures.account_id for r in reviews] == ["std-rising", "std-middle", "key-fading"]
    assert reviews[1].suggestion == "keep"
    # A key account never gets "promote", however high it scores.
    assert review(replace(RISING, tier="key"), DEFAULT_POLICY).suggestion == "keep"


def test_thresholds_and_flag_points_come_from_the_policy() -> None:
    policy = policy_from_mapping(
        {"portfolio": {"promote_at": 90, "flag_points": {"trade_fair_partner": 20}}}
    )
    assert review(RISING, policy).suggestion == "keep"
    flagged = replace(RISING, strategic_flags=("trade_fair_partner",))
    assert review(flagged, policy).portfolio_score == pytest.approx(94.4, abs=0.05)
    with pytest.raises(PolicyError, match="demote_below"):
        policy_from_mapping({"portfolio": {"demote_below": 70, "promote_at": 60}})
