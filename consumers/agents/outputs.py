"""Where the stream worker writes: output topics, internal topics and dead letters."""

from __future__ import annotations

import base64
import logging

import faust
from faust.types import TP

from consumers.agents.produce import OutRecord
from schemas import DeadLetter, TopicName
from schemas.internal import AccountProfile, HealthHistory, KamQueue, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot
from schemas.topics import InternalTopic
from services.settings import Settings

log = logging.getLogger(__name__)


def _raw_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, value_serializer="raw")


class Outputs:
    """The records the worker publishes (values are JSON), and its dead letters.

    Health, health history, alerts, profiles, queue lines and KAM queues are built as
    :class:`OutRecord` for a :class:`~consumers.agents.produce.RecordSender`
    flush; dead letters and forwards are rare and sent at once through Faust.
    """

    def __init__(self, app: faust.App, settings: Settings) -> None:
        topics = settings.topics
        self._app = app
        self.health = topics.name(TopicName.ACCOUNT_HEALTH)
        self.alerts = topics.name(TopicName.ALERTS)
        self.profiles = topics.name(InternalTopic.ACCOUNT_PROFILES)
        self.queue_lines = topics.name(InternalTopic.QUEUE_LINES)
        self.kam_queues = topics.name(InternalTopic.KAM_QUEUES)
        self.history = topics.name(InternalTopic.HEALTH_HISTORY)
        self.deadletter = _raw_topic(app, topics.name(TopicName.DEADLETTER))

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

    async def dead_letter(
        self, tp: TP, offset: int, key: bytes | None, raw: bytes, why: str
    ) -> None:
        """Reject one input message with the reason; processing goes on."""
        letter = DeadLetter(
            error=why,
            topic=tp.topic,
            partition=tp.partition,
            offset=offset,
            value=base64.b64encode(raw).decode("ascii"),
        )
        await self.deadletter.send(key=key, value=letter.model_dump_json().encode())
        log.warning("dead-lettered %s[%d]@%d: %s", tp.topic, tp.partition, offset, why)

    async def forward(self, topic: str, partition: int, key: bytes, raw: bytes) -> None:
        """Re-send a message that arrived on a partition its key does not hash to."""
        await _raw_topic(self._app, topic).send(key=key, value=raw, partition=partition)


def _key(text: str) -> bytes:
    return text.encode("utf-8")


def _json(
    record: HealthSnapshot | HealthHistory | AlertRecord | AccountProfile | QueueLine | KamQueue,
) -> bytes:
    return record.model_dump_json().encode("utf-8")
