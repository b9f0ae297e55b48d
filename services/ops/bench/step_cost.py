"""Bench phase (e): the engine's cost of one account step, by the depth of the account's history.

Pure and in-process (no broker, no Faust): accounts whose state holds ``N``
events of deep-mix history (:func:`services.ops.bench.deep_mix.deep_account_events`)
each take one new touchpoint through :func:`consumers.pipeline.step.step`,
the very call the worker makes per account and batch. Three timings per
step, each the median over every sample:

* ``step``: the step alone (the worker's path when its parsed cache holds the account);
* ``step + encode``: with ``encode_stored`` (the table's value), which the
  worker does after every step, reusing the segments of the record before
  as the worker's parsed cache does;
* ``decode + step + encode``: also ``stored_from_bytes``, the path of a
  parsed-cache miss (which has no segments to reuse).
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.pipeline.codecs.record import encode_stored, stored_from_bytes, stored_to_bytes
from consumers.pipeline.step import step
from consumers.pipeline.stored import StoredAccount
from schemas.events import BaseEvent
from services.feeds.simulator.builder import AccountEvents
from services.ops.bench.deep_mix import deep_account_events

#: History depths of the issue: events per account.
DEFAULT_HISTORIES = (10, 100, 1_000)


@dataclass(frozen=True)
class StepCost:
    """Median µs of one account step with ``history_events`` of history in the state."""

    history_events: int
    samples: int
    step_us: float
    step_encode_us: float
    decode_step_encode_us: float


def history_stored(
    account_id: str, events: int, days: float = 150.0, seed: int = 12
) -> tuple[StoredAccount, list[BaseEvent]]:
    """The stored record of an account after ``events`` events of deep history, and those events.

    Built with one step over the whole history: the state is a function of the
    set of events (not of how they were batched), so it is the state the worker
    would hold; the rest of the record is the evaluation after the last event.
    """
    history = list(deep_account_events(account_id, events, days, seed))
    return step(None, account_id, history, history[-1].occurred_at).stored, history


def measure_step_cost(
    history_events: int,
    accounts: int = 40,
    repeats: int = 5,
    policy: Policy = DEFAULT_POLICY,
    progress: Callable[[str], None] | None = None,
) -> StepCost:
    """Time ``accounts`` × ``repeats`` steps of one new touchpoint on ``history_events`` of history.

    Every repetition starts from the same stored record, so each step sees
    exactly ``history_events`` events of history (and the caches a stepped
    record carries, as the worker's parsed records do).
    """
    plain: list[float] = []
    encoded: list[float] = []
    full: list[float] = []
    for a in range(accounts):
        account_id = f"cost-{history_events}-{a:04d}"
        stored, history = history_stored(account_id, history_events)
        raw, segments = encode_stored(stored)
        b = AccountEvents(account_id, history[-1].occurred_at, ids=lambda p: f"{p}-new")
        sid = f"{account_id}-s0"
        gc.collect()  # the histories' garbage is not the step's
        for r in range(repeats):
            touch = b.contact((r + 1) / 24, sid, "call")
            now = touch.occurred_at
            t0 = time.perf_counter()
            out = step(stored, account_id, [touch], now, policy)
            t1 = time.perf_counter()
            encode_stored(out.stored, segments)
            t2 = time.perf_counter()
            parsed = stored_from_bytes(raw)
            out = step(parsed, account_id, [touch], now, policy)
            stored_to_bytes(out.stored)
            t4 = time.perf_counter()
            plain.append(t1 - t0)
            encoded.append(t2 - t0)
            full.append(t4 - t2)
        if progress is not None and (a + 1) % max(1, accounts // 4) == 0:
            progress(f"(e) {history_events} events of history: {a + 1}/{accounts} accounts")
    return StepCost(
        history_events=history_events,
        samples=len(plain),
        step_us=round(statistics.median(plain) * 1e6, 1),
        step_encode_us=round(statistics.median(encoded) * 1e6, 1),
        decode_step_encode_us=round(statistics.median(full) * 1e6, 1),
    )


def step_costs(
    histories: Sequence[int] = DEFAULT_HISTORIES,
    accounts: int = 40,
    repeats: int = 5,
    progress: Callable[[str], None] | None = None,
) -> list[StepCost]:
    """:func:`measure_step_cost` for each history depth."""
    return [measure_step_cost(n, accounts, repeats, progress=progress) for n in histories]


def cost_ratio(costs: Sequence[StepCost], deep: int = 1_000, shallow: int = 10) -> float | None:
    """Step µs at ``deep`` events of history over step µs at ``shallow`` (None if not measured)."""
    by_depth = {c.history_events: c.step_us for c in costs}
    if deep not in by_depth or not by_depth.get(shallow):
        return None
    return round(by_depth[deep] / by_depth[shallow], 2)
