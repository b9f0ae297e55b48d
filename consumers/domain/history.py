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
  after the old ``latest_at`` up to the newest event. Each day end is
  evaluated once over a whole in-order history, never again per batch, and
  a live event within the same day adds none;
* with a late event (older than ``latest_at``): also the day ends from that
  event on, at most :data:`REVISED_DAYS` back. Those are evaluated from the
  old state plus the batch's events up to each day end; the old state may
  hold facts newer than the day end that :mod:`as_of` ignores, but not the
  older touchpoints a newer one of the same kind displaced, nor an older
  role (docs/scoring.md, "Health history").

A step without events (a timer) makes no points: the current health is
evaluated at the clock time, the history describes the events' own time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from consumers.domain.apply import apply, apply_all
from consumers.domain.days import DAY, EPOCH
from consumers.domain.evaluate import Evaluation, evaluate
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.state import AccountState
from schemas.events import BaseEvent

#: How far back from ``latest_at`` a late event re-evaluates history points.
#: Bounds the cost of a late batch; older points keep their value.
REVISED_DAYS = 14
_REVISED = timedelta(days=REVISED_DAYS)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Applied:
    """A batch applied to a state: the new state and the history points it made."""

    state: AccountState
    points: tuple[Evaluation, ...]


def day_end_on_or_after(at: datetime) -> datetime:
    """The first UTC midnight at or after ``at``."""
    days, rest = divmod(at.astimezone(UTC) - EPOCH, DAY)
    return EPOCH + (days if not rest else days + 1) * DAY


def day_ends(first: datetime, last: datetime) -> list[datetime]:
    """Every UTC midnight ``T`` with ``first <= T <= last``, oldest first."""
    found: list[datetime] = []
    at = day_end_on_or_after(first)
    while at <= last:
        found.append(at)
        at += DAY
    return found


def history_instants(
    latest_at: datetime | None,
    newest: datetime,
    late: datetime | None = None,
    before: datetime | None = None,
) -> list[datetime]:
    """The day ends a batch evaluates (module docs), oldest first.

    ``latest_at`` is the state's before the batch, ``newest`` the batch's
    newest ``occurred_at`` (or its oldest, for a first batch: see
    :func:`apply_with_history`), ``late`` the oldest event of the batch that is
    not newer than ``latest_at`` and changes the state. ``before`` (the
    step's clock time) excludes day ends at or after it: the step's own
    evaluation describes that time.
    """
    if latest_at is None:
        first, last = late or newest, newest
    else:
        # In order: the day ends after latest_at. Late: also those from the
        # late event on, but not further back than the revision window.
        first, last = latest_at + _TICK, max(newest, latest_at)
        if late is not None:
            first = max(min(first, late), latest_at - _REVISED)
    return [t for t in day_ends(first, last) if before is None or t < before]


def apply_with_history(
    state: AccountState,
    events: Iterable[BaseEvent],
    policy: Policy = DEFAULT_POLICY,
    before: datetime | None = None,
) -> Applied:
    """Apply ``events`` in ``occurred_at`` order, evaluating at each of :func:`history_instants`.

    The resulting state equals ``apply_all(state, events)``: the state is a
    function of the set of events, whatever order they are applied in. An
    event the state already holds (a redelivery) re-evaluates nothing.
    """
    ordered = sorted(events, key=lambda e: (_utc(e.occurred_at), e.event_id))
    if not ordered:
        return Applied(state, ())
    latest = state.latest_at
    if latest is None:
        instants = history_instants(
            None, _utc(ordered[-1].occurred_at), _utc(ordered[0].occurred_at), before
        )
    else:
        instants = history_instants(
            latest, _utc(ordered[-1].occurred_at), _oldest_news(state, ordered), before
        )
    points: list[Evaluation] = []
    i = 0
    for at in instants:
        j = i
        while j < len(ordered) and _utc(ordered[j].occurred_at) <= at:
            j += 1
        state = apply_all(state, ordered[i:j])
        i = j
        points.append(evaluate(state, at, policy))
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
