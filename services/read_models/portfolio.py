"""The portfolio review read from the read models: each account's latest figures, scored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from consumers.domain.policy import Policy
from consumers.domain.portfolio import PortfolioFigures, PortfolioReview, review_portfolio
from services.read_models.schema import account_health, accounts


@dataclass(frozen=True)
class PortfolioView:
    """The reviewed accounts and the newest figures' time."""

    as_of: datetime | None
    reviews: list[PortfolioReview]


def get_portfolio(
    conn: Connection,
    policy: Policy,
    *,
    kam_id: str | None = None,
    tier: str | None = None,
    suggestion: str | None = None,
) -> PortfolioView:
    """Every account with master data, reviewed with ``policy``; filtered, best score first.

    The figures are those of the account's latest profile (revenue, margin,
    potential, share of wallet, flags) and health (relationship component),
    so the review agrees with what the account page shows.
    """
    query = sa.select(
        accounts.c.account_id,
        accounts.c.name,
        accounts.c.tier,
        accounts.c.kam_id,
        accounts.c.currency,
        accounts.c.revenue_12m,
        accounts.c.margin_12m,
        accounts.c.annual_potential,
        accounts.c.share_of_wallet,
        accounts.c.strategic_flags,
        accounts.c.as_of,
        account_health.c.relationship,
        account_health.c.as_of.label("health_as_of"),
    ).select_from(
        accounts.outerjoin(account_health, account_health.c.account_id == accounts.c.account_id)
    )
    if kam_id is not None:
        query = query.where(accounts.c.kam_id == kam_id)
    if tier is not None:
        query = query.where(accounts.c.tier == tier)
    rows = list(conn.execute(query).mappings())
    figures = [
        PortfolioFigures(
            account_id=r["account_id"],
            name=r["name"],
            tier=r["tier"],
            kam_id=r["kam_id"],
            currency=r["currency"],
            revenue_12m=r["revenue_12m"] or 0.0,
            margin_12m=r["margin_12m"] or 0.0,
            annual_potential=r["annual_potential"],
            share_of_wallet=r["share_of_wallet"],
            relationship=r["relationship"],
            strategic_flags=tuple(r["strategic_flags"] or ()),
        )
        for r in rows
    ]
    reviews = review_portfolio(figures, policy)
    if suggestion is not None:
        reviews = [r for r in reviews if r.suggestion == suggestion]
    times = [t for r in rows for t in (r["as_of"], r["health_as_of"]) if t is not None]
    return PortfolioView(max(times, default=None), reviews)
