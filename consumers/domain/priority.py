"""A KAM's work queue: which account to work on first, and what to do there.

priority = value × risk × urgency × 10

* value   = tier value (strategic 3, key 2, standard 1) ×
            (1 + annual revenue target / revenue reference, at most 2×) ×
            (1 + 0.5 × untapped potential / revenue reference, at most 1.5×),
            untapped potential = annual_potential − revenue_12m (0 without a potential)
* risk    = 0.1 + (100 − score) / 100 + up to 0.5 for a falling score
            (points lost against the health-drop baseline, full at 30)
* urgency = 1 + the sum over open alerts of their severity weight
            (critical 2, warning 1, info 0.25)

The account stage turns these into the account's line in its KAM's queue
(consumers/pipeline/projections.py); the KAM stage ranks the lines
(consumers/pipeline/kam_queue.py), which ``GET /v1/kams/{kam_id}/queue``
returns (docs/contract.md, "HTTP API").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from consumers.domain.alerts import AlertState
from consumers.domain.as_of import present
from consumers.domain.days import whole_days
from consumers.domain.evaluate import Evaluation
from consumers.domain.policy import DEFAULT_POLICY, Policy, PriorityPolicy
from consumers.domain.purchases import purchases
from consumers.domain.scoring.warmth_sentence import due_for_meeting, since_last_meeting
from consumers.domain.sentences import n_days
from consumers.domain.state import AccountState
from consumers.domain.team import colleague_who_knows, knows_best, recent_voices
from consumers.domain.vocabulary import KEY_ROLES, ROLE_LABEL, SEVERITY_RANK
from consumers.domain.warmth import silent_since, warmth
from consumers.domain.what_if import (
    Fix,
    describe,
    meeting,
    newcomer_met,
    order_like_the_last,
    outcome,
    ticket_resolved,
)
from schemas.vocabulary import AlertKind

#: Which alert a KAM should act on first when severities tie.
KIND_ORDER: tuple[AlertKind, ...] = (
    "critical_ticket",
    "champion_left",
    "decision_maker_changed",
    "stakeholder_cooling",
    "single_threaded",
    "team_single_threaded",
    "order_gap",
    "health_drop",
)
#: For how long after a handover the new KAM is told to introduce themselves.
HANDOVER_WINDOW = timedelta(days=60)
#: Without alerts, a factor is worth an action only from this many points on:
#: below it the account needs nothing but its routine (no filler actions).
PROACTIVE_MIN_POINTS = 3.0
#: The factor name of an open ticket's penalty, before its ticket_id (scoring/support.py).
TICKET_FACTOR = "open_ticket:"
#: The next action of an account that needs nothing.
NOTHING_DUE = "Nothing due: keep the regular contact cadence"

#: An action's sentence and the fix that carries it out (None: no score figure).
Action = tuple[str, Fix | None]


def account_priority(
    state: AccountState,
    health: Evaluation,
    alerts: Sequence[AlertState],
    policy: Policy = DEFAULT_POLICY,
) -> float:
    """The priority number of one account (higher comes first)."""
    p = policy.priority
    tier_value = p.tier_value.get(state.tier or "standard", 1.0)
    target = state.info.value.annual_revenue_target if state.info is not None else None
    revenue = min(1.0, (target or 0.0) / p.revenue_reference) if p.revenue_reference > 0 else 0.0
    value = tier_value * (1 + revenue) * (1 + p.untapped_weight * untapped_share(state, health, p))
    falling = 0.0
    if health.baseline_score is not None and p.falling_points_full > 0:
        falling = max(0.0, health.baseline_score - health.score) / p.falling_points_full
    risk = 0.1 + (100.0 - health.score) / 100.0 + 0.5 * min(1.0, falling)
    urgency = 1.0 + sum(
        p.severity_urgency.get(a.severity, 0.0) for a in alerts if a.status == "open"
    )
    return round(value * risk * urgency * 10, 1)


def untapped_share(state: AccountState, health: Evaluation, p: PriorityPolicy) -> float:
    """Untapped potential per revenue reference, 0 to 1; 0 without an annual_potential."""
    potential = state.info.value.annual_potential if state.info is not None else None
    if not potential or p.revenue_reference <= 0:
        return 0.0
    untapped = potential - purchases(state, health.as_of).revenue_12m
    return min(1.0, max(0.0, untapped) / p.revenue_reference)


def handover(state: AccountState) -> tuple[str, datetime] | None:
    """(previous KAM, when the current KAM took over), if the account changed hands."""
    current = state.kam_id
    if current is None or current not in state.kams:
        return None
    took_over = state.kams[current].first
    earlier = [(span.last, kam) for kam, span in state.kams.items() if kam != current]
    earlier = [(last, kam) for last, kam in earlier if last <= took_over]
    if not earlier:
        return None
    return max(earlier)[1], took_over


def next_action(
    state: AccountState,
    health: Evaluation,
    alerts: Sequence[AlertState],
    policy: Policy = DEFAULT_POLICY,
) -> str:
    """One concrete thing the KAM should do next on this account, and what it would gain.

    The gain ("+12 points, back to healthy") is the score of the account
    evaluated with the action done at the evaluation time (what_if.py): one
    what-if per call, for the action returned.
    """
    now = health.as_of
    open_ = [a for a in alerts if a.status == "open"]
    if open_:
        top = min(
            open_,
            key=lambda a: (
                SEVERITY_RANK.get(a.severity, 9),
                KIND_ORDER.index(a.kind) if a.kind in KIND_ORDER else 99,
                a.subject or "",
            ),
        )
        return _with_gain(_action_for(state, health, top, policy), state, health, policy)
    passed = handover(state)
    if passed is not None and now - passed[1] < HANDOVER_WINDOW:
        previous, _ = passed
        dms = [
            p
            for p in state.stakeholders_by_id
            if p.current_role == "decision_maker" and present(p, now)
        ]
        window = timedelta(days=policy.alerts.team_window_days)
        best = knows_best(state, now, window, besides=state.kam_id or "")
        # Who on our side knows the account best: the new KAM's first colleague to ask.
        told = f"; on our side {best} knows the account best" if best is not None else ""
        if not dms:
            return f"Handover from {previous}: introduce yourself to the key stakeholders{told}"
        text = (
            f"Handover from {previous}: introduce yourself to decision maker "
            f"{dms[0].display_name}{told}"
        )
        return _with_gain((text, meeting(dms[0].stakeholder_id)), state, health, policy)
    return _proactive(state, health, policy)


def _with_gain(action: Action, state: AccountState, health: Evaluation, policy: Policy) -> str:
    text, fix = action
    if fix is None:
        return text
    return f"{text}: {describe(outcome(state, health, fix, policy), health)}"


def _proactive(state: AccountState, health: Evaluation, policy: Policy) -> str:
    """Without alerts: the first factor worth at least PROACTIVE_MIN_POINTS that can be acted on.

    A key person's warmth is acted on with a meeting once they are due for
    one (not met within their contact cadence): proposing to meet someone
    met last week would be filler. An open ticket is acted on by getting it
    resolved; any other factor is worth a look. Nothing left: nothing due.
    """
    now = health.as_of
    for driver in health.top_drivers:
        if driver.impact > -PROACTIVE_MIN_POINTS:
            break  # most negative first: the rest are smaller still
        person = state.stakeholders.get(driver.subject or "")
        if person is not None:
            if not due_for_meeting(person, now, policy):
                continue
            text = (
                f"Meet {ROLE_LABEL[person.current_role]} {person.display_name} "
                f"({since_last_meeting(person, now, policy)})"
            )
            return _with_gain((text, meeting(person.stakeholder_id)), state, health, policy)
        if driver.factor.startswith(TICKET_FACTOR):
            ticket_id = driver.factor[len(TICKET_FACTOR) :]
            text = f"Get {_severity(health, ticket_id)}ticket {ticket_id} resolved"
            return _with_gain((text, ticket_resolved(ticket_id)), state, health, policy)
        return f"Look into: {driver.text}"
    return NOTHING_DUE


def _severity(health: Evaluation, ticket_id: str) -> str:
    """'P2 ' for an open ticket of the evaluation's view, else ''."""
    tickets = health.view.tickets if health.view is not None else ()
    return next((f"{t.severity} " for t in tickets if t.ticket_id == ticket_id), "")


