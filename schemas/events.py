"""Input events: what upstream systems publish (docs/contract.md section 2).

Every model is frozen, ignores unknown extra fields, and is strict where a
silent coercion would hide an upstream bug (numbers sent as text, timestamps
without an offset, unknown event types).
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from schemas._types import Currency, Identifier, StrictNumber, Text, Timestamp
from schemas.vocabulary import Channel, Direction, StakeholderRole, TicketSeverity, Tier


class BaseEvent(BaseModel):
    """Fields every input event carries."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    event_id: Identifier = Field(description="Unique per event at its source; the idempotency key.")
    account_id: Identifier = Field(description="The key account; also the Kafka message key.")
    occurred_at: Timestamp = Field(description="When it happened in the world (event time).")
    source: Text | None = Field(default=None, description="Emitting system, e.g. crm, erp.")
    schema_version: Annotated[int, Field(strict=True, ge=1)] = 1


class AccountUpserted(BaseEvent):
    """Account master data; latest occurred_at wins; a changed kam_id is a handover."""

    type: Literal["account.upserted"] = "account.upserted"
    name: Text
    tier: Tier
    kam_id: Identifier
    parent_account_id: Identifier | None = None
    annual_revenue_target: Annotated[StrictNumber, Field(ge=0)] | None = None
    currency: Currency | None = None
    annual_potential: Annotated[StrictNumber, Field(ge=0)] | None = Field(
        default=None,
        description="What the account could buy from us in a year, in its currency.",
    )
    strategic_flags: list[Text] | None = Field(
        default=None,
        description="Strategic criteria of key-account selection, e.g. reference_customer, "
        "market_leader, multi_country; each worth points in the portfolio review.",
    )


class StakeholderUpserted(BaseEvent):
    """A person at the customer, as the CRM knows them."""

    type: Literal["stakeholder.upserted"] = "stakeholder.upserted"
    stakeholder_id: Identifier
    name: Text
    role: StakeholderRole
    title: Text | None = None
    department: Text | None = None


class ContactLogged(BaseEvent):
    """A touchpoint with a stakeholder."""

    type: Literal["contact.logged"] = "contact.logged"
    stakeholder_id: Identifier
    channel: Channel
    direction: Direction
    sentiment: Annotated[StrictNumber, Field(ge=-1, le=1)] | None = None
    internal_owner: Text | None = None


class OrderPlaced(BaseEvent):
    """An order booked in the ERP."""

    type: Literal["order.placed"] = "order.placed"
    order_id: Identifier
    amount: Annotated[StrictNumber, Field(ge=0)]
    currency: Currency
    margin: StrictNumber | None = None
    product_line: Text | None = None
    business_unit: Text | None = None


class OrderCancelled(BaseEvent):
    """A cancellation; it wins over the placement whichever arrives first."""

    type: Literal["order.cancelled"] = "order.cancelled"
    order_id: Identifier


class StakeholderLeft(BaseEvent):
    """A stakeholder left the customer organisation."""

    type: Literal["reorg.stakeholder_left"] = "reorg.stakeholder_left"
    stakeholder_id: Identifier


class StakeholderJoined(BaseEvent):
    """A new person joined in a role that matters to the account."""

    type: Literal["reorg.stakeholder_joined"] = "reorg.stakeholder_joined"
    stakeholder_id: Identifier
    role: StakeholderRole
    name: Text | None = None
    title: Text | None = None


class RoleChanged(BaseEvent):
    """A stakeholder moved to another role."""

    type: Literal["reorg.role_changed"] = "reorg.role_changed"
    stakeholder_id: Identifier
    new_role: StakeholderRole
    title: Text | None = None


class UnitRestructured(BaseEvent):
    """A business unit was reorganised, touching the listed stakeholders."""

    type: Literal["reorg.unit_restructured"] = "reorg.unit_restructured"
    unit: Text
    affected_stakeholder_ids: list[Identifier]


class TicketOpened(BaseEvent):
    """A support ticket was opened."""

    type: Literal["ticket.opened"] = "ticket.opened"
    ticket_id: Identifier
    severity: TicketSeverity
    subject: Text | None = None
    sla_due_at: Timestamp | None = None


class TicketEscalated(BaseEvent):
    """A ticket was escalated, optionally to a new severity."""

    type: Literal["ticket.escalated"] = "ticket.escalated"
    ticket_id: Identifier
    severity: TicketSeverity | None = None


class TicketResolved(BaseEvent):
    """A ticket was resolved."""

    type: Literal["ticket.resolved"] = "ticket.resolved"
    ticket_id: Identifier


class TicketReopened(BaseEvent):
    """A resolved ticket was reopened."""

    type: Literal["ticket.reopened"] = "ticket.reopened"
    ticket_id: Identifier


InputEvent: TypeAlias = Annotated[
    AccountUpserted
    | StakeholderUpserted
    | ContactLogged
    | OrderPlaced
    | OrderCancelled
    | StakeholderLeft
    | StakeholderJoined
    | RoleChanged
    | UnitRestructured
    | TicketOpened
    | TicketEscalated
    | TicketResolved
    | TicketReopened,
    Field(discriminator="type"),
]

#: Validates any input event by its ``type`` tag (used for OpenAPI and bulk checks).
INPUT_EVENT_ADAPTER: TypeAdapter[InputEvent] = TypeAdapter(InputEvent)

#: Event model per ``type`` tag, in contract order.
EVENT_MODELS: dict[str, type[BaseEvent]] = {
    model.model_fields["type"].default: model
    for model in (
        AccountUpserted,
        StakeholderUpserted,
        ContactLogged,
        OrderPlaced,
        OrderCancelled,
        StakeholderLeft,
        StakeholderJoined,
        RoleChanged,
        UnitRestructured,
        TicketOpened,
        TicketEscalated,
        TicketResolved,
        TicketReopened,
    )
}
