"""The whole stream pipeline on the real embedded broker, against the engine's replay.

Worker and sink run as real processes (``keypulse worker``, ``keypulse sink``)
with a private topic prefix; the read models are checked on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from schemas import validate_event
from schemas.events import BaseEvent
from services.settings import Settings
from tests.support.histories import portfolio_history
from tests.support.oracle import differences, read_models
from tests.support.processes import run_cli
from tests.support.restarts import owned_partitions, restart_at_once, takeover_and_return
from tests.support.stack import PipelineStack, read_model_engine, running_stack
from tests.support.waiting import wait_for

HISTORY = portfolio_history(seed=11, accounts=8)
EVENTS: list[BaseEvent] = [validate_event(e) for e in HISTORY]


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    broker_settings: Settings,
    isolated_database_url: str,
    tmp_path: Path,
) -> Iterator[PipelineStack]:
    # Parametrized indirectly with the KEYPULSE_ENGINE to run (default: the default).
    engine = getattr(request, "param", None)
    with running_stack(broker_settings, isolated_database_url, tmp_path, engine=engine) as running:
        yield running


#: Both places the worker can step accounts (KEYPULSE_ENGINE).
BOTH_ENGINES = pytest.mark.parametrize("stack", ["inline", "process"], indirect=True)


@pytest.fixture
def engine(stack: PipelineStack) -> Iterator[sa.Engine]:
    with read_model_engine(stack.database_url) as eng:
        yield eng


def wait_until_read_models_match(
    stack: PipelineStack, engine: sa.Engine, events: list[BaseEvent], timeout: float = 150
) -> None:
    last: list[str] = []

    def matches() -> bool:
        for name, proc in stack.procs.items():
            assert proc.poll() is None, f"{name} died:\n{stack.logs(name)[-3000:]}"
        try:
            last[:] = differences(engine, events)
        except sa.exc.DBAPIError as exc:  # the sink has not created the schema yet
            last[:] = [str(exc)]
        return not last

    try:
        wait_for(matches, timeout=timeout, what="read models to equal the replay", interval=0.5)
    except AssertionError:
        raise AssertionError(
            "read models differ from the replay:\n" + "\n".join(last[:20])
        ) from None


@BOTH_ENGINES
def test_history_ends_in_read_models_equal_to_the_replay(
    stack: PipelineStack, engine: sa.Engine
) -> None:
    stack.start("worker")
    stack.start("sink")
    stack.publish(HISTORY)
    wait_until_read_models_match(stack, engine, EVENTS)
    rows = read_models(engine)
    # A history per change, and the handover left acct-05 only in the new KAM's queue.
    assert len(rows["health_history"]) >= len(rows["account_health"])
    queue_of = {i["account_id"]: i["kam_id"] for i in rows["kam_queue_items"]}
    assert queue_of["acct-05"] == "kam-dora"


@BOTH_ENGINES
def test_worker_killed_mid_stream_ends_equal_to_the_replay(
    stack: PipelineStack, engine: sa.Engine
) -> None:
    stack.start("sink")
    chunks = [HISTORY[i::4] for i in range(4)]
    for n, chunk in enumerate(chunks):
        worker = stack.start("worker")
        stack.publish(chunk)
        if n < len(chunks) - 1:
            # Kill each worker in the middle of work: once it took its first
            # batch (and re-sent what its predecessor may have left unsent).
            wait_for(
                lambda w=worker: (
                    "due index rebuilt" in stack.latest_log("worker") or w.poll() is not None
                ),  # type: ignore[misc]
                timeout=90,
                what="the worker to start consuming",
            )
            stack.kill("worker")
            # The next worker starts at once, while the killed member is still
            # registered in the group (docs/architecture.md, "The Faust patches").
    wait_until_equal_or_explain(stack, engine)


def test_worker_restarted_at_once_loses_nothing(stack: PipelineStack, engine: sa.Engine) -> None:
    stack.start("sink")
    restart_at_once(stack, HISTORY)
    wait_until_equal_or_explain(stack, engine)


def test_two_workers_survive_a_takeover_and_a_return(
    stack: PipelineStack, engine: sa.Engine
) -> None:
    stack.start("sink")
    takeover_and_return(stack, HISTORY)
    wait_until_equal_or_explain(stack, engine)
    # shared, then worker-b alone, then shared again with the returned worker-a
    every = stack.settings.topic_partitions
    alone = [len(p) == every for p in owned_partitions(stack.logs("worker-b"))]
    assert alone[-3:] == [False, True, False]


def wait_until_equal_or_explain(stack: PipelineStack, engine: sa.Engine) -> None:
    """Wait for the replay's read models; on failure say which events the topics lack.

    Then ``keypulse verify``, which reads the topics themselves, must agree.
    """
    try:
        wait_until_read_models_match(stack, engine, EVENTS, timeout=240)
    except AssertionError as failure:
        on_topics = set(stack.event_ids_on_inputs())
        missing = sorted(e.event_id for e in EVENTS if e.event_id not in on_topics)
        raise AssertionError(
            f"{failure}\n(input topics hold {len(on_topics)} distinct events;"
            f" missing from them: {missing[:20]})"
        ) from None
    verified = run_cli("verify", env=stack.env())
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{len({e.account_id for e in EVENTS})} accounts checked, 0 differ" in verified.stdout


def test_poison_messages_go_to_deadletter_and_later_events_are_applied(
    stack: PipelineStack, engine: sa.Engine
) -> None:
    poison = [
        ("orders", b"acct-00", b"{not json"),
        ("contacts", b"acct-01", json.dumps({"type": "contact.logged"}).encode()),
        ("tickets", b"acct-02", json.dumps({**HISTORY[0], "type": "ticket.exploded"}).encode()),
    ]
    half = len(HISTORY) // 2
    stack.start("worker")
    stack.start("sink")
    stack.publish(HISTORY[:half])
    stack.publish(poison)
    stack.publish(HISTORY[half:])
    wait_until_read_models_match(stack, engine, EVENTS)

    consumer = KafkaConsumer(
        stack.settings.topics.name_of("deadletter"),
        bootstrap_servers=stack.settings.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    letters: list[dict[str, str]] = []

    def collect() -> bool:
        for records in consumer.poll(timeout_ms=500).values():
            letters.extend(json.loads(r.value) for r in records)
        return len(letters) >= len(poison)

    try:
        wait_for(collect, timeout=30, what="the dead letters")
    finally:
        consumer.close()
    assert sorted(base64.b64decode(d["value"]) for d in letters) == sorted(p[2] for p in poison)
    assert {d["topic"] for d in letters} == {stack.settings.topics.name_of(p[0]) for p in poison}
    assert all(d["error"] for d in letters)
