"""Send many records fast on single-record batches: one lane per topic partition.

On the embedded broker every record travels in its own batch, and aiokafka
lets a send to a partition wait until that partition's previous batch has
left. Awaiting sends one by one costs a round trip per record; gathering
thousands of sends at once makes thousands of waiters wake for every batch
that leaves one partition. One sequential lane per (topic, partition), all
lanes concurrent, keeps exactly one waiter per partition — and keeps the
order of records within a partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable

Send = Callable[[], Awaitable[object]]


async def send_in_lanes(sends: Iterable[tuple[Hashable, Send]]) -> int:
    """Run ``(lane, send)`` pairs: in order within a lane, lanes concurrently."""
    lanes: dict[Hashable, list[Send]] = {}
    for lane, send in sends:
        lanes.setdefault(lane, []).append(send)

    async def run(queue: list[Send]) -> None:
        for send in queue:
            await send()

    await asyncio.gather(*(run(queue) for queue in lanes.values()))
    return sum(len(q) for q in lanes.values())
