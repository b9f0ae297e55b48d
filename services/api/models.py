"""Request and response bodies of the HTTP API: one model per purpose, with OpenAPI examples."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas.internal import QueueItem, StakeholderRecord
from schemas.outputs import HealthSnapshot
from services.settings import ApiRole

_T = "2026-03-02T09:30:00Z"

HEALTH_EXAMPLE: dict[str, Any] = {
    "account_id": "acme-group",
    "score": 58.5,
    "band": "watch",
    "components": {"relationship": 41.0, "commercial": 72.0, "support": 80.0, "stability": 100.0},
    "drivers": [
        {
            "factor": "decision_maker_silent",
            "impact": -12.5,
            "text": "No contact with decision maker Anna Berg for 52 days",
        }
    ],
    "as_of": _T,
}

ALERT_EXAMPLE: dict[str, Any] = {
    "alert_id": "al-7f3c2a",
    "account_id": "acme-group",
    "kam_id": "k-anna",
    "kind": "stakeholder_cooling",
    "severity": "warning",
    "status": "open",
    "subject": "s-berg",
    "reason": "No contact with decision maker Anna Berg for 52 days (cadence 30)",
    "raised_at": _T,
    "resolved_at": None,
    "updated_at": _T,
    "acked_at": None,
    "acked_by": None,
    "snoozed_until": None,
    "account_name": "ACME Group",
    "account_tier": "strategic",
}


class ErrorBody(BaseModel):
    """Every error: ``detail`` is a sentence or a list of problems."""

    detail: Any = Field(examples=["unknown account 'acme-group'"])


class Health(HealthSnapshot):
    """The latest health of an account (docs/contract.md section 3 shape)."""

    model_config = ConfigDict(json_schema_extra={"examples": [HEALTH_EXAMPLE]})


class Alert(BaseModel):
    """An alert with its lifecycle (from the stream) and its ack and snooze (from the API)."""

    model_config = ConfigDict(json_schema_extra={"examples": [ALERT_EXAMPLE]})

    alert_id: str
    account_id: str
    kam_id: str | None
    kind: str
    severity: str
    status: str
    subject: str | None
    reason: str
    raised_at: datetime
    resolved_at: datetime | None
    updated_at: datetime = Field(description="Time of the lifecycle step this row reflects.")
    acked_at: datetime | None
    acked_by: str | None = Field(description="Who acknowledged it (kam_id or 'admin').")
    snoozed_until: datetime | None
    account_name: str | None = Field(
        default=None, description="The account's name from its master data; null when unknown."
    )
    account_tier: str | None = Field(
        default=None, description="The account's tier from its master data; null when unknown."
    )


class Account(BaseModel):
    """Account master data, current health and open (not snoozed) alerts."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "acme-group",
                    "name": "ACME Group",
                    "tier": "strategic",
                    "kam_id": "k-anna",
                    "parent_account_id": None,
                    "annual_revenue_target": 2500000.0,
                    "currency": "EUR",
                    "as_of": _T,
                    "health": HEALTH_EXAMPLE,
                    "open_alerts": [ALERT_EXAMPLE],
                }
            ]
        }
    )

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    parent_account_id: str | None
    annual_revenue_target: float | None
    currency: str | None
    as_of: datetime | None = Field(description="When the master data was last updated.")
    health: Health | None
    open_alerts: list[Alert]
    annual_potential: float | None = Field(
        default=None, description="What the account could buy from us in a year."
    )
    revenue_12m: float = Field(default=0.0, description="Revenue of the trailing 12 months.")
    margin_12m: float = Field(default=0.0, description="Margin of the trailing 12 months.")
    share_of_wallet: float | None = Field(
        default=None,
        description="revenue_12m / annual_potential (0.1 is 10 %); null without a potential.",
    )


class AccountListEntry(BaseModel):
    """One account of the list: master data, current health and visible open alerts.

    ``kam_id`` is null for an account with events but no master data yet
    (unassigned); so are ``name``, ``tier`` and the revenue target.
    """

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    parent_account_id: str | None
    score: float | None = Field(description="Current health score; null before the first.")
    band: str | None
    open_alerts: int = Field(description="Open alerts that are not snoozed.")
    priority: float | None = Field(description="Priority in the KAM's queue; null if not queued.")
    annual_revenue_target: float | None = Field(description="What `sort=revenue` orders by.")
    currency: str | None


