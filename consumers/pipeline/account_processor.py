"""The account stage's logic without Faust: batches in, outputs to publish out.

The Faust agent (consumers/agents/accounts.py) decodes messages and hands
the valid events of a batch to :meth:`AccountProcessor.handle`; its timer
calls :meth:`AccountProcessor.evaluate_due`. Tests drive the very same
object with a plain dict as the store.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.pipeline.clock import Clock
from consumers.pipeline.codecs.record import Segments, encode_stored, stored_from_bytes
from consumers.pipeline.due_index import DueIndex
from consumers.pipeline.step import StepOutput, step, unsent_outputs
from consumers.pipeline.stored import StoredAccount
from consumers.pipeline.unassigned import UnassignedAccounts
from schemas.events import BaseEvent

log = logging.getLogger(__name__)

#: Most due accounts one call to evaluate_due handles (the rest wait for the next);
#: keeps one timer tick from holding the event loop for long.
DUE_BATCH = 300
#: Most parsed account records kept in memory beside the table, least recently
#: stepped dropped first. A parsed deep-mix record (120 events) costs some
#: 80-100 KB resident against about 6 KB for its bytes in the table, so the
#: cache would decide the worker's memory if it grew with the accounts owned:
#: 2,500 entries are ~250 MB however many there are. A miss costs one decode
#: (decompress, JSON, parse: 0.4-2 ms at 10-1,000 events of history, bench
#: phase (e)), about as much as the step itself, so the accounts a busy worker
#: steps over and over must fit: both bench mixes (500 deep and 2,000 shallow
#: accounts) do, with a quarter to spare.
PARSED_CACHE_MAX = 2_500


@dataclass
class Recovery:
    """What :meth:`AccountProcessor.rebuild_index` found in the store."""

    accounts: int = 0  # accounts indexed
    #: The last outputs of the newly owned accounts: their previous owner may
    #: have died after storing a step and before sending what it published.
    unsent: list[StepOutput] = field(default_factory=list)


class AccountProcessor:
    """Per-account state in ``store`` (account_id → stored bytes), a clock and a due index.

    The store's values are :func:`encode_stored` records; a store written
    by older code may also hold a single zlib stream, plain JSON records or
    dicts, which are read (:func:`stored_from_bytes`) and replaced at the
    account's next step.
    """

    def __init__(
        self,
        store: MutableMapping[str, Any],
        clock: Clock,
        policy: Policy = DEFAULT_POLICY,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.due = DueIndex()
        self.unassigned = UnassignedAccounts()
        # Parsed records by account, valid while the store still holds the very
        # value they were parsed from (a recovery or another writer replaces
        # it), with the segments that value was written with (None when it was
        # read, not written here): least recently stepped first, at most
        # PARSED_CACHE_MAX.
        self._parsed: OrderedDict[str, tuple[Any, StoredAccount, Segments | None]] = OrderedDict()

    def handle(self, events: Iterable[BaseEvent]) -> list[StepOutput]:
        """Apply a batch: each account is read, evaluated and written once.

        Accounts that only became due (the clock moved, no event of theirs) wait
        for :meth:`evaluate_due`, which the worker's timer calls every 0.5 s:
        evaluating them after every batch would, during a backlog, re-evaluate
        the same accounts many times a second for nothing.
        """
        by_account: dict[str, list[BaseEvent]] = {}
        for event in events:
            self.clock.observe(event.occurred_at)
            by_account.setdefault(event.account_id, []).append(event)
        now = self.clock.now()
        if now is None:
            return []
        return [self._step(a, evs, now) for a, evs in sorted(by_account.items())]

    def evaluate_due(self, now: datetime | None = None, limit: int = DUE_BATCH) -> list[StepOutput]:
        """Evaluate the accounts whose due time has come (at most ``limit``)."""
        now = now or self.clock.now()
        if now is None:
            return []
        return [
            self._step(account_id, (), now)
            for account_id in self.due.pop_due(now, limit=limit)
            if self.store.get(account_id) is not None
        ]

    def _load(self, account_id: str) -> tuple[StoredAccount | None, Segments | None]:
        raw = self.store.get(account_id)
        if not raw:
            return None, None
        cached = self._parsed.get(account_id)
        if cached is not None and cached[0] is raw:
            return cached[1], cached[2]
        return stored_from_bytes(raw), None

    def _step(self, account_id: str, events: Sequence[BaseEvent], now: datetime) -> StepOutput:
        stored, segments = self._load(account_id)
        out = step(stored, account_id, events, now, self.policy)
        # The parts of the state this step left alone (most of a long history)
        # keep their compressed segments (codecs/record.py).
        raw, segments = encode_stored(out.stored, segments)
        self.store[account_id] = raw
        self._parsed[account_id] = (raw, out.stored, segments)
        self._parsed.move_to_end(account_id)
        if len(self._parsed) > PARSED_CACHE_MAX:
            self._parsed.popitem(last=False)  # the least recently stepped
        self.due.schedule(account_id, out.stored.due_at)
        if events:
            self.unassigned.check(out.stored.state)
        return out

    def rebuild_index(
        self, owns: Callable[[str], bool], newly_owned: Callable[[str], bool] | None = None
    ) -> Recovery:
        """Refill the due index from the store for the accounts ``owns`` accepts.

        Called after a rebalance: O(accounts owned) once, so that ticks stay
        O(accounts due). Also resumes the event clock from the stored records,
        and collects the outboxes of the accounts ``newly_owned`` accepts, for
        the caller to send again before anything else of theirs.
        """
        self.due.clear()
        found = Recovery()
        for account_id, raw in list(self.store.items()):
            if raw and owns(account_id):
                stored = stored_from_bytes(raw)
                if len(self._parsed) < PARSED_CACHE_MAX:
                    self._parsed[account_id] = (raw, stored, None)
                for seen in (stored.state.latest_at, stored.evaluated_at):
                    if seen is not None:
                        self.clock.observe(seen)
                self.due.schedule(account_id, stored.due_at)
                found.accounts += 1
                resend = newly_owned is not None and newly_owned(account_id)
                if resend and (unsent := unsent_outputs(stored)) is not None:
                    found.unsent.append(unsent)
        return found
