"""A scripted multi-account history in wire format, for pipeline tests.

Deterministic for a seed: several KAMs, accounts with stakeholders in every
role, touchpoints, orders (one cancelled before its placement arrives),
tickets (a P1 escalated and resolved), a champion leaving in a
reorganisation, a new decision maker, a handover between KAMs and an
account that goes quiet. Built with the shared event builder; each event
lands at a random minute of its day.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.events import BaseEvent
from schemas.vocabulary import CHANNELS, DIRECTIONS, STAKEHOLDER_ROLES
from services.feeds.publisher import event_json
from services.feeds.simulator.builder import AccountEvents

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROLES = STAKEHOLDER_ROLES
#: The channels the scripted touchpoints use (the first five of the contract's).
CHANNELS_USED = CHANNELS[:5]


class _Writer:
    """One builder per account; event ids count across the whole history."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[BaseEvent] = []
        self._n = 0

    def account(self, account_id: str) -> AccountEvents:
        def next_id(_prefix: str) -> str:
            self._n += 1
            return f"{account_id}-{self._n:05d}"

        return AccountEvents(
            account_id,
            START,
            ids=next_id,
            jitter=lambda: timedelta(minutes=self.rng.randint(0, 600)),
            source="test",
        )

    def add(self, event: BaseEvent) -> None:
        self.events.append(event)


def portfolio_history(seed: int = 7, accounts: int = 6, days: int = 150) -> list[dict[str, Any]]:
    """Every event of a small portfolio in wire form, in occurred_at order."""
    rng = random.Random(seed)
    w = _Writer(rng)
    kams = ["kam-anna", "kam-ben", "kam-cara"]
    for i in range(accounts):
        acct = f"acct-{i:02d}"
        ev = w.account(acct)
        kam = kams[i % len(kams)]
        tier = ("strategic", "key", "standard")[i % 3]
        target = float(rng.randint(2, 40) * 50_000)
        w.add(ev.account(0, tier=tier, kam=kam, target=target, name=f"Account {i}"))
        people = [f"{acct}-p{j}" for j in range(rng.randint(3, 5))]
        for j, person in enumerate(people):
            role = ROLES[j % len(ROLES)]
            dept = ("Procurement", "Engineering", "Finance")[j % 3]
            w.add(ev.person(0.5, person, f"Person {i}.{j}", role, dept))
        quiet_from = days * 0.4 if i == 1 else days  # account 1: the decision maker goes silent
        for day in range(2, days, rng.randint(6, 12)):
            person = rng.choice(people)
            if person.endswith("-p0") and day > quiet_from:
                continue
            channel = rng.choice(CHANNELS_USED)
            direction = rng.choice(DIRECTIONS)
            sentiment = round(rng.uniform(-0.5, 1.0), 2)
            # Every third touchpoint a colleague's, the rest the KAM's (no internal_owner);
            # from the day alone, so the random draws (and the rest of the history) stay put.
            owner = "service-team" if (day + i) % 3 == 0 else None
            w.add(ev.contact(day, person, channel, sentiment, direction=direction, owner=owner))
        order_every = rng.randint(10, 25)
        last_order = days if i != 2 else days * 0.35  # account 2: orders dry up
        for n, day in enumerate(range(3, int(last_order), order_every)):
            w.add(ev.order(day, f"{acct}-o{n}", float(rng.randint(5, 80) * 1_000)))
        if i == 3:
            # A cancellation that arrives before its placement in the stream.
            w.add(ev.cancel(41, f"{acct}-late"))
            w.add(ev.order(40, f"{acct}-late", 9_000.0))
            w.add(ev.ticket(days - 20, f"{acct}-T1", "P1", "Line down"))
            w.add(ev.escalate(days - 19, f"{acct}-T1"))
        if i == 4:
            w.add(ev.ticket(60, f"{acct}-T2", "P2"))
            w.add(ev.escalate(61, f"{acct}-T2", "P1"))
            w.add(ev.resolve(70, f"{acct}-T2"))
        if i == 0:
            # The champion leaves in a reorganisation; a new decision maker arrives.
            w.add(ev.restructure(days - 30, "Procurement", people[:2]))
            w.add(ev.left(days - 30, people[1]))
            w.add(ev.joined(days - 25, f"{acct}-new", "decision_maker", "New Boss"))
        if i == 5:
            # A handover to another KAM.
            handover = ev.account(
                days - 40, tier=tier, kam="kam-dora", target=500_000.0, name=f"Account {i}"
            )
            w.add(handover)
    ordered = sorted(w.events, key=lambda e: (e.occurred_at, e.event_id))
    return [event_json(e) for e in ordered]
