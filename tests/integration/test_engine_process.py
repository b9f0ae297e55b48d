"""The step engine in a child process: the same values and records as in the worker's own.

A real child process over a real pipe (no broker): the worker's account
stage runs its plans this way by default (``KEYPULSE_ENGINE=process``).
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock
from consumers.pipeline.engine_process import EngineProcess, EngineProcessError
from consumers.pipeline.out_records import OutputTopics, StepRecords
from consumers.pipeline.step_engine import StepEngine, StepPlan, StepRequest
from schemas import validate_event
from schemas.events import BaseEvent
from schemas.topics import TopicRegistry
from tests.support.histories import portfolio_history
from tests.support.waiting import wait_for

HISTORY: list[BaseEvent] = [validate_event(e) for e in portfolio_history()]
TOPICS = OutputTopics.of(TopicRegistry(prefix="t-"))
BATCH = 25


@pytest.fixture
def engine() -> Iterator[EngineProcess]:
    process = EngineProcess(StepEngine().policy, TOPICS)
    process.start()
    yield process
    process.close()


def batches() -> list[list[BaseEvent]]:
    return [HISTORY[i : i + BATCH] for i in range(0, len(HISTORY), BATCH)]


def in_process(ticks: bool = True) -> tuple[dict[str, Any], list[StepRecords]]:
    """The history through a processor with its own engine, batch by batch (ticks between)."""
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    published: list[StepRecords] = []
    for batch in batches():
        published += [TOPICS.step_records(out) for out in processor.handle(batch)]
        if ticks:
            published += [TOPICS.step_records(out) for out in processor.evaluate_due()]
    return store, published


async def through(
    engine: EngineProcess, processor: AccountProcessor, plan: StepPlan | None
) -> list[StepRecords]:
    if plan is None:
        return []
    run = await engine.run(plan)
    processor.settle(run)
    assert all(s.output is None and s.records is not None for s in run.stepped)
    return [s.records for s in run.stepped if s.records is not None]


def test_plans_run_in_the_child_store_and_publish_what_the_worker_would(
    engine: EngineProcess,
) -> None:
    async def scenario() -> tuple[dict[str, Any], list[StepRecords]]:
        store: dict[str, Any] = {}
        processor = AccountProcessor(store, EventClock(), local=False)
        published: list[StepRecords] = []
        for batch in batches():
            published += await through(engine, processor, processor.plan(batch))
            published += await through(engine, processor, processor.plan_due())
        return store, published

    store, published = asyncio.run(scenario())
    expected_store, expected = in_process()
    assert store == expected_store  # the very bytes, account by account
    assert published == expected
    assert any(s.alerts for s in published)  # the history raises alerts


def test_a_failed_plan_resets_the_child_and_the_next_plan_reads_values_afresh(
    engine: EngineProcess,
) -> None:
    async def scenario() -> dict[str, Any]:
        store: dict[str, Any] = {}
        processor = AccountProcessor(store, EventClock(), local=False)
        half = batches()[: len(batches()) // 2]
        for batch in half:
            await through(engine, processor, processor.plan(batch))
        plan = processor.plan(batches()[len(half)])
        assert plan is not None
        assert any(r.held for r in plan.requests)
        # The child is asked for a record it never held: it fails the plan.
        bogus = StepPlan(plan.now, (StepRequest("acct-unknown", (), None, True),))
        with pytest.raises(EngineProcessError, match="failed a plan"):
            await engine.run(bogus)
        processor.forget_held()
        plan = processor.plan(batches()[len(half)])
        assert plan is not None
        assert not any(r.held for r in plan.requests)
        await through(engine, processor, plan)
        for batch in batches()[len(half) + 1 :]:
            await through(engine, processor, processor.plan(batch))
        return store

    store = asyncio.run(scenario())
    expected_store, _ = in_process(ticks=False)
    assert store == expected_store  # nothing of the failed plan leaked into a value


def test_a_killed_child_is_reported_not_waited_for(engine: EngineProcess) -> None:
    async def scenario() -> None:
        processor = AccountProcessor({}, EventClock(), local=False)
        await through(engine, processor, processor.plan(batches()[0]))
        assert engine.pid is not None
        os.kill(engine.pid, signal.SIGKILL)
        wait_for(lambda: not engine.alive, timeout=10, what="the engine process to die")
        plan = processor.plan(batches()[1])
        assert plan is not None
        with pytest.raises(EngineProcessError, match="is gone"):
            await engine.run(plan)

    asyncio.run(scenario())
