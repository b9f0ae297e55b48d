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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from consumers.domain.alerts import Alert, from_record, reconcile, to_record
from consumers.domain.apply import apply
from consumers.domain.due import next_due
from consumers.domain.evaluate import Health, evaluate, snapshot_changed, to_snapshot
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.priority import account_priority, next_action
from consumers.domain.state import AccountState, empty_state, state_from_dict, state_to_dict
from consumers.domain.warmth import stakeholder_views
from schemas.events import BaseEvent
from schemas.internal import AccountProfile, QueueEntry, StakeholderRecord
from schemas.outputs import AlertRecord, HealthSnapshot

#: 2 added the outbox and the evaluation time; format 1 records are still read.
STORED_FORMAT = 2
_READABLE_FORMATS = frozenset({1, STORED_FORMAT})


@dataclass(frozen=True)
class Outbox:
    """What one step published, kept in the stored record until the next step.

    The health snapshot and the profile are the record's own ``snapshot`` and
    ``profile``; the flags say whether this step published them.
    """

    health: bool = False
    profile: bool = False
    alerts: tuple[AlertRecord, ...] = ()
    queue_entries: tuple[QueueEntry, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether the step published nothing."""
        return not (self.health or self.profile or self.alerts or self.queue_entries)


@dataclass(frozen=True)
class StoredAccount:
    """What the worker's account table keeps per account (one changelog record)."""

    state: AccountState
    snapshot: HealthSnapshot | None = None  # the last published health
    open_alerts: tuple[Alert, ...] = ()
    profile: AccountProfile | None = None  # the last published profile
    queue_entry: QueueEntry | None = None  # the last entry sent to a KAM's queue
    due_at: datetime | None = None  # when a timer must evaluate it again
    outbox: Outbox = Outbox()  # what the step that wrote this record published
    # The step's "now": a restarted worker's event clock resumes from it, so it
    # never stamps a record older than one its predecessor published.
    evaluated_at: datetime | None = None

    @property
    def account_id(self) -> str:
        """The account this record is about."""
        return self.state.account_id


@dataclass(frozen=True)
class StepOutput:
    """The new stored record; what to publish is its outbox."""

    stored: StoredAccount

    @property
    def health(self) -> HealthSnapshot | None:
        """The changed health snapshot, if the step changed it."""
        return self.stored.snapshot if self.stored.outbox.health else None

    @property
    def alerts(self) -> tuple[AlertRecord, ...]:
        """Alert lifecycle steps: raised, updated, resolved."""
        return self.stored.outbox.alerts

    @property
    def profile(self) -> AccountProfile | None:
        """The changed profile, if the step changed it."""
        return self.stored.profile if self.stored.outbox.profile else None

    @property
    def queue_entries(self) -> tuple[QueueEntry, ...]:
        """Queue lines to send: a changed line, and on a handover a removal."""
        return self.stored.outbox.queue_entries

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
    """Apply ``events`` to the account, evaluate it at ``now`` and diff with what was published."""
    previous = stored or StoredAccount(state=empty_state(account_id))
    state = previous.state
    for event in events:
        state = apply(state, event)
    health = evaluate(state, now, policy)
    changes = reconcile(previous.open_alerts, health)
    alerts = tuple(to_record(a) for a in changes.published)

    snapshot = to_snapshot(health)
    publish_health = snapshot if snapshot_changed(previous.snapshot, snapshot) else None

    profile = account_profile(state, health, policy)
    publish_profile = profile if _changed(previous.profile, profile) else None

    entry = queue_entry(state, health, changes.open, policy)
    entries = _queue_moves(previous.queue_entry, entry)

    new_stored = StoredAccount(
        state=state,
        snapshot=publish_health or previous.snapshot,
        open_alerts=changes.open,
        profile=publish_profile or previous.profile,
        queue_entry=entry if entries else previous.queue_entry,
        due_at=next_due(state, now, policy, health),
        outbox=Outbox(
            health=publish_health is not None,
            profile=publish_profile is not None,
            alerts=alerts,
            queue_entries=entries,
        ),
        evaluated_at=now,
    )
    return StepOutput(new_stored)


def account_profile(state: AccountState, health: Health, policy: Policy) -> AccountProfile:
    """Master data and stakeholders (warmth as of the evaluation) for the read models."""
    info = state.info.value if state.info is not None else None
    people = stakeholder_views(tuple(state.stakeholders.values()), health.as_of, policy)
    return AccountProfile(
        account_id=state.account_id,
        name=info.name if info else None,
        tier=info.tier if info else None,
        kam_id=info.kam_id if info else None,
        parent_account_id=info.parent_account_id if info else None,
        annual_revenue_target=info.annual_revenue_target if info else None,
        currency=info.currency if info else None,
        stakeholders=[
            StakeholderRecord(
                stakeholder_id=p.stakeholder_id,
                name=p.name,
                role=p.role,
                title=p.title,
                department=p.department,
                status="active" if p.status == "active" else "left",
                last_contact=p.last_contact,
                warmth=p.warmth,
            )
            for p in people
        ],
        as_of=health.as_of,
    )


def queue_entry(
    state: AccountState, health: Health, open_alerts: tuple[Alert, ...], policy: Policy
) -> QueueEntry | None:
    """The account's line in its KAM's queue; None while no KAM owns it."""
    if state.kam_id is None:
        return None
    return QueueEntry(
        kam_id=state.kam_id,
        account_id=state.account_id,
        priority=account_priority(state, health, open_alerts, policy),
        health=health.score,
        open_alerts=len(open_alerts),
        next_action=next_action(state, health, open_alerts, policy),
        as_of=health.as_of,
    )


def _queue_moves(before: QueueEntry | None, after: QueueEntry | None) -> tuple[QueueEntry, ...]:
    """Entries to send: a changed line, and on a handover a removal from the old KAM."""
    moves: list[QueueEntry] = []
    if before is not None and (after is None or after.kam_id != before.kam_id):
        as_of = after.as_of if after is not None else before.as_of
        moves.append(
            QueueEntry(
                kam_id=before.kam_id, account_id=before.account_id, present=False, as_of=as_of
            )
        )
    if after is not None and _changed(before, after):
        moves.append(after)
    return tuple(moves)


def _changed(before: Any, after: Any) -> bool:
    """True unless ``before`` equals ``after`` in everything but ``as_of``."""
    if before is None:
        return after is not None
    if after is None:
        return True
    # Field-by-field model equality (nested models compare the same way); much
    # cheaper than dumping both to dicts on every step.
    mine = {k: v for k, v in before.__dict__.items() if k != "as_of"}
    theirs = {k: v for k, v in after.__dict__.items() if k != "as_of"}
    return bool(mine != theirs)


# --- table values ------------------------------------------------------------------------


def stored_to_dict(
    stored: StoredAccount,
    previous: tuple[StoredAccount, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """JSON-compatible form for the Faust table (and so its changelog).

    ``previous`` (the record before this step and its dict) lets parts that
    did not change — the same objects — reuse their already-encoded form.
    """
    before, raw = previous if previous is not None else (None, None)

    def part(name: str, now: Any, then: Any, encode: Any) -> Any:
        if raw is not None and now is then:
            return raw[name]
        return encode(now)

    return {
        "v": STORED_FORMAT,
        "state": state_to_dict(stored.state),
        "snapshot": part("snapshot", stored.snapshot, before and before.snapshot, _model_json),
        "alerts": part(
            "alerts",
            stored.open_alerts,
            before and before.open_alerts,
            lambda alerts: [to_record(a).model_dump(mode="json") for a in alerts],
        ),
        "profile": part("profile", stored.profile, before and before.profile, _model_json),
        "entry": part("entry", stored.queue_entry, before and before.queue_entry, _model_json),
        "due": stored.due_at.isoformat() if stored.due_at else None,
        "at": stored.evaluated_at.isoformat() if stored.evaluated_at else None,
        "outbox": _outbox_json(stored.outbox),
    }


_EMPTY_OUTBOX = Outbox()


def _outbox_json(outbox: Outbox) -> dict[str, Any] | None:
    if outbox.is_empty:
        return None
    return {
        "health": outbox.health,
        "profile": outbox.profile,
        "alerts": [a.model_dump(mode="json") for a in outbox.alerts],
        "entries": [e.model_dump(mode="json") for e in outbox.queue_entries],
    }


def _outbox_from_json(data: Mapping[str, Any] | None) -> Outbox:
    if not data:
        return _EMPTY_OUTBOX
    return Outbox(
        health=bool(data["health"]),
        profile=bool(data["profile"]),
        alerts=tuple(AlertRecord.model_validate(a) for a in data["alerts"]),
        queue_entries=tuple(QueueEntry.model_validate(e) for e in data["entries"]),
    )


def _model_json(model: Any) -> Any:
    return model.model_dump(mode="json") if model is not None else None


def stored_from_dict(data: Mapping[str, Any]) -> StoredAccount:
    """Inverse of :func:`stored_to_dict` (also reads the records of format 1)."""
    if data.get("v") not in _READABLE_FORMATS:
        raise ValueError(f"unknown stored account format {data.get('v')!r}")
    at = data.get("at")
    return StoredAccount(
        state=state_from_dict(data["state"]),
        snapshot=HealthSnapshot.model_validate(data["snapshot"]) if data["snapshot"] else None,
        open_alerts=tuple(from_record(AlertRecord.model_validate(a)) for a in data["alerts"]),
        profile=AccountProfile.model_validate(data["profile"]) if data["profile"] else None,
        queue_entry=QueueEntry.model_validate(data["entry"]) if data["entry"] else None,
        due_at=datetime.fromisoformat(data["due"]) if data["due"] else None,
        outbox=_outbox_from_json(data.get("outbox")),
        evaluated_at=datetime.fromisoformat(at) if at else None,
    )
