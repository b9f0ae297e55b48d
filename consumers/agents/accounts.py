"""The account stage: input topics → per-account state → health, alerts, profiles, queue lines.

Thin by design (decode → domain → emit). Per batch of messages taken from the
five co-partitioned input topics, each account's state is read once, every
event of the batch is applied, the account is evaluated once and written
back once: one changelog record per account per batch, not per event.

Why the table uses ``use_partitioner=True``: in a ``take_events`` batch the
"current event" may belong to another partition than the account being
written, and Faust would send the changelog record to *that* partition. With
the partitioner, the changelog key hashes (murmur2) to the account's own
input partition, so recovery after a crash restores every account on the
worker that owns it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import faust
from faust.types import TP, EventT

from consumers.account_step import StepOutput, StoredAccount, step, stored_from_dict, stored_to_dict
from consumers.agents.outputs import Outputs
from consumers.clock import Clock, clock_for
from consumers.domain.policy import Policy
from consumers.due_index import DueIndex
from consumers.partitioning import partition_for
from schemas import INPUT_TOPICS, EventRejected, decode_event
from schemas.events import BaseEvent
from services.settings import Settings

log = logging.getLogger(__name__)

#: Most messages handled in one batch, and how long to wait to fill one.
BATCH_MAX = 500
BATCH_WITHIN_SECONDS = 0.02
#: How often the timer looks for accounts whose evaluation is due.
TICK_SECONDS = 1.0
#: Most due accounts one tick evaluates (the rest wait for the next tick).
TICK_MAX_ACCOUNTS = 2_000


class AccountStage:
    """State, clock and due-time index of the account stage on this worker."""

    def __init__(self, app: faust.App, settings: Settings, policy: Policy) -> None:
        self.app = app
        self.settings = settings
        self.policy = policy
        self.partitions = settings.topic_partitions
        self.clock: Clock = clock_for(settings.clock)
        self.wall_clock = settings.clock == "wall"
        self.outputs = Outputs(app, settings)
        self.due = DueIndex()
        self._indexed_partitions: frozenset[int] | None = None
        self.input_names = [settings.topics.name(t) for t in INPUT_TOPICS]
        self.table = app.Table(
            "accounts",
            default=None,
            # Raw UTF-8 keys: the changelog partition must be murmur2(key),
            # exactly as for the input topics.
            schema=faust.Schema(key_type=str, key_serializer="raw", value_serializer="json"),
            partitions=self.partitions,
            use_partitioner=True,
        )
        self.source = app.topic(
            *self.input_names, key_type=bytes, value_type=bytes, value_serializer="raw"
        )

    # --- stream ---------------------------------------------------------------------------

    async def process(self, events: Sequence[EventT[Any]]) -> None:
        """Handle one batch of input messages."""
        by_account: dict[str, list[BaseEvent]] = {}
        for event in events:
            decoded = await self._decode(event)
            if decoded is not None:
                self.clock.observe(decoded.occurred_at)
                by_account.setdefault(decoded.account_id, []).append(decoded)
        now = self.clock.now()
        if now is None:
            return
        for account_id, account_events in by_account.items():
            await self._step(account_id, account_events, now)
        # The clock may have moved on (event clock) or time passed: due accounts too.
        await self.evaluate_due(now)

    async def _decode(self, event: EventT[Any]) -> BaseEvent | None:
        message = event.message
        raw = message.value if isinstance(message.value, bytes) else b""
        key = message.key if isinstance(message.key, bytes) else None
        try:
            decoded = decode_event(raw, now=datetime.now(UTC) if self.wall_clock else None)
        except EventRejected as exc:
            await self.outputs.dead_letter(message.tp, message.offset, key, raw, exc.reason)
            return None
        home = partition_for(decoded.account_id, self.partitions)
        if message.partition != home:
            # Never apply on the wrong partition: its worker may not own the account.
            await self.outputs.forward(message.topic, home, decoded.account_id.encode(), raw)
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

    async def _step(self, account_id: str, events: Sequence[BaseEvent], now: datetime) -> None:
        raw = self.table.get(account_id)
        stored = stored_from_dict(raw) if raw else None
        out = step(stored, account_id, events, now, self.policy)
        # Read-modify-write of the table happens without an await in between, so
        # the timer and the agent never interleave on one account.
        self.table[account_id] = stored_to_dict(out.stored)
        self.due.schedule(account_id, out.stored.due_at)
        await self._publish(out)

    async def _publish(self, out: StepOutput) -> None:
        if out.health is not None:
            await self.outputs.send_health(out.health)
        for alert in out.alerts:
            await self.outputs.send_alert(alert)
        if out.profile is not None:
            await self.outputs.send_profile(out.profile)
        for entry in out.queue_entries:
            await self.outputs.send_queue_entry(entry)

    # --- timers ---------------------------------------------------------------------------

    async def tick(self) -> None:
        """Timer body: evaluate the accounts whose due time has come."""
        recovery = getattr(self.app.tables, "recovery", None)
        if self.app.rebalancing or (recovery is not None and not recovery.completed.is_set()):
            return
        now = self.clock.now()
        if now is not None:
            await self.evaluate_due(now)

    async def evaluate_due(self, now: datetime) -> int:
        """Evaluate due accounts of the partitions this worker owns; return how many."""
        self._refresh_index()
        due = self.due.pop_due(now, limit=TICK_MAX_ACCOUNTS)
        for account_id in due:
            if self.table.get(account_id) is not None:
                await self._step(account_id, (), now)
        return len(due)

    def _owned_partitions(self) -> frozenset[int]:
        first = self.input_names[0]
        return frozenset(tp.partition for tp in self.app.consumer.assignment() if tp.topic == first)

    def _refresh_index(self) -> None:
        """Rebuild the due index from the table after the assignment changed.

        O(accounts owned), once per rebalance; ticks stay O(accounts due).
        """
        owned = self._owned_partitions()
        if owned == self._indexed_partitions:
            return
        started = time.monotonic()
        self.due.clear()
        count = 0
        for account_id, raw in list(self.table.items()):
            if raw and partition_for(account_id, self.partitions) in owned:
                stored = stored_from_dict(raw)
                self._observe_stored(stored)
                self.due.schedule(account_id, stored.due_at)
                count += 1
        self._indexed_partitions = owned
        log.info(
            "due index rebuilt for partitions %s: %d accounts in %.3f s",
            sorted(owned),
            count,
            time.monotonic() - started,
        )

    def _observe_stored(self, stored: StoredAccount) -> None:
        # After a restart the event clock resumes from the newest event it had applied.
        if not self.wall_clock and stored.state.latest_at is not None:
            self.clock.observe(stored.state.latest_at)


def register_account_stage(app: faust.App, settings: Settings, policy: Policy) -> AccountStage:
    """Attach the account agent and its timer to ``app``."""
    stage = AccountStage(app, settings, policy)

    @app.agent(stage.source, name="accounts")
    async def accounts(stream: faust.StreamT[Any]) -> None:
        # take_events is on the concrete Stream, not on the StreamT protocol.
        async for batch in cast(faust.Stream[Any], stream).take_events(
            BATCH_MAX, within=BATCH_WITHIN_SECONDS
        ):
            await stage.process(batch)

    @app.timer(interval=TICK_SECONDS, name="accounts-due")  # type: ignore[untyped-decorator]
    async def due_accounts() -> None:
        await stage.tick()

    return stage


__all__ = ["TP", "AccountStage", "register_account_stage"]
