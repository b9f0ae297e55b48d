"""Stakeholder warmth: how alive a relationship is, 0 (cold) to 1 (just met).

Each touchpoint is worth its channel weight (a meeting 1.0, an email 0.3),
halved when its sentiment was negative, and halves again with every half-life
of the stakeholder's role. Warmth is the strongest such decayed touchpoint:
a KAM can read it as "the last meeting, 30 days ago, still counts half". Being
a maximum it never drops when a contact is added, and the newest touchpoint of
each kind is all it needs (see state.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter

from consumers.domain.days import DAY, days_between
from consumers.domain.policy import Policy, WarmthPolicy
from consumers.domain.state import StakeholderState, Touchpoint


def touchpoint_strength(point: Touchpoint, role: str, now: datetime, policy: Policy) -> float:
    """The decayed worth of one touchpoint at ``now`` (0 if it lies in the future)."""
    if point.at > now:
        return 0.0
    w = policy.warmth
    return _decayed(_weight(point, w), point.at, w.half_life_days[role], now)


def _weight(point: Touchpoint, w: WarmthPolicy) -> float:
    """A touchpoint's undecayed worth: its channel weight, halved if negative."""
    weight = w.channel_weight.get(point.channel, 0.3)
    if point.negative:
        weight *= w.negative_sentiment_factor
    return weight


def _decayed(weight: float, at: datetime, half_life: float, now: datetime) -> float:
    decay: float = 0.5 ** (days_between(at, now) / half_life)
    return weight * decay


# --- touchpoints ranked by strength -------------------------------------------------------
# A touchpoint's strength at any ``now`` after it is w · 2^(−(now − at)/h), so
# log2 of it is  rank − now/h  with  rank = log2(w) + at/h : the order of two
# past touchpoints never changes with the clock, and a rank lower by d means a
# strength (and a warm-until time) lower by the factor 2^d. Walking the
# touchpoints by rank, only those within RANK_MARGIN of the strongest past one
# can hold the maximum: the float error of a strength, a rank or an end time
# is below 1e-11 in these log2 units, far inside the margin. So warmth and
# warm_until compute one or two exact strengths instead of all of them, and
# the maximum they return is the same float as the maximum over all.

RANK_MARGIN = 1e-6
_SECONDS_PER_DAY = 86400.0

Ranked = tuple[float, datetime, float]  # (rank, at, weight), strongest first


def ranked_touchpoints(person: StakeholderState, w: WarmthPolicy) -> tuple[Ranked, ...]:
    """The person's touchpoints by rank under their current role, strongest first.

    Memoised on the (immutable) stakeholder for the last warmth policy used.
    The rank only orders and prunes, so it may be computed loosely (POSIX
    seconds as a float are good to a microsecond, 1e-11 days): the strengths
    that count are always computed by the exact formula.
    """
    role = person.current_role
    memo = person.derived.get("ranked")
    if memo is not None and memo[0] is w and memo[1] == role:
        cached: tuple[Ranked, ...] = memo[2]
        return cached
    per_second = 1.0 / (_SECONDS_PER_DAY * w.half_life_days[role])
    rows = []
    for point in person.touchpoints:
        weight = _weight(point, w)
        log_w = math.log2(weight) if weight > 0 else -math.inf
        rows.append((log_w + point.at.timestamp() * per_second, point.at, weight))
    rows.sort(key=itemgetter(0), reverse=True)
    ranked = tuple(rows)
    person.derived["ranked"] = (w, role, ranked)
    return ranked


def warmth(person: StakeholderState, now: datetime, policy: Policy) -> float:
    """Warmth 0–1 of a stakeholder at ``now``, from touchpoints up to ``now``."""
    w = policy.warmth
    half_life = w.half_life_days[person.current_role]
    # Strengths are never negative (policy weights are not), so starting from
    # 0.0 and skipping future touchpoints (worth 0.0) gives exactly
    # max(strengths, default=0.0).
    best = 0.0
    top: float | None = None
    for rank, at, weight in ranked_touchpoints(person, w):
        if at > now:
            continue
        if top is None:
            top = rank
        elif rank < top - RANK_MARGIN:
            break  # this one and all after it are weaker than the top one
        strength = _decayed(weight, at, half_life, now)
        if strength > best:
            best = strength
    return min(1.0, best)


def strongest_touchpoint(
    person: StakeholderState, now: datetime, policy: Policy
) -> Touchpoint | None:
    """The touchpoint that gives the stakeholder their warmth at ``now`` (None without one).

    The first past touchpoint by rank is the strongest (see ranked_touchpoints;
    two within RANK_MARGIN are equally strong, and either explains the warmth).
    """
    w = policy.warmth
    for _, at, weight in ranked_touchpoints(person, w):
        if at <= now:
            return next(p for p in person.touchpoints if p.at == at and _weight(p, w) == weight)
    return None


def last_contact(person: StakeholderState, now: datetime) -> datetime | None:
    """The newest touchpoint at or before ``now``."""
    return next((p.at for p in person.touchpoints if p.at <= now), None)


def warm_until(person: StakeholderState, now: datetime, policy: Policy) -> datetime | None:
    """When the stakeholder's warmth (with no new contact) falls below the warm threshold.

    None when they are not warm at ``now``. Solved exactly: a touchpoint of
    weight w stays above threshold θ for half_life × log2(w / θ) days.
    """
    w = policy.warmth
    half_life = w.half_life_days[person.current_role]
    best: datetime | None = None
    top: float | None = None
    for rank, at, weight in ranked_touchpoints(person, w):
        if at > now or weight <= w.warm_threshold:
            continue
        if top is None:
            top = rank
        elif rank < top - RANK_MARGIN:
            break  # ends earlier than the top one's (see RANK_MARGIN)
        end = at + half_life * math.log2(weight / w.warm_threshold) * DAY
        if best is None or end > best:
            best = end
    return best if best is not None and best > now else None


def role_since(person: StakeholderState, now: datetime) -> datetime | None:
    """When the stakeholder took their current role through a reorganisation, if they did."""
    role = person.current_role
    for step in person.reorg:  # newest first
        if step.at <= now and step.kind in ("joined", "role_changed") and step.role == role:
            return step.at
    return None


def silent_since(person: StakeholderState, now: datetime) -> datetime:
    """The moment from which a missing contact counts: last contact, or role start.

    A user promoted to decision maker yesterday is not "silent for 200 days"
    as decision maker: the clock starts when they took the role.
    """
    candidates = [t for t in (last_contact(person, now), role_since(person, now)) if t is not None]
    return max(candidates) if candidates else min(person.known_since, now)


@dataclass(frozen=True)
class StakeholderView:
    """What the API shows per stakeholder: role, status, last contact, warmth."""

    stakeholder_id: str
    name: str
    role: str
    title: str | None
    department: str | None
    status: str
    last_contact: datetime | None
    warmth: float


def stakeholder_views(
    people: list[StakeholderState] | tuple[StakeholderState, ...], now: datetime, policy: Policy
) -> list[StakeholderView]:
    """Stakeholders as the API's stakeholder list shows them, warmest first."""
    views = [
        StakeholderView(
            stakeholder_id=p.stakeholder_id,
            name=p.display_name,
            role=p.current_role,
            title=p.title.value if p.title is not None else None,
            department=p.department.value if p.department is not None else None,
            status="active" if p.active else "left",
            last_contact=last_contact(p, now),
            warmth=round(warmth(p, now, policy), 3),
        )
        for p in people
    ]
    return sorted(views, key=lambda v: (-v.warmth, v.stakeholder_id))
