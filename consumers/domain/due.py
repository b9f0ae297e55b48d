"""When must an account be looked at again, if no event arrives?

Decay happens while nothing arrives. Instead of scanning every account on
every tick, the stream worker keeps a due-time index and re-evaluates an
account at :func:`next_due`: the earliest moment its evaluation can raise or
resolve an alert, change an alert's severity, or change its band.

Two sources of such moments:

* thresholds known exactly from the state (a decision maker crossing 1.5× and
  3× cadence, a warm stakeholder cooling below the warm threshold, an order
  gap reaching 2× the usual interval, an SLA falling due, a reorganisation
  leaving its window, a touchpoint leaving the account team's window, a
  fact stamped in the future becoming current, a
  ticket or order fact passing the horizon after which it is forgotten), and
* slow drifts of the score (decay, revenue windows sliding) that can cross a
  band boundary anywhere: found by comparing the evaluation's *signature*
  at the end of the window and bisecting to ``RESOLUTION``.

The answer is never later than ``policy.max_recheck_hours`` after ``now``,
a safety net for drifts the bisection cannot see (a change that happens and
reverts within one window).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime, timedelta

from consumers.domain.as_of import live_orders, present, usual_order_interval
from consumers.domain.evaluate import Evaluation, evaluate
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.state import TICKET_HORIZON, AccountState
from consumers.domain.vocabulary import KEY_ROLES
from consumers.domain.warmth import silent_since, warm_until, warmth

#: How precisely a drifting band change is located.
RESOLUTION = timedelta(minutes=5)
#: The smallest step of a datetime. A rule whose test is strict ("the SLA due
#: time lies before now", "warmth below the threshold", "older than the
#: horizon") flips one tick after its boundary, not at it.
TICK = timedelta(microseconds=1)

Signature = tuple[str, frozenset[tuple[str, str | None, str]]]


def signature(health: Evaluation) -> Signature:
    """What a timer is for: the band and the set of (kind, subject, severity) conditions."""
    return (health.band, frozenset((c.kind, c.subject, c.severity) for c in health.conditions))


def next_due(
    state: AccountState,
    now: datetime,
    policy: Policy = DEFAULT_POLICY,
    health: Evaluation | None = None,
) -> datetime | None:
    """The earliest time after ``now`` at which the evaluation can change, or None.

    None means nothing in the state changes with time (no stakeholders,
    orders, tickets or reorganisations). Pass ``health`` (the evaluation at
    ``now``) to save one evaluation.
    """
    now = now.astimezone(UTC)
    if not (state.stakeholders or state.orders or state.tickets or state.restructures):
        return None
    horizon = now + timedelta(hours=policy.max_recheck_hours)
    end = min(horizon, first_threshold(state, now, policy) or horizon)
    current = health if health is not None and health.as_of == now else evaluate(state, now, policy)
    start_sig = signature(current)
    # Just before ``end`` nothing has flipped yet: ``end`` itself (an exact
    # threshold, or the recheck horizon) is the answer.
    just_before = end - timedelta(microseconds=1)
    if _signature_at(state, just_before, policy) == start_sig:
        return end
    # Something drifts across a boundary before ``end``: find the first moment.
    lo, hi = now, just_before
    while hi - lo > RESOLUTION:
        mid = lo + (hi - lo) / 2
        if _signature_at(state, mid, policy) == start_sig:
            lo = mid
        else:
            hi = mid
    return hi


def _signature_at(state: AccountState, at: datetime, policy: Policy) -> Signature:
    # A probe only needs the signature: skip composing the drivers' sentences.
    return signature(evaluate(state, at, policy, explain=False))


def first_threshold(state: AccountState, now: datetime, policy: Policy) -> datetime | None:
    """The earliest moment after ``now`` known in advance at which a rule's outcome can flip."""
    candidates = [t for t in _clock_thresholds(state, now, policy) if t > now]
    for times in _fixed_thresholds(state, policy):
        i = bisect_right(times, now)
        if i < len(times):
            candidates.append(times[i])
    return min(candidates, default=None)


def thresholds(state: AccountState, now: datetime, policy: Policy) -> list[datetime]:
    """Every moment after ``now`` known in advance at which a rule's outcome can flip."""
    found = [t for t in _clock_thresholds(state, now, policy) if t > now]
    for times in _fixed_thresholds(state, policy):
        found += times[bisect_right(times, now) :]
    return found


def _clock_thresholds(state: AccountState, now: datetime, policy: Policy) -> list[datetime]:
    """Thresholds that depend on ``now``: stakeholders' silence and warmth, the order gap."""
    a = policy.alerts
    found: list[datetime] = []
    change_window = timedelta(days=a.key_change_window_days)
    fade = timedelta(days=policy.stability.fade_days)
    for person in state.stakeholders.values():
        role = person.current_role
        if role in KEY_ROLES and present(person, now):
            cadence = timedelta(days=policy.warmth.cadence_days[role])
            start = silent_since(person, now)
            found += [start + a.cooling_warning_ratio * cadence]
            found += [start + a.cooling_critical_ratio * cadence]
        cools = warm_until(person, now, policy)
        if cools is not None:
            # warm_until is where warmth reaches the threshold, which still
            # counts as warm; unless rounding put it just past, cold is a tick later.
            still_warm = warmth(person, cools, policy) >= policy.warmth.warm_threshold
            found.append(cools + TICK if still_warm else cools)
        for step in person.reorg:
            found += [step.at, step.at + change_window, step.at + fade]
        for point in person.touchpoints:
            if point.at > now:
                found.append(point.at)
        if person.status is not None:
            found.append(person.status.at)
        found.append(person.known_since)
    for r in state.restructures:
        found += [r.at, r.at + fade]
    # The account team: a touchpoint stamped in the future becomes current, and
    # each touchpoint leaves the team window (team_single_threaded can flip;
    # the team's touchpoint counts change).
    team_window = timedelta(days=a.team_window_days)
    for contacts in state.team.values():
        for contact in contacts.values():
            for at, _ in contact.recent:
                found += [at, at + team_window]
    orders = live_orders(state, now)
    interval = usual_order_interval(orders, policy)
    if interval is not None:
        last = orders[-1][0]
        found += [
            last + timedelta(days=a.order_gap_warning_ratio * interval),
            last + timedelta(days=a.order_gap_critical_ratio * interval),
        ]
    return found


def _fixed_thresholds(state: AccountState, policy: Policy) -> tuple[list[datetime], list[datetime]]:
    """The tickets' and the orders' thresholds, sorted: functions of those facts alone.

    Kept on the state's ticket memo and order memo for the last policy used,
    so that a step walks every ticket and order only when one of them changed.
    """
    memo = state.ticket_memo
    tickets = memo.get("thresholds")
    if tickets is None or tickets[0] is not policy:
        tickets = memo["thresholds"] = (policy, sorted(_ticket_thresholds(state, policy)))
    orders = state.order_thresholds
    return tickets[1], orders


def _ticket_thresholds(state: AccountState, policy: Policy) -> list[datetime]:
    found: list[datetime] = []
    drop_window = timedelta(days=policy.alerts.health_drop_window_days)
    for ticket in state.tickets.values():
        for reg in (ticket.opened, ticket.status, ticket.escalated, ticket.severity_change):
            if reg is not None:
                # ... and when the evaluation forgets the fact (an untouched ticket closes)
                found += [reg.at, reg.at + drop_window, reg.at + TICKET_HORIZON + TICK]
        if ticket.opened is not None and ticket.opened.value.sla_due_at is not None:
            found.append(ticket.opened.value.sla_due_at + TICK)  # breached once it lies before now
    return found
