"""The engine of the account stage: parsed accounts in memory, steps, their encoding.

:class:`StepEngine` runs a :class:`StepPlan` (each account with its new
events, or none when it became due) and returns what each step wrote and
published. It holds the parsed records of the accounts it stepped last
(decoding a long history costs about as much as the step itself); the
caller owns the account table and says, per account, whether the engine
still holds the record the table has (``held``) or must read the bytes it
is given. The worker runs the engine either in its own process (beside the
event loop on another core, consumers/pipeline/engine_process.py) or in
the worker's (:class:`~consumers.pipeline.account_processor.AccountProcessor`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.pipeline.codecs.record import Segments, encode_stored, stored_from_bytes
from consumers.pipeline.out_records import OutputTopics, StepRecords
from consumers.pipeline.step import StepOutput, step
from consumers.pipeline.stored import StoredAccount
from schemas.events import BaseEvent

#: Bytes of table values (compressed) whose parsed records the engine keeps,
#: least recently stepped dropped first. A parsed deep-mix record (120
#: events) costs some 120 KB resident once evaluated, against about 6.7 KB
#: for its bytes, so the cache would decide the worker's memory if it grew
#: with the accounts owned: 5 MB of values are about 750 deep-mix accounts
#: and ~90 MB resident, however many accounts there are. A miss costs one
#: decode (0.4-2 ms at 10-1,000 events of history, bench phase (e)), about
#: as much as the step itself, so the accounts a busy worker steps over and
#: over should fit: both bench mixes (500 deep accounts, 3.4 MB; 2,000
#: shallow ones) do.
PARSED_CACHE_BYTES = 5_000_000
#: The weight of a value that is not bytes (a dict from a store of older code).
_OTHER_WEIGHT = 16_384


class StepRequest(NamedTuple):
    """One account to step: its new events (none: it became due) and its stored value."""

    account_id: str
    events: tuple[BaseEvent, ...]
    #: The table's value (None: a new account); ignored when ``held``.
    raw: Any
    #: The engine holds the parsed record of exactly the table's value.
    held: bool


@dataclass(frozen=True)
class StepPlan:
    """Accounts to step at ``now``, each once."""

    now: datetime
    requests: tuple[StepRequest, ...]


class Stepped(NamedTuple):
    """One step done: the value to store, when the account is due, what to publish."""

    account_id: str
    raw: bytes
    due_at: datetime | None
    #: Whether the account's master data has arrived (else the worker warns);
    #: None for a step without events (only events bring an account into view).
    has_master_data: bool | None
    #: The step's outputs with its stored record (None where the engine ran in
    #: a process of its own: the caller gets the encoded ``records`` instead).
    output: StepOutput | None
    records: StepRecords | None


class EngineRun(NamedTuple):
    """A plan's steps in plan order, and the accounts whose parsed records the engine dropped."""

    stepped: list[Stepped]
    dropped: list[str]


class StepEngine:
    """Steps accounts and keeps the parsed records of those stepped last (see module doc).

    ``topics``: encode what each step publishes (:meth:`OutputTopics.step_records`)
    and leave :attr:`Stepped.output` empty, for a caller in another process.
    """

    def __init__(
        self,
        policy: Policy = DEFAULT_POLICY,
        topics: OutputTopics | None = None,
        cache_bytes: int | None = None,
    ) -> None:
        self.policy = policy
        self.topics = topics
        self.cache_bytes = PARSED_CACHE_BYTES if cache_bytes is None else cache_bytes
        # account → (stored value, its parsed record, the segments it was
        # written with: None when it was read, not written here), least
        # recently stepped first; its values' weights sum to _weight.
        self._parsed: OrderedDict[str, tuple[Any, StoredAccount, Segments | None]] = OrderedDict()
        self._weight = 0

    def run(self, plan: StepPlan) -> EngineRun:
        """Step every account of ``plan`` (in its order) and drop what exceeds the cache."""
        stepped = [self._step(request, plan.now) for request in plan.requests]
        # Only now: a plan's held accounts must stay until their own step.
        return EngineRun(stepped, self._shrink())

    def admit(self, account_id: str, raw: Any, stored: StoredAccount) -> bool:
        """Keep ``stored`` (parsed from ``raw``) if there is room; return whether it was kept."""
        weight = _weight(raw)
        if account_id in self._parsed or self._weight + weight > self.cache_bytes:
            return False
        self._parsed[account_id] = (raw, stored, None)
        self._weight += weight
        return True

    def held_records(self) -> list[tuple[str, Any, StoredAccount]]:
        """The parsed records kept, least recently stepped first (for tests and benches)."""
        return [(a, raw, stored) for a, (raw, stored, _) in self._parsed.items()]

    def _step(self, request: StepRequest, now: datetime) -> Stepped:
        account_id = request.account_id
        stored: StoredAccount | None
        segments: Segments | None = None
        if request.held:
            _, stored, segments = self._parsed[account_id]
        else:
            stored = stored_from_bytes(request.raw) if request.raw else None
        out = step(stored, account_id, request.events, now, self.policy)
        # The parts of the state this step left alone (most of a long history)
        # keep their compressed segments (codecs/record.py).
        raw, segments = encode_stored(out.stored, segments)
        self._keep(account_id, raw, out.stored, segments)
        new = out.stored
        has_master_data = new.state.info is not None if request.events else None
        if self.topics is None:
            return Stepped(account_id, raw, new.due_at, has_master_data, out, None)
        records = self.topics.step_records(out)
        return Stepped(account_id, raw, new.due_at, has_master_data, None, records)

    def _keep(self, account_id: str, raw: bytes, stored: StoredAccount, segments: Segments) -> None:
        previous = self._parsed.pop(account_id, None)
        if previous is not None:
            self._weight -= _weight(previous[0])
        self._parsed[account_id] = (raw, stored, segments)
        self._weight += _weight(raw)

    def _shrink(self) -> list[str]:
        dropped: list[str] = []
        while self._weight > self.cache_bytes and self._parsed:
            account_id, (raw, _, _) = self._parsed.popitem(last=False)
            self._weight -= _weight(raw)
            dropped.append(account_id)
        return dropped


def _weight(raw: Any) -> int:
    return len(raw) if isinstance(raw, bytes | bytearray | memoryview) else _OTHER_WEIGHT
