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
  at the end of the window and locating the change to ``RESOLUTION``
  (interpolating the drifting numbers, bisecting when that misses).

The answer is never later than ``policy.max_recheck_hours`` after ``now``,
a safety net for drifts the search cannot see (a change that happens and
reverts within one window).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, datetime, timedelta

from consumers.domain.as_of import order_bounds, orders_as_of, present, ticket_bounds
from consumers.domain.evaluate import Evaluation, evaluate
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.state import TICKET_HORIZON, AccountState
from consumers.domain.vocabulary import KEY_ROLES
from consumers.domain.warmth import silent_since, warm_until, warmth

#: How precisely a drifting band change is located.
RESOLUTION = timedelta(minutes=5)
#: Interpolated guesses per search for a drifting change before plain bisection.
GUESSES = 3
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
    last = _probe(state, end - TICK, policy)
    if signature(last) == start_sig:
        return end
    # Something drifts across a line before ``end``: find the first moment.
    return _first_change(state, policy, start_sig, current, last)


def _probe(state: AccountState, at: datetime, policy: Policy) -> Evaluation:
    # A probe only needs the signature and the numbers: skip composing sentences.
    return evaluate(state, at, policy, explain=False)


def _first_change(
    state: AccountState, policy: Policy, start_sig: Signature, lo: Evaluation, hi: Evaluation
) -> datetime:
    """The first probed moment whose signature differs, at most RESOLUTION after one that does not.

    ``lo`` has the starting signature and ``hi`` does not. Between exact
    thresholds the score drifts smoothly (warmth decays, tickets age, a gap
    grows) except where it jumps: an order entering or leaving a revenue
    window, and, for the health-drop baseline (the state as it was a window
    earlier), any fact entering that earlier reading (:func:`_jumps`). So
    the search first narrows the bracket to one such jump (probing at them),
    checks whether the jump itself is the change, and then guesses where a
    number crosses its line by linear interpolation: a pair of probes
    RESOLUTION apart around the guess brackets the change when the guess is
    good. Guesses that miss still narrow the bracket; after GUESSES of them,
    bisection goes on.
    """
    # Only a health-drop condition follows the baseline; a band change is the score's.
    drop = any(kind == "health_drop" for kind, _, _ in start_sig[1] ^ signature(hi)[1])
    jumps = _jumps(state, lo.as_of, hi.as_of, policy, baseline=drop)
    guesses = 0
    while hi.as_of - lo.as_of > RESOLUTION:
        inside = jumps[bisect_right(jumps, lo.as_of) : bisect_left(jumps, hi.as_of)]
        if inside:
            probes = [inside[len(inside) // 2]]
        elif jumps and hi.as_of in jumps:
            probes = [hi.as_of - TICK]  # is the change the jump at hi itself?
            jumps = [j for j in jumps if j != hi.as_of]
        elif guesses < GUESSES and (guess := _crossing(lo, hi, policy)) is not None:
            guesses += 1
            probes = [guess - RESOLUTION / 2, guess + RESOLUTION / 2]
        else:
            probes = [lo.as_of + (hi.as_of - lo.as_of) / 2]
        for at in probes:
            if not lo.as_of < at < hi.as_of:
                continue  # that side of the pair is already known
            probe = _probe(state, at, policy)
            if signature(probe) != start_sig:
                hi = probe
                break
            lo = probe
    return hi.as_of


def _jumps(
    state: AccountState, lo: datetime, hi: datetime, policy: Policy, *, baseline: bool
) -> list[datetime]:
    """Moments in (lo, hi] at which the score or the health-drop baseline can jump, sorted.

    The score between thresholds jumps only where an order enters or leaves a
    revenue window; the baseline, read a window earlier, wherever a fact
    enters or leaves that reading (a touchpoint, a status, a reorganisation,
    a ticket or order bound), shifted by the window.
    """
    found = set(_within(order_bounds(state, policy), lo, hi))
    if baseline and state.first_seen is not None:
        window = timedelta(days=policy.alerts.health_drop_window_days)
        then_lo, then_hi = lo - window, hi - window
        facts = [*_within(order_bounds(state, policy), then_lo, then_hi)]
        facts += _within(ticket_bounds(state), then_lo, then_hi)
        for person in state.stakeholders.values():
            times = [person.known_since, *(t.at for t in person.touchpoints)]
            times += [step.at for step in person.reorg]
            if person.status is not None:
                times.append(person.status.at)
            facts += [t for t in times if then_lo < t <= then_hi]
        facts += [r.at for r in state.restructures if then_lo < r.at <= then_hi]
        found.update(t + window for t in facts)
    return sorted(found)


def _within(times: list[datetime], lo: datetime, hi: datetime) -> list[datetime]:
    """The sorted ``times`` in (lo, hi]."""
    return times[bisect_right(times, lo) : bisect_right(times, hi)]


def _crossing(lo: Evaluation, hi: Evaluation, policy: Policy) -> datetime | None:
    """Where, by linear interpolation between ``lo`` and ``hi``, a number first crosses its line.

    The numbers the signature's drifting parts depend on: the score (its band),
    the health-drop baseline's score (the band it fell from) and the drop
    between them (health_drop's points). None when none of them crosses a
    line between the two, e.g. when the change is of another kind.
    """
    # A score shows rounded to 0.1, so its band changes half a tenth below the line.
    band_lines = [b - 0.05 for b in (policy.band_healthy, policy.band_watch, policy.band_at_risk)]
    drop_lines = [policy.alerts.health_drop_points, 2 * policy.alerts.health_drop_points]
    series: list[tuple[float, float, list[float]]] = [(100 - lo.lost, 100 - hi.lost, band_lines)]
    if lo.baseline_lost is not None and hi.baseline_lost is not None:
        base_lo, base_hi = 100 - lo.baseline_lost, 100 - hi.baseline_lost
        series.append((base_lo, base_hi, band_lines))
        series.append((lo.lost - lo.baseline_lost, hi.lost - hi.baseline_lost, drop_lines))
    span = hi.as_of - lo.as_of
    found: list[datetime] = []
    for at_lo, at_hi, lines in series:
        for line in lines:
            if at_lo != at_hi and min(at_lo, at_hi) <= line <= max(at_lo, at_hi):
                found.append(lo.as_of + span * ((line - at_lo) / (at_hi - at_lo)))
    return min(found, default=None)


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
    reading = orders_as_of(state, now, policy)
    interval = reading.interval
    if interval is not None:
        last = reading.orders[-1][0]
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
