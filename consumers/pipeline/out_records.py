"""The records a step publishes, encoded: topic, key and JSON value, without Faust.

Built where the step ran, so that a step in the engine process
(consumers/pipeline/engine_process.py) hands the worker bytes ready to
produce instead of the account's parsed state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from consumers.pipeline.step import StepOutput
from schemas import TopicName
from schemas.internal import AccountProfile, HealthHistory, KamQueue, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot
from schemas.topics import InternalTopic, TopicRegistry


class OutRecord(NamedTuple):
    """One record to produce: already-encoded key and value (None: a tombstone)."""

    topic: str
    key: bytes | None
    value: bytes | None
    #: None: the producer's default partitioner (murmur2 of the key, as Kafka's).
    partition: int | None = None


class StepRecords(NamedTuple):
    """What one account step publishes, in order, and its alerts' labels for the metrics."""

    account_id: str
    records: tuple[OutRecord, ...]
    #: (kind, status) of each alert record among ``records``.
    alerts: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class OutputTopics:
    """The worker's output topic names, and the records it publishes to them."""

    health: str
    alerts: str
    profiles: str
    queue_lines: str
    kam_queues: str
    history: str

    @classmethod
    def of(cls, topics: TopicRegistry) -> OutputTopics:
        """The names in one deployment (its topic prefix applied)."""
        return cls(
            health=topics.name(TopicName.ACCOUNT_HEALTH),
            alerts=topics.name(TopicName.ALERTS),
            profiles=topics.name(InternalTopic.ACCOUNT_PROFILES),
            queue_lines=topics.name(InternalTopic.QUEUE_LINES),
            kam_queues=topics.name(InternalTopic.KAM_QUEUES),
            history=topics.name(InternalTopic.HEALTH_HISTORY),
        )

    def health_record(self, snapshot: HealthSnapshot) -> OutRecord:
        """A changed health snapshot, keyed by account."""
        return OutRecord(self.health, _key(snapshot.account_id), _json(snapshot))

    def history_record(self, history: HealthHistory) -> OutRecord:
        """A step's health history points in event time (one record for all), keyed by account."""
        return OutRecord(self.history, _key(history.account_id), _json(history))

    def alert_record(self, alert: AlertRecord) -> OutRecord:
        """One alert lifecycle step, keyed by account."""
        return OutRecord(self.alerts, _key(alert.account_id), _json(alert))

    def profile_record(self, profile: AccountProfile) -> OutRecord:
        """A changed account profile for the read models, keyed by account."""
        return OutRecord(self.profiles, _key(profile.account_id), _json(profile))

    def queue_line_record(self, line: QueueLine) -> OutRecord:
        """An account's queue line, keyed by kam_id: the repartition to the KAM stage."""
        return OutRecord(self.queue_lines, _key(line.kam_id), _json(line))

    def kam_queue_record(self, queue: KamQueue) -> OutRecord:
        """A KAM's changed queue, keyed by kam_id."""
        return OutRecord(self.kam_queues, _key(queue.kam_id), _json(queue))

    def step_records(self, out: StepOutput) -> StepRecords:
        """One step's records in publishing order: health, history, alerts, profile, queues."""
        records: list[OutRecord] = []
        if out.health is not None:
            records.append(self.health_record(out.health))
        if (history := out.history_record) is not None:
            records.append(self.history_record(history))
        records += [self.alert_record(alert) for alert in out.alerts]
        if out.profile is not None:
            records.append(self.profile_record(out.profile))
        records += [self.queue_line_record(line) for line in out.queue_lines]
        return StepRecords(
            out.stored.account_id,
            tuple(records),
            tuple((alert.kind, alert.status) for alert in out.alerts),
        )


def _key(text: str) -> bytes:
    return text.encode("utf-8")


def _json(
    record: HealthSnapshot | HealthHistory | AlertRecord | AccountProfile | QueueLine | KamQueue,
) -> bytes:
    return record.model_dump_json().encode("utf-8")
