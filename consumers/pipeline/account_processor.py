"""The account stage's logic without Faust: batches in, outputs to publish out.

The Faust agent (consumers/agents/accounts.py) decodes messages and hands
the valid events of a batch to the processor; its timer asks for the
accounts that became due. The processor owns the account table (``store``),
the event clock, the due index and the warning about accounts without
master data; the steps themselves run in a
:class:`~consumers.pipeline.step_engine.StepEngine`, either its own
(:meth:`AccountProcessor.handle`, :meth:`AccountProcessor.evaluate_due`) or
one in another process: then the caller takes a :meth:`AccountProcessor.plan`,
has it run there and hands the result to :meth:`AccountProcessor.settle`.
Tests drive the very same object with a plain dict as the store.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.pipeline.clock import Clock
from consumers.pipeline.codecs.record import stored_from_bytes
from consumers.pipeline.due_index import DueIndex
from consumers.pipeline.step import StepOutput, unsent_outputs
from consumers.pipeline.step_engine import EngineRun, StepEngine, StepPlan, StepRequest
from consumers.pipeline.unassigned import UnassignedAccounts
from schemas.events import BaseEvent

log = logging.getLogger(__name__)

#: Most due accounts one call to evaluate_due handles (the rest wait for the next);
#: keeps one timer tick from holding the event loop for long.
DUE_BATCH = 300


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

    ``engine``: the engine :meth:`handle` and :meth:`evaluate_due` step in
    (default: a new one); None where the caller runs the plans elsewhere.
    """

    def __init__(
        self,
        store: MutableMapping[str, Any],
        clock: Clock,
        policy: Policy = DEFAULT_POLICY,
        engine: StepEngine | None = None,
        *,
        local: bool = True,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.engine = (engine or StepEngine(policy)) if local else None
        self.due = DueIndex()
        self.unassigned = UnassignedAccounts()
        # Per account, the store value whose parsed record the engine holds
        # (it wrote it, or was handed it at a recovery); compared by identity,
        # so that a value a recovery or another writer put in its place is
        # read afresh.
        self._held: dict[str, Any] = {}

    def handle(self, events: Iterable[BaseEvent]) -> list[StepOutput]:
        """Apply a batch: each account is read, evaluated and written once.

        Accounts that only became due (the clock moved, no event of theirs) wait
        for :meth:`evaluate_due`, which the worker's timer calls every 0.5 s:
        evaluating them after every batch would, during a backlog, re-evaluate
        the same accounts many times a second for nothing.
        """
        return self._run_here(self.plan(events))

    def evaluate_due(self, now: datetime | None = None, limit: int = DUE_BATCH) -> list[StepOutput]:
        """Evaluate the accounts whose due time has come (at most ``limit``)."""
        return self._run_here(self.plan_due(now, limit))

    def plan(self, events: Iterable[BaseEvent]) -> StepPlan | None:
        """The steps a batch of events asks for, each account once (None: no clock yet)."""
        by_account: dict[str, list[BaseEvent]] = {}
        for event in events:
            self.clock.observe(event.occurred_at)
            by_account.setdefault(event.account_id, []).append(event)
        now = self.clock.now()
        if now is None or not by_account:
            return None
        return StepPlan(
            now, tuple(self._request(a, tuple(evs)) for a, evs in sorted(by_account.items()))
        )

    def plan_due(self, now: datetime | None = None, limit: int = DUE_BATCH) -> StepPlan | None:
        """The evaluations of accounts whose due time has come (at most ``limit``; None: none)."""
        now = now or self.clock.now()
        if now is None:
            return None
        requests = tuple(
            self._request(account_id, ())
            for account_id in self.due.pop_due(now, limit=limit)
            if self.store.get(account_id) is not None
        )
        return StepPlan(now, requests) if requests else None

    def _request(self, account_id: str, events: tuple[BaseEvent, ...]) -> StepRequest:
        raw = self.store.get(account_id)
        held = raw is not None and self._held.get(account_id) is raw
        return StepRequest(account_id, events, None if held else raw, held)

    def settle(self, run: EngineRun) -> None:
        """Store what the engine's steps wrote, schedule the accounts, warn about orphans."""
        for stepped in run.stepped:
            account_id = stepped.account_id
            self.store[account_id] = stepped.raw
            self._held[account_id] = stepped.raw
            self.due.schedule(account_id, stepped.due_at)
            if stepped.has_master_data is not None:
                self.unassigned.check(account_id, stepped.has_master_data)
        for account_id in run.dropped:
            self._held.pop(account_id, None)

    def forget_held(self) -> None:
        """Read every account from the table at its next step, not from the engine's cache.

        For when the engine lost its parsed records (its process failed) or
        may hold records newer than the table (a plan that raised, or whose
        result was given up).
        """
        self._held.clear()

    def run_here(self, plan: StepPlan) -> EngineRun:
        """Run ``plan`` on this processor's own engine (the caller settles it).

        If it raises, some of its steps may already sit in the engine's cache,
        newer than the table: the processor forgets what the engine holds, so
        that every account is read from the table again.
        """
        if self.engine is None:
            raise RuntimeError("this processor's plans run in another process (local=False)")
        try:
            return self.engine.run(plan)
        except BaseException:
            self.forget_held()
            raise

    def _run_here(self, plan: StepPlan | None) -> list[StepOutput]:
        if plan is None:
            return []
        run = self.run_here(plan)
        self.settle(run)
        return [s.output for s in run.stepped if s.output is not None]

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
                engine = self.engine
                fresh = self._held.get(account_id) is not raw
                if engine is not None and fresh and engine.admit(account_id, raw, stored):
                    self._held[account_id] = raw
                for seen in (stored.state.latest_at, stored.evaluated_at):
                    if seen is not None:
                        self.clock.observe(seen)
                self.due.schedule(account_id, stored.due_at)
                found.accounts += 1
                resend = newly_owned is not None and newly_owned(account_id)
                if resend and (unsent := unsent_outputs(stored)) is not None:
                    found.unsent.append(unsent)
        return found
