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
from consumers.domain.sentences import n_days
from consumers.domain.state import AccountState
from consumers.domain.team import colleague_who_knows, knows_best, recent_voices
from consumers.domain.vocabulary import ROLE_LABEL, SEVERITY_RANK
from consumers.domain.warmth import silent_since, warmth
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
    """One concrete thing the KAM should do next on this account."""
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
        return _action_for(state, health, top, policy)
    passed = handover(state)
    if passed is not None and now - passed[1] < HANDOVER_WINDOW:
        previous, _ = passed
        dms = [
            p.display_name
            for p in state.stakeholders_by_id
            if p.current_role == "decision_maker" and present(p, now)
        ]
        whom = f"decision maker {dms[0]}" if dms else "the key stakeholders"
        action = f"Handover from {previous}: introduce yourself to {whom}"
        window = timedelta(days=policy.alerts.team_window_days)
        best = knows_best(state, now, window, besides=state.kam_id or "")
        if best is not None:
            action += f"; on our side {best} knows the account best"
        return action
    if health.top_drivers:
        return f"Look into: {health.top_drivers[0].text}"
    return "Nothing urgent: keep the regular contact cadence"


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


def _action_for(state: AccountState, health: Evaluation, alert: AlertState, policy: Policy) -> str:
    now = health.as_of
    person = state.stakeholders.get(alert.subject or "")
    name = person.display_name if person is not None else (alert.subject or "")
    if alert.kind == "stakeholder_cooling" and person is not None:
        days = whole_days(silent_since(person, now), now)
        return f"Call {name} ({ROLE_LABEL[person.current_role]}, silent {n_days(days)})"
    if alert.kind == "champion_left":
        return f"Find and win a new champion to replace {name}"
    if alert.kind == "decision_maker_changed":
        if person is not None and person.current_role == "decision_maker" and present(person, now):
            return f"Meet the new decision maker {name}"
        others = [
            p.display_name
            for p in state.stakeholders_by_id
            if p.current_role == "decision_maker" and present(p, now)
        ]
        if others:
            return f"Meet the new decision maker {others[0]} after the reorganisation"
        return f"Find out who replaces decision maker {name} after the reorganisation"
    if alert.kind == "critical_ticket":
        severity = "P1" if alert.severity == "critical" else "escalated"
        return f"Get {severity} ticket {alert.subject} resolved"
    if alert.kind == "single_threaded":
        warm = [
            p.display_name
            for p in state.stakeholders_by_id
            if present(p, now) and warmth(p, now, policy) >= policy.warmth.warm_threshold
        ]
        if warm:
            return f"Multi-thread the account: build a second warm relationship beyond {warm[0]}"
        return "Multi-thread the account: no contact is warm now, start with the decision maker"
    if alert.kind == "team_single_threaded":
        return _team_action(state, now, policy)
    if alert.kind == "order_gap":
        return f"Ask about the next order: {alert.reason}"
    if alert.kind == "health_drop":
        driver = health.top_drivers[0].text if health.top_drivers else alert.reason
        return f"Review what changed: {driver}"
    return alert.reason