class AccountList(BaseModel):
    """Accounts matching the filters, in the requested order."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "account_id": "acme-group",
                            "name": "ACME Group",
                            "tier": "strategic",
                            "kam_id": "k-anna",
                            "parent_account_id": None,
                            "score": 58.5,
                            "band": "watch",
                            "open_alerts": 2,
                            "priority": 87.5,
                            "annual_revenue_target": 2500000.0,
                            "currency": "EUR",
                        }
                    ]
                }
            ]
        }
    )

    items: list[AccountListEntry]


class Stakeholder(StakeholderRecord):
    """A stakeholder with role, status (active/left), last contact and warmth 0–1."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "stakeholder_id": "s-berg",
                    "name": "Anna Berg",
                    "role": "decision_maker",
                    "title": "CPO",
                    "department": "Procurement",
                    "status": "active",
                    "last_contact": _T,
                    "warmth": 0.42,
                }
            ]
        }
    )


class TeamMember(BaseModel):
    """One person on our side: whom at the account they spoke to, when last, how often lately."""

    internal_owner: str
    stakeholders: list[str]
    last_contact: AwareDatetime
    touchpoints_90d: int = Field(ge=0, description="Touchpoints in the last 90 days.")


class Team(BaseModel):
    """The account team: who on our side holds which relationships."""

    account_id: str
    kam_id: str | None
    members: list[TeamMember] = Field(description="Most touchpoints in 90 days first.")
    known_only_by_kam: list[str] = Field(
        description="Active stakeholders only the KAM has spoken to (nobody else on our side)."
    )
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "acme-group",
                    "kam_id": "kam-lena",
                    "members": [
                        {
                            "internal_owner": "kam-lena",
                            "stakeholders": ["s-berg", "s-ortiz"],
                            "last_contact": _T,
                            "touchpoints_90d": 9,
                        },
                        {
                            "internal_owner": "service-team",
                            "stakeholders": ["s-ortiz"],
                            "last_contact": _T,
                            "touchpoints_90d": 2,
                        },
                    ],
                    "known_only_by_kam": ["s-berg"],
                }
            ]
        }
    )


class PortfolioItem(BaseModel):
    """One account of the portfolio review."""

    account_id: str
    name: str | None
    tier: str | None
    kam_id: str | None
    revenue_12m: float
    margin_share: float | None = Field(
        description="margin_12m / revenue_12m; null without revenue."
    )
    share_of_wallet: float | None
    relationship: float | None = Field(description="The health's relationship component (0–40).")
    portfolio_score: float
    suggestion: Literal["promote", "demote", "keep"]
    reasons: list[str] = Field(description="The verdict, then the figures by points earned.")


class Portfolio(BaseModel):
    """The portfolio review: every account scored, best first."""

    as_of: AwareDatetime | None
    items: list[PortfolioItem]


class QueueEntry(QueueItem):
    """One ranked queue line, with the account's name and tier (null without master data).

    ``open_alerts`` counts the account's open alerts that are not snoozed, as
    the account and the alert list do.
    """

    account_name: str | None = None
    account_tier: str | None = None
    kind: Literal["risk", "growth"] = Field(
        default="risk",
        description="risk: the account's line from the stream; growth: a product line its "
        "group buys and it does not, for a healthy account, ranked below every risk line.",
    )


class GroupMember(BaseModel):
    """One account of a group with its health, 12-month revenue and open alerts."""

    account_id: str
    name: str
    kam_id: str | None
    score: float | None
    band: str | None
    revenue_12m: float
    open_alerts: int
    depth: int = Field(description="0 for the top-level account, 1 for its subsidiaries, ...")
    product_lines: dict[str, float] = Field(
        default_factory=dict,
        description="Trailing-12-month revenue per product line (the whitespace grid's row).",
    )


