"""``keypulse bench``'s deep-history mix: many accounts with months of history each.

The shallow mix (:func:`services.ops.bench.workloads.pipeline_mix`) gives
each account ten events; real accounts arrive with months of CRM history.
Here every account gets its master data and buying centre first (the
account and five stakeholders at day 0), then activity spread over
``days`` of event time: 75 % touchpoints, 17 % orders and 8 % tickets that
are opened and never resolved (so they stay in the state for the whole
ticket horizon, as the backlog of a real helpdesk does). The accounts are
interleaved in ``occurred_at`` order, like a CRM history replay.

Deterministic: every account draws from its own generator, seeded by the
mix's seed and the account id, so the mix, one account of it
(:func:`deep_account`) and any interleaving of them are the same each run.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.events import BaseEvent
from schemas.vocabulary import CHANNELS, STAKEHOLDER_ROLES, TicketSeverity
from services.feeds.publisher import event_json
from services.feeds.simulator.builder import AccountEvents
from services.ops.bench.workloads import UuidIds

#: Day 0 of the deep mix.
DEEP_START = datetime(2026, 1, 1, tzinfo=UTC)
#: Stakeholders per account, one per role of the buying centre.
STAKEHOLDERS = len(STAKEHOLDER_ROLES)
#: Events before any activity: the account's master data and its stakeholders.
MASTER_EVENTS = 1 + STAKEHOLDERS
#: Shares of the activity events (the rest are touchpoints).
ORDER_SHARE = 0.17
TICKET_SHARE = 0.08
#: Ticket severities and their weights: mostly routine, a few P1s.
SEVERITIES: tuple[TicketSeverity, ...] = ("P1", "P2", "P3", "P4")
SEVERITY_WEIGHTS = (1, 4, 10, 5)


@dataclass(frozen=True)
class DeepMix:
    """The size of a deep mix: ``accounts`` × ``events_per_account`` over ``days``."""

    accounts: int = 500
    events_per_account: int = 120
    days: float = 150.0
    seed: int = 12

    @property
    def events(self) -> int:
        """Events in the whole mix."""
        return self.accounts * self.events_per_account


def activity_counts(activity: int) -> tuple[int, int, int]:
    """(touchpoints, orders, tickets) among ``activity`` events, in the mix's shares."""
    orders = round(activity * ORDER_SHARE)
    tickets = round(activity * TICKET_SHARE)
    return activity - orders - tickets, orders, tickets


def deep_account_id(index: int) -> str:
    """The id of the mix's account number ``index``."""
    return f"deep-{index:05d}"


def deep_account_events(
    account_id: str,
    events: int = 120,
    days: float = 150.0,
    seed: int = 12,
    start: datetime = DEEP_START,
) -> Iterator[BaseEvent]:
    """One account's history of ``events`` events in ``occurred_at`` order.

    Master data and the five stakeholders come first (day 0, a minute
    apart), then ``events - 6`` activity events at random times in
    ``(0, days]``; the last one falls on day ``days`` exactly, so every
    account's history spans the whole period.
    """
    if events < MASTER_EVENTS:
        raise ValueError(f"a deep account needs at least {MASTER_EVENTS} events, got {events}")
    # A string seed is hashed with SHA-512 by random.seed: stable across runs and
    # independent of PYTHONHASHSEED.
    rng = random.Random(f"deep-mix:{seed}:{account_id}")  # noqa: S311 - synthetic data
    b = AccountEvents(account_id, start, ids=UuidIds(rng.getrandbits(64)))
    minute = 1 / 1440
    yield b.account(
        0, tier="key", kam=f"kam-{rng.randrange(10)}", target=2_000_000.0, name=account_id
    )
    sids = [f"{account_id}-s{k}" for k in range(STAKEHOLDERS)]
    for k, (sid, role) in enumerate(zip(sids, STAKEHOLDER_ROLES, strict=True)):
        yield b.person((k + 1) * minute, sid, f"Person {k} of {account_id}", role, f"Dept {k % 3}")

    activity = events - MASTER_EVENTS
    touchpoints, orders, tickets = activity_counts(activity)
    kinds = ["contact"] * touchpoints + ["order"] * orders + ["ticket"] * tickets
    rng.shuffle(kinds)
    # After the stakeholders (day 0 + 6 minutes); the last activity on day `days`.
    times = sorted(rng.uniform(0.01, days) for _ in range(max(0, activity - 1)))
    times += [days] if activity else []
    for n, (day, kind) in enumerate(zip(times, kinds, strict=True)):
        if kind == "contact":
            yield b.contact(
                day, rng.choice(sids), rng.choice(CHANNELS), rng.choice((None, None, 0.5, -0.3))
            )
        elif kind == "order":
            yield b.order(day, f"{account_id}-o{n}", round(rng.uniform(5_000, 80_000), 2))
        else:
            severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
            yield b.ticket(day, f"{account_id}-t{n}", severity, "Synthetic issue", sla_hours=48)


def deep_mix_events(mix: DeepMix, start: datetime = DEEP_START) -> Iterator[BaseEvent]:
    """Every account's history, interleaved in ``occurred_at`` order (ties: account order)."""
    histories = [
        deep_account_events(deep_account_id(a), mix.events_per_account, mix.days, mix.seed, start)
        for a in range(mix.accounts)
    ]
    # Each history is already in time order: a lazy k-way merge keeps memory to
    # one pending event per account.
    return heapq.merge(*histories, key=lambda event: event.occurred_at)


def deep_mix(mix: DeepMix, start: datetime = DEEP_START) -> Iterator[dict[str, Any]]:
    """The deep mix in wire form, ready to publish."""
    for event in deep_mix_events(mix, start):
        yield event_json(event)
