"""Fixtures of every unit test: realistic input events as plain values (no I/O, no mocks)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consumers.domain.alerts import AlertChanges, AlertState, reconcile
from consumers.domain.apply import apply, fold_events
from consumers.domain.evaluate import Evaluation, evaluate
from consumers.domain.policy import DEFAULT_POLICY, Policy
from schemas.events import BaseEvent
from services.feeds.simulator.builder import DEFAULT_START, AccountEvents

#: Day 0 of every scenario.
T0 = DEFAULT_START


class Events(AccountEvents):
    """The unit tests' event builder for one account (default ``acme``), from T0."""

    def __init__(self, account_id: str = "acme") -> None:
        super().__init__(account_id, T0)

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


class AccountTimeline:
    """An account moving through time as the stream worker would drive it.

    ``add`` applies events; ``check(d)`` evaluates at day ``d`` and reconciles
    the open alerts, returning what changed — the alert lifecycle a KAM sees.
    """

    def __init__(self, events: list[BaseEvent], policy: Policy = DEFAULT_POLICY) -> None:
        self.state = fold_events("acme", events)
        self.policy = policy
        self.open: tuple[AlertState, ...] = ()
        self.health: Evaluation | None = None

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

    def alert(self, kind: str, subject: str | None = None) -> AlertState:
        found = [a for a in self.open if a.key == (kind, subject)]
        assert found, f"no open {kind} alert for {subject}; open: {sorted(self.open_keys())}"
        return found[0]


@pytest.fixture
def timeline() -> type[AccountTimeline]:
    """The AccountTimeline class, to drive an account through time in a test."""
    return AccountTimeline


@pytest.fixture
def events_for() -> type[Events]:
    """The Events class, to build events for further accounts: ``events_for("globex")``."""
    return Events
