"""The account stage: input topics → per-account state → health, alerts, profiles, queue lines.

Thin by design (decode → domain → emit). Per batch of messages taken from the
five co-partitioned input topics, each account's state is read once, every
event of the batch is applied, the account is evaluated once and written
back once: one changelog record per account per batch, not per event.

The stage sends each account's changelog record (to murmur2(account_id),
the account's own partition) once per batch, ahead of that account's
outputs, which the record carries as its outbox (see :meth:`AccountStage._send`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import faust
from faust.types import TP, EventT
from faust.web import Request, Response, View

from consumers.agents.batched_table import batched_table, tables_settling, until_tables_settled
from consumers.agents.batches import Batcher, BatchLimits, consumer_lag, missing_internals
from consumers.agents.metrics import WorkerMetrics
from consumers.agents.outputs import Outputs
from consumers.agents.produce import RecordSender
from consumers.agents.produce import missing_internals as missing_producer_internals
from consumers.domain.policy import Policy
from consumers.pipeline.account_processor import DUE_BATCH, AccountProcessor
from consumers.pipeline.clock import clock_for
from consumers.pipeline.engine_process import EngineProcess, EngineProcessError
from consumers.pipeline.out_records import OutRecord, StepRecords
from consumers.pipeline.partitioning import partition_for
from consumers.pipeline.step_engine import EngineRun, StepPlan
from schemas import INPUT_TOPICS, EventRejected, decode_event
from schemas.events import BaseEvent
from services.settings import Settings

log = logging.getLogger(__name__)

#: How batches of input messages grow (consumers/agents/batches.py): live
#: traffic waits 20 ms for more; a backlog (a partition of the batch 1,000 or
#: more records behind its end) waits up to 3 s for a full batch, so that each
#: account is stepped once for many of its events. Faust delivers a backlog at
#: roughly 6,000-8,000 events/s to this agent, so 1 s gave batches of ~8,000
#: and four steps per account where 3 s gives one or two (deep mix 2,309-2,580
#: -> 3,347 events/s, issue 12); waiting is not idling: Faust delivers meanwhile.
BATCH_LIMITS = BatchLimits(max_events=20_000, linger=0.02, backlog_linger=3.0, backlog_lag=1_000)
#: With ``KEYPULSE_ENGINE=inline``: batches of at least this many events (a
#: backlog) are stepped in a thread beside the event loop; smaller (live)
#: ones on the loop. Python runs one thread at a time, so the thread only
#: gains the time the loop would wait for the broker, and handing work
#: between two threads made live batches slower (produce → alert p50 at
#: 1,000 events/s about twice as long in two runs each).
THREAD_MIN_EVENTS = 500
#: How often the timer looks for accounts whose evaluation is due.
TICK_SECONDS = 0.5
#: Due accounts evaluated between two yields to the event loop.
DUE_CHUNK = 25


class AccountStage:
    """The Faust side of the account stage: table, topics, decoding and publishing."""

    def __init__(
        self, app: faust.App, settings: Settings, policy: Policy, metrics: WorkerMetrics
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.partitions = settings.topic_partitions
        self.wall_clock = settings.clock == "wall"
        self.outputs = Outputs(app, settings)
        self.input_names = [settings.topics.name(t) for t in INPUT_TOPICS]
        # Values are stored_to_bytes records (consumers/pipeline/codecs/record.py).
        self.table = batched_table(app, "accounts", self.partitions, value_serializer="raw")
        self.source = app.topic(
            *self.input_names, key_type=bytes, value_type=bytes, value_serializer="raw"
        )
        self.topics = self.outputs.topics
        # The steps run in a child process (default) or here (inline).
        self.engine: EngineProcess | None = None
        if settings.engine == "process":
            self.engine = EngineProcess(policy, self.topics)
        self.processor = AccountProcessor(
            self.table, clock_for(settings.clock), policy, local=self.engine is None
        )
        self._indexed_partitions: frozenset[int] | None = None
        # Held while the processor or the table is used (a batch in its engine
        # thread, a timer tick, an index rebuild) and until that work's records
        # are handed to the producer: one user at a time, in the order they came.
        self._engine = asyncio.Lock()
        # The agent and the due-account timer both send: whole flushes in the
        # order they were taken, so an account's records keep the order of its steps.
        self._sender = RecordSender.of_app(app, last_alone=settings.tansu_workarounds)

    def prepare(self, event: EventT[Any]) -> BaseEvent | EventRejected:
        """Decode one input message (the Batcher calls this once, as it arrives)."""
        raw = event.message.value if isinstance(event.message.value, bytes) else b""
        try:
            return decode_event(raw, now=datetime.now(UTC) if self.wall_clock else None)
        except EventRejected as exc:
            return exc

    @staticmethod
    def event_time(prepared: BaseEvent | EventRejected) -> float | None:
        """When a decoded event occurred (POSIX seconds); None for a rejected one."""
        return None if isinstance(prepared, EventRejected) else prepared.occurred_at.timestamp()

    def assigned(self) -> set[TP]:
        """The input partitions this worker owns now."""
        names = set(self.input_names)
        return {tp for tp in self.app.consumer.assignment() if tp.topic in names}

    async def process(self, batch: Sequence[tuple[EventT[Any], BaseEvent | EventRejected]]) -> None:
        """Handle one batch of input messages (with what :meth:`prepare` made of each)."""
        valid = [(e, d) for e, p in batch if (d := await self._admit(e, p)) is not None]
        while True:
            # Never step while a rebalance or a table recovery is under way:
            # recovery writes the table, and the step would read half of it.
            # Wait outside the lock: the revocation waits for the lock.
            await until_tables_settled(self.app)
            async with self._engine:
                if tables_settling(self.app):
                    continue  # a rebalance began while this waited for the lock
                # Partitions lost in a rebalance go to their new owner, who
                # reads their events again from the last commit.
                owned = self.assigned()
                valid = [(e, d) for e, d in valid if e.message.tp in owned]
                await self._refresh_index()
                started = time.monotonic()
                outputs = await self._step_batch([d for _, d in valid])
                stepped = time.monotonic()
                await self._send(outputs)
                break
        log.debug(
            "batch of %d messages: %d accounts stepped in %.3f s, sent in %.3f s",
            len(batch),
            len(outputs),
            stepped - started,
            time.monotonic() - stepped,
        )
        self.metrics.processed_batch(
            (
                event.message.topic,
                decoded.type,  # type: ignore[attr-defined]
                decoded.occurred_at,
                int(event.message.timestamp * 1000) if event.message.timestamp else None,
            )
            for event, decoded in valid
        )

    async def _step_batch(self, events: list[BaseEvent]) -> list[StepRecords]:
        """What stepping ``events`` publishes; the caller holds the engine lock."""
        return await self._run(self.processor.plan(events), thread=len(events) >= THREAD_MIN_EVENTS)

    async def _run(self, plan: StepPlan | None, *, thread: bool = False) -> list[StepRecords]:
        """Run ``plan`` in the engine, store its values; what its steps publish.

        The caller holds the engine lock. In the engine process, or (inline)
        in a thread when ``thread``, so that the event loop goes on meanwhile:
        Faust keeps fetching and handing the next batch's messages to the
        Batcher.
        """
        if plan is None:
            return []
        if self.engine is not None:
            work = asyncio.ensure_future(self.engine.run(plan))
        elif thread:
            work = asyncio.ensure_future(asyncio.to_thread(self.processor.run_here, plan))
        else:
            return self._settle(self.processor.run_here(plan))
        try:
            run = await asyncio.shield(work)
        except asyncio.CancelledError:
            # The step cannot be stopped: keep the lock (nobody else may use
            # the processor) until it has finished, then give up the batch,
            # which was not acknowledged and is read again. Its steps are in
            # the engine's cache but not in the table: read from the table.
            while not work.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait({work})
            self.processor.forget_held()
            raise
        except EngineProcessError:
            self.processor.forget_held()
            raise
        return self._settle(run)

    def _settle(self, run: EngineRun) -> list[StepRecords]:
        self.processor.settle(run)
        published: list[StepRecords] = []
        for stepped in run.stepped:
            if stepped.records is not None:
                published.append(stepped.records)
            elif stepped.output is not None:
                published.append(self.topics.step_records(stepped.output))
        return published

    async def finish_step(self) -> None:
        """Wait until no batch or tick is using the processor (partitions are being revoked)."""
        async with self._engine:
            pass

    async def _admit(
        self, event: EventT[Any], prepared: BaseEvent | EventRejected
    ) -> BaseEvent | None:
        """The decoded event if valid and on its home partition; else dead-letter or forward it."""
        message = event.message
        raw = message.value if isinstance(message.value, bytes) else b""
        key = message.key if isinstance(message.key, bytes) else None
        if isinstance(prepared, EventRejected):
            await self.outputs.dead_letter(message.tp, message.offset, key, raw, prepared.reason)
            self.metrics.dead_letters.labels(message.topic).inc()
            return None
        decoded = prepared
        home = partition_for(decoded.account_id, self.partitions)
        if message.partition != home:
            # Never apply on the wrong partition: its worker may not own the account.
            await self.outputs.forward(message.topic, home, decoded.account_id.encode(), raw)
            self.metrics.forwarded.labels(message.topic).inc()
            log.info(
                "forwarded %s[%d]@%d to partition %d (account %s)",
                message.topic,
                message.partition,
                message.offset,
                home,
                decoded.account_id,
            )
            return None
        return decoded

    async def _send(self, outputs: Sequence[StepRecords], *, again: bool = False) -> None:
        """Publish a batch's changelog records and then its outputs, all before returning.

        Two flushes (produce.py): the changelog records first, awaited until
        the broker has them, then the outputs, queued in the producer. The
        stored record carries the step's outputs (its outbox), so a crash
        after it left and before the outputs did loses nothing: whoever
        recovers the account sends the outbox again (``again``: no
        changelog, no metrics). The other order would not do: outputs are
        diffs against the stored record, and outputs whose stored record was
        lost are orphans nobody resolves. Within each flush an account's
        records keep their step order (one partition per topic and account).
        """
        changelog = {} if again else self.table.take_changelog_records()
        stored = [changelog.pop(out.account_id) for out in outputs if out.account_id in changelog]
        stored += changelog.values()  # none expected: every write comes with its step
        if stored:
            await asyncio.gather(*await self._sender.send(stored))
        await self._sender.send(
            record for out in outputs for record in self._output_records(out, count=not again)
        )

    def _output_records(self, out: StepRecords, count: bool = True) -> tuple[OutRecord, ...]:
        """One step's records to publish; its alerts are counted in the metrics if ``count``."""
        if count:
            for kind, status in out.alerts:
                self.metrics.alerts.labels(kind, status).inc()
        return out.records

    async def tick(self) -> None:
        """Timer body: evaluate the accounts whose due time has come.

        In small chunks with the sends in between, so that a tick with many due
        accounts never holds the event loop (and the agent) for long.
        """
        for _ in range(DUE_BATCH // DUE_CHUNK):
            async with self._engine:
                if tables_settling(self.app):
                    return
                await self._refresh_index()
                plan = self.processor.plan_due(limit=DUE_CHUNK)
                if plan is None:
                    self.metrics.accounts_due.set(0)
                    return
                await self._send(await self._run(plan))
        # DUE_BATCH evaluated and more are due: the timer is behind by these.
        now = self.processor.clock.now()
        self.metrics.accounts_due.set(self.processor.due.due_count(now) if now else 0)

    async def _refresh_index(self) -> None:
        """After each change of partition assignment: rebuild the due index, resend outboxes.

        The accounts of partitions this worker did not own before get their
        last step's outputs sent again, before anything new of theirs.
        """
        first = self.input_names[0]
        owned = frozenset(
            tp.partition for tp in self.app.consumer.assignment() if tp.topic == first
        )
        before = self._indexed_partitions or frozenset()
        if owned == self._indexed_partitions:
            return
        started = time.monotonic()
        n = self.partitions
        found = self.processor.rebuild_index(
            lambda account_id: partition_for(account_id, n) in owned,
            newly_owned=lambda account_id: partition_for(account_id, n) not in before,
        )
        self._indexed_partitions = owned
        log.info(
            "due index rebuilt for partitions %s: %d accounts in %.3f s;"
            " resending the last outputs of %d accounts",
            sorted(owned),
            found.accounts,
            time.monotonic() - started,
            len(found.unsent),
        )
        await self._send([self.topics.step_records(out) for out in found.unsent], again=True)


def register_account_stage(
    app: faust.App, settings: Settings, policy: Policy, metrics: WorkerMetrics
) -> AccountStage:
    """Attach the account agent, its timer and the worker's ``/metrics`` page to ``app``."""
    stage = AccountStage(app, settings, policy, metrics)

    @app.page("/metrics")
    async def prometheus(view: View, request: Request) -> Response:
        return view.bytes(
            metrics.exposition(), headers={"Content-Type": "text/plain; version=0.0.4"}
        )

    if missing := missing_internals():
        # A faust-streaming release changed what the Batcher relies on.
        raise RuntimeError(f"cannot batch Faust streams: Stream lacks {', '.join(missing)}")
    if missing := missing_producer_internals():
        # An aiokafka release changed what the RecordSender relies on.
        raise RuntimeError(
            f"cannot batch produce requests: AIOKafkaProducer lacks {', '.join(missing)}"
        )

    @app.agent(stage.source, name="accounts")
    async def accounts(stream: faust.StreamT[Any]) -> None:
        batcher = Batcher(
            cast(faust.Stream[Any], stream),
            BATCH_LIMITS,
            consumer_lag(app),
            prepare=stage.prepare,
            event_time=stage.event_time,
            assigned=stage.assigned,
        )
        async for batch in batcher.batches():
            await stage.process(batch)

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode types it as sync-or-awaitable union
    async def finish_step_before_revoking(
        sender: Any, *revoked: Any, signal: Any, **kwargs: Any
    ) -> None:
        # Faust awaits this before it rejoins the group and recovers tables, so
        # a batch in the engine thread is done (and its records queued) first.
        await stage.finish_step()

    @app.timer(interval=TICK_SECONDS, name="accounts-due")  # type: ignore[untyped-decorator]
    async def due_accounts() -> None:
        await stage.tick()

    return stage


__all__ = ["AccountStage", "register_account_stage"]
