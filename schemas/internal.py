"""Records on keypulse's internal topics: from the stream worker to its KAM stage and the sink.

Not part of the public contract (docs/contract.md names only the input and output
topics); the SQL read models are built from these plus ``alerts`` and
``account-health``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from schemas._types import Identifier, Record, Timestamp
from schemas.outputs import HealthSnapshot

Warmth = Annotated[float, Field(ge=0, le=1)]


class StakeholderRecord(Record):
    """A stakeholder as the API's stakeholder list shows them."""

    stakeholder_id: Identifier
    name: str
    role: str
    title: str | None = None
    department: str | None = None
    status: Literal["active", "left"]
    last_contact: Timestamp | None = None
    warmth: Warmth


class TeamMemberRecord(Record):
    """One internal person of the account team (GET /v1/accounts/{account_id}/team)."""

    internal_owner: str
    stakeholders: list[Identifier]
    last_contact: Timestamp
    touchpoints_90d: int = Field(ge=0)


class PurchaseRecord(Record):
    """Trailing-12-month revenue and margin of one product line in one business unit."""

    product_line: str
    business_unit: str
    revenue_12m: float
    margin_12m: float


class AccountProfile(Record):
    """Account master data, stakeholders and purchases, published when any of them changes.

    The purchase figures are as of ``as_of`` (orders of the 12 months before
    it); the worker re-evaluates the account when an order leaves that
    window, so a new profile follows.
    """

    account_id: Identifier
    name: str | None = None
    tier: str | None = None
    kam_id: str | None = None
    parent_account_id: str | None = None
    annual_revenue_target: float | None = None
    currency: str | None = None
    stakeholders: list[StakeholderRecord] = Field(default_factory=list)
    # Absent in profiles written before the account team was published: no team.
    team: list[TeamMemberRecord] = Field(default_factory=list)
    annual_potential: float | None = None
    strategic_flags: list[str] = Field(default_factory=list)
    revenue_12m: float = 0.0
    margin_12m: float = 0.0
    share_of_wallet: float | None = None
    bought: list[PurchaseRecord] = Field(default_factory=list)
    as_of: Timestamp


class QueueLine(Record):
    """One account's line for its KAM's queue (keyed by kam_id: the repartition).

    ``present`` is False when the account left this KAM (a handover).
    """

    kam_id: Identifier
    account_id: Identifier
    present: bool = True
    priority: float = 0.0
    health: float = Field(default=0.0, ge=0, le=100)
    open_alerts: int = Field(default=0, ge=0)
    next_action: str = ""
    as_of: Timestamp


class QueueItem(Record):
    """One ranked line of a KAM's queue (docs/contract.md section 4)."""

    rank: int = Field(ge=1)
    account_id: Identifier
    priority: float
    health: float = Field(ge=0, le=100)
    open_alerts: int = Field(ge=0)
    next_action: str


class KamQueue(Record):
    """A KAM's whole ranked queue, published when it changes."""

    kam_id: Identifier
    items: list[QueueItem]
    as_of: Timestamp


class HealthHistory(Record):
    """An account's health at Mondays 00:00 UTC in event time, as one worker step computed them.

    One record per step however many points it holds: on a broker that
    takes one record per batch, a point per record would cost a round trip
    each. Each point is an ``account-health`` snapshot whose ``as_of`` is the
    instant it describes; the sink upserts them into the health history by
    (account, as_of), so a point computed again replaces the earlier one.
    """

    account_id: Identifier
    points: list[HealthSnapshot]
