"""Helpdesk tickets → ``ticket.opened`` / ``escalated`` / ``resolved`` / ``reopened``.

Helpdesks speak of priorities (urgent, high, normal, low) and SLA hours;
the contract speaks of severities P1–P4 and an SLA due time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from schemas.events import (
    BaseEvent,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    TicketResolved,
)
from schemas.vocabulary import TicketSeverity
from services.feeds.upstream import stamp

Priority = Literal["urgent", "high", "normal", "low"]
PRIORITY_SEVERITY: dict[Priority, TicketSeverity] = {
    "urgent": "P1",
    "high": "P2",
    "normal": "P3",
    "low": "P4",
}
TicketAction = Literal["escalate", "resolve", "reopen"]


@dataclass(frozen=True)
class HelpdeskTicket:
    """A new ticket as the helpdesk created it."""

    ticket_no: str
    account_id: str
    priority: Priority
    created_at: datetime
    subject: str | None = None
    sla_hours: float | None = None


@dataclass(frozen=True)
class TicketUpdate:
    """A later step of a ticket: escalation (maybe to a new priority), resolution, reopening."""

    ticket_no: str
    account_id: str
    action: TicketAction
    at: datetime
    new_priority: Priority | None = None


def ticket_opened(ticket: HelpdeskTicket, source: str = "helpdesk") -> TicketOpened:
    """The event for a new ticket."""
    due = (
        None if ticket.sla_hours is None else ticket.created_at + timedelta(hours=ticket.sla_hours)
    )
    return TicketOpened(
        event_id=f"{source}:ticket:{ticket.ticket_no}:opened",
        account_id=ticket.account_id,
        occurred_at=ticket.created_at,
        source=source,
        ticket_id=ticket.ticket_no,
        severity=PRIORITY_SEVERITY[ticket.priority],
        subject=ticket.subject,
        sla_due_at=due,
    )


def ticket_updated(update: TicketUpdate, source: str = "helpdesk") -> BaseEvent:
    """The event for one step of a ticket's life after it was opened."""
    common = {
        "event_id": f"{source}:ticket:{update.ticket_no}:{update.action}:{stamp(update.at)}",
        "account_id": update.account_id,
        "occurred_at": update.at,
        "source": source,
        "ticket_id": update.ticket_no,
    }
    if update.action == "escalate":
        severity = None if update.new_priority is None else PRIORITY_SEVERITY[update.new_priority]
        return TicketEscalated(**common, severity=severity)
    if update.action == "resolve":
        return TicketResolved(**common)
    return TicketReopened(**common)
