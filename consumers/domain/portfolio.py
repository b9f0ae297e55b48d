"""The portfolio review: which accounts earn key-account care, from measured figures.

portfolio score = revenue points + margin points + wallet points + relationship points
                  + the strategic flags' points (at most 100)

* revenue      = revenue_points × min(1, revenue_12m / revenue_reference)
* margin       = margin_points × min(1, margin share / margin_reference),
                 margin share = margin_12m / revenue_12m
* wallet       = wallet_points × (1 − share of wallet), where annual_potential is known
                 (the share of the customer's wallet still to win); 0 without a potential
* relationship = relationship_points × the health's relationship component / its weight

A ``standard`` account at or above ``promote_at`` is suggested for promotion, a
``key`` or ``strategic`` account below ``demote_below`` for demotion; everything
else is kept. Weights and thresholds: ``[portfolio]`` of the policy
(docs/scoring.md, "Portfolio review").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from consumers.domain.evaluate import Evaluation
from consumers.domain.policy import Policy
from consumers.domain.purchases import purchases, share_of_wallet
from consumers.domain.sentences import money
from consumers.domain.state import AccountState

Suggestion = Literal["promote", "demote", "keep"]


@dataclass(frozen=True)
class PortfolioFigures:
    """What the review reads about one account (the read models' latest figures)."""

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    currency: str | None
    revenue_12m: float
    margin_12m: float
    annual_potential: float | None
    share_of_wallet: float | None
    relationship: float | None  # the health's relationship component (None before one)
    strategic_flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortfolioReview:
    """One account's portfolio score, the suggestion and the figures that decided it."""

    figures: PortfolioFigures
    margin_share: float | None
    portfolio_score: float
    suggestion: Suggestion
    reasons: tuple[str, ...]


def figures_of(state: AccountState, health: Evaluation) -> PortfolioFigures:
    """The figures of one account as the read models hold them after ``health``'s evaluation
    (the reference replay's side of the review)."""
    info = state.info.value if state.info is not None else None
    bought = purchases(state, health.as_of)
    potential = info.annual_potential if info is not None else None
    return PortfolioFigures(
        account_id=state.account_id,
        name=info.name if info else None,
        tier=info.tier if info else None,
        kam_id=info.kam_id if info else None,
        currency=info.currency if info else None,
        revenue_12m=bought.revenue_12m,
        margin_12m=bought.margin_12m,
        annual_potential=potential,
        share_of_wallet=share_of_wallet(bought.revenue_12m, potential),
        relationship=health.components.relationship,
        strategic_flags=info.strategic_flags if info else (),
    )


def _share(part: float, whole: float) -> float:
    return min(1.0, max(0.0, part / whole)) if whole > 0 else 0.0


def review(figures: PortfolioFigures, policy: Policy) -> PortfolioReview:
    """Score one account and suggest promote, demote or keep, with the deciding reasons."""
    p = policy.portfolio
    f = figures
    margin_share = f.margin_12m / f.revenue_12m if f.revenue_12m > 0 else None
    revenue_pts = p.revenue_points * _share(f.revenue_12m, p.revenue_reference)
    margin_pts = p.margin_points * _share(margin_share or 0.0, p.margin_reference)
    wallet_pts = 0.0
    if f.annual_potential is not None and f.share_of_wallet is not None:
        wallet_pts = p.wallet_points * (1.0 - min(1.0, max(0.0, f.share_of_wallet)))
    weight = policy.weights.relationship
    relationship_pts = p.relationship_points * _share(f.relationship or 0.0, weight)
    flags = {flag: p.flag_points.get(flag, 0.0) for flag in f.strategic_flags}
    total = revenue_pts + margin_pts + wallet_pts + relationship_pts + sum(flags.values())
    score = round(min(100.0, total), 1)

    measured = [
        (
            revenue_pts,
            f"revenue 12 months {money(f.revenue_12m, f.currency)}: "
            f"{revenue_pts:.1f} of {p.revenue_points:g} points",
        ),
        (
            margin_pts,
            f"margin share {margin_share:.0%}: {margin_pts:.1f} of {p.margin_points:g} points"
            if margin_share is not None
            else f"no revenue, no margin share: 0 of {p.margin_points:g} points",
        ),
        (
            wallet_pts,
            f"share of wallet {f.share_of_wallet:.0%} of "
            f"{money(f.annual_potential, f.currency)} potential: "
            f"{wallet_pts:.1f} of {p.wallet_points:g} points"
            if f.annual_potential is not None and f.share_of_wallet is not None
            else f"no annual potential known: 0 of {p.wallet_points:g} points",
        ),
        (
            relationship_pts,
            f"relationship {f.relationship:.0f} of {weight:g}: "
            f"{relationship_pts:.1f} of {p.relationship_points:g} points"
            if f.relationship is not None
            else f"no health yet: 0 of {p.relationship_points:g} relationship points",
        ),
    ]
    # The figures that earned the most points first: they decided the score.
    measured.sort(key=lambda item: -item[0])
    strategic = [f"strategic: {flag} (+{points:g})" for flag, points in sorted(flags.items())]
    suggestion: Suggestion = "keep"
    if f.tier == "standard" and score >= p.promote_at:
        suggestion = "promote"
        verdict = f"score {score:g} ≥ promotion threshold {p.promote_at:g}"
    elif f.tier in ("key", "strategic") and score < p.demote_below:
        suggestion = "demote"
        verdict = f"score {score:g} < demotion threshold {p.demote_below:g}"
    else:
        verdict = (
            f"score {score:g} within the {f.tier or 'unknown'} tier's thresholds "
            f"(promote at {p.promote_at:g}, demote below {p.demote_below:g})"
        )
    reasons = (verdict, *(text for _, text in measured), *strategic)
    return PortfolioReview(f, margin_share, score, suggestion, reasons)


def review_portfolio(accounts: list[PortfolioFigures], policy: Policy) -> list[PortfolioReview]:
    """Every account reviewed, highest portfolio score first (ties by account_id)."""
    reviews = [review(a, policy) for a in accounts]
    reviews.sort(key=lambda r: (-r.portfolio_score, r.figures.account_id))
    return reviews
