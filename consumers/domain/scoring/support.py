"""The support component: open tickets by severity and age, escalations, SLA breaches."""

from __future__ import annotations

from datetime import datetime

from consumers.domain.as_of import AsOf, TicketView
from consumers.domain.days import days_between
from consumers.domain.policy import Policy
from consumers.domain.scoring.drivers import ScoreDriver


def ticket_penalty(view: TicketView, now: datetime, policy: Policy) -> float:
    """Unscaled score points one open ticket costs."""
    s = policy.support
    points = s.severity_points.get(view.severity, 0.0)
    if view.escalated_at is not None:
        points *= s.escalated_factor
    if view.sla_due_at is not None and view.sla_due_at < now:
        points *= s.sla_breached_factor
    age = days_between(view.open_since, now)
    full = s.age_full_days if s.age_full_days > 0 else 1.0
    return points * (1 + s.age_max_extra * min(1.0, age / full))


def support_drivers(view: AsOf, policy: Policy, explain: bool) -> list[ScoreDriver]:
    """One driver per open ticket that costs points, in ticket_id order."""
    items, scale = _penalties(view, policy)
    return [
        ScoreDriver(
            f"open_ticket:{v.ticket_id}",
            -p * scale,
            view.ticket_sentence(v) if explain else "",
            "support",
        )
        for v, p in items
        if p > 0
    ]


def support_losses(view: AsOf, policy: Policy) -> list[float]:
    """The points each of :func:`support_drivers` costs (``-impact``), without building them.

    An account with a long history can have dozens of open tickets, and the
    numbers-only evaluations (next_due's probes, the health-drop baseline)
    only sum these: the same floats in the same order, so the same score.
    """
    items, scale = _penalties(view, policy)
    # -(-p * scale) is p * scale exactly: negation commutes with rounding.
    return [p * scale for _, p in items if p > 0]


def _penalties(view: AsOf, policy: Policy) -> tuple[list[tuple[TicketView, float]], float]:
    """Each open ticket with its unscaled penalty, and the scale that keeps them within budget."""
    budget = policy.weights.support
    now = view.now
    items = [(v, ticket_penalty(v, now, policy)) for v in view.tickets]
    total = sum(p for _, p in items)
    # Many open tickets cannot cost more than the whole component: scale them
    # together so that each one's share of the blame is kept.
    return items, budget / total if total > budget else 1.0
