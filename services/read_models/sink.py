"""The read-model sink: output topics → SQL read models (``keypulse sink``, or ``run_sink``).

Consumes ``account-health``, ``alerts``, ``keypulse-account-profiles`` and
``keypulse-kam-queues`` with kafka-python in the consumer group
``{topic_prefix}keypulse-sink``. Per poll batch it decodes every record,
writes them all in ONE database transaction and only then commits the
offsets: at-least-once. A crash between the two redelivers the batch, which
the idempotent upserts of :mod:`services.read_models.store` absorb.

A record that cannot be decoded (or that the database refuses on its own) is
logged with topic, partition and offset, counted and skipped; the loop never
stops on data. A database that is unreachable is retried with backoff, and
the offsets are not committed until the batch is written.

Run standalone: ``keypulse sink``.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import sqlalchemy as sa
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Connection, Engine

from schemas.internal import AccountProfile, KamQueue
from schemas.outputs import AlertRecord, HealthSnapshot
from schemas.topics import InternalTopic, TopicName
from services.broker.clients import consumer_config
from services.broker.topics import ensure_topics, wait_for_broker
from services.read_models import apply_record, create_engine_for, ensure_schema, writer
from services.read_models.groups import parent_cycle
from services.read_models.store import ReadModelRecord
from services.settings import Settings

log = logging.getLogger("keypulse.sink")

#: The consumer group, after the deployment's topic prefix.
SINK_GROUP = "keypulse-sink"
#: Upper bound on one batch (= one database transaction).
MAX_RECORDS_PER_BATCH = 500
#: How long one poll waits; also the worst-case delay before a stop is noticed.
POLL_TIMEOUT_MS = 500
#: How often progress is logged while records flow.
PROGRESS_INTERVAL_S = 10.0
#: Backoff between attempts to write a batch while the database is unavailable.
RETRY_DELAYS_S = (0.2, 0.5, 1.0, 2.0, 5.0)

#: Which model each consumed topic carries.
_MODELS: dict[TopicName | InternalTopic, type[BaseModel]] = {
    TopicName.ACCOUNT_HEALTH: HealthSnapshot,
    TopicName.ALERTS: AlertRecord,
    InternalTopic.ACCOUNT_PROFILES: AccountProfile,
    InternalTopic.KAM_QUEUES: KamQueue,
}


@dataclass
class SinkStats:
    """What a sink run did; returned by :func:`run_sink`."""

    batches: int = 0
    applied: int = 0
    skipped: int = 0
    db_retries: int = 0
    commit_failures: int = 0
    skipped_at: list[str] = field(default_factory=list)  # "topic/partition@offset", capped

    def skip(self, where: str) -> None:
        """Count a skipped record; remember where the first few were."""
        self.skipped += 1
        if len(self.skipped_at) < 100:
            self.skipped_at.append(where)


@dataclass(frozen=True)
class _Item:
    where: str  # topic/partition@offset, for logs
    record: ReadModelRecord


def sink_topics(settings: Settings) -> dict[str, type[BaseModel]]:
    """Broker-side topic name → record model, for the topics the sink consumes."""
    return {settings.topics.name(topic): model for topic, model in _MODELS.items()}


def sink_group(settings: Settings) -> str:
    """The sink's consumer group for this deployment."""
    return f"{settings.topic_prefix}{SINK_GROUP}"


def run_sink(
    settings: Settings,
    stop: threading.Event | None = None,
    *,
    group_id: str | None = None,
) -> SinkStats:
    """Copy the output topics into the read models until ``stop`` is set or SIGTERM/SIGINT.

    ``group_id`` overrides the consumer group (a second, independent sink).
    Signal handlers are installed only when called from the main thread.
    Raises :class:`~services.errors.BrokerUnavailable` when the broker does
    not answer at start, :class:`~services.errors.DatabaseUnavailable` when
    the database does not.
    """
    stop = stop if stop is not None else threading.Event()
    topics = sink_topics(settings)
    group = group_id or sink_group(settings)
    stats = SinkStats()

    with _stop_on_signals(stop):
        wait_for_broker(settings.bootstrap_servers, deadline=time.monotonic() + 60)
        specs = [s for s in settings.topics.all_specs() if s.name in topics]
        ensure_topics(settings.bootstrap_servers, specs)
        engine = create_engine_for(settings)
        try:
            ensure_schema(engine)
            config = consumer_config(settings, group_id=group, client_id="keypulse-sink")
            config["enable_auto_commit"] = False  # offsets only after the batch is written
            consumer = KafkaConsumer(*topics, **config)
            log.info("sink started: group %s, topics %s", group, ", ".join(topics))
            try:
                _loop(consumer, engine, topics, stop, stats)
            finally:
                consumer.close(autocommit=False)
        finally:
            engine.dispose()
    log.info(
        "sink stopped: %d records applied, %d skipped, in %d batches",
        stats.applied,
        stats.skipped,
        stats.batches,
    )
    return stats


