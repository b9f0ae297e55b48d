"""Send many records fast on single-record batches: sequential lanes, run side by side.

On the embedded broker every record travels in its own batch, and aiokafka
lets a send to a partition wait until that partition's previous batch has
left. Awaiting sends one by one costs a round trip per record; gathering
thousands of sends at once makes thousands of waiters wake for every batch
that leaves one partition. One sequential lane per (topic, partition), all
lanes concurrent, keeps exactly one waiter per partition — and keeps the
order of records within a partition. A lane may also be an account
partition spanning several topics (the account stage), so that an account's
records leave in the order it appends them.

Two callers sending at once (the account agent and its due-account timer)
would each have a lane for the same partition, and their records could
interleave: an older changelog value of an account could land after a newer
one, and recovery would restore the older. :class:`OrderedLanes` sends such
callers' batches one after another.
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


class OrderedLanes:
    """:func:`send_in_lanes` for concurrent callers: whole batches in call order.

    A batch starts sending only once every record of the batch before it has
    been handed to the producer, so per partition the records of an earlier
    batch always precede those of a later one.
    """

    def __init__(self) -> None:
        self._turn = asyncio.Lock()  # FIFO: waiters acquire in the order they asked

    async def send(self, sends: Iterable[tuple[Hashable, Send]]) -> int:
        """Send one batch after the batches of earlier calls; return how many records."""
        async with self._turn:
            return await send_in_lanes(sends)
