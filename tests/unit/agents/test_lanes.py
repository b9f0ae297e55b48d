"""Per-partition lanes: record order within a partition, alone and with concurrent callers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable

from consumers.agents.lanes import OrderedLanes, Send, send_in_lanes


class SlowPartition:
    """A stand-in producer: each send waits for the event loop to turn, like a broker round trip."""

    def __init__(self) -> None:
        self.log: list[tuple[Hashable, str]] = []

    def send(self, partition: Hashable, record: str) -> Send:
        async def go() -> None:
            await asyncio.sleep(0)  # yield: other lanes and callers run meanwhile
            self.log.append((partition, record))

        return go

    def on(self, partition: Hashable) -> list[str]:
        return [record for p, record in self.log if p == partition]


def test_records_of_one_partition_keep_their_order_and_lanes_run_side_by_side() -> None:
    broker = SlowPartition()
    sends = [(p, broker.send(p, f"{p}{i}")) for i in range(3) for p in ("a", "b")]

    assert asyncio.run(send_in_lanes(sends)) == 6

    assert broker.on("a") == ["a0", "a1", "a2"]
    assert broker.on("b") == ["b0", "b1", "b2"]
    # Lanes are concurrent: b's first record does not wait for all of a's.
    assert broker.log.index(("b", "b0")) < broker.log.index(("a", "a2"))


SendBatch = Callable[[Iterable[tuple[Hashable, Send]]], Awaitable[int]]


def _two_overlapping_batches(send: SendBatch) -> list[str]:
    broker = SlowPartition()
    older = [("p", broker.send("p", f"old-{i}")) for i in range(3)]
    newer = [("p", broker.send("p", "new"))]

    async def both() -> None:
        await asyncio.gather(send(older), send(newer))

    asyncio.run(both())
    return broker.on("p")


def test_plain_lanes_of_two_callers_interleave_on_one_partition() -> None:
    # Why OrderedLanes exists: an agent and a timer sending at once.
    assert _two_overlapping_batches(send_in_lanes) != ["old-0", "old-1", "old-2", "new"]


def test_ordered_lanes_send_overlapping_batches_in_call_order() -> None:
    lanes = OrderedLanes()
    assert _two_overlapping_batches(lanes.send) == ["old-0", "old-1", "old-2", "new"]
