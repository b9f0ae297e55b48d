"""The portfolio review: which accounts to promote to key-account care, which to demote."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from schemas.vocabulary import Tier
from services.api.access import listed_kam
from services.api.deps import ID_PATTERN, ReadConn, Reader, ScoringPolicy
from services.api.models import Portfolio, PortfolioItem, error_responses
from services.read_models.portfolio import get_portfolio

router = APIRouter(prefix="/v1", tags=["portfolio"], responses=error_responses(401, 403, 422, 503))


@router.get("/portfolio", response_model=Portfolio)
def get_portfolio_review(
    principal: Reader,
    conn: ReadConn,
    policy: ScoringPolicy,
    suggestion: Literal["promote", "demote", "keep"] | None = None,
    tier: Tier | None = None,
    kam_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Owning KAM.")] = None,
) -> Portfolio:
    """Every account's portfolio score, suggestion and reasons, best score first; lead, admin
    and ops see every account, a KAM only their own (another KAM's ``kam_id``: 403)."""
    view = get_portfolio(
        conn, policy, kam_id=listed_kam(principal, kam_id), tier=tier, suggestion=suggestion
    )
    return Portfolio(
        as_of=view.as_of,
        items=[
            PortfolioItem(
                account_id=r.figures.account_id,
                name=r.figures.name,
                tier=r.figures.tier,
                kam_id=r.figures.kam_id,
                revenue_12m=r.figures.revenue_12m,
                margin_share=r.margin_share,
                share_of_wallet=r.figures.share_of_wallet,
                relationship=r.figures.relationship,
                portfolio_score=r.portfolio_score,
                suggestion=r.suggestion,
                reasons=list(r.reasons),
            )
            for r in view.reviews
        ],
    )
