"""keypulse's wire contracts: input events, output records and topic names.

The one place that knows the wire format; imported by the stream side
(``consumers``) and by everything else (``services``).
"""

from schemas.decode import MAX_CLOCK_SKEW, decode_event, validate_event
from schemas.errors import EventRejected
from schemas.events import EVENT_MODELS, INPUT_EVENT_ADAPTER, BaseEvent, InputEvent
from schemas.outputs import AlertRecord, DeadLetter, Driver, HealthComponents, HealthSnapshot
from schemas.topics import INPUT_TOPICS, TOPIC_FOR_TYPE, TopicName, TopicRegistry, TopicSpec

__all__ = [
    "EVENT_MODELS",
    "INPUT_EVENT_ADAPTER",
    "INPUT_TOPICS",
    "MAX_CLOCK_SKEW",
    "TOPIC_FOR_TYPE",
    "AlertRecord",
    "BaseEvent",
    "DeadLetter",
    "Driver",
    "EventRejected",
    "HealthComponents",
    "HealthSnapshot",
    "InputEvent",
    "TopicName",
    "TopicRegistry",
    "TopicSpec",
    "decode_event",
    "validate_event",
]
