"""One stream step for one account: apply events (or none, on a timer), evaluate, diff.

Pure (no Faust): the account agent calls :func:`step` for every account in a
batch of events, and the timer calls it with no events when an account is
due. What it returns to publish is only what changed since the last step, so
a redelivered event (at-least-once) changes nothing and publishes nothing.

The stored record also keeps the step's outbox: what the step published. The
worker sends the stored record before those records, so a worker killed in
between leaves the outbox behind, and whoever recovers the account sends it
again (:func:`unsent_outputs`); downstream, a record received twice is
harmless. Without it, the redelivered events would find nothing new to
publish and the lost records (an alert nothing ever resolves) would stay lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from consumers.domain.alerts import reconcile, to_record
from consumers.domain.due import next_due
from consumers.domain.evaluate import evaluate, snapshot_changed, to_snapshot
from consumers.domain.history import apply_with_history
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.state import empty_state
from consumers.pipeline.projections import account_profile, changed, queue_line, queue_moves
from consumers.pipeline.stored import Outbox, StoredAccount
from schemas.events import BaseEvent
from schemas.internal import AccountProfile, HealthHistory, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot


@dataclass(frozen=True)
class StepOutput:
    """The new stored record; what to publish is its outbox."""

    stored: StoredAccount

    @property
    def health(self) -> HealthSnapshot | None:
        """The changed health snapshot, if the step changed it."""
        return self.stored.snapshot if self.stored.outbox.health else None

    @property
    def history(self) -> tuple[HealthSnapshot, ...]:
        """Health at the Mondays 00:00 UTC the step's events reach, in event time, oldest first."""
        return self.stored.outbox.history

    @property
    def history_record(self) -> HealthHistory | None:
        """The history points as the one record that carries them, if the step made any."""
        points = self.stored.outbox.history
        if not points:
            return None
        return HealthHistory(account_id=self.stored.account_id, points=list(points))

    @property
    def alerts(self) -> tuple[AlertRecord, ...]:
        """Alert lifecycle steps: raised, updated, resolved."""
        return self.stored.outbox.alerts

    @property
    def profile(self) -> AccountProfile | None:
        """The changed profile, if the step changed it."""
        return self.stored.profile if self.stored.outbox.profile else None

    @property
    def queue_lines(self) -> tuple[QueueLine, ...]:
        """Queue lines to send: a changed line, and on a handover a removal."""
        return self.stored.outbox.queue_lines

    @property
    def publishes_anything(self) -> bool:
        """Whether the step changed anything downstream can see."""
        return not self.stored.outbox.is_empty


def unsent_outputs(stored: StoredAccount) -> StepOutput | None:
    """The outputs of the step that wrote ``stored``, to send again after a recovery.

    They may never have left: the worker that stored the record may have died
    before sending them. None when that step published nothing.
    """
    return None if stored.outbox.is_empty else StepOutput(stored)


def step(
    stored: StoredAccount | None,
    account_id: str,
    events: Iterable[BaseEvent],
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
) -> StepOutput:
    """Apply ``events`` to the account, evaluate it at ``now`` and diff with what was published.

    The Mondays 00:00 UTC the events reach before ``now`` are evaluated too, each from the
    state of the events up to it: the history points (consumers/domain/history.py).
    """
    previous = stored or StoredAccount(state=empty_state(account_id))
    applied = apply_with_history(previous.state, events, policy, before=now)
    state = applied.state
    history = applied.points
    health = evaluate(state, now, policy)
    changes = reconcile(previous.open_alerts, health)
    alerts = tuple(to_record(a) for a in changes.published)

    snapshot = to_snapshot(health)
    publish_health = snapshot if snapshot_changed(previous.snapshot, snapshot) else None

    profile = account_profile(state, health, policy)
    publish_profile = profile if changed(previous.profile, profile) else None

    line = queue_line(state, health, changes.open, policy)
    lines = queue_moves(previous.queue_line, line)

    new_stored = StoredAccount(
        state=state,
        snapshot=publish_health or previous.snapshot,
        open_alerts=changes.open,
        profile=publish_profile or previous.profile,
        queue_line=line if lines else previous.queue_line,
        due_at=next_due(state, now, policy, health),
        outbox=Outbox(
            health=publish_health is not None,
            history=history,
            profile=publish_profile is not None,
            alerts=alerts,
            queue_lines=lines,
        ),
        evaluated_at=now,
    )
    return StepOutput(new_stored)
