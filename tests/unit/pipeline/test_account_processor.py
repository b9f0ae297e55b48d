"""The account stage without Faust: any batching, order or duplication ends as the replay."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consumers.domain.alerts import DRIFTING_ONSET
from consumers.domain.evaluate import evaluate, to_snapshot
from consumers.domain.history import history_instants_between
from consumers.domain.replay import event_clock, fold_accounts, replay, replay_history
from consumers.pipeline import step_engine
from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock
from consumers.pipeline.codecs.record import stored_from_bytes, stored_to_bytes
from consumers.pipeline.codecs.state import state_to_dict
from consumers.pipeline.codecs.stored import stored_to_dict
from consumers.pipeline.kam_queue import KamQueueBook
from consumers.pipeline.step import StepOutput
from consumers.pipeline.step import step as real_step
from consumers.pipeline.step_engine import StepEngine
from consumers.pipeline.stored import StoredAccount
from schemas import validate_event
from schemas.events import BaseEvent
from schemas.topics import TOPIC_FOR_TYPE
from tests.support.histories import portfolio_history

HISTORY: list[BaseEvent] = [validate_event(e) for e in portfolio_history()]
END = event_clock(HISTORY)


def run(
    batches: list[list[BaseEvent]], ticks: set[int] | None = None
) -> tuple[dict[str, Any], list[StepOutput]]:
    """Feed batches as the agent does; the timer ticks after batches in ``ticks`` and at the end."""
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    outputs: list[StepOutput] = []
    for n, batch in enumerate(batches):
        outputs += processor.handle(batch)
        if ticks is None or n in ticks:
            outputs += processor.evaluate_due()
    outputs += processor.evaluate_due()
    return store, outputs


def alert_keys(alerts: Any) -> set[tuple[str, str, str | None, str, str | None]]:
    """Identity and content of open alerts.

    The drifting-onset kinds (health_drop, team_single_threaded) take their
    onset from the evaluation that saw them, so their ids depend on when the
    stream evaluated; every other id is a function of the events alone and
    must match the replay's.
    """
    return {
        ("" if a.kind in DRIFTING_ONSET else a.alert_id, a.kind, a.subject, a.severity, a.kam_id)
        for a in alerts
    }


def assert_matches_replay(store: dict[str, Any]) -> None:
    assert END is not None
    oracle = replay(HISTORY, END)
    states = fold_accounts(HISTORY)
    assert set(store) == set(oracle)
    for account_id, raw in store.items():
        stored = stored_from_bytes(raw)
        assert state_to_dict(stored.state) == state_to_dict(states[account_id])
        # Alerts and band at the end of the stream are those of the replay at the end...
        assert alert_keys(stored.open_alerts) == alert_keys(oracle[account_id].open_alerts)
        assert stored.snapshot is not None
        assert stored.snapshot.band == oracle[account_id].health.band
        # ...and the published health is the engine's evaluation at its as_of, exactly.
        expected = to_snapshot(evaluate(states[account_id], stored.snapshot.as_of))
        assert stored.snapshot == expected


def test_in_order_stream_ends_where_the_replay_ends() -> None:
    store, _ = run([[e] for e in HISTORY])
    assert_matches_replay(store)


def test_the_store_holds_the_bytes_of_each_record() -> None:
    store, outputs = run([HISTORY])
    assert store
    assert all(isinstance(raw, bytes) for raw in store.values())
    last = {out.stored.account_id: out.stored for out in outputs}
    assert all(store[a] == stored_to_bytes(stored) for a, stored in last.items())


@pytest.mark.parametrize(
    "older",
    [
        pytest.param(stored_to_dict, id="dicts"),
        pytest.param(lambda s: json.dumps(stored_to_dict(s)).encode(), id="json"),
    ],
)
def test_a_store_written_by_the_previous_version_reads_and_ends_as_the_replay(
    older: Callable[[StoredAccount], Any],
) -> None:
    half = len(HISTORY) // 2
    store, _ = run([HISTORY[:half]])
    store = {a: older(stored_from_bytes(raw)) for a, raw in store.items()}
    successor = AccountProcessor(store, EventClock())
    found = successor.rebuild_index(lambda _: True)
    assert found.accounts == len(store)
    successor.handle(HISTORY[half:])
    successor.evaluate_due()
    stepped = {e.account_id for e in HISTORY[half:]}
    assert all(isinstance(store[a], bytes) for a in stepped)  # written back as bytes
    assert_matches_replay(store)


def held_weight(processor: AccountProcessor) -> int:
    """Bytes of the table values whose parsed records the processor's engine keeps."""
    assert processor.engine is not None
    return sum(len(raw) for _, raw, _ in processor.engine.held_records())


