"""The Faust consumer patch that rewinds fetched, undelivered records (fetch_rewind.py).

Faust's own ``Consumer.getmany`` and ``_wait_next_records`` and its aiokafka
driver's ``_fetch_records`` run here against aiokafka's real
``SubscriptionState``; only the broker side (the fetcher's drain) is a fake.
The first test is the restart-at-once loss: a fetch parked across a
rebalance drains a partition while the flow is stopped, Faust discards the
records, and with nothing committed the position stayed past them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka.consumer.subscription_state import SubscriptionState
from aiokafka.structs import TopicPartition
from faust.transport import consumer as faust_consumer
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.transport.utils import DefaultSchedulingStrategy

from consumers.agents.patches import fetch_rewind

TP = TopicPartition("contacts", 0)


@dataclass(frozen=True)
class FetchedRecord:
    offset: int


class FakeFetcher:
    """aiokafka's Fetcher as far as a drain goes: returns records and advances the position."""

    def __init__(self, subscriptions: SubscriptionState, log_end: int) -> None:
        self._subscriptions = subscriptions
        self._closed = False
        self.log_end = log_end
        self.during_drain: Callable[[], None] = lambda: None

    async def fetched_records(
        self, partitions: Any, timeout: float = 0, max_records: Any = None
    ) -> dict[TopicPartition, list[FetchedRecord]]:
        self.during_drain()  # e.g. a rebalance stopping the flow while the fetch was parked
        state = self._subscriptions.subscription.assignment.state_value(TP)
        start = state.position
        state.consumed_to(self.log_end)
        return {TP: [FetchedRecord(o) for o in range(start, self.log_end)]}

    def seek_to(self, tp: TopicPartition, offset: int) -> None:
        self._subscriptions.seek(tp, offset)


class FakeAiokafkaConsumer:
    def __init__(self, subscriptions: SubscriptionState, fetcher: FakeFetcher) -> None:
        self._subscription = subscriptions
        self._fetcher = fetcher
        self._closed = False

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._fetcher.seek_to(tp, offset)


class FakeThread:
    """Faust's AIOKafkaConsumerThread, calling the driver's real (patched) ``_fetch_records``."""

    def __init__(self, faust: FaustConsumer, consumer: FakeAiokafkaConsumer) -> None:
        self.consumer = faust
        self._consumer = consumer

    async def getmany(self, active_partitions: Any, timeout: float) -> Any:
        fetch: Any = faust_aiokafka.AIOKafkaConsumerThread._fetch_records
        return await fetch(self, self._consumer, active_partitions, timeout=timeout)

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self._consumer.seek(tp, offset)


class _App:
    client_only = False
    consumer_generation_id = 1

    class monitor:  # noqa: N801 - stands in for an attribute
        @staticmethod
        def track_tp_end_offset(tp: Any, offset: Any) -> None:
            pass


class _Log:
    def dev(self, *args: Any) -> None:
        pass

    def warning(self, *args: Any) -> None:
        pass


class FaustConsumer:
    """The state Faust's Consumer.getmany reads; its methods are Faust's own."""

    # Looked up at call time, so that the patched methods run.
    def getmany(self, timeout: float) -> Any:
        getmany: Any = faust_consumer.Consumer.getmany
        return getmany(self, timeout)

    async def _wait_next_records(self, timeout: float) -> Any:
        wait: Any = faust_consumer.Consumer._wait_next_records
        return await wait(self, timeout)

    def __init__(self, consumer: FakeAiokafkaConsumer) -> None:
        self.app = _App()
        self.log = _Log()
        self.flow_active = True
        self.should_stop = False
        self.can_resume_flow = asyncio.Event()
        self.not_waiting_next_records = asyncio.Event()
        self.scheduler = DefaultSchedulingStrategy()  # type: ignore[abstract]
        self._active = {TP}
        self._buffered_partitions: set[Any] = set()
        self._read_offset: dict[Any, Any] = {}
        self._thread = FakeThread(self, consumer)
        self.seeks_to_committed = 0

    def _get_active_partitions(self) -> set[Any]:
        return self._active

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        return await self._thread.getmany(active_partitions, timeout)

    def _to_message(self, tp: Any, record: FetchedRecord) -> FetchedRecord:
        return record

    def highwater(self, tp: Any) -> int:
        return 0

    def stop_flow(self) -> None:
        self.flow_active = False

    async def perform_seek(self) -> None:
        # seek_to_committed with nothing committed: aiokafka seeks nowhere.
        self.seeks_to_committed += 1


