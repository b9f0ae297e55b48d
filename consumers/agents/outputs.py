"""Where the stream worker writes: output topics, internal topics and dead letters."""

from __future__ import annotations

import base64
import logging

import faust
from faust.types import TP

from consumers.pipeline.out_records import OutputTopics
from schemas import DeadLetter, TopicName
from services.settings import Settings

log = logging.getLogger(__name__)


def _raw_topic(app: faust.App, name: str) -> faust.TopicT:
    return app.topic(name, key_type=bytes, value_type=bytes, value_serializer="raw")


class Outputs:
    """Where the worker writes: its output topics' records, and its dead letters.

    Health, health history, alerts, profiles, queue lines and KAM queues are
    built by :attr:`topics` (:class:`OutputTopics`) as records for a
    :class:`~consumers.agents.produce.RecordSender` flush; dead letters and
    forwards are rare and sent at once through Faust.
    """

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self._app = app
        self.topics = OutputTopics.of(settings.topics)
        self.deadletter = _raw_topic(app, settings.topics.name(TopicName.DEADLETTER))

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