def _team_action(state: AccountState, now: datetime, policy: Policy) -> str:
    voices = recent_voices(state, now, timedelta(days=policy.alerts.team_window_days))
    only = next(iter(voices), state.kam_id or "")  # the one voice the alert is about
    colleague = colleague_who_knows(state, now, besides=only)
    if colleague is None:
        return f"Bring a colleague into {state.name}: only {only} speaks to its people"
    who, sid = colleague
    person = state.stakeholders.get(sid)
    name = person.display_name if person is not None else sid
    return f"Bring {who} back into {state.name}: they know {name} from earlier touchpoints"


def _action_for(
    state: AccountState, health: Evaluation, alert: AlertState, policy: Policy
) -> Action:
    now = health.as_of
    person = state.stakeholders.get(alert.subject or "")
    name = person.display_name if person is not None else (alert.subject or "")
    if alert.kind == "stakeholder_cooling" and person is not None:
        days = whole_days(silent_since(person, now), now)
        text = f"Meet {name} ({ROLE_LABEL[person.current_role]}, silent {n_days(days)})"
        return text, meeting(person.stakeholder_id)
    if alert.kind == "champion_left":
        text = f"Find and win a new champion to replace {name}"
        return text, newcomer_met("champion")
    if alert.kind == "decision_maker_changed":
        if person is not None and person.current_role == "decision_maker" and present(person, now):
            return f"Meet the new decision maker {name}", meeting(person.stakeholder_id)
        others = [
            p
            for p in state.stakeholders_by_id
            if p.current_role == "decision_maker" and present(p, now)
        ]
        if others:
            text = f"Meet the new decision maker {others[0].display_name} after the reorganisation"
            return text, meeting(others[0].stakeholder_id)
        text = (
            f"Find out who replaces decision maker {name} after the reorganisation, and meet them"
        )
        return text, newcomer_met("decision_maker")
    if alert.kind == "critical_ticket":
        severity = "P1" if alert.severity == "critical" else "escalated"
        text = f"Get {severity} ticket {alert.subject} resolved"
        return text, ticket_resolved(alert.subject or "")
    if alert.kind == "single_threaded":
        return _multi_thread(state, now, policy)
    if alert.kind == "team_single_threaded":
        # A colleague's touchpoint changes who speaks to the account, not its health.
        return _team_action(state, now, policy), None
    if alert.kind == "order_gap":
        reason = alert.reason[:1].lower() + alert.reason[1:]
        return f"Ask for the next order ({reason})", order_like_the_last(state, now)
    if alert.kind == "health_drop":
        driver = health.top_drivers[0] if health.top_drivers else None
        if driver is None:
            return f"Review what changed: {alert.reason}", None
        who = state.stakeholders.get(driver.subject or "")
        if who is None:
            return f"Review what changed: {driver.text}", None
        text = f"Review what changed: {driver.text}; meet {who.display_name}"
        return text, meeting(who.stakeholder_id)
    return alert.reason, None


def _multi_thread(state: AccountState, now: datetime, policy: Policy) -> Action:
    """Build a second warm relationship: with whom, key roles and the warmest first."""
    threshold = policy.warmth.warm_threshold
    active = [p for p in state.stakeholders_by_id if present(p, now)]
    heat = {p.stakeholder_id: warmth(p, now, policy) for p in active}
    warm = [p for p in active if heat[p.stakeholder_id] >= threshold]
    cold = sorted(
        (p for p in active if heat[p.stakeholder_id] < threshold),
        key=lambda p: (p.current_role not in KEY_ROLES, -heat[p.stakeholder_id], p.stakeholder_id),
    )
    if not cold:
        return (
            "Multi-thread the account: find a second stakeholder to build a relationship with",
            None,
        )
    whom = f"{ROLE_LABEL[cold[0].current_role]} {cold[0].display_name}"
    if warm:
        text = f"Multi-thread the account: meet {whom} besides {warm[0].display_name}"
    else:
        text = f"Multi-thread the account: no contact is warm now, start with {whom}"
    return text, meeting(cold[0].stakeholder_id)
