"""Alert conditions: which alerts *should* be open for an account at a clock time.

A condition names its kind, subject, severity, a reason sentence, and
``since`` — the moment the condition began, derived from the state alone so
that the stream worker and the batch replay give an alert the same identity
(``health_drop`` is the one exception: its onset is the evaluation time).
Opening, keeping and resolving alerts from these conditions is alerts.py's job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from consumers.domain.as_of import AsOf, as_of, present, role_before
from consumers.domain.days import DAY, whole_days
from consumers.domain.policy import Policy
from consumers.domain.scoring import Scored
from consumers.domain.sentences import n_days
from consumers.domain.state import AccountState, ReorgStep, StakeholderState
from consumers.domain.team import recent_voices
from consumers.domain.vocabulary import BAND_RANK, KEY_ROLES, ROLE_LABEL
from consumers.domain.warmth import last_contact, role_since, silent_since


@dataclass(frozen=True)
class Condition:
    """An alert condition that holds at the evaluation time."""

    kind: str
    subject: str | None
    severity: str
    reason: str
    since: datetime

    @property
    def key(self) -> tuple[str, str | None]:
        """At most one open alert per (kind, subject) of an account."""
        return (self.kind, self.subject)


def conditions(
    state: AccountState,
    now: datetime,
    policy: Policy,
    scored: Scored,
    baseline: Scored | None,
    view: AsOf | None = None,
    *,
    explain: bool = True,
) -> tuple[Condition, ...]:
    """Every alert condition that holds at ``now``, sorted by (kind, subject).

    ``view`` is the state read as of ``now`` when the caller (evaluate) already
    has it from scoring. ``explain=False`` leaves the critical_ticket reasons
    empty (see evaluate).
    """
    if view is None or view.now != now or view.state is not state:
        view = as_of(state, now, policy)
    people = view.people
    found: list[Condition] = []
    found += _cooling(people, now, policy)
    found += _champion_left(state, people, now, policy)
    found += _decision_maker_changed(state, people, now, policy)
    found += _single_threaded(state, view, policy)
    found += _team_single_threaded(state, view, policy)
    found += _health_drop(now, policy, scored, baseline)
    found += _critical_tickets(view, explain)
    found += _order_gap(view, policy)
    return tuple(sorted(found, key=lambda c: (c.kind, c.subject or "")))


def _cooling(people: Sequence[StakeholderState], now: datetime, policy: Policy) -> list[Condition]:
    a = policy.alerts
    found = []
    for p in people:
        role = p.current_role
        if role not in KEY_ROLES:
            continue
        cadence = policy.warmth.cadence_days[role]
        start = silent_since(p, now)
        silent = (now - start) / DAY
        if silent < a.cooling_warning_ratio * cadence:
            continue
        severity = "critical" if silent >= a.cooling_critical_ratio * cadence else "warning"
        contacted = last_contact(p, now) is not None
        what = "No contact with" if contacted else "Not yet in contact with"
        reason = (
            f"{what} {ROLE_LABEL[role]} {p.display_name} for {n_days(int(silent))} "
            f"(expected every {cadence:.0f} days)"
        )
        since = start + timedelta(days=a.cooling_warning_ratio * cadence)
        found.append(Condition("stakeholder_cooling", p.stakeholder_id, severity, reason, since))
    return found


def _departures(
    state: AccountState, now: datetime, policy: Policy, role: str
) -> list[tuple[StakeholderState, ReorgStep]]:
    """Stakeholders who left ``role`` (left the company or moved) within the change window."""
    window = timedelta(days=policy.alerts.key_change_window_days)
    found = []
    for person in state.stakeholders_by_id:
        for step in person.reorg:
            if not now - window < step.at <= now or role_before(person, step) != role:
                continue
            gone = step.kind == "left" and not present(person, now)
            moved = (
                step.kind == "role_changed" and step.role != role and person.current_role != role
            )
            if gone or moved:
                found.append((person, step))
                break  # the newest departure is the one that counts
    return found


def _engaged_successor(
    people: Sequence[StakeholderState], role: str, after: datetime, now: datetime, exclude: str
) -> StakeholderState | None:
    """An active holder of ``role`` we have been in contact with since ``after``."""
    for p in people:
        seen = last_contact(p, now)
        if p.stakeholder_id != exclude and p.current_role == role and seen and seen > after:
            return p
    return None


def _champion_left(
    state: AccountState, people: Sequence[StakeholderState], now: datetime, policy: Policy
) -> list[Condition]:
    found = []
    for person, step in _departures(state, now, policy, "champion"):
        if _engaged_successor(people, "champion", step.at, now, person.stakeholder_id):
            continue
        days = whole_days(step.at, now)
        how = "left the company" if step.kind == "left" else "moved to another role"
        reason = (
            f"Champion {person.display_name} {how} {n_days(days)} ago; no new champion engaged yet"
        )
        found.append(Condition("champion_left", person.stakeholder_id, "critical", reason, step.at))
    return found


def _decision_maker_changed(
    state: AccountState, people: Sequence[StakeholderState], now: datetime, policy: Policy
) -> list[Condition]:
    window = timedelta(days=policy.alerts.key_change_window_days)
    found = []
    for person, step in _departures(state, now, policy, "decision_maker"):
        if _engaged_successor(people, "decision_maker", step.at, now, person.stakeholder_id):
            continue
        days = whole_days(step.at, now)
        how = "left the company" if step.kind == "left" else "moved to another role"
        others = [
            p
            for p in people
            if p.current_role == "decision_maker" and p.stakeholder_id != person.stakeholder_id
        ]
        if others:
            names = ", ".join(p.display_name for p in others)
            tail = f"meet the decision maker now in place ({names})"
            severity = "warning"
        else:
            tail = "no decision maker is known now"
            severity = "critical"
        reason = f"Decision maker {person.display_name} {how} {n_days(days)} ago; {tail}"
        found.append(
            Condition("decision_maker_changed", person.stakeholder_id, severity, reason, step.at)
        )
    for p in people:
        if p.current_role != "decision_maker":
            continue
        started = role_since(p, now)
        if started is None or started <= now - window:
            continue
        seen = last_contact(p, now)
        if seen is not None and seen >= started:
            continue  # engaged since taking the role
        days = whole_days(started, now)
        reason = (
            f"{p.display_name} became decision maker {n_days(days)} ago and has not been met yet"
        )
        found.append(
            Condition("decision_maker_changed", p.stakeholder_id, "warning", reason, started)
        )
    return found


def _cold_at(person: StakeholderState, now: datetime, policy: Policy) -> datetime | None:
    """When the person's last warm spell ended (None if never warm); far future if warm now."""
    w = policy.warmth
    role = person.current_role
    end: datetime | None = None
    for point in person.touchpoints:
        if point.at > now:
            continue
        weight = w.channel_weight.get(point.channel, 0.3) * (
            w.negative_sentiment_factor if point.negative else 1.0
        )
        if weight < w.warm_threshold:
            continue
        until = point.at + w.half_life_days[role] * math.log2(weight / w.warm_threshold) * DAY
        end = until if end is None or until > end else end
    if end is not None and not present(person, end) and person.status is not None:
        end = min(end, person.status.at)
    return end


