"""Health history in event time: the account's health every Monday 00:00 UTC its events reach.

A history point is the evaluation at a Monday midnight ``T`` (UTC) of the
state of the events that occurred by ``T``. That is a function of the set
of events, so a point computed twice is the same point, and a point
computed again after a late event replaces the earlier one (the read models
key history by (account, as_of)). The instants are fixed, whatever the
batching, so that a late event can re-evaluate exactly the points that
exist. Between them the history holds every current health the worker
published (docs/scoring.md, "Health history").

Points are made while a batch of events is applied (:func:`apply_with_history`):
the batch is applied in ``occurred_at`` order, and at each instant inside it
the state so far is evaluated. Which instants a batch evaluates:

* in order (every event newer than the state's ``latest_at``): those after
  the old ``latest_at`` up to the newest event. Each is evaluated once over
  a whole in-order history, never again per batch, and a live event adds
  none except the first one after a Monday midnight;
* with a late event (older than ``latest_at``): also those from that event
  on, at most :data:`REVISED_DAYS` back. They are evaluated from the old
  state plus the batch's events up to each instant; the old state may hold
  facts newer than the instant, which :mod:`as_of` ignores, but not the
  older touchpoints a newer one of the same kind displaced, nor an older
  role (docs/scoring.md, "Known approximations").

A step without events (a timer) makes no points: the current health is
evaluated at the clock time, the history describes the events' own time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from consumers.domain.apply import apply, apply_all
from consumers.domain.days import DAY, EPOCH
from consumers.domain.evaluate import health_snapshot
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.state import AccountState
from schemas.events import BaseEvent
from schemas.outputs import HealthSnapshot

#: How far back from ``latest_at`` a late event re-evaluates history points
#: (at most 53 of them per batch); older points keep their value. An import
#: published at once reaches the worker through five topics at uneven speed:
#: in the demo events arrived up to some four months of event time behind
#: newer ones (docs/scoring.md, "Health history").
REVISED_DAYS = 365
_REVISED = timedelta(days=REVISED_DAYS)
_TICK = timedelta(microseconds=1)
#: The weekday of the instants: Monday (the end of each ISO week).
_MONDAY = 0


@dataclass(frozen=True)
class Applied:
    """A batch applied to a state: the new state and the history points it made."""

    state: AccountState
    points: tuple[HealthSnapshot, ...]  # oldest first


def day_end_on_or_after(at: datetime) -> datetime:
    """The first UTC midnight at or after ``at``."""
    days, rest = divmod(at.astimezone(UTC) - EPOCH, DAY)
    return EPOCH + (days if not rest else days + 1) * DAY


def is_history_instant(at: datetime) -> bool:
    """True for a Monday 00:00 UTC: the instants history points are made at."""
    return at.weekday() == _MONDAY and day_end_on_or_after(at) == at


def history_instants_between(first: datetime, last: datetime) -> list[datetime]:
    """Every Monday 00:00 UTC ``T`` with ``first <= T <= last``, oldest first."""
    at = day_end_on_or_after(first)
    at += ((_MONDAY - at.weekday()) % 7) * DAY
    found: list[datetime] = []
    while at <= last:
        found.append(at)
        at += 7 * DAY
    return found


def history_instants(
    latest_at: datetime | None,
    oldest: datetime,
    newest: datetime,
    late: datetime | None = None,
    before: datetime | None = None,
) -> list[datetime]:
    """The instants a batch evaluates (module docs), oldest first.

    ``latest_at`` is the state's before the batch; ``oldest`` and ``newest``
    are the batch's oldest and newest ``occurred_at``; ``late`` is its oldest
    event that is not newer than ``latest_at`` and changes the state.
    ``before`` (the step's clock time) excludes instants at or after it: the
    step's own evaluation describes that time.
    """
    if latest_at is None:
        first, last = oldest, newest
    else:
        first, last = latest_at + _TICK, max(newest, latest_at)
        if late is not None:
            first = max(late, latest_at - _REVISED)
    return [t for t in history_instants_between(first, last) if before is None or t < before]


def apply_with_history(
    state: AccountState,
    events: Iterable[BaseEvent],
    policy: Policy = DEFAULT_POLICY,
    before: datetime | None = None,
) -> Applied:
    """Apply ``events`` in ``occurred_at`` order, snapshotting at each :func:`history_instants`.

    The resulting state equals ``apply_all(state, events)``: the state is a
    function of the set of events, whatever order they are applied in. An
    event the state already holds (a redelivery) re-evaluates nothing.
    """
    ordered = sorted(events, key=lambda e: (_utc(e.occurred_at), e.event_id))
    if not ordered:
        return Applied(state, ())
    oldest, newest = _utc(ordered[0].occurred_at), _utc(ordered[-1].occurred_at)
    late = _oldest_news(state, ordered) if state.latest_at is not None else None
    instants = history_instants(state.latest_at, oldest, newest, late, before)
    points: list[HealthSnapshot] = []
    i = 0
    for at in instants:
        j = i
        while j < len(ordered) and _utc(ordered[j].occurred_at) <= at:
            j += 1
        state = apply_all(state, ordered[i:j])
        i = j
        points.append(health_snapshot(state, at, policy))
    return Applied(apply_all(state, ordered[i:]), tuple(points))


def _oldest_news(state: AccountState, ordered: list[BaseEvent]) -> datetime | None:
    """The oldest event not newer than the state's ``latest_at`` that changes the state."""
    latest = state.latest_at
    for event in ordered:
        at = _utc(event.occurred_at)
        if latest is None or at > latest:
            return None
        # A redelivered event leaves an equal state (state.py): nothing to revise.
        if apply(state, event) != state:
            return at
    return None


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)
