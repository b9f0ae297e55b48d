"""The benchmarks' synthetic histories, made with the shared event builder.

* :func:`realistic_account` — a year of one strategic account (the domain
  benchmark's stream and the state-size check).
* :func:`worst_case_account` — every bounded collection of a state full.
* :func:`pipeline_mix` — ``keypulse bench``'s backlog and steady-rate load:
  touchpoints, orders, stakeholders and tickets over many accounts (the
  shallow mix; the deep-history mix is deep_mix.py).

Each is a pure function of its arguments (seeded generators, counters), so a
rerun measures the same events.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from schemas.events import BaseEvent
from schemas.vocabulary import CHANNELS, StakeholderRole
from services.feeds.publisher import event_json
from services.feeds.simulator.builder import AccountEvents

#: Day 0 of the domain benchmark's accounts.
START = datetime(2025, 1, 1, tzinfo=UTC)
#: The buying centre of a benchmark account: roles in the proportions of a real one.
ROLES: tuple[StakeholderRole, ...] = (
    "decision_maker",
    "champion",
    "influencer",
    "user",
    "user",
    "influencer",
    "user",
    "blocker",
)


class UuidIds:
    """Deterministic UUID-shaped event ids: real sources send 36-character ids."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - ids for a benchmark, not secrets

    def __call__(self, prefix: str = "") -> str:
        """The next id (``prefix`` is ignored: real ids carry no event type)."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def realistic_account(account_id: str, rng: random.Random, ids: UuidIds) -> list[BaseEvent]:
    """A year of a strategic account: 8 stakeholders, ~2 contacts each a month,
    weekly orders, ~3 tickets a month with their lifecycle, a reorganisation."""
    b = AccountEvents(account_id, START, ids=ids)
    events: list[BaseEvent] = [
        b.account(
            0, tier="strategic", kam="kam-1", target=2_000_000.0, name=f"Account {account_id}"
        )
    ]
    for i, role in enumerate(ROLES):
        sid = f"{account_id}-p{i}"
        name = f"Person {i} of {account_id}"
        events.append(b.person(0, sid, name, role, f"Dept {i % 3}", title="Head of Something"))
        for _ in range(24):
            day = rng.uniform(0, 365)
            events.append(b.contact(day, sid, rng.choice(CHANNELS), rng.choice([None, 0.5, -0.3])))
    for week in range(52):
        day = week * 7 + rng.uniform(0, 2)
        events.append(b.order(day, f"{account_id}-o{week}", round(rng.uniform(10_000, 60_000), 2)))
    for t in range(36):
        day = rng.uniform(0, 360)
        tid = f"{account_id}-t{t}"
        severity = rng.choice(["P1", "P2", "P3", "P3", "P4"])
        events.append(b.ticket(day, tid, severity, "Something broke", sla_hours=48))
        if t % 6 == 0:
            events.append(b.escalate(day + 1, tid))
        events.append(b.resolve(day + 4, tid))
    events.append(b.restructure(300, "Procurement", [f"{account_id}-p0", f"{account_id}-p3"]))
    events.append(b.left(301, f"{account_id}-p1"))
    return events


def worst_case_account(account_id: str, ids: UuidIds) -> list[BaseEvent]:
    """Every bounded collection full: 50 stakeholders with every touchpoint kind, 4 reorg
    steps each, 400 orders and 400 cancellations, 8 restructurings of 50 people, and
    tickets at 5 a day for the 180-day ticket horizon (tickets are bounded by time only)."""
    b = AccountEvents(account_id, START, ids=ids)
    events: list[BaseEvent] = [
        b.account(0, tier="strategic", kam="kam-1", target=5e6, name="W" * 200, parent="parent-1")
    ]
    sids = [f"{account_id}-stakeholder-{i:03d}" for i in range(50)]
    for i, sid in enumerate(sids):
        events.append(b.person(0, sid, "N" * 60, ROLES[i % len(ROLES)], "D" * 40, title="T" * 60))
        for k in range(3):
            for channel in CHANNELS:
                for sentiment in (None, -0.5):
                    events.append(b.contact(170 + k, sid, channel, sentiment, direction="inbound"))
        events += [b.role(100 + k, sid, ROLES[k % len(ROLES)]) for k in range(5)]
        events.append(b.joined(99, sid, "user"))
    for k in range(450):
        oid = f"{account_id}-order-{k:05d}"
        events.append(b.order(9 * k / 24, oid, 12345.67))
        events.append(b.cancel((9 * k + 1) / 24, oid))
    events += [b.restructure(150 + k, "U" * 40, sids) for k in range(10)]
    for k in range(5 * 180):
        tid = f"{account_id}-ticket-{k:05d}"
        events.append(b.ticket(k / 5, tid, "P2", "S" * 80, sla_hours=0))
        events.append(b.escalate(k / 5, tid, "P1"))
        events.append(b.resolve(k / 5 + 5 / 24, tid))
    return events


def pipeline_mix(count: int, accounts: int, start: datetime) -> Iterator[dict[str, Any]]:
    """``count`` events in wire form: master data for every account, then one event a
    minute of the mix 60 % touchpoints, 20 % orders, 10 % stakeholders, 10 % tickets."""
    numbers = itertools.count()
    builders = [
        AccountEvents(f"bench-{a}", start, ids=lambda prefix: f"{prefix}-{next(numbers)}")
        for a in range(accounts)
    ]
    for a, b in enumerate(builders):
        yield event_json(
            b.account(
                0, tier="key", kam=f"kam-{a % 10}", target=None, currency=None, name=f"Bench {a}"
            )
        )
    for i in range(max(0, count - accounts)):
        a = i % accounts
        b, day, kind = builders[a], i / 1440, i % 10
        if kind < 6:
            event: BaseEvent = b.contact(day, f"s-{a}-{i % 4}", "call")
        elif kind < 8:
            event = b.order(day, f"o-{i}", 1000.0)
        elif kind == 8:
            role = "decision_maker" if i % 4 == 0 else "user"
            event = b.person(day, f"s-{a}-{i % 4}", f"Person {i % 4}", role)
        else:
            event = b.ticket(day, f"t-{i}", "P3")
        yield event_json(event)
