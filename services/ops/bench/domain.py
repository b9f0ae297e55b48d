"""Benchmark of the domain core: apply + evaluate throughput and state size per account.

Run: ``python -m services.ops.bench.domain`` (add ``--events 20000`` for a quick run).
A measurement to read, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from datetime import timedelta

from consumers.domain.apply import apply, fold_events
from consumers.domain.due import next_due
from consumers.domain.evaluate import evaluate
from consumers.domain.state import AccountState, empty_state
from consumers.pipeline.codecs.state import state_to_dict
from schemas.events import BaseEvent
from services.ops.bench.workloads import START, UuidIds, realistic_account, worst_case_account


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
    ids = UuidIds()

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
