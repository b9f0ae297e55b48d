"""A scripted multi-account history in wire format, for pipeline tests.

Deterministic for a seed: several KAMs, accounts with stakeholders in every
role, touchpoints, orders (one cancelled before its placement arrives),
tickets (a P1 escalated and resolved), a champion leaving in a
reorganisation, a new decision maker, a handover between KAMs and an
account that goes quiet.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROLES = ("decision_maker", "champion", "influencer", "user", "blocker")
CHANNELS = ("meeting", "visit", "call", "video", "email")


class _Writer:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.events: list[dict[str, Any]] = []
        self._n = 0

    def add(self, account_id: str, day: float, event_type: str, **fields: Any) -> None:
        self._n += 1
        at = START + timedelta(days=day, minutes=self.rng.randint(0, 600))
        self.events.append(
            {
                "event_id": f"{account_id}-{self._n:05d}",
                "type": event_type,
                "account_id": account_id,
                "occurred_at": at.isoformat(),
                "source": "test",
                **fields,
            }
        )


def portfolio_history(seed: int = 7, accounts: int = 6, days: int = 150) -> list[dict[str, Any]]:
    """Every event of a small portfolio, in occurred_at order."""
    rng = random.Random(seed)
    w = _Writer(rng)
    kams = ["kam-anna", "kam-ben", "kam-cara"]
    for i in range(accounts):
        acct = f"acct-{i:02d}"
        kam = kams[i % len(kams)]
        tier = ("strategic", "key", "standard")[i % 3]
        w.add(
            acct,
            0,
            "account.upserted",
            name=f"Account {i}",
            tier=tier,
            kam_id=kam,
            annual_revenue_target=float(rng.randint(2, 40) * 50_000),
            currency="EUR",
        )
        people = [f"{acct}-p{j}" for j in range(rng.randint(3, 5))]
        for j, person in enumerate(people):
            w.add(
                acct,
                0.5,
                "stakeholder.upserted",
                stakeholder_id=person,
                name=f"Person {i}.{j}",
                role=ROLES[j % len(ROLES)],
                department=("Procurement", "Engineering", "Finance")[j % 3],
            )
        quiet_from = days * 0.4 if i == 1 else days  # account 1: the decision maker goes silent
        for day in range(2, days, rng.randint(6, 12)):
            person = rng.choice(people)
            if person.endswith("-p0") and day > quiet_from:
                continue
            w.add(
                acct,
                day,
                "contact.logged",
                stakeholder_id=person,
                channel=rng.choice(CHANNELS),
                direction=rng.choice(("inbound", "outbound")),
                sentiment=round(rng.uniform(-0.5, 1.0), 2),
            )
        order_every = rng.randint(10, 25)
        last_order = days if i != 2 else days * 0.35  # account 2: orders dry up
        for n, day in enumerate(range(3, int(last_order), order_every)):
            w.add(
                acct,
                day,
                "order.placed",
                order_id=f"{acct}-o{n}",
                amount=float(rng.randint(5, 80) * 1_000),
                currency="EUR",
            )
        if i == 3:
            # A cancellation that arrives before its placement in the stream.
            w.add(acct, 41, "order.cancelled", order_id=f"{acct}-late")
            w.add(acct, 40, "order.placed", order_id=f"{acct}-late", amount=9_000.0, currency="EUR")
            w.add(
                acct,
                days - 20,
                "ticket.opened",
                ticket_id=f"{acct}-T1",
                severity="P1",
                subject="Line down",
            )
            w.add(acct, days - 19, "ticket.escalated", ticket_id=f"{acct}-T1")
        if i == 4:
            w.add(acct, 60, "ticket.opened", ticket_id=f"{acct}-T2", severity="P2")
            w.add(acct, 61, "ticket.escalated", ticket_id=f"{acct}-T2", severity="P1")
            w.add(acct, 70, "ticket.resolved", ticket_id=f"{acct}-T2")
        if i == 0:
            # The champion leaves in a reorganisation; a new decision maker arrives.
            w.add(
                acct,
                days - 30,
                "reorg.unit_restructured",
                unit="Procurement",
                affected_stakeholder_ids=people[:2],
            )
            w.add(acct, days - 30, "reorg.stakeholder_left", stakeholder_id=people[1])
            w.add(
                acct,
                days - 25,
                "reorg.stakeholder_joined",
                stakeholder_id=f"{acct}-new",
                role="decision_maker",
                name="New Boss",
            )
        if i == 5:
            # A handover to another KAM.
            w.add(
                acct,
                days - 40,
                "account.upserted",
                name=f"Account {i}",
                tier=tier,
                kam_id="kam-dora",
                annual_revenue_target=500_000.0,
                currency="EUR",
            )
    return sorted(w.events, key=lambda e: (e["occurred_at"], e["event_id"]))
