"""The due-time index: which accounts a timer tick must evaluate.

A heap of (due_at, account_id) with lazy deletion: rescheduling pushes a new
entry and the stale one is skipped when popped, so a tick costs in proportion
to the accounts that are due (plus stale entries), never to all accounts.
"""

from __future__ import annotations

import heapq
from datetime import datetime


class DueIndex:
    """Next evaluation time per account, ordered by time."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, account_id: str, due_at: datetime | None) -> None:
        """Set (or with None, clear) when ``account_id`` must be evaluated next."""
        if due_at is None:
            self._due.pop(account_id, None)
            return
        if self._due.get(account_id) == due_at:
            return
        self._due[account_id] = due_at
        heapq.heappush(self._heap, (due_at, account_id))

    def pop_due(self, now: datetime, limit: int | None = None) -> list[str]:
        """Remove and return the accounts due at ``now`` (at most ``limit``), earliest first."""
        due: list[str] = []
        while self._heap and self._heap[0][0] <= now and (limit is None or len(due) < limit):
            at, account_id = heapq.heappop(self._heap)
            if self._due.get(account_id) == at:  # else: rescheduled or cleared since
                del self._due[account_id]
                due.append(account_id)
        return due

    def due_count(self, now: datetime) -> int:
        """How many accounts are due at ``now`` (O(accounts): for a tick that left some)."""
        return sum(1 for at in self._due.values() if at <= now)

    def clear(self) -> None:
        """Forget everything (before a rebuild after a rebalance)."""
        self._heap.clear()
        self._due.clear()
