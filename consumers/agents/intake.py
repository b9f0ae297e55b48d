"""Intake agent: decode every input message; reject the invalid ones to ``deadletter``."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

import faust

from schemas import INPUT_TOPICS, DeadLetter, EventRejected, TopicName, decode_event
from services.settings import Settings

log = logging.getLogger(__name__)


def register_intake(app: faust.App, settings: Settings) -> None:
    """Attach the intake agent for the five input topics to ``app``."""
    topics = settings.topics
    inputs = app.topic(
        *(topics.name(t) for t in INPUT_TOPICS),
        key_type=bytes,
        value_type=bytes,
        value_serializer="raw",
    )
    deadletter = app.topic(
        topics.name(TopicName.DEADLETTER), key_type=bytes, value_type=bytes, value_serializer="raw"
    )
    wall_clock = settings.clock == "wall"

    @app.agent(inputs, name="intake")
    async def intake(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            message = event.message
            raw = message.value if isinstance(message.value, bytes) else b""
            try:
                decode_event(raw, now=datetime.now(UTC) if wall_clock else None)
            except EventRejected as exc:
                letter = DeadLetter(
                    error=exc.reason,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    value=base64.b64encode(raw).decode("ascii"),
                )
                await deadletter.send(key=message.key, value=letter.model_dump_json().encode())
                log.warning(
                    "dead-lettered %s[%d]@%d: %s",
                    message.topic,
                    message.partition,
                    message.offset,
                    exc.reason,
                )