def test_the_parsed_cache_keeps_the_most_recently_stepped_within_its_bytes() -> None:
    final, _ = run([HISTORY])
    bound = 3 * max(len(raw) for raw in final.values())  # room for three at least
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock(), engine=StepEngine(cache_bytes=bound))
    order: list[str] = []
    for event in HISTORY:
        processor.handle([event])
        if event.account_id in order:
            order.remove(event.account_id)
        order.append(event.account_id)
        assert processor.engine is not None
        held = [account_id for account_id, _, _ in processor.engine.held_records()]
        assert held == order[len(order) - len(held) :]  # the most recently stepped
        assert held_weight(processor) <= bound
    assert processor.engine is not None
    assert 3 <= len(processor.engine.held_records()) < len(store)
    for account_id, raw, parsed in processor.engine.held_records():
        assert raw is store[account_id]
        assert parsed == stored_from_bytes(raw)


def test_misses_of_a_cache_that_holds_nothing_end_as_a_cache_that_holds_everything(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    big, big_outputs = run([[e] for e in HISTORY])
    monkeypatch.setattr(step_engine, "PARSED_CACHE_BYTES", 0)
    small, small_outputs = run([[e] for e in HISTORY])
    assert small == big
    assert small_outputs == big_outputs


def test_a_recovery_fills_the_cache_up_to_its_bound() -> None:
    store, _ = run([HISTORY])
    bound = sum(sorted(len(raw) for raw in store.values())[:2])  # the two smallest fit
    fresh = AccountProcessor(store, EventClock(), engine=StepEngine(cache_bytes=bound))
    assert fresh.rebuild_index(lambda _: True).accounts == len(store) > 2
    assert fresh.engine is not None
    held = {account_id for account_id, _, _ in fresh.engine.held_records()}
    assert 1 <= len(held) < len(store)
    assert held_weight(fresh) <= bound
    # Filled while there was room: none of the others fits beside them.
    assert all(held_weight(fresh) + len(store[a]) > bound for a in set(store) - held)
    fresh.handle(HISTORY[-3:])  # held or not, the steps read the table's values
    assert_matches_replay(store)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), max_batch=st.integers(1, 80), dup_rate=st.floats(0, 0.5))
def test_shuffled_duplicated_batches_end_where_the_replay_ends(
    seed: int, max_batch: int, dup_rate: float
) -> None:
    rng = random.Random(seed)
    delivered = HISTORY + [e for e in HISTORY if rng.random() < dup_rate]
    rng.shuffle(delivered)
    batches = []
    while delivered:
        size = rng.randint(1, max_batch)
        batches.append(delivered[:size])
        delivered = delivered[size:]
    ticks = {n for n in range(len(batches)) if rng.random() < 0.3}
    store, _ = run(batches, ticks)
    assert_matches_replay(store)


def test_redelivered_history_publishes_nothing() -> None:
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    processor.handle(HISTORY)
    again = processor.handle(HISTORY)
    assert again
    assert not any(out.publishes_anything for out in again)


def test_alert_lifecycle_is_published_as_changes() -> None:
    _, outputs = run([[e] for e in HISTORY])
    steps = [a for out in outputs for a in out.alerts]
    ticket = [a for a in steps if a.subject == "acct-04-T2" and a.kind == "critical_ticket"]
    # The P2 escalated to P1 raises a critical_ticket alert; resolving the ticket resolves it.
    assert ticket[0].status == "open"
    assert ticket[-1].status == "resolved"
    assert ticket[-1].resolved_at is not None
    assert len({a.alert_id for a in ticket}) == 1


def test_handover_moves_the_account_between_kam_queues() -> None:
    _, outputs = run([[e] for e in HISTORY])
    entries = [q for out in outputs for q in out.queue_lines if q.account_id == "acct-05"]
    removal = [q for q in entries if not q.present]
    assert [(q.kam_id, q.present) for q in removal] == [("kam-cara", False)]
    assert entries[-1].kam_id == "kam-dora"

    # The KAM stage's own book, fed the lines in the order they were published.
    book = KamQueueBook({})
    book.apply(q for out in outputs for q in out.queue_lines)
    queues = {q.kam_id: {i.account_id for i in q.items} for q in book.take_dirty()}
    assert "acct-05" not in queues["kam-cara"]
    assert queues["kam-dora"] == {"acct-05"}


def test_alerts_follow_the_account_to_the_new_kam() -> None:
    store, _ = run([[e] for e in HISTORY])
    stored = stored_from_bytes(store["acct-05"])
    assert stored.open_alerts
    assert {a.kam_id for a in stored.open_alerts} == {"kam-dora"}


def test_due_accounts_are_evaluated_when_the_clock_moves_without_their_events() -> None:
    store: dict[str, Any] = {}
    clock = EventClock()
    processor = AccountProcessor(store, clock)
    quiet = [e for e in HISTORY if e.account_id == "acct-01"]
    processor.handle(quiet[:20])
    due_at = stored_from_bytes(store["acct-01"]).due_at
    assert due_at is not None
    # Another account's event moves the event clock past acct-01's due time.
    later = validate_event(
        {
            "event_id": "tick-1",
            "type": "order.cancelled",
            "account_id": "other",
            "occurred_at": (due_at.replace(microsecond=0)).isoformat(),
            "order_id": "x",
        }
    )
    handled = processor.handle([later])
    assert "acct-01" not in {out.stored.account_id for out in handled}
    ticked = processor.evaluate_due()  # the worker's timer
    assert "acct-01" in {out.stored.account_id for out in ticked}
    assert stored_from_bytes(store["acct-01"]).snapshot is not None


