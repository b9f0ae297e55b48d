"""The pieces of the sentences a KAM reads in drivers, alert reasons and next actions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from consumers.domain.days import whole_days

if TYPE_CHECKING:
    from consumers.domain.as_of import TicketView


def money(amount: float, currency: str | None) -> str:
    """A short amount for sentences: 1.2M EUR, 350k EUR, 900 EUR."""
    unit = f" {currency}" if currency else ""
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:.1f}M{unit}"
    if amount >= 10_000:
        return f"{amount / 1000:.0f}k{unit}"
    return f"{amount:,.0f}{unit}"


def n_days(n: int) -> str:
    """'1 day', '52 days'."""
    return f"{n} day" if n == 1 else f"{n} days"


def ticket_clock(view: TicketView, now: datetime) -> tuple[int, bool]:
    """All a ticket's sentence reads of ``now``: whole days open, SLA breached or not."""
    return whole_days(view.open_since, now), view.sla_breached(now)


def ticket_sentence(view: TicketView, now: datetime) -> str:
    """'P1 ticket T-9 "Line down" open for 3 days, escalated, SLA breached'."""
    return ticket_sentence_at(view, ticket_clock(view, now))


def ticket_sentence_at(view: TicketView, clock: tuple[int, bool]) -> str:
    """:func:`ticket_sentence` at a :func:`ticket_clock` reading."""
    days, breached = clock
    subject = f' "{view.subject}"' if view.subject else ""
    parts = [f"{view.severity} ticket {view.ticket_id}{subject} open for "]
    parts.append(f"{days} day{'s' if days != 1 else ''}" if days else "less than a day")
    if view.escalated_at is not None:
        parts.append(", escalated")
    if breached:
        parts.append(", SLA breached")
    return "".join(parts)
