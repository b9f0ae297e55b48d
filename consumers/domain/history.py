"""Health history in event time: the account's health at each UTC day end its events reach.

A history point is the evaluation at a day end ``T`` (00:00 UTC) of the
state of the events that occurred by ``T``. That is a function of the set
of events, so a point computed twice is the same point, and a point
computed again after a late event replaces the earlier one (the read models
key history by (account, as_of)).

Points are made while a batch of events is applied (:func:`apply_with_history`):
the batch is applied in ``occurred_at`` order, and at each day end inside it
the state so far is evaluated. Which day ends a batch evaluates:

* in order (every event newer than the state's ``latest_at``): the day ends
  after the old ``latest_at`` up to the newest event; of those more than
  :data:`DAILY_DAYS` before the newest event (an import of old history) only
  the Mondays. Each day end is evaluated at most once over a whole in-order
  history, never again per batch, and a live event within the same day adds
  none; a live stream gives a point every day;
* with a late event (older than ``latest_at``): also the day ends from that
  event on, every day, at most :data:`REVISED_DAYS` back. Those are
  evaluated from the old state plus the batch's events up to each day end;
  the old state may hold facts newer than the day end that :mod:`as_of`
  ignores, but not the older touchpoints a newer one of the same kind
  displaced, nor an older role (docs/scoring.md, "Health history").

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

#: How far back from ``latest_at`` a late event re-evaluates history points.
#: Bounds the cost of a late batch; older points keep their value. An import
#: published at once reaches the worker through five topics at uneven speed,
#: more than 14 days of event time apart (docs/scoring.md, "Health history").
REVISED_DAYS = 45
_REVISED = timedelta(days=REVISED_DAYS)
#: Day ends within this many days of a batch's newest event are all points; an
#: in-order batch (a backfill) keeps only Mondays of what is older: a 180-day
#: import makes some 27 points per account, not 180. A live stream whose
#: account has an event at least every two days still gets every day. Kept
#: short because each point is an evaluation: 7 days cost the deep-mix
#: benchmark a fifth more than 2 (README, "Health history's cost").
DAILY_DAYS = 2
_DAILY = timedelta(days=DAILY_DAYS)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Applied:
    """A batch applied to a state: the new state and the history points it made."""

    state: AccountState
    points: tuple[HealthSnapshot, ...]  # oldest first


def day_end_on_or_after(at: datetime) -> datetime:
    """The first UTC midnight at or after ``at``."""
    days, rest = divmod(at.astimezone(UTC) - EPOCH, DAY)
    return EPOCH + (days if not rest else days + 1) * DAY


def is_day_end(at: datetime) -> bool:
    """True for a UTC midnight: the instants history points are made at."""
    return day_end_on_or_after(at) == at


def day_ends(first: datetime, last: datetime) -> list[datetime]:
    """Every UTC midnight ``T`` with ``first <= T <= last``, oldest first."""
    found: list[datetime] = []
    at = day_end_on_or_after(first)
    while at <= last:
        found.append(at)
        at += DAY
    return found


def weekly(at: datetime) -> bool:
    """True for the day ends that older history keeps: Mondays 00:00 UTC."""
    return at.weekday() == 0


def history_instants(
    latest_at: datetime | None,
    oldest: datetime,
    newest: datetime,
    late: datetime | None = None,
    before: datetime | None = None,
) -> list[datetime]:
    """The day ends a batch evaluates (module docs), oldest first.

    ``latest_at`` is the state's before the batch; ``oldest`` and ``newest``
    are the batch's oldest and newest ``occurred_at``; ``late`` is its oldest
    event that is not newer than ``latest_at`` and changes the state.
    ``before`` (the step's clock time) excludes day ends at or after it: the
    step's own evaluation describes that time.
    """
    if latest_at is None:
        fresh_from, last, revised = oldest, newest, []
    else:
        fresh_from, last = latest_at + _TICK, max(newest, latest_at)
        # Revised day by day, however old: a point made daily stays right.
        revised = [] if late is None else day_ends(max(late, latest_at - _REVISED), latest_at)
    daily_from = last - _DAILY
    fresh = [t for t in day_ends(fresh_from, last) if t >= daily_from or weekly(t)]
    return [t for t in (*revised, *fresh) if before is None or t < before]


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
