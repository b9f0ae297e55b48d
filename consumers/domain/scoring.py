"""Health score 0–100 from an account state at a clock time, with its drivers.

The score is 100 minus penalties. Each factor can cost at most its weight in
points (policy ``[weights]``); a component's value is the share of its points
still standing. Every penalty is a driver with a sentence a KAM understands,
so the drivers always add up to the distance from 100.

Everything is read *as of* ``now``: facts stamped after ``now`` are ignored,
which is what lets the engine compute last fortnight's score from today's
state (for ``health_drop``) and treat slightly-future events correctly.
Collections are always walked in sorted order so that float sums, and so the
rounded score, do not depend on the order events arrived in.
"""

from __future__ import annotations

import itertools
import statistics
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from consumers.domain.policy import Policy
from consumers.domain.state import (
    ORDER_HORIZON,
    TICKET_HORIZON,
    AccountState,
    Reg,
    ReorgStep,
    Stakeholder,
    Ticket,
)
from consumers.domain.warmth import (
    DAY,
    days_between,
    last_contact,
    silent_since,
    warmth,
)

V = TypeVar("V")

KEY_ROLES = ("decision_maker", "champion")
ROLE_LABEL = {
    "decision_maker": "decision maker",
    "champion": "champion",
    "influencer": "influencer",
    "user": "user",
    "blocker": "blocker",
}
SEVERITY_ORDER = {"P1": 0, "P2": 1, "P3": 2, "P4": 3}


@dataclass(frozen=True)
class Driver:
    """A factor that costs the score points: ``impact`` is negative score points."""

    factor: str
    impact: float
    text: str
    component: str


@dataclass(frozen=True)
class Components:
    """The four components, each 0–100."""

    relationship: float
    commercial: float
    support: float
    stability: float


@dataclass(frozen=True)
class Scored:
    """A score with everything that explains it."""

    score: float
    band: str
    components: Components
    drivers: tuple[Driver, ...]  # every penalty, most negative first


# --- as-of views of the state -------------------------------------------------------------


def present(person: Stakeholder, now: datetime) -> bool:
    """True when the stakeholder is at the customer at ``now`` (known, not left)."""
    if person.known_since > now:
        return False
    status = person.status
    if status is None:
        return True
    if status.at > now:
        # The newest status lies in the future: before a "left" they were
        # there; before a "joined" they were not.
        return status.value == "left"
    return status.value == "active"


def role_before(person: Stakeholder, step: ReorgStep) -> str:
    """The role a stakeholder had just before a reorganisation step."""
    candidates: list[tuple[datetime, str]] = [
        (s.at, s.role) for s in person.reorg if s.stamp < step.stamp and s.role
    ]
    for role, span in person.crm_roles.items():
        if span.first < step.at:
            # the newest CRM assertion of this role before the step
            candidates.append((span.last if span.last < step.at else span.first, role))
    if not candidates:
        return person.current_role
    return max(candidates)[1]


def live_orders(state: AccountState, now: datetime) -> list[tuple[datetime, str, float]]:
    """Orders placed by ``now`` and not cancelled by ``now``: (placed_at, order_id, amount).

    Orders older than the order horizon are forgotten here as retention
    forgets them, so that pruning never changes an evaluation.
    """
    floor = now - ORDER_HORIZON
    # The state keeps its placed orders sorted by (placed_at, order_id): the
    # ones placed within [floor, now] are one slice, already in result order.
    times = state.placed_order_times
    rows = state.placed_orders[bisect_left(times, floor) : bisect_right(times, now)]
    return [
        (r.at, r.order_id, r.amount)
        for r in rows
        if r.cancelled_at is None or not floor <= r.cancelled_at <= now
    ]


@dataclass(frozen=True)
class TicketView:
    """A ticket as it stood at a clock time."""

    ticket_id: str
    severity: str
    subject: str | None
    open_since: datetime
    escalated_at: datetime | None
    severity_changed_at: datetime | None
    sla_due_at: datetime | None


def _seen(reg: Reg[V] | None, floor: datetime, now: datetime) -> Reg[V] | None:
    """The fact if it is stamped within [floor, now], else None."""
    return reg if reg is not None and floor <= reg.at <= now else None