class Group(BaseModel):
    """A top-level account's group: the roll-up and every member (the top first)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": "daimler",
                    "name": "Daimler AG",
                    "kam_id": "k-anna",
                    "score": 69.0,
                    "band": "watch",
                    "revenue_12m": 1000000.0,
                    "open_alerts": 3,
                    "most_at_risk": "fuso",
                    "error": None,
                    "members": [
                        {
                            "account_id": "daimler",
                            "name": "Daimler AG",
                            "kam_id": "k-anna",
                            "score": 80.0,
                            "band": "healthy",
                            "revenue_12m": 600000.0,
                            "open_alerts": 1,
                            "depth": 0,
                        }
                    ],
                }
            ]
        }
    )

    account_id: str = Field(description="The top-level account.")
    name: str
    kam_id: str | None
    score: float | None = Field(
        description="Revenue-weighted mean of the members' scores (equal weights without revenue)."
    )
    band: str | None
    revenue_12m: float = Field(description="The members' trailing-12-month revenue together.")
    open_alerts: int
    most_at_risk: str | None = Field(description="The member with the lowest score.")
    error: str | None = Field(
        default=None, description="Unknown parents and cycles in parent_account_id, if any."
    )
    members: list[GroupMember]


class BoughtLine(BaseModel):
    """Trailing-12-month revenue and margin of one product line in one business unit."""

    product_line: str
    business_unit: str
    revenue_12m: float
    margin_12m: float


class GapLine(BaseModel):
    """A product line other members of the group bought in 12 months and this account did not."""

    product_line: str
    bought_by: list[str]
    group_revenue_12m: float
    reason: str


class Whitespace(BaseModel):
    """What the account buys, and what its group buys that it does not."""

    account_id: str
    bought: list[BoughtLine]
    gaps: list[GapLine]


class Queue(BaseModel):
    """A KAM's ranked work queue; ``as_of`` is null before the first one was computed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kam_id": "k-anna",
                    "as_of": _T,
                    "items": [
                        {
                            "rank": 1,
                            "account_id": "acme-group",
                            "account_name": "ACME Group",
                            "account_tier": "strategic",
                            "priority": 87.5,
                            "health": 41.0,
                            "open_alerts": 2,
                            "next_action": "Call Anna Berg (decision maker, 52 days silent)",
                        }
                    ],
                }
            ]
        }
    )

    kam_id: str
    as_of: datetime | None
    items: list[QueueEntry]


class SnoozeRequest(BaseModel):
    """Hide an alert from open lists until ``until`` (RFC 3339 with an offset, in the future)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"until": "2026-03-09T09:00:00+01:00"}]}
    )

    until: AwareDatetime


class IngestAccepted(BaseModel):
    """Every event was acknowledged by the broker."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"accepted": ["crm-000123", "crm-000124"], "count": 2}]}
    )

    accepted: list[str] = Field(description="The accepted events' event_ids, in request order.")
    count: int


class ItemProblem(BaseModel):
    """One defect of one submitted event."""

    index: int | None = Field(description="Position in the submitted list (0 for a single event).")
    event_id: str | None = Field(description="The item's event_id when it had a usable one.")
    field: str = Field(description="Dotted path of the offending field; empty for the whole item.")
    message: str


class IngestRejected(BaseModel):
    """Some items were invalid: nothing was published."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": [
                        {
                            "index": 1,
                            "event_id": "crm-000124",
                            "field": "amount",
                            "message": "Input should be greater than or equal to 0 (got -5)",
                        }
                    ]
                }
            ]
        }
    )

    detail: list[ItemProblem]


class Me(BaseModel):
    """Who the token belongs to (the dashboard uses it to decide what to show)."""

    role: ApiRole
    kam_id: str | None


_ERROR_TEXT = {
    400: "The request is malformed.",
    401: "Missing or unknown bearer token.",
    403: "The token's role or KAM may not do this.",
    404: "No such resource.",
    413: "The request body or the number of events is over the limit.",
    422: "The request failed validation.",
    503: "A dependency (broker or database) is unavailable.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses, all shaped as ErrorBody."""
    return {code: {"model": ErrorBody, "description": _ERROR_TEXT[code]} for code in codes}
