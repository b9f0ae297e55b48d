"""Read every input topic from its beginning to the end offsets of one moment, and decode it.

A kafka-python consumer with no consumer group and manually assigned
partitions: nothing is committed, nothing is produced, no group is joined, so
reading changes nothing on the broker. End offsets are taken once, when the
reader opens; records appended later are not read.

Each record is decoded with ``schemas.decode_event`` as the worker does;
records it refuses are what the worker dead-letters, and are counted and
skipped. The worker's wall clock refuses events more than 24 h ahead of the
time it processes them (``decode_event(raw, now=datetime.now(UTC))`` in
consumers/agents/accounts.py). That time is not recorded, and verify's own
clock would make its answer depend on when it runs, so verify decodes with
``now=None`` in both clock modes: no future-timestamp refusal. A record the
worker refused only as future-dated is therefore folded here, and shows up as
a difference of its account.

On Tansu (the embedded broker) end offsets are exact only for producers that
send one record per batch (README, "The embedded broker"); with batching
producers the read stops short.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from schemas import INPUT_TOPICS, EventRejected, decode_event
from schemas.events import BaseEvent
from services.broker.clients import consumer_config
from services.errors import BrokerUnavailable, TopicNotFound
from services.feeds.progress import ProgressBar
from services.settings import Settings

#: Default seconds to wait for the broker: to connect, per request, and for the
#: next record while some partition is short of its end offset.
DEFAULT_TIMEOUT_SECONDS = 15.0
#: Records per poll.
POLL_RECORDS = 5_000


@dataclass
class ReadCounts:
    """How many input records were read, and how many of them were invalid."""

    records: int = 0
    invalid: int = 0


class InputReader:
    """The input topics of ``settings`` up to the end offsets taken at opening.

    Opening connects and takes the offsets; :meth:`events` then yields the
    valid events once, counting into :attr:`counts`. Use as a context manager
    or call :meth:`close`. Raises :class:`~services.errors.BrokerUnavailable`
    when the broker does not answer within ``timeout`` seconds (also in the
    middle of the read) and :class:`~services.errors.TopicNotFound` when an
    input topic does not exist (wrong ``KEYPULSE_TOPIC_PREFIX``?).
    """

    def __init__(self, settings: Settings, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.settings = settings
        self.timeout = timeout
        self.counts = ReadCounts()
        timeout_ms = max(int(timeout * 1000), 1)
        config = consumer_config(settings, group_id=None, client_id="keypulse-verify")
        config.update(
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=max(timeout_ms, 1_000),
            fetch_max_wait_ms=100,
        )
        where = settings.bootstrap_servers
        try:
            self._consumer = KafkaConsumer(**config)
        except KafkaError as exc:
            raise BrokerUnavailable(f"Kafka broker at {where} did not answer: {exc}") from exc
        try:
            partitions = self._partitions()
            self.begin: dict[TopicPartition, int] = {
                tp: int(o)
                for tp, o in self._consumer.beginning_offsets(partitions, timeout_ms).items()
            }
            self.end: dict[TopicPartition, int] = {
                tp: int(o) for tp, o in self._consumer.end_offsets(partitions, timeout_ms).items()
            }
        except KafkaError as exc:
            self._consumer.close()
            raise BrokerUnavailable(
                f"reading the input topics' offsets from {where} failed: {exc}"
            ) from exc
        except TopicNotFound:
            self._consumer.close()
            raise

    def _partitions(self) -> list[TopicPartition]:
        names = [self.settings.topics.name(t) for t in INPUT_TOPICS]
        found: list[TopicPartition] = []
        for name in names:
            ids = self._consumer.partitions_for_topic(name)
            if not ids:
                raise TopicNotFound(
                    f"input topic {name!r} does not exist on {self.settings.bootstrap_servers} "
                    "(is KEYPULSE_TOPIC_PREFIX right?)"
                )
            found += [TopicPartition(name, p) for p in sorted(ids)]
        return found

    @property
    def total(self) -> int:
        """Records between the beginning and end offsets of every input partition."""
        return sum(max(self.end[tp] - self.begin.get(tp, 0), 0) for tp in self.end)

    def events(self, progress: IO[str] | None = None) -> Iterator[BaseEvent]:
        """Yield every valid event up to the end offsets; a progress bar on ``progress``."""
        todo = {tp: end for tp, end in self.end.items() if end > self.begin.get(tp, 0)}
        bar = ProgressBar(self.total, "verify: reading inputs", progress) if progress else None
        try:
            yield from self._read(todo, bar)
        except KafkaError as exc:
            raise BrokerUnavailable(
                f"reading the input topics from {self.settings.bootstrap_servers} failed: {exc}"
            ) from exc
        finally:
            if bar is not None:
                bar.close()

    def _read(
        self, todo: dict[TopicPartition, int], bar: ProgressBar | None
    ) -> Iterator[BaseEvent]:
        consumer = self._consumer
        consumer.assign(list(todo))
        for tp in todo:
            consumer.seek(tp, self.begin.get(tp, 0))
        done = 0
        last_progress = time.monotonic()
        while todo:
            batch = consumer.poll(timeout_ms=200, max_records=POLL_RECORDS)
            for tp, records in batch.items():
                end = todo.get(tp)
                for record in records:
                    if end is None or record.offset >= end:
                        break  # appended after the end offsets were taken
                    self.counts.records += 1
                    raw = record.value if isinstance(record.value, bytes) else b""
                    try:
                        event = decode_event(raw, now=None)
                    except EventRejected:
                        self.counts.invalid += 1
                        continue
                    yield event
            finished = [tp for tp, end in todo.items() if consumer.position(tp) >= end]
            if finished:
                consumer.pause(*finished)
                for tp in finished:
                    del todo[tp]
            now_done = self.total - sum(
                end - max(consumer.position(tp), self.begin.get(tp, 0)) for tp, end in todo.items()
            )
            if now_done > done or batch:
                if bar is not None:
                    bar.advance(now_done - done)
                done = now_done
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > self.timeout:
                short = ", ".join(
                    f"{tp.topic}[{tp.partition}] at {consumer.position(tp)} of {end}"
                    for tp, end in sorted(todo.items())
                )
                raise BrokerUnavailable(
                    f"no records from {self.settings.bootstrap_servers} for {self.timeout:g} s "
                    f"before the end offsets were reached: {short}"
                )

    def close(self) -> None:
        """Close the consumer (it never committed anything)."""
        self._consumer.close()

    def __enter__(self) -> InputReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