def open_ticket(ticket: Ticket, now: datetime) -> TicketView | None:
    """The ticket if it is open at ``now``, else None."""
    # Facts older than the ticket horizon are forgotten here exactly as
    # retention forgets them, so that pruning never changes an evaluation.
    floor = now - TICKET_HORIZON
    status, esc, opened = (
        _seen(ticket.status, floor, now),
        _seen(ticket.escalated, floor, now),
        _seen(ticket.opened, floor, now),
    )
    resolved_later = (
        ticket.status is not None and ticket.status.at > now and ticket.status.value == "resolved"
    )
    if status is None:
        if resolved_later and opened is not None:
            is_open, since = True, opened.at  # resolved only later than now
        elif esc is not None:
            is_open, since = True, esc.at
        else:
            return None
    elif status.value == "open":
        is_open, since = True, status.at
    elif esc is not None and esc.stamp > status.stamp:
        is_open, since = True, esc.at  # escalated after it was resolved: it is not done
    else:
        is_open, since = False, status.at
    if not is_open:
        return None
    severity = opened.value.severity if opened is not None else "P3"
    changed_at = None
    change = _seen(ticket.severity_change, floor, now)
    if change is not None and (opened is None or change.stamp > opened.stamp):
        severity, changed_at = change.value, change.at
    return TicketView(
        ticket_id=ticket.ticket_id,
        severity=severity,
        subject=opened.value.subject if opened is not None else None,
        open_since=since,
        escalated_at=esc.at if esc is not None else None,
        severity_changed_at=changed_at,
        sla_due_at=opened.value.sla_due_at if opened is not None else None,
    )


def open_tickets(state: AccountState, now: datetime) -> list[TicketView]:
    """Tickets open at ``now``, by ticket_id."""
    # A ticket whose every fact is older than the horizon is forgotten (see
    # open_ticket): skip it without building its view.
    floor = now - TICKET_HORIZON
    views = (open_ticket(t, now) for newest, t in state.tickets_by_id if newest >= floor)
    return [v for v in views if v is not None]


def usual_order_interval(orders: list[tuple[datetime, str, float]], policy: Policy) -> float | None:
    """Median days between orders over the lookback before the *last* order, or None.

    Anchored at the last order rather than at the clock, so the usual
    interval does not drift while an account stays silent: the order_gap
    alert keeps its onset (and so its id) for as long as the gap lasts.
    """
    if not orders:
        return None
    c = policy.commercial
    lookback = orders[-1][0] - timedelta(days=c.cadence_lookback_days)
    times = [at for at, _, _ in orders if at > lookback]
    if len(times) < c.min_orders_for_cadence:
        return None
    gaps = [days_between(a, b) for a, b in itertools.pairwise(times)]
    return max(1.0, statistics.median(gaps))


def money(amount: float, currency: str | None) -> str:
    """A short amount for sentences: 1.2M EUR, 350k EUR, 900 EUR."""
    unit = f" {currency}" if currency else ""
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:.1f}M{unit}"
    if amount >= 10_000:
        return f"{amount / 1000:.0f}k{unit}"
    return f"{amount:,.0f}{unit}"


def n_days(n: int) -> str:
    """'1 day', '52 days'."""
    return f"{n} day" if n == 1 else f"{n} days"


def whole_days(earlier: datetime, later: datetime) -> int:
    """Whole days elapsed, as a KAM would count them."""
    return max(0, int(days_between(earlier, later)))


# --- the score -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AsOf:
    """The state read as of one clock time: what the score and the alert rules both need.

    Built once per evaluation so that the rules do not walk the stakeholders,
    tickets and orders again after the score did.
    """

    state: AccountState
    now: datetime
    people: tuple[Stakeholder, ...]  # present at ``now``, by stakeholder_id
    heat: Mapping[str, float]  # warmth of each present stakeholder
    tickets: tuple[TicketView, ...]  # open at ``now``, by ticket_id
    orders: list[tuple[datetime, str, float]]  # live_orders at ``now``
    order_interval: float | None  # usual_order_interval of ``orders``
    # Sentences by ticket_id: the support drivers and the critical_ticket
    # conditions describe the same open tickets.
    _sentences: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def ticket_sentence(self, ticket: TicketView) -> str:
        """:func:`ticket_sentence` at ``now``, composed once per ticket."""
        text = self._sentences.get(ticket.ticket_id)
        if text is None:
            text = self._sentences[ticket.ticket_id] = ticket_sentence(ticket, self.now)
        return text