def test_rebuilt_index_resumes_the_event_clock_and_due_times() -> None:
    store, _ = run([HISTORY])
    clock = EventClock()
    fresh = AccountProcessor(store, clock)
    found = fresh.rebuild_index(lambda account_id: account_id != "acct-00")
    assert found.accounts == len(store) - 1
    latest = [stored_from_bytes(raw).state.latest_at for raw in store.values()]
    assert clock.now() == max(t for t in latest if t is not None)
    assert len(fresh.due) <= found.accounts


@pytest.mark.parametrize("account", ["acct-00", "acct-03"])
def test_outputs_carry_the_evaluation_time(account: str) -> None:
    _, outputs = run([[e] for e in HISTORY])
    last = [o for o in outputs if o.stored.account_id == account and o.health is not None][-1]
    assert last.health is not None
    assert isinstance(last.health.as_of, datetime)
    assert last.health.as_of <= END  # type: ignore[operator]


def history_points(outputs: list[StepOutput]) -> dict[tuple[str, datetime], Any]:
    """The history points as the read models keep them: the last per (account, as_of)."""
    points: dict[tuple[str, datetime], Any] = {}
    for out in outputs:
        for point in out.history:
            points[(point.account_id, point.as_of)] = point
    return points


def assert_history_matches_replay(points: dict[tuple[str, datetime], Any]) -> None:
    wanted: dict[str, list[datetime]] = {}
    for account_id, at in points:
        wanted.setdefault(account_id, []).append(at)
    oracle = replay_history(HISTORY, wanted)
    for (account_id, at), point in points.items():
        assert point == to_snapshot(oracle[account_id][at]), (account_id, at)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), max_batch=st.integers(1, 80))
def test_an_in_order_stream_gives_each_monday_once_as_the_replay_does(
    seed: int, max_batch: int
) -> None:
    rng = random.Random(seed)
    delivered, batches = list(HISTORY), []
    while delivered:
        size = rng.randint(1, max_batch)
        batches.append(delivered[:size])
        delivered = delivered[size:]
    _, outputs = run(batches, {n for n in range(len(batches)) if rng.random() < 0.3})
    points = history_points(outputs)
    assert sum(len(out.history) for out in outputs) == len(points)  # none evaluated twice
    for account_id, state in fold_accounts(HISTORY).items():
        assert state.first_seen is not None
        assert state.latest_at is not None
        days = sorted(at for a, at in points if a == account_id)
        assert days == history_instants_between(state.first_seen, state.latest_at)
    assert_history_matches_replay(points)


def topic_of(event: BaseEvent) -> str:
    """The input topic that carries ``event``."""
    return TOPIC_FOR_TYPE[event.model_dump()["type"]].value


def test_topics_lagging_each_other_by_weeks_still_end_with_the_replays_history() -> None:
    """Five topics consumed at uneven speed: tickets and reorgs 60 days of event time behind.

    Each topic keeps its own order (one partition per account), as a slow
    topic catching up does. (With master data or orders far ahead of the
    other topics a revised point can differ: docs/scoring.md, "Known
    approximations".)
    """
    behind = {
        "tickets": timedelta(days=60),
        "reorgs": timedelta(days=60),
        "contacts": timedelta(days=14),
    }
    zero = timedelta(0)
    delivered = sorted(HISTORY, key=lambda e: e.occurred_at + behind.get(topic_of(e), zero))
    _, outputs = run([delivered[i : i + 30] for i in range(0, len(delivered), 30)])
    assert_history_matches_replay(history_points(outputs))


def test_timer_evaluations_add_no_history() -> None:
    processor = AccountProcessor({}, EventClock())
    processor.handle(HISTORY)
    assert END is not None
    later = processor.evaluate_due(END + timedelta(days=40), limit=10_000)
    assert later
    assert all(out.history == () for out in later)


def test_a_plan_that_raises_halfway_leaves_no_unstored_step_in_the_cache(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Batches 1 and 3 stored, batch 2 failed on its second account: the first
    # account's step of batch 2 reached the engine's cache but never the table,
    # and must not be what batch 3 builds on.
    first, second, third = HISTORY[:120], HISTORY[120:160], HISTORY[160:]
    accounts = sorted({e.account_id for e in second})
    assert len(accounts) >= 2
    expected, _ = run([first, third])

    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    processor.handle(first)

    def failing_step(stored: Any, account_id: str, *args: Any, **kwargs: Any) -> StepOutput:
        if account_id == accounts[1]:
            raise RuntimeError("a step failed")
        return real_step(stored, account_id, *args, **kwargs)

    monkeypatch.setattr(step_engine, "step", failing_step)
    with pytest.raises(RuntimeError, match="a step failed"):
        processor.handle(second)
    monkeypatch.setattr(step_engine, "step", real_step)
    processor.handle(third)
    processor.evaluate_due()
    assert store == expected
