"""Where the stream worker writes: output topics, internal topics and dead letters."""

from __future__ import annotations

import base64
import logging

import faust
from faust.types import TP

from schemas import DeadLetter, TopicName
from schemas.internal import AccountProfile, HealthHistory, KamQueue, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot
from schemas.topics import InternalTopic
from services.settings import Settings

log = logging.getLogger(__name__)


def _raw_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, value_serializer="raw")


class Outputs:
    """Typed senders for every topic the worker produces to (values are JSON)."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        topics = settings.topics
        self._app = app
        self.health = _raw_topic(app, topics.name(TopicName.ACCOUNT_HEALTH))
        self.alerts = _raw_topic(app, topics.name(TopicName.ALERTS))
        self.deadletter = _raw_topic(app, topics.name(TopicName.DEADLETTER))
        self.profiles = _raw_topic(app, topics.name(InternalTopic.ACCOUNT_PROFILES))
        self.queue_lines = _raw_topic(app, topics.name(InternalTopic.QUEUE_LINES))
        self.kam_queues = _raw_topic(app, topics.name(InternalTopic.KAM_QUEUES))
        self.history = _raw_topic(app, topics.name(InternalTopic.HEALTH_HISTORY))

    async def send_health(self, snapshot: HealthSnapshot) -> None:
        """Publish a changed health snapshot."""
        await self.health.send(key=_key(snapshot.account_id), value=_json(snapshot))

    async def send_history(self, history: HealthHistory) -> None:
        """Publish a step's health history points (one record for all of them)."""
        await self.history.send(key=_key(history.account_id), value=_json(history))

    async def send_alert(self, alert: AlertRecord) -> None:
        """Publish one alert lifecycle step."""
        await self.alerts.send(key=_key(alert.account_id), value=_json(alert))

    async def send_profile(self, profile: AccountProfile) -> None:
        """Publish a changed account profile for the read models."""
        await self.profiles.send(key=_key(profile.account_id), value=_json(profile))

    async def send_queue_line(self, line: QueueLine) -> None:
        """Send an account's queue line to its KAM's partition (the repartition by kam_id)."""
        await self.queue_lines.send(key=_key(line.kam_id), value=_json(line))

    async def send_kam_queue(self, queue: KamQueue) -> None:
        """Publish a KAM's changed queue."""
        await self.kam_queues.send(key=_key(queue.kam_id), value=_json(queue))

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