def _single_threaded(state: AccountState, view: AsOf, policy: Policy) -> list[Condition]:
    a = policy.alerts
    if state.tier not in a.single_threaded_tiers or not state.kams:
        return []
    now = view.now
    threshold = policy.warmth.warm_threshold
    warm = [p for p in view.people if view.heat[p.stakeholder_id] >= threshold]
    if len(warm) >= a.single_threaded_min_warm:
        return []
    # Onset: when the last-but-one warm relationship cooled (or the account
    # became known), so that replay and stream agree on it.
    ends = sorted(
        (e for p in state.stakeholders.values() if (e := _cold_at(p, now, policy)) is not None),
        reverse=True,
    )
    first_known = min(span.first for span in state.kams.values())
    idx = a.single_threaded_min_warm - 1
    cooled = ends[idx] if len(ends) > idx else first_known
    since = min(now, max(first_known, cooled))
    tier = state.tier
    if warm:
        names = ", ".join(p.display_name for p in warm)
        reason = f"Only {names} is a warm contact on this {tier} account"
        severity = "warning"
    else:
        reason = f"No warm contact at all on this {tier} account"
        severity = "critical"
    return [Condition("single_threaded", None, severity, reason, since)]


def _team_single_threaded(state: AccountState, view: AsOf, policy: Policy) -> list[Condition]:
    """Every touchpoint of the team window came from one internal person."""
    a = policy.alerts
    if state.tier not in a.team_tiers or not state.kams:
        return []
    if len(view.people) < a.team_min_active_stakeholders:
        return []
    now = view.now
    window = timedelta(days=a.team_window_days)
    voices = recent_voices(state, now, window)
    if len(voices) != 1:
        return []  # nobody spoke to the account (single_threaded covers that), or several did
    (only,) = voices
    # Onset: the evaluation that sees it (a drifting-onset kind, like health_drop;
    # see alerts.DRIFTING_ONSET). An onset derived from the state moved with late
    # and re-applied events, and an alert that cleared and held again came back
    # with an id the read models had already resolved.
    since = now
    reason = (
        f"Only {only} has spoken to anyone at {state.name} in {n_days(int(a.team_window_days))}"
    )
    return [Condition("team_single_threaded", None, "warning", reason, since)]


