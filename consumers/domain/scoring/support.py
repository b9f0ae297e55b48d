"""The support component: open tickets by severity and age, escalations, SLA breaches."""

from __future__ import annotations

from datetime import datetime

from consumers.domain.as_of import AsOf, TicketView
from consumers.domain.days import days_between
from consumers.domain.policy import Policy
from consumers.domain.scoring.drivers import ScoreDriver


def ticket_penalty(view: TicketView, now: datetime, policy: Policy) -> float:
    """Unscaled score points one open ticket costs."""
    return _ticket_penalty(view, now, policy)[0]


def _ticket_penalty(view: TicketView, now: datetime, policy: Policy) -> tuple[float, bool]:
    """The penalty, and whether it is settled: the same at every later clock time.

    It is once the ticket's age counts in full and its SLA (if any) is breached.
    """
    s = policy.support
    points = s.severity_points.get(view.severity, 0.0)
    if view.escalated_at is not None:
        points *= s.escalated_factor
    breached = view.sla_breached(now)
    if breached:
        points *= s.sla_breached_factor
    age = days_between(view.open_since, now)
    full = s.age_full_days if s.age_full_days > 0 else 1.0
    aged = min(1.0, age / full)
    return points * (1 + s.age_max_extra * aged), aged >= 1.0 and (
        breached or view.sla_due_at is None
    )


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
    """Each open ticket with its unscaled penalty, and the scale that keeps them within budget.

    A long history keeps many tickets open, most of them long past their
    SLA and older than the age that counts in full: their penalties no longer
    change, and the evaluations of a step and of the steps after it (while
    the tickets stay the same) look them up on the state's ticket memo
    instead of working each out again.
    """
    budget = policy.weights.support
    now = view.now
    memo = view.state.ticket_memo
    settled = memo.get("settled")
    if settled is None or settled[0] is not policy:
        settled = memo["settled"] = (policy, {})
    known: dict[str, tuple[TicketView, datetime, float]] = settled[1]
    items = []
    for v in view.tickets:
        entry = known.get(v.ticket_id)
        if entry is not None and entry[0] is v and entry[1] <= now:
            items.append((v, entry[2]))
            continue
        p, final = _ticket_penalty(v, now, policy)
        if final:  # valid from now on, for this very view of the ticket
            known[v.ticket_id] = (v, now, p)
        items.append((v, p))
    total = sum(p for _, p in items)
    # Many open tickets cannot cost more than the whole component: scale them
    # together so that each one's share of the blame is kept.
    return items, budget / total if total > budget else 1.0
