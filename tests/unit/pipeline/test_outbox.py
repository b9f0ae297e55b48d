"""A worker killed after storing a step and before sending its outputs loses nothing.

The account table (the "store" here) is what the next worker recovers from
the changelog; downstream (the sink, the KAM stage) is a fake that keeps the
last record of each kind per key, as the read models do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock
from consumers.pipeline.codecs.record import stored_from_bytes, stored_to_bytes
from consumers.pipeline.codecs.stored import STORED_FORMAT, stored_from_dict, stored_to_dict
from consumers.pipeline.step import StepOutput, step
from schemas import validate_event
from schemas.events import BaseEvent
from schemas.internal import AccountProfile
from schemas.outputs import HealthSnapshot
from tests.support.histories import portfolio_history

HISTORY: list[BaseEvent] = [validate_event(e) for e in portfolio_history()]
BATCHES = [HISTORY[i : i + 40] for i in range(0, len(HISTORY), 40)]


@dataclass
class Downstream:
    """What the read models end with: alert statuses, latest health and profile per account."""

    alerts: dict[str, str] = field(default_factory=dict)
    health: dict[str, HealthSnapshot] = field(default_factory=dict)
    history: dict[tuple[str, Any], HealthSnapshot] = field(default_factory=dict)
    profiles: dict[str, AccountProfile] = field(default_factory=dict)
    stamps: list[Any] = field(default_factory=list)

    def receive(self, outputs: list[StepOutput]) -> None:
        for out in outputs:
            account = out.stored.account_id
            for alert in out.alerts:
                if self.alerts.get(alert.alert_id) != "resolved":  # the sink never re-opens
                    self.alerts[alert.alert_id] = alert.status
            if out.health is not None:
                self.health[account] = out.health
                self.stamps.append(out.health.as_of)
            for point in out.history:  # keyed like the health_history table
                self.history[(account, point.as_of)] = point
            if out.profile is not None:
                self.profiles[account] = out.profile

    def open_alerts(self) -> set[str]:
        return {alert_id for alert_id, status in self.alerts.items() if status == "open"}

    def summary(self) -> dict[str, Any]:
        return {
            "open": self.open_alerts(),
            "health": {a: (h.score, h.band) for a, h in self.health.items()},
            "history": self.history,
            "people": {
                a: [(s.stakeholder_id, s.status, s.last_contact) for s in p.stakeholders]
                for a, p in self.profiles.items()
            },
        }


def uninterrupted() -> Downstream:
    seen = Downstream()
    processor = AccountProcessor({}, EventClock())
    for batch in BATCHES:
        seen.receive(processor.handle(batch))
        seen.receive(processor.evaluate_due())
    seen.receive(processor.evaluate_due())
    return seen


def killed_after_storing(crash_at: int, resend: bool) -> tuple[Downstream, list[StepOutput]]:
    """Run until batch ``crash_at`` is stored but not sent; recover; run to the end."""
    store: dict[str, Any] = {}
    seen = Downstream()
    processor = AccountProcessor(store, EventClock())
    for batch in BATCHES[:crash_at]:
        seen.receive(processor.handle(batch))
        seen.receive(processor.evaluate_due())
    processor.handle(BATCHES[crash_at])  # stored, then the worker dies: nothing sent

    successor = AccountProcessor(store, EventClock())  # recovers the same table
    found = successor.rebuild_index(lambda _: True, newly_owned=lambda _: True)
    if resend:
        seen.receive(found.unsent)
    for batch in BATCHES[crash_at:]:  # the uncommitted batch comes again
        seen.receive(successor.handle(batch))
        seen.receive(successor.evaluate_due())
    seen.receive(successor.evaluate_due())
    return seen, found.unsent


@pytest.mark.parametrize("crash_at", [3, len(BATCHES) // 2, len(BATCHES) - 2])
def test_outputs_lost_in_a_crash_are_sent_again_by_the_next_worker(crash_at: int) -> None:
    recovered, unsent = killed_after_storing(crash_at, resend=True)
    assert unsent, "the crash lost nothing: the test would prove nothing"
    assert recovered.summary() == uninterrupted().summary()


def test_without_the_outbox_such_a_crash_leaves_the_read_models_wrong() -> None:
    # Why the outbox exists: the redelivered batch changes nothing, so the
    # lost outputs would never be published (the summary of issue 4's crash test).
    wrong = [
        n
        for n in (3, len(BATCHES) // 2, len(BATCHES) - 2)
        if killed_after_storing(n, resend=False)[0].summary() != uninterrupted().summary()
    ]
    assert wrong


def test_a_recovered_event_clock_never_stamps_older_than_what_was_published() -> None:
    store: dict[str, Any] = {}
    seen = Downstream()
    processor = AccountProcessor(store, EventClock())
    for batch in BATCHES[:5]:
        seen.receive(processor.handle(batch))
    clock = EventClock()
    AccountProcessor(store, clock).rebuild_index(lambda _: True)
    assert clock.now() is not None
    assert clock.now() >= max(seen.stamps)


def test_accounts_already_owned_are_not_sent_again() -> None:
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    processor.handle(BATCHES[0])
    found = processor.rebuild_index(lambda _: True, newly_owned=lambda a: a == "acct-01")
    assert [out.stored.account_id for out in found.unsent] == ["acct-01"]
    assert found.accounts == len(store)


def test_a_record_the_previous_version_wrote_as_json_is_sent_again_the_same() -> None:
    store: dict[str, Any] = {}
    AccountProcessor(store, EventClock()).handle(BATCHES[0])
    unsent = AccountProcessor(store, EventClock()).rebuild_index(lambda _: True, lambda _: True)
    assert unsent.unsent
    as_json = {
        a: json.dumps(stored_to_dict(stored_from_bytes(raw))).encode() for a, raw in store.items()
    }
    found = AccountProcessor(as_json, EventClock()).rebuild_index(lambda _: True, lambda _: True)
    assert found.unsent == unsent.unsent


def test_the_outbox_survives_the_changelog_and_old_records_still_read() -> None:
    events = [e for e in HISTORY if e.account_id == "acct-03"]
    out = step(None, "acct-03", events, events[-1].occurred_at)
    assert out.publishes_anything
    raw = stored_to_dict(out.stored)
    assert raw["v"] == STORED_FORMAT
    assert stored_from_dict(raw) == out.stored
    assert stored_from_bytes(stored_to_bytes(out.stored)) == out.stored  # the changelog's record
    # 150 days of history in one step: its Mondays.
    assert out.history[-1].as_of - out.history[0].as_of > timedelta(days=100)

    without_history = raw | {"outbox": {k: v for k, v in raw["outbox"].items() if k != "history"}}
    assert stored_from_dict(without_history).outbox.history == ()

    old = {k: v for k, v in raw.items() if k not in ("outbox", "at")} | {"v": 1}
    before_the_outbox = stored_from_dict(old)
    assert before_the_outbox.state == out.stored.state
    assert before_the_outbox.outbox.is_empty
    assert before_the_outbox.evaluated_at is None
    assert (
        stored_from_bytes(json.dumps(old).encode()) == before_the_outbox
    )  # as JSON on a changelog

    with pytest.raises(ValueError, match="unknown stored account format"):
        stored_from_dict(raw | {"v": 99})