def as_of(state: AccountState, now: datetime, policy: Policy) -> AsOf:
    """Read ``state`` as of ``now``."""
    people = tuple(p for p in state.stakeholders_by_id if present(p, now))
    orders = live_orders(state, now)
    return AsOf(
        state=state,
        now=now,
        people=people,
        heat={p.stakeholder_id: warmth(p, now, policy) for p in people},
        tickets=tuple(open_tickets(state, now)),
        orders=orders,
        order_interval=usual_order_interval(orders, policy),
    )


def score(state: AccountState, now: datetime, policy: Policy) -> Scored:
    """Score ``state`` at clock time ``now``."""
    return score_as_of(as_of(state, now, policy), policy)


def score_as_of(view: AsOf, policy: Policy, *, explain: bool = True) -> Scored:
    """Score a state already read as of a clock time.

    With ``explain=False`` the result has the same score, band and components
    but no drivers: for callers that only compare numbers (the health-drop
    baseline, next_due's probes), which then skip composing every sentence.
    The penalties are computed by the very same code either way, so the
    numbers are identical.
    """
    w = policy.weights
    drivers: list[Driver] = []
    drivers += _relationship(view, policy, explain)
    drivers += _commercial(view, policy, explain)
    drivers += _support(view, policy, explain)
    drivers += _stability(view.state, view.now, policy)  # rare: always explained

    # Each component's penalties in driver order, gathered in one pass; summing
    # the same values in the same order gives the same floats as before.
    losses: dict[str, list[float]] = {
        "relationship": [],
        "commercial": [],
        "support": [],
        "stability": [],
    }
    for d in drivers:
        losses[d.component].append(-d.impact)

    def component(name: str, weight: float) -> float:
        lost = sum(losses[name])
        return 100.0 if weight <= 0 else round(max(0.0, 100.0 * (1 - lost / weight)), 1)

    total_lost = sum(-d.impact for d in drivers)
    value = round(min(100.0, max(0.0, 100.0 - total_lost)), 1)
    components = Components(
        relationship=component("relationship", w.relationship),
        commercial=component("commercial", w.commercial),
        support=component("support", w.support),
        stability=component("stability", w.stability),
    )
    if not explain:
        return Scored(value, policy.band(value), components, ())
    ordered = tuple(
        sorted(
            (
                Driver(d.factor, round(d.impact, 1), d.text, d.component)
                for d in drivers
                if d.impact < 0
            ),
            key=lambda d: (d.impact, d.factor),
        )
    )
    return Scored(value, policy.band(value), components, ordered)


def _person_line(person: Stakeholder, now: datetime, policy: Policy) -> tuple[str, float]:
    label = ROLE_LABEL[person.current_role]
    seen = last_contact(person, now)
    if seen is None:
        days = whole_days(silent_since(person, now), now)
        return f"{label.capitalize()} {person.display_name} not contacted yet ({n_days(days)})", 0.0
    days = whole_days(seen, now)
    cadence = policy.warmth.cadence_days[person.current_role]
    if days >= cadence:
        return f"No contact with {label} {person.display_name} for {n_days(days)}", float(days)
    return f"{label.capitalize()} {person.display_name}: last contact {n_days(days)} ago", float(
        days
    )


