"""Contract events for one account, timed in days from a start: synthetic histories' bricks.

The benchmark's workloads (services/ops/bench), the tests' scripted
histories (tests/support/histories.py) and the unit tests' event builder
(the ``ev`` fixture) all make their events here, each with its own start,
event ids and, where a history wants it, a jitter of the time of day. The
simulator's richer story (history.py) goes through the upstream adapters
instead, as real sources do.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import events

#: Day 0 when no start is given.
DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class AccountEvents:
    """Makes the events of one account; ``d`` is the day offset from ``start`` (may be fractional).

    ``ids(prefix)`` names each event (default ``{prefix}-{n}``, counting per
    builder); ``jitter()``, if given, is added to each event's time (not to
    :meth:`at`); ``source`` fills the events' ``source`` field.
    """

    def __init__(
        self,
        account_id: str = "acme",
        start: datetime = DEFAULT_START,
        *,
        ids: Callable[[str], str] | None = None,
        jitter: Callable[[], timedelta] | None = None,
        source: str | None = None,
    ) -> None:
        self.account_id = account_id
        self.start = start
        self.source = source
        self._jitter = jitter
        if ids is None:
            counter = itertools.count(1)
            ids = lambda prefix: f"{prefix}-{next(counter)}"  # noqa: E731
        self._ids = ids

    def at(self, d: float) -> datetime:
        """Clock time ``d`` days after the start."""
        return self.start + timedelta(days=d)

    def _base(self, d: float, prefix: str) -> dict[str, Any]:
        event_id = self._ids(prefix)
        occurred_at = self.at(d) if self._jitter is None else self.at(d) + self._jitter()
        base = {"event_id": event_id, "account_id": self.account_id, "occurred_at": occurred_at}
        if self.source is not None:
            base["source"] = self.source
        return base

    def account(
        self,
        d: float,
        *,
        tier: str = "strategic",
        kam: str = "kam-anna",
        target: float | None = 1_200_000.0,
        name: str = "ACME Group",
        currency: str | None = "EUR",
        parent: str | None = None,
        potential: float | None = None,
        flags: list[str] | None = None,
    ) -> events.AccountUpserted:
        """Master data: ``account.upserted`` (a changed ``kam`` is a handover)."""
        return events.AccountUpserted(
            **self._base(d, "acc"),
            name=name,
            tier=tier,
            kam_id=kam,
            parent_account_id=parent,
            annual_revenue_target=target,
            currency=currency,
            annual_potential=potential,
            strategic_flags=flags,
        )

    def person(
        self,
        d: float,
        sid: str,
        name: str,
        role: str,
        dept: str | None = None,
        *,
        title: str | None = None,
    ) -> events.StakeholderUpserted:
        """A stakeholder as the CRM knows them: ``stakeholder.upserted``."""
        return events.StakeholderUpserted(
            **self._base(d, "sh"),
            stakeholder_id=sid,
            name=name,
            role=role,
            title=title,
            department=dept,
        )

    def contact(
        self,
        d: float,
        sid: str,
        channel: str = "meeting",
        sentiment: float | None = None,
        *,
        direction: str = "outbound",
        owner: str | None = None,
    ) -> events.ContactLogged:
        """A touchpoint: ``contact.logged``."""
        return events.ContactLogged(
            **self._base(d, "ct"),
            stakeholder_id=sid,
            channel=channel,
            direction=direction,
            sentiment=sentiment,
            internal_owner=owner,
        )

    def order(
        self,
        d: float,
        oid: str,
        amount: float,
        *,
        currency: str = "EUR",
        product_line: str | None = None,
        business_unit: str | None = None,
        margin: float | None = None,
    ) -> events.OrderPlaced:
        """An order: ``order.placed``."""
        return events.OrderPlaced(
            **self._base(d, "op"),
            order_id=oid,
            amount=amount,
            currency=currency,
            product_line=product_line,
            business_unit=business_unit,
            margin=margin,
        )

    def cancel(self, d: float, oid: str) -> events.OrderCancelled:
        """A cancellation: ``order.cancelled``."""
        return events.OrderCancelled(**self._base(d, "oc"), order_id=oid)

    def left(self, d: float, sid: str) -> events.StakeholderLeft:
        """A stakeholder left the customer: ``reorg.stakeholder_left``."""
        return events.StakeholderLeft(**self._base(d, "lf"), stakeholder_id=sid)

    def joined(
        self, d: float, sid: str, role: str, name: str | None = None, *, title: str | None = None
    ) -> events.StakeholderJoined:
        """Someone new in a role that matters: ``reorg.stakeholder_joined``."""
        return events.StakeholderJoined(
            **self._base(d, "jn"), stakeholder_id=sid, role=role, name=name, title=title
        )

    def role(self, d: float, sid: str, new_role: str) -> events.RoleChanged:
        """A stakeholder moved to another role: ``reorg.role_changed``."""
        return events.RoleChanged(**self._base(d, "rc"), stakeholder_id=sid, new_role=new_role)

    def restructure(self, d: float, unit: str, sids: list[str]) -> events.UnitRestructured:
        """A unit was reorganised: ``reorg.unit_restructured``."""
        return events.UnitRestructured(
            **self._base(d, "ur"), unit=unit, affected_stakeholder_ids=sids
        )

    def ticket(
        self,
        d: float,
        tid: str,
        severity: str = "P1",
        subject: str | None = None,
        sla_hours: float | None = None,
    ) -> events.TicketOpened:
        """A support ticket: ``ticket.opened``, its SLA ``sla_hours`` after day ``d``."""
        sla = None if sla_hours is None else self.at(d) + timedelta(hours=sla_hours)
        return events.TicketOpened(
            **self._base(d, "to"),
            ticket_id=tid,
            severity=severity,
            subject=subject,
            sla_due_at=sla,
        )

    def escalate(self, d: float, tid: str, severity: str | None = None) -> events.TicketEscalated:
        """An escalation, optionally to a new severity: ``ticket.escalated``."""
        return events.TicketEscalated(**self._base(d, "te"), ticket_id=tid, severity=severity)

    def resolve(self, d: float, tid: str) -> events.TicketResolved:
        """``ticket.resolved``."""
        return events.TicketResolved(**self._base(d, "tr"), ticket_id=tid)

    def reopen(self, d: float, tid: str) -> events.TicketReopened:
        """``ticket.reopened``."""
        return events.TicketReopened(**self._base(d, "tx"), ticket_id=tid)