def _loop(
    consumer: KafkaConsumer,
    engine: Engine,
    topics: dict[str, type[BaseModel]],
    stop: threading.Event,
    stats: SinkStats,
) -> None:
    next_progress = time.monotonic() + PROGRESS_INTERVAL_S
    logged = (0, 0)
    while not stop.is_set():
        batch = consumer.poll(timeout_ms=POLL_TIMEOUT_MS, max_records=MAX_RECORDS_PER_BATCH)
        if batch:
            items, offsets = _decode(batch, topics, stats)
            if not _write(engine, items, stop, stats):
                return  # stopped while the database was down: nothing committed
            _commit(consumer, offsets, stats)
            stats.batches += 1
        if time.monotonic() >= next_progress:
            if (stats.applied, stats.skipped) != logged:
                logged = (stats.applied, stats.skipped)
                log.info(
                    "sink progress: %d records applied, %d skipped, in %d batches",
                    stats.applied,
                    stats.skipped,
                    stats.batches,
                )
            next_progress = time.monotonic() + PROGRESS_INTERVAL_S


def _decode(
    batch: dict[TopicPartition, list[Any]],
    topics: dict[str, type[BaseModel]],
    stats: SinkStats,
) -> tuple[list[_Item], dict[TopicPartition, OffsetAndMetadata]]:
    """Decode a poll batch; return the records in partition order and the offsets to commit."""
    items: list[_Item] = []
    offsets: dict[TopicPartition, OffsetAndMetadata] = {}
    for tp, messages in batch.items():
        model = topics[tp.topic]
        for message in messages:
            where = f"{message.topic}/{message.partition}@{message.offset}"
            try:
                if message.value is None:
                    raise ValueError("empty value (tombstone)")
                record: Any = model.model_validate_json(message.value)
            except (ValidationError, ValueError) as exc:
                log.warning("skipping malformed record at %s: %s", where, _short(exc))
                stats.skip(where)
            else:
                items.append(_Item(where, record))
        if messages:
            offsets[tp] = OffsetAndMetadata(messages[-1].offset + 1, "", -1)
    return items, offsets


def _write(engine: Engine, items: list[_Item], stop: threading.Event, stats: SinkStats) -> bool:
    """Write one batch in one transaction; False only when stopped before it was written."""
    attempt = 0
    one_by_one = False
    while True:
        try:
            if one_by_one:
                _apply_each(engine, items, stats)
            else:
                _apply_all(engine, items, stats)
            return True
        except sa.exc.OperationalError as exc:
            # Connection lost, database locked, server restarting: transient.
            delay = RETRY_DELAYS_S[min(attempt, len(RETRY_DELAYS_S) - 1)]
            attempt += 1
            stats.db_retries += 1
            log.warning("read-model database unavailable (%s); retry in %.1f s", exc.orig, delay)
            if stop.wait(delay):
                return False
        except sa.exc.StatementError as exc:
            # The database refused some record (a value it cannot store): find
            # which, one savepoint per record, and skip only those.
            log.warning("batch refused by the database (%s); retrying record by record", exc)
            one_by_one = True


def _apply_all(engine: Engine, items: list[_Item], stats: SinkStats) -> None:
    with _writer(engine) as conn:
        for item in items:
            _apply(conn, item.record)
    stats.applied += len(items)


def _apply_each(engine: Engine, items: list[_Item], stats: SinkStats) -> None:
    applied = 0
    skipped: list[str] = []
    with _writer(engine) as conn:
        for item in items:
            try:
                with conn.begin_nested():
                    _apply(conn, item.record)
                applied += 1
            except sa.exc.OperationalError:
                raise  # transient: the caller retries the whole batch
            except sa.exc.StatementError as exc:
                log.warning("skipping record the database refused at %s: %s", item.where, exc)
                skipped.append(item.where)
    # Counted only once the transaction has committed, so a retry cannot count twice.
    stats.applied += applied
    for where in skipped:
        stats.skip(where)


def _apply(conn: Connection, record: ReadModelRecord) -> None:
    applied = apply_record(conn, record)
    if applied and isinstance(record, AccountProfile) and record.parent_account_id is not None:
        # Groups are built at read time; a cycle in the links is bad master data
        # upstream, so say so here (the group route reports it too) and go on.
        cycle = parent_cycle(conn, record.account_id)
        if cycle is not None:
            log.warning(
                "parent_account_id forms a cycle: %s", " → ".join([*cycle, record.account_id])
            )


@contextmanager
def _writer(engine: Engine) -> Iterator[Connection]:
    with writer(engine.connect()) as conn, conn.begin():
        yield conn


def _commit(
    consumer: KafkaConsumer,
    offsets: dict[TopicPartition, OffsetAndMetadata],
    stats: SinkStats,
) -> None:
    try:
        consumer.commit(offsets)
    except (CommitFailedError, KafkaError) as exc:
        # A rebalance took the partitions away; their new owner re-reads from
        # the last committed offset, and the upserts make that harmless.
        stats.commit_failures += 1
        log.warning("offset commit failed (%s); the batch will be redelivered", exc)


def _short(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return text if len(text) <= 300 else text[:300] + "…"


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Set ``stop`` on SIGTERM/SIGINT while inside; restore the old handlers afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed from the main thread
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("sink stopping on %s", signal.Signals(signum).name)
        stop.set()

    previous: dict[signal.Signals, Callable[[int, FrameType | None], Any] | int | None] = {
        sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