def _relationship(view: AsOf, policy: Policy, explain: bool) -> list[Driver]:
    w = policy.weights
    r = policy.relationship
    now, people, heat = view.now, view.people, view.heat
    drivers: list[Driver] = []
    for role, points in (("decision_maker", w.decision_maker), ("champion", w.champion)):
        holders = [p for p in people if p.current_role == role]
        label = ROLE_LABEL[role]
        if not holders:
            drivers.append(
                Driver(f"no_{role}", -points, f"No {label} known on this account", "relationship")
            )
            continue
        best = max(holders, key=lambda p: (heat[p.stakeholder_id], p.stakeholder_id))
        text = _person_line(best, now, policy)[0] if explain else ""
        drivers.append(
            Driver(
                f"{role}_warmth", -points * (1 - heat[best.stakeholder_id]), text, "relationship"
            )
        )
    warm = [p for p in people if heat[p.stakeholder_id] >= policy.warmth.warm_threshold]
    target = max(1, r.warm_stakeholders_target)
    short = max(0.0, 1 - len(warm) / target)
    if short > 0:
        text = (
            "No warm stakeholder on this account"
            if not warm
            else f"Only {len(warm)} warm stakeholder{'s' if len(warm) != 1 else ''} "
            f"(aim for {target} or more)"
        )
        drivers.append(Driver("multi_threading", -w.breadth * short, text, "relationship"))
    departments = {p.department.value if p.department is not None else None for p in warm}
    dtarget = max(1, r.warm_departments_target)
    dshort = max(0.0, 1 - len(departments) / dtarget)
    if dshort > 0 and warm:
        text = f"Warm contacts in only {len(departments)} department (aim for {dtarget})"
        drivers.append(Driver("departments", -w.departments * dshort, text, "relationship"))
    elif dshort > 0:
        drivers.append(
            Driver(
                "departments", -w.departments, "No warm contact in any department", "relationship"
            )
        )
    return drivers


def _commercial(view: AsOf, policy: Policy, explain: bool) -> list[Driver]:
    w = policy.weights
    c = policy.commercial
    state, now, orders = view.state, view.now, view.orders
    if not orders:
        return []  # no order data yet: unknown is neutral, not bad
    currency = state.info.value.currency if state.info is not None else None
    window = timedelta(days=c.window_days)
    recent = sum(a for at, _, a in orders if at > now - window)
    before = sum(a for at, _, a in orders if now - 2 * window < at <= now - window)
    drivers: list[Driver] = []
    if before > 0 and recent < before:
        drop = (before - recent) / before
        text = (
            (
                f"Revenue in the last {c.window_days} days {money(recent, currency)} is "
                f"{drop:.0%} below the {c.window_days} days before ({money(before, currency)})"
            )
            if explain
            else ""
        )
        share = min(1.0, drop / c.full_penalty_drop) if c.full_penalty_drop > 0 else 1.0
        drivers.append(Driver("revenue_trend", -w.revenue_trend * share, text, "commercial"))
    target = state.info.value.annual_revenue_target if state.info is not None else None
    history_long_enough = state.first_seen is not None and state.first_seen <= now - window
    if target and history_long_enough:
        annual = recent * 365.0 / c.window_days
        short = max(0.0, 1 - annual / target)
        if short > 0:
            text = (
                (
                    f"Annualised revenue {money(annual, currency)} is {short:.0%} below "
                    f"the target of {money(target, currency)}"
                )
                if explain
                else ""
            )
            drivers.append(Driver("target_pace", -w.target_pace * short, text, "commercial"))
    interval = view.order_interval
    if interval is not None:
        gap = days_between(orders[-1][0], now)
        ratio = gap / interval
        span = max(1e-9, c.cadence_full_penalty_ratio - 1)
        share = min(1.0, max(0.0, (ratio - 1) / span))
        if share > 0:
            text = (
                (
                    f"No order for {n_days(int(gap))}; this account usually orders "
                    f"every {n_days(round(interval))}"
                )
                if explain
                else ""
            )
            drivers.append(Driver("order_cadence", -w.order_cadence * share, text, "commercial"))
    return drivers


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


def ticket_sentence(view: TicketView, now: datetime) -> str:
    """'P1 ticket T-9 "Line down" open for 3 days, escalated, SLA breached'."""
    subject = f' "{view.subject}"' if view.subject else ""
    parts = [f"{view.severity} ticket {view.ticket_id}{subject} open for "]
    days = whole_days(view.open_since, now)
    parts.append(f"{days} day{'s' if days != 1 else ''}" if days else "less than a day")
    if view.escalated_at is not None:
        parts.append(", escalated")
    if view.sla_due_at is not None and view.sla_due_at < now:
        parts.append(", SLA breached")
    return "".join(parts)