def _health_drop(
    now: datetime, policy: Policy, scored: Scored, baseline: Scored | None
) -> list[Condition]:
    if baseline is None:
        return []
    a = policy.alerts
    drop = baseline.score - scored.score
    band_drop = BAND_RANK[scored.band] > BAND_RANK[baseline.band]
    if drop < a.health_drop_points and not band_drop:
        return []
    days = int(a.health_drop_window_days)
    reason = f"Health fell from {baseline.score:.0f} to {scored.score:.0f} in {n_days(days)}"
    if band_drop:
        reason += f" ({baseline.band.replace('_', ' ')} → {scored.band.replace('_', ' ')})"
    if scored.drivers:
        reason += f"; biggest factor: {scored.drivers[0].text}"
    severity = (
        "critical" if scored.band == "critical" or drop >= 2 * a.health_drop_points else "warning"
    )
    return [Condition("health_drop", None, severity, reason, now)]


def _critical_tickets(asof: AsOf, explain: bool) -> list[Condition]:
    found = []
    for view in asof.tickets:
        if view.severity != "P1" and view.escalated_at is None:
            continue
        if view.severity == "P1":
            severity = "critical"
            candidates = [view.open_since, view.severity_changed_at]
        else:
            severity = "warning"
            candidates = [view.open_since, view.escalated_at]
        since = max(t for t in candidates if t is not None)
        found.append(
            Condition(
                "critical_ticket",
                view.ticket_id,
                severity,
                asof.ticket_sentence(view) if explain else "",
                since,
            )
        )
    return found


def _order_gap(view: AsOf, policy: Policy) -> list[Condition]:
    a = policy.alerts
    now, orders, interval = view.now, view.orders, view.order_interval
    if interval is None:
        return []
    last = orders[-1][0]
    gap = (now - last) / DAY
    if gap < a.order_gap_warning_ratio * interval:
        return []
    severity = "critical" if gap >= a.order_gap_critical_ratio * interval else "warning"
    reason = (
        f"No order for {n_days(int(gap))}; "
        f"this account usually orders every {n_days(round(interval))}"
    )
    since = last + timedelta(days=a.order_gap_warning_ratio * interval)
    return [Condition("order_gap", None, severity, reason, since)]
