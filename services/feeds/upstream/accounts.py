"""Account master data (a CRM or ERP customer master) → ``account.upserted``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.events import AccountUpserted
from schemas.vocabulary import Tier
from services.feeds.upstream import stamp


@dataclass(frozen=True)
class AccountRecord:
    """One version of a customer master record."""

    account_id: str
    name: str
    tier: Tier
    kam_id: str
    changed_at: datetime
    parent_account_id: str | None = None
    annual_revenue_target: float | None = None
    currency: str = "EUR"
    annual_potential: float | None = None
    strategic_flags: tuple[str, ...] = ()


def account_upserted(record: AccountRecord, source: str = "crm") -> AccountUpserted:
    """The event for one master-data version; a changed ``kam_id`` is a handover."""
    return AccountUpserted(
        event_id=f"{source}:account:{record.account_id}:{stamp(record.changed_at)}",
        account_id=record.account_id,
        occurred_at=record.changed_at,
        source=source,
        name=record.name,
        tier=record.tier,
        kam_id=record.kam_id,
        parent_account_id=record.parent_account_id,
        annual_revenue_target=record.annual_revenue_target,
        currency=record.currency,
        annual_potential=record.annual_potential,
        strategic_flags=list(record.strategic_flags) or None,
    )
