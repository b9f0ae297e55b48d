"""Builders for realistic input events, as plain values (no I/O, no mocks)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from consumers.domain.alerts import Alert, AlertChanges, reconcile
from consumers.domain.apply import apply, fold_events
from consumers.domain.evaluate import Health, evaluate
from consumers.domain.policy import DEFAULT_POLICY, Policy
from schemas.events import (
    AccountUpserted,
    BaseEvent,
    ContactLogged,
    OrderCancelled,
    OrderPlaced,
    RoleChanged,
    StakeholderJoined,
    StakeholderLeft,
    StakeholderUpserted,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    TicketResolved,
    UnitRestructured,
)

#: Day 0 of every scenario.
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class Events:
    """Makes events for one account; ``d`` is the day offset from T0 (may be fractional)."""

    def __init__(self, account_id: str = "acme") -> None:
        self.account_id = account_id
        self._ids = itertools.count(1)

    def at(self, d: float) -> datetime:
        """Clock time ``d`` days after T0."""
        return T0 + timedelta(days=d)

    def _base(self, d: float, prefix: str) -> dict[str, Any]:
        return {
            "event_id": f"{prefix}-{next(self._ids)}",
            "account_id": self.account_id,
            "occurred_at": self.at(d),
        }

    def account(
        self,
        d: float,
        *,
        tier: str = "strategic",
        kam: str = "kam-anna",
        target: float | None = 1_200_000.0,
        name: str = "ACME Group",
    ) -> AccountUpserted:
        return AccountUpserted(
            **self._base(d, "acc"),
            name=name,
            tier=tier,
            kam_id=kam,
            annual_revenue_target=target,
            currency="EUR",
        )

    def person(
        self, d: float, sid: str, name: str, role: str, dept: str | None = None
    ) -> StakeholderUpserted:
        return StakeholderUpserted(
            **self._base(d, "sh"),
            stakeholder_id=sid,
            name=name,
            role=role,
            department=dept,
        )

    def contact(
        self, d: float, sid: str, channel: str = "meeting", sentiment: float | None = None
    ) -> ContactLogged:
        return ContactLogged(
            **self._base(d, "ct"),
            stakeholder_id=sid,
            channel=channel,
            direction="outbound",
            sentiment=sentiment,
        )

    def order(self, d: float, oid: str, amount: float) -> OrderPlaced:
        return OrderPlaced(**self._base(d, "op"), order_id=oid, amount=amount, currency="EUR")

    def cancel(self, d: float, oid: str) -> OrderCancelled:
        return OrderCancelled(**self._base(d, "oc"), order_id=oid)

    def left(self, d: float, sid: str) -> StakeholderLeft:
        return StakeholderLeft(**self._base(d, "lf"), stakeholder_id=sid)

    def joined(self, d: float, sid: str, role: str, name: str | None = None) -> StakeholderJoined:
        return StakeholderJoined(**self._base(d, "jn"), stakeholder_id=sid, role=role, name=name)

    def role(self, d: float, sid: str, new_role: str) -> RoleChanged:
        return RoleChanged(**self._base(d, "rc"), stakeholder_id=sid, new_role=new_role)

    def restructure(self, d: float, unit: str, sids: list[str]) -> UnitRestructured:
        return UnitRestructured(**self._base(d, "ur"), unit=unit, affected_stakeholder_ids=sids)

    def ticket(
        self,
        d: float,
        tid: str,
        severity: str = "P1",
        subject: str | None = None,
        sla_hours: float | None = None,
    ) -> TicketOpened:
        sla = None if sla_hours is None else self.at(d) + timedelta(hours=sla_hours)
        return TicketOpened(
            **self._base(d, "to"),
            ticket_id=tid,
            severity=severity,
            subject=subject,
            sla_due_at=sla,
        )

    def escalate(self, d: float, tid: str, severity: str | None = None) -> TicketEscalated:
        return TicketEscalated(**self._base(d, "te"), ticket_id=tid, severity=severity)

    def resolve(self, d: float, tid: str) -> TicketResolved:
        return TicketResolved(**self._base(d, "tr"), ticket_id=tid)

    def reopen(self, d: float, tid: str) -> TicketReopened:
        return TicketReopened(**self._base(d, "tx"), ticket_id=tid)

    def healthy_account(self) -> list[BaseEvent]:
        """A well-run strategic account on day 0..120: the baseline most scenarios start from."""
        evs: list[BaseEvent] = [
            self.account(0),
            self.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
            self.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
            self.person(0, "cara", "Cara Lind", "influencer", "Engineering"),
            self.person(0, "dev", "Dev Shah", "user", "Operations"),
        ]
        for d in range(0, 121, 14):
            evs.append(self.order(d, f"o-{d}", 50_000.0))
        for d in range(0, 121, 20):
            evs.append(self.contact(d, "anna", "meeting"))
            evs.append(self.contact(d + 3, "ben", "call"))
            evs.append(self.contact(d + 5, "cara", "video"))
            evs.append(self.contact(d + 7, "dev", "email"))
        evs.append(self.contact(118, "ben", "visit"))
        return evs


@pytest.fixture
def ev() -> Events:
    """A fresh event builder for account ``acme``."""
    return Events()


class Timeline:
    """An account moving through time as the stream worker would drive it.

    ``add`` applies events; ``check(d)`` evaluates at day ``d`` and reconciles
    the open alerts, returning what changed — the alert lifecycle a KAM sees.
    """

    def __init__(self, events: list[BaseEvent], policy: Policy = DEFAULT_POLICY) -> None:
        self.state = fold_events("acme", events)
        self.policy = policy
        self.open: tuple[Alert, ...] = ()
        self.health: Health | None = None

    def add(self, *events: BaseEvent) -> None:
        for e in events:
            self.state = apply(self.state, e)

    def check(self, d: float) -> AlertChanges:
        self.health = evaluate(self.state, T0 + timedelta(days=d), self.policy)
        changes = reconcile(self.open, self.health)
        self.open = changes.open
        return changes

    def open_keys(self) -> set[tuple[str, str | None]]:
        return {a.key for a in self.open}

    def alert(self, kind: str, subject: str | None = None) -> Alert:
        found = [a for a in self.open if a.key == (kind, subject)]
        assert found, f"no open {kind} alert for {subject}; open: {sorted(self.open_keys())}"
        return found[0]


@pytest.fixture
def timeline() -> type[Timeline]:
    """The Timeline class, to drive an account through time in a test."""
    return Timeline


@pytest.fixture
def events_for() -> type[Events]:
    """The Events class, to build events for further accounts: ``events_for("globex")``."""
    return Events
