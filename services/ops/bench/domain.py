"""Benchmark of the domain core: apply + evaluate throughput and state size per account.

Run: ``python -m services.ops.bench.domain`` (add ``--events 20000`` for a quick run).
A measurement to read, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from consumers.domain.apply import apply, fold_events
from consumers.domain.due import next_due
from consumers.domain.evaluate import evaluate
from consumers.domain.state import AccountState, empty_state
from consumers.pipeline.codecs.state import state_to_dict
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
    TicketResolved,
    UnitRestructured,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
ROLES = (
    "decision_maker",
    "champion",
    "influencer",
    "user",
    "user",
    "influencer",
    "user",
    "blocker",
)
CHANNELS = ("meeting", "visit", "call", "video", "email", "event", "message")


class _Ids:
    """Deterministic UUID-shaped event ids: real sources send 36-character ids."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - ids for a benchmark, not secrets

    def __call__(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def realistic_account(account_id: str, rng: random.Random, ids: _Ids) -> list[BaseEvent]:
    """A year of a strategic account: 8 stakeholders, ~2 contacts each a month,
    weekly orders, ~3 tickets a month with their lifecycle, a reorganisation."""

    def at(day: float) -> datetime:
        return START + timedelta(days=day)

    common = {"account_id": account_id}
    events: list[BaseEvent] = [
        AccountUpserted(
            event_id=ids(),
            occurred_at=at(0),
            name=f"Account {account_id}",
            tier="strategic",
            kam_id="kam-1",
            annual_revenue_target=2_000_000.0,
            currency="EUR",
            **common,
        )
    ]
    for i, role in enumerate(ROLES):
        sid = f"{account_id}-p{i}"
        events.append(
            StakeholderUpserted(
                event_id=ids(),
                occurred_at=at(0),
                stakeholder_id=sid,
                name=f"Person {i} of {account_id}",
                role=role,
                title="Head of Something",
                department=f"Dept {i % 3}",
                **common,
            )
        )
        for _ in range(24):
            events.append(
                ContactLogged(
                    event_id=ids(),
                    occurred_at=at(rng.uniform(0, 365)),
                    stakeholder_id=sid,
                    channel=rng.choice(CHANNELS),
                    direction="outbound",
                    sentiment=rng.choice([None, 0.5, -0.3]),
                    **common,
                )
            )
    for week in range(52):
        events.append(
            OrderPlaced(
                event_id=ids(),
                occurred_at=at(week * 7 + rng.uniform(0, 2)),
                order_id=f"{account_id}-o{week}",
                amount=round(rng.uniform(10_000, 60_000), 2),
                currency="EUR",
                **common,
            )
        )
    for t in range(36):
        day = rng.uniform(0, 360)
        tid = f"{account_id}-t{t}"
        events.append(
            TicketOpened(
                event_id=ids(),
                occurred_at=at(day),
                ticket_id=tid,
                severity=rng.choice(["P1", "P2", "P3", "P3", "P4"]),
                subject="Something broke",
                sla_due_at=at(day + 2),
                **common,
            )
        )
        if t % 6 == 0:
            events.append(
                TicketEscalated(event_id=ids(), occurred_at=at(day + 1), ticket_id=tid, **common)
            )
        events.append(
            TicketResolved(event_id=ids(), occurred_at=at(day + 4), ticket_id=tid, **common)
        )
    events.append(
        UnitRestructured(
            event_id=ids(),
            occurred_at=at(300),
            unit="Procurement",
            affected_stakeholder_ids=[f"{account_id}-p0", f"{account_id}-p3"],
            **common,
        )
    )
    events.append(
        StakeholderLeft(
            event_id=ids(), occurred_at=at(301), stakeholder_id=f"{account_id}-p1", **common
        )
    )
    return events


def worst_case_account(account_id: str, ids: _Ids) -> list[BaseEvent]:
    """Every bounded collection full: 50 stakeholders with every touchpoint kind, 4 reorg
    steps each, 400 orders and 400 cancellations, 8 restructurings of 50 people, and
    tickets at 5 a day for the 180-day ticket horizon (tickets are bounded by time only)."""
    common = {"account_id": account_id}
    events: list[BaseEvent] = [
        AccountUpserted(
            event_id=ids(),
            occurred_at=START,
            name="W" * 200,
            tier="strategic",
            kam_id="kam-1",
            parent_account_id="parent-1",
            annual_revenue_target=5e6,
            currency="EUR",
            **common,
        )
    ]
    sids = [f"{account_id}-stakeholder-{i:03d}" for i in range(50)]
    for i, sid in enumerate(sids):
        events.append(
            StakeholderUpserted(
                event_id=ids(),
                occurred_at=START,
                stakeholder_id=sid,
                name="N" * 60,
                role=ROLES[i % len(ROLES)],
                title="T" * 60,
                department="D" * 40,
                **common,
            )
        )
        for k in range(3):
            for ch in CHANNELS:
                for sentiment in (None, -0.5):
                    events.append(
                        ContactLogged(
                            event_id=ids(),
                            occurred_at=START + timedelta(days=170 + k),
                            stakeholder_id=sid,
                            channel=ch,
                            direction="inbound",
                            sentiment=sentiment,
                            **common,
                        )
                    )
        for k in range(5):
            events.append(
                RoleChanged(
                    event_id=ids(),
                    occurred_at=START + timedelta(days=100 + k),
                    stakeholder_id=sid,
                    new_role=ROLES[k % len(ROLES)],
                    **common,
                )
            )
        events.append(
            StakeholderJoined(
                event_id=ids(),
                occurred_at=START + timedelta(days=99),
                stakeholder_id=sid,
                role="user",
                **common,
            )
        )
    for k in range(450):
        oid = f"{account_id}-order-{k:05d}"
        day = START + timedelta(hours=9 * k)
        events.append(
            OrderPlaced(
                event_id=ids(),
                occurred_at=day,
                order_id=oid,
                amount=12345.67,
                currency="EUR",
                **common,
            )
        )
        events.append(
            OrderCancelled(
                event_id=ids(), occurred_at=day + timedelta(hours=1), order_id=oid, **common
            )
        )
    for k in range(10):
        events.append(
            UnitRestructured(
                event_id=ids(),
                occurred_at=START + timedelta(days=150 + k),
                unit="U" * 40,
                affected_stakeholder_ids=sids,
                **common,
            )
        )
    for k in range(5 * 180):
        tid = f"{account_id}-ticket-{k:05d}"
        day = START + timedelta(days=k / 5)
        events.append(
            TicketOpened(
                event_id=ids(),
                occurred_at=day,
                ticket_id=tid,
                severity="P2",
                subject="S" * 80,
                sla_due_at=day,
                **common,
            )
        )
        events.append(
            TicketEscalated(event_id=ids(), occurred_at=day, ticket_id=tid, severity="P1", **common)
        )
        events.append(
            TicketResolved(
                event_id=ids(), occurred_at=day + timedelta(hours=5), ticket_id=tid, **common
            )
        )
    return events


def state_bytes(state: AccountState) -> int:
    """Size of the state as the Faust table stores it (compact JSON)."""
    return len(json.dumps(state_to_dict(state), separators=(",", ":")))


def main() -> None:
    """Print throughput and state sizes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(42)  # noqa: S311 - synthetic data
    ids = _Ids()

    # Throughput: a stream of events spread over many accounts, applied one by
    # one, with an evaluation (health + alert conditions) after each event.
    pool = realistic_account("tmpl", rng, ids)
    stream: list[BaseEvent] = []
    for i in range(args.events):
        template = pool[i % len(pool)]
        stream.append(
            template.model_copy(
                update={"account_id": f"acc-{i % args.accounts}", "event_id": f"s-{i}"}
            )
        )
    stream.sort(key=lambda e: e.occurred_at)
    states: dict[str, AccountState] = {}
    t0 = time.perf_counter()
    for e in stream:
        states[e.account_id] = apply(states.get(e.account_id) or empty_state(e.account_id), e)
    t_apply = time.perf_counter() - t0
    now = START + timedelta(days=366)
    t0 = time.perf_counter()
    for e in stream:
        evaluate(states[e.account_id], now)
    t_eval = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in states.values():
        next_due(s, now)
    t_due = time.perf_counter() - t0
    n = len(stream)
    print(f"{n} events over {len(states)} accounts, one core:")
    print(f"  apply            {n / t_apply:>10,.0f} events/s  ({t_apply * 1e6 / n:.1f} µs each)")
    print(f"  evaluate         {n / t_eval:>10,.0f} /s        ({t_eval * 1e6 / n:.1f} µs each)")
    print(f"  apply + evaluate {n / (t_apply + t_eval):>10,.0f} events/s")
    per_due = t_due * 1e6 / len(states)
    print(f"  next_due         {len(states) / t_due:>10,.0f} accounts/s ({per_due:.0f} µs each)")

    real = fold_events("real", realistic_account("real", rng, ids))
    print("state size (compact JSON of state_to_dict):")
    print(f"  realistic account (8 stakeholders, a year of activity): {state_bytes(real):,} bytes")
    worst = fold_events("worst", worst_case_account("worst", ids))
    tickets = len(worst.tickets)
    size = state_bytes(worst)
    print(f"  worst case (every cap full, {tickets} tickets in 180 days): {size:,} bytes")
    no_tickets = replace(worst, tickets={})
    per_ticket = (state_bytes(worst) - state_bytes(no_tickets)) / max(1, tickets)
    print(f"    of which tickets: {per_ticket:.0f} bytes each (bounded by time, not count)")


if __name__ == "__main__":
    main()
