"""What the worker's account table keeps per account, and the outbox of the step that wrote it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consumers.domain.alerts import AlertState
from consumers.domain.state import AccountState
from schemas.internal import AccountProfile, QueueLine
from schemas.outputs import AlertRecord, HealthSnapshot


@dataclass(frozen=True)
class Outbox:
    """What one step published, kept in the stored record until the next step.

    The health snapshot and the profile are the record's own ``snapshot`` and
    ``profile``; the flags say whether this step published them. ``history``
    holds the health points in event time the step made (published after
    the current snapshot).
    """

    health: bool = False
    history: tuple[HealthSnapshot, ...] = ()
    profile: bool = False
    alerts: tuple[AlertRecord, ...] = ()
    queue_lines: tuple[QueueLine, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Whether the step published nothing."""
        return not (self.health or self.history or self.profile or self.alerts or self.queue_lines)


@dataclass(frozen=True)
class StoredAccount:
    """What the worker's account table keeps per account (one changelog record)."""

    state: AccountState
    snapshot: HealthSnapshot | None = None  # the last published health
    open_alerts: tuple[AlertState, ...] = ()
    profile: AccountProfile | None = None  # the last published profile
    queue_line: QueueLine | None = None  # the last entry sent to a KAM's queue
    due_at: datetime | None = None  # when a timer must evaluate it again
    outbox: Outbox = Outbox()  # what the step that wrote this record published
    # The step's "now": a restarted worker's event clock resumes from it, so it
    # never stamps a record older than one its predecessor published.
    evaluated_at: datetime | None = None

    @property
    def account_id(self) -> str:
        """The account this record is about."""
        return self.state.account_id
