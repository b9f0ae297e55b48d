"""Topic registry: contract names, prefix, partitions and event routing."""

from __future__ import annotations

import pytest

from schemas import EVENT_MODELS, TopicName, TopicRegistry


def test_contract_topics_and_partitions() -> None:
    specs = {s.name: s.partitions for s in TopicRegistry().specs()}
    assert specs == {
        "accounts": 4,
        "contacts": 4,
        "orders": 4,
        "reorgs": 4,
        "tickets": 4,
        "alerts": 4,
        "account-health": 4,
        "deadletter": 1,
    }


def test_prefix_is_prepended_to_every_topic() -> None:
    registry = TopicRegistry(prefix="staging.")
    assert all(s.name.startswith("staging.") for s in registry.specs())
    assert registry.for_event_type("ticket.opened") == "staging.tickets"


@pytest.mark.parametrize(
    ("event_type", "topic"),
    [
        ("account.upserted", TopicName.ACCOUNTS),
        ("stakeholder.upserted", TopicName.CONTACTS),
        ("contact.logged", TopicName.CONTACTS),
        ("order.placed", TopicName.ORDERS),
        ("order.cancelled", TopicName.ORDERS),
        ("reorg.stakeholder_left", TopicName.REORGS),
        ("reorg.unit_restructured", TopicName.REORGS),
        ("ticket.reopened", TopicName.TICKETS),
    ],
)
def test_event_types_route_to_their_contract_topic(event_type: str, topic: TopicName) -> None:
    assert TopicRegistry().for_event_type(event_type) == topic.value


def test_every_event_type_has_a_topic() -> None:
    registry = TopicRegistry()
    assert {registry.for_event_type(t) for t in EVENT_MODELS} == {
        "accounts",
        "contacts",
        "orders",
        "reorgs",
        "tickets",
    }


def test_unknown_event_type_has_no_topic() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        TopicRegistry().for_event_type("order.shipped")