def _setup(log_end: int = 69) -> tuple[FaustConsumer, SubscriptionState, FakeFetcher]:
    subscriptions = SubscriptionState()
    subscriptions.subscribe(topics={TP.topic})
    subscriptions.assign_from_subscribed({TP})
    subscriptions.seek(TP, 0)  # the fresh position a new assignment resets to
    fetcher = FakeFetcher(subscriptions, log_end)
    return FaustConsumer(FakeAiokafkaConsumer(subscriptions, fetcher)), subscriptions, fetcher


def _position(subscriptions: SubscriptionState) -> int:
    return int(subscriptions.subscription.assignment.state_value(TP).position)


async def _drain(
    consumer: FaustConsumer, on_record: Callable[[FetchedRecord], None] = print
) -> list[int]:
    got = []
    async for _tp, message in consumer.getmany(timeout=1.0):
        got.append(message.offset)
        on_record(message)
    return got


@pytest.fixture(autouse=True)
def patched() -> None:
    fetch_rewind.install()


def test_records_fetched_while_the_flow_stopped_are_fetched_again() -> None:
    async def scenario() -> tuple[list[int], int, int]:
        consumer, subscriptions, fetcher = _setup()
        fetcher.during_drain = consumer.stop_flow
        delivered = await _drain(consumer)
        return delivered, _position(subscriptions), consumer.seeks_to_committed

    delivered, position, seeks = asyncio.run(scenario())
    assert delivered == []
    assert seeks == 1  # Faust's own answer, which moves nothing with no commit
    assert position == 0  # without the patch: 69, and offsets 0..68 were never read


def test_a_hand_over_cut_short_by_a_stopped_flow_resumes_at_that_record() -> None:
    async def scenario() -> tuple[list[int], int]:
        consumer, subscriptions, _ = _setup()

        def rebalance_at_ten(record: FetchedRecord) -> None:
            if record.offset == 10:
                consumer.stop_flow()  # the drain loop's wait_first gave up on record 10

        delivered = await _drain(consumer, rebalance_at_ten)
        return delivered, _position(subscriptions)

    delivered, position = asyncio.run(scenario())
    assert delivered == list(range(11))
    assert position == 10


def test_records_of_a_paused_partition_are_fetched_again() -> None:
    async def scenario() -> tuple[list[int], int]:
        consumer, subscriptions, fetcher = _setup()
        fetcher.during_drain = consumer._active.clear  # revoke/pause emptied the live set
        delivered = await _drain(consumer)
        return delivered, _position(subscriptions)

    delivered, position = asyncio.run(scenario())
    assert delivered == []
    assert position == 0


def test_everything_delivered_leaves_the_position_alone() -> None:
    async def scenario() -> tuple[list[int], int]:
        consumer, subscriptions, _ = _setup()
        delivered = await _drain(consumer)
        return delivered, _position(subscriptions)

    delivered, position = asyncio.run(scenario())
    assert delivered == list(range(69))
    assert position == 69


def test_a_position_someone_moved_since_the_fetch_is_not_overridden() -> None:
    async def scenario() -> int:
        consumer, subscriptions, fetcher = _setup()

        def seek_elsewhere() -> None:
            consumer.stop_flow()

        fetcher.during_drain = seek_elsewhere

        async def perform_seek() -> None:
            subscriptions.seek(TP, 40)  # a committed offset: Faust's own seek decides

        consumer.perform_seek = perform_seek  # type: ignore[method-assign]
        await _drain(consumer)
        return _position(subscriptions)

    assert asyncio.run(scenario()) == 40


def test_a_new_assignment_since_the_fetch_is_not_overridden() -> None:
    async def scenario() -> int:
        consumer, subscriptions, fetcher = _setup()

        async def rebalance() -> None:
            subscriptions.assign_from_subscribed({TP})  # new generation, fresh states
            subscriptions.seek(TP, 69)

        fetcher.during_drain = consumer.stop_flow
        consumer.perform_seek = rebalance  # type: ignore[method-assign]
        await _drain(consumer)
        return _position(subscriptions)

    assert asyncio.run(scenario()) == 69


def test_first_undelivered() -> None:
    records = [FetchedRecord(5), FetchedRecord(6), FetchedRecord(7)]
    assert fetch_rewind.first_undelivered(records, None) == 5
    assert fetch_rewind.first_undelivered(records, 5) == 6
    assert fetch_rewind.first_undelivered(records, 7) is None