def _support(view: AsOf, policy: Policy, explain: bool) -> list[Driver]:
    budget = policy.weights.support
    now = view.now
    items = [(v, ticket_penalty(v, now, policy)) for v in view.tickets]
    total = sum(p for _, p in items)
    # Many open tickets cannot cost more than the whole component: scale them
    # together so that each one's share of the blame is kept.
    scale = budget / total if total > budget else 1.0
    return [
        Driver(
            f"open_ticket:{v.ticket_id}",
            -p * scale,
            view.ticket_sentence(v) if explain else "",
            "support",
        )
        for v, p in items
        if p > 0
    ]


@dataclass(frozen=True)
class Shock:
    """One reorganisation shock: raw weight, when, and what to say."""

    factor: str
    at: datetime
    weight: float
    text: str


def shocks(state: AccountState, now: datetime, policy: Policy) -> list[Shock]:
    """Reorganisation shocks within the fade window at ``now``, unfaded."""
    s = policy.stability
    start = now - timedelta(days=s.fade_days)
    found: list[Shock] = []
    for person in state.stakeholders_by_id:
        sid = person.stakeholder_id
        for step in person.reorg:
            if not start < step.at <= now:
                continue
            days = whole_days(step.at, now)
            before = role_before(person, step)
            name = person.display_name
            if step.kind == "left":
                key = before in KEY_ROLES
                text = f"{ROLE_LABEL[before].capitalize()} {name} left {n_days(days)} ago"
                weight = s.key_left if key else s.other_left
            elif step.kind == "role_changed":
                new = step.role or "user"
                key = before in KEY_ROLES or new in KEY_ROLES
                text = (
                    f"{name} moved from {ROLE_LABEL[before]} to {ROLE_LABEL[new]} "
                    f"{n_days(days)} ago"
                )
                weight = s.key_role_change if key else s.other_role_change
            else:
                new = step.role or "user"
                if new not in KEY_ROLES:
                    continue
                text = f"{name} joined as {ROLE_LABEL[new]} {n_days(days)} ago"
                weight = s.key_joined
            found.append(Shock(f"reorg_{step.kind}:{sid}:{step.event_id}", step.at, weight, text))
    for r in state.restructures:
        if not start < r.at <= now:
            continue
        key_hit = sum(
            1
            for sid in r.affected
            if sid in state.stakeholders and state.stakeholders[sid].current_role in KEY_ROLES
        )
        days = whole_days(r.at, now)
        extra = (
            f" ({key_hit} key stakeholder{'s' if key_hit != 1 else ''} affected)" if key_hit else ""
        )
        found.append(
            Shock(
                f"restructure:{r.event_id}",
                r.at,
                min(1.0, s.unit_restructured + s.unit_key_affected * key_hit),
                f"Unit {r.unit} restructured {n_days(days)} ago{extra}",
            )
        )
    return found


def _stability(state: AccountState, now: datetime, policy: Policy) -> list[Driver]:
    s = policy.stability
    faded = []
    for shock in shocks(state, now, policy):
        remaining = max(0.0, 1 - days_between(shock.at, now) / s.fade_days)
        if remaining > 0 and shock.weight > 0:
            faded.append((shock, shock.weight * remaining))
    total = sum(v for _, v in faded)
    if total <= 0:
        return []
    scale = min(1.0, total) / total
    budget = policy.weights.stability
    return [Driver(sh.factor, -budget * v * scale, sh.text, "stability") for sh, v in faded]


__all__ = [
    "DAY",
    "KEY_ROLES",
    "ROLE_LABEL",
    "AsOf",
    "Components",
    "Driver",
    "Scored",
    "TicketView",
    "as_of",
    "live_orders",
    "n_days",
    "open_tickets",
    "present",
    "role_before",
    "score",
    "score_as_of",
    "shocks",
    "usual_order_interval",
]
