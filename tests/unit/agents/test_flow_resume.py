"""Resuming flow keeps the current generation's fetched records (agents/patches/flow_resume.py).

mode's real FlowControlEvent and FlowControlQueue (Faust's channel queues);
the app is a stand-in carrying the generation id and the changelog topics.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from mode.utils.queues import FlowControlEvent, FlowControlQueue

from consumers.agents.patches.flow_resume import keep_current_generation_on_resume

CHANGELOG = "keypulse-worker-accounts-changelog"


@dataclass(frozen=True)
class Message:
    topic: str
    offset: int
    generation_id: int


@dataclass(frozen=True)
class Event:
    message: Message


def _app(generation_id: int) -> Any:
    return SimpleNamespace(
        flow_control=FlowControlEvent(),
        consumer_generation_id=generation_id,
        tables=SimpleNamespace(changelog_topics={CHANGELOG}),
    )


def _queued(flow: FlowControlEvent, items: list[Any]) -> FlowControlQueue[Any]:
    queue: FlowControlQueue[Any] = FlowControlQueue(flow_control=flow, clear_on_resume=True)
    for item in items:
        queue.put_nowait(item)
    return queue


def _offsets(queue: FlowControlQueue[Any]) -> list[tuple[str, int]]:
    return [(e.message.topic, e.message.offset) for e in queue._queue]  # type: ignore[attr-defined]


def test_unpatched_resume_drops_records_the_consumer_has_already_passed() -> None:
    """The fault: records put into a channel queue before resume() are cleared by it."""

    async def scenario() -> int:
        flow = FlowControlEvent()
        queue = _queued(flow, [Event(Message("contacts", o, 2)) for o in (1, 2, 3)])
        flow.resume()
        return queue.qsize()

    assert asyncio.run(scenario()) == 0


def test_resume_keeps_current_generation_stream_records_in_order() -> None:
    async def scenario() -> list[tuple[str, int]]:
        app = _app(generation_id=2)
        keep_current_generation_on_resume(app)
        queue = _queued(
            app.flow_control,
            [
                Event(Message("contacts", 1, 2)),
                Event(Message("contacts", 9, 1)),  # fetched before the rebalance
                Event(Message(CHANGELOG, 4, 2)),  # table recovery's records
                Event(Message("orders", 2, 2)),
                Event(Message("contacts", 3, 2)),
            ],
        )
        app.flow_control.suspend()
        app.flow_control.resume()
        assert app.flow_control.is_active()
        return _offsets(queue)

    assert asyncio.run(scenario()) == [("contacts", 1), ("orders", 2), ("contacts", 3)]


def test_resume_still_clears_what_is_not_a_fetched_record() -> None:
    async def scenario() -> int:
        app = _app(generation_id=2)
        keep_current_generation_on_resume(app)
        queue = _queued(app.flow_control, ["a value", 42])
        app.flow_control.resume()
        return queue.qsize()

    assert asyncio.run(scenario()) == 0


def test_installing_twice_keeps_one_patch() -> None:
    app = _app(generation_id=1)
    keep_current_generation_on_resume(app)
    first = app.flow_control.resume
    keep_current_generation_on_resume(app)
    assert app.flow_control.resume is first
