"""The reference replay: what the stream worker must end with."""

from __future__ import annotations

import random
from typing import Any

import pytest

from consumers.domain.replay import event_clock, replay
from schemas.outputs import AlertRecord, HealthSnapshot

pytestmark = pytest.mark.unit


def two_accounts(ev: Any, events_for: Any) -> list[Any]:
    other = events_for("globex")
    globex = [
        other.account(0, tier="key", name="Globex"),
        other.person(0, "gus", "Gus Hale", "decision_maker", "IT"),
        other.contact(0, "gus"),
    ]
    return [*ev.healthy_account(), *globex]


def test_replay_gives_every_account_its_records(ev: Any, events_for: Any) -> None:
    views = replay(two_accounts(ev, events_for), ev.at(170))
    assert sorted(views) == ["acme", "globex"]
    snap = views["globex"].snapshot()
    assert isinstance(snap, HealthSnapshot)
    assert snap.as_of == ev.at(170)
    records = views["globex"].alert_records()
    assert all(isinstance(r, AlertRecord) for r in records)
    kinds = {(r.kind, r.subject) for r in records}
    assert ("stakeholder_cooling", "gus") in kinds
    assert all(r.status == "open" and r.kam_id == "kam-anna" for r in records)


def test_replay_ignores_arrival_order_and_duplicates(ev: Any, events_for: Any) -> None:
    events = two_accounts(ev, events_for)
    shuffled = events + events[::3]
    random.Random(7).shuffle(shuffled)
    a, b = replay(events, ev.at(170)), replay(shuffled, ev.at(170))
    assert a == b


def test_stream_and_replay_agree_on_alert_ids(ev: Any, timeline: Any) -> None:
    """A worker evaluating daily and a replay at the end open the same alerts, same ids."""
    events = [
        ev.account(0),
        ev.person(0, "anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, "ben", "Ben Ortiz", "champion", "Engineering"),
        ev.contact(0, "anna"),
        ev.contact(0, "ben"),
        ev.ticket(20, "T-4", "P1"),
        ev.left(30, "ben"),
        *(ev.order(d, f"o{d}", 1000.0) for d in range(0, 41, 5)),
    ]
    tl = timeline([])
    for day in range(0, 71):
        tl.add(*(e for e in events if ev.at(day - 1) < e.occurred_at <= ev.at(day)))
        tl.check(day)
    final = replay(events, ev.at(70))["acme"]
    stream_ids = {a.alert_id for a in tl.open if a.kind != "health_drop"}
    replay_ids = {a.alert_id for a in final.open_alerts if a.kind != "health_drop"}
    assert stream_ids == replay_ids
    assert len(stream_ids) >= 4


def test_event_clock_is_the_newest_occurred_at(ev: Any) -> None:
    events = [ev.contact(3, "anna"), ev.contact(9, "anna"), ev.contact(1, "anna")]
    assert event_clock(events) == ev.at(9)
    assert event_clock([]) is None
