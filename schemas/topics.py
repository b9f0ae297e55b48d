"""The topic registry (docs/contract.md section 1), honouring ``KEYPULSE_TOPIC_PREFIX``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.events import EVENT_MODELS


class TopicName(StrEnum):
    """Contract topic names, before the deployment's prefix is applied."""

    ACCOUNTS = "accounts"
    CONTACTS = "contacts"
    ORDERS = "orders"
    REORGS = "reorgs"
    TICKETS = "tickets"
    ALERTS = "alerts"
    ACCOUNT_HEALTH = "account-health"
    DEADLETTER = "deadletter"


INPUT_TOPICS: tuple[TopicName, ...] = (
    TopicName.ACCOUNTS,
    TopicName.CONTACTS,
    TopicName.ORDERS,
    TopicName.REORGS,
    TopicName.TICKETS,
)
OUTPUT_TOPICS: tuple[TopicName, ...] = (TopicName.ALERTS, TopicName.ACCOUNT_HEALTH)


class InternalTopic(StrEnum):
    """keypulse's own topics between the worker, its KAM stage and the read-model sink."""

    ACCOUNT_PROFILES = "keypulse-account-profiles"  # AccountProfile, key account_id
    QUEUE_LINES = "keypulse-queue-entries"  # QueueLine, key kam_id (the repartition)
    KAM_QUEUES = "keypulse-kam-queues"  # KamQueue, key kam_id
    HEALTH_HISTORY = "keypulse-health-history"  # HealthHistory, key account_id


#: Contract default partition counts.
DEFAULT_PARTITIONS: dict[TopicName, int] = {
    **{name: 4 for name in INPUT_TOPICS},
    **{name: 4 for name in OUTPUT_TOPICS},
    TopicName.DEADLETTER: 1,
}

_TOPIC_BY_PREFIX: dict[str, TopicName] = {
    "account.": TopicName.ACCOUNTS,
    "stakeholder.": TopicName.CONTACTS,
    "contact.": TopicName.CONTACTS,
    "order.": TopicName.ORDERS,
    "reorg.": TopicName.REORGS,
    "ticket.": TopicName.TICKETS,
}

#: Which input topic carries each event type.
TOPIC_FOR_TYPE: dict[str, TopicName] = {
    event_type: next(t for p, t in _TOPIC_BY_PREFIX.items() if event_type.startswith(p))
    for event_type in EVENT_MODELS
}


@dataclass(frozen=True)
class TopicSpec:
    """A topic as it exists on the broker: full name and partition count."""

    logical: TopicName | InternalTopic
    name: str
    partitions: int


@dataclass(frozen=True)
class TopicRegistry:
    """Full topic names for one deployment (prefix applied) and their partitions."""

    prefix: str = ""
    input_partitions: int = 4

    def name(self, topic: TopicName | InternalTopic) -> str:
        """Return the broker-side name of a contract or internal topic."""
        return f"{self.prefix}{topic.value}"

    def name_of(self, logical: str) -> str:
        """Return the broker-side name of a contract topic given by its contract name."""
        return self.name(TopicName(logical))

    def for_event_type(self, event_type: str) -> str:
        """Return the broker-side input topic that carries ``event_type``."""
        try:
            return self.name(TOPIC_FOR_TYPE[event_type])
        except KeyError:
            raise ValueError(f"unknown event type {event_type!r}") from None

    def specs(self) -> list[TopicSpec]:
        """Every contract topic with its partition count, in contract order.

        Input and output topics share one partition count so that one worker
        owns all of an account's streams (co-partitioning).
        """
        specs = []
        for topic, default in DEFAULT_PARTITIONS.items():
            count = default if topic is TopicName.DEADLETTER else self.input_partitions
            specs.append(TopicSpec(topic, self.name(topic), count))
        return specs

    def internal_specs(self) -> list[TopicSpec]:
        """keypulse's internal topics, with the input partition count."""
        return [TopicSpec(t, self.name(t), self.input_partitions) for t in InternalTopic]

    def all_specs(self) -> list[TopicSpec]:
        """Every topic keypulse needs on the broker: contract and internal."""
        return self.specs() + self.internal_specs()
