"""Exception types raised by keypulse's services."""

from __future__ import annotations


class KeypulseError(Exception):
    """Base class for errors a user of keypulse's services can act on."""


class ConfigurationError(KeypulseError):
    """Settings are missing or contradict each other."""


class BrokerUnavailable(KeypulseError):
    """The Kafka broker did not answer in time."""


class EmbeddedBrokerError(KeypulseError):
    """The embedded Tansu broker could not be found, started or stopped."""


class TopicLayoutError(KeypulseError):
    """A topic exists with a partition count that breaks co-partitioning."""


class ReadModelError(KeypulseError):
    """The SQL read-model database could not be used."""


class DatabaseUnavailable(ReadModelError):
    """The read-model database did not answer or refused the connection."""


class SchemaVersionError(ReadModelError):
    """The read-model database has a schema this version of keypulse does not know."""


class AlertNotFound(ReadModelError):
    """No alert with the given alert_id exists in the read models."""


class PublishError(KeypulseError):
    """An event could not be delivered to the broker (the broker refused it or timed out)."""


class TopicNotFound(KeypulseError):
    """A topic keypulse needs does not exist on the broker."""
