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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from consumers.domain.policy import Policy
from consumers.domain.state import Stakeholder, Touchpoint

DAY = timedelta(days=1)


def days_between(earlier: datetime, later: datetime) -> float:
    """Days (fractional) from ``earlier`` to ``later``."""
    return (later - earlier) / DAY


def touchpoint_strength(point: Touchpoint, role: str, now: datetime, policy: Policy) -> float:
    """The decayed worth of one touchpoint at ``now`` (0 if it lies in the future)."""
    if point.at > now:
        return 0.0
    w = policy.warmth
    return _strength(
        point, w.channel_weight, w.negative_sentiment_factor, w.half_life_days[role], now
    )


def _strength(
    point: Touchpoint,
    channel_weight: Mapping[str, float],
    negative_factor: float,
    half_life: float,
    now: datetime,
) -> float:
    # The policy lookups are hoisted out by the caller: warmth runs this for
    # every touchpoint of every stakeholder, several times per evaluation.
    weight = channel_weight.get(point.channel, 0.3)
    if point.negative:
        weight *= negative_factor
    decay: float = 0.5 ** (((now - point.at) / DAY) / half_life)
    return weight * decay


def warmth(person: Stakeholder, now: datetime, policy: Policy) -> float:
    """Warmth 0–1 of a stakeholder at ``now``, from touchpoints up to ``now``."""
    w = policy.warmth
    channel_weight, negative_factor = w.channel_weight, w.negative_sentiment_factor
    half_life = w.half_life_days[person.current_role]
    # Strengths are never negative (policy weights are not), so starting from
    # 0.0 and skipping future touchpoints (worth 0.0) gives exactly
    # max(strengths, default=0.0).
    best = 0.0
    for point in person.touchpoints:
        if point.at <= now:
            strength = _strength(point, channel_weight, negative_factor, half_life, now)
            if strength > best:
                best = strength
    return min(1.0, best)


def last_contact(person: Stakeholder, now: datetime) -> datetime | None:
    """The newest touchpoint at or before ``now``."""
    return next((p.at for p in person.touchpoints if p.at <= now), None)


def warm_until(person: Stakeholder, now: datetime, policy: Policy) -> datetime | None:
    """When the stakeholder's warmth (with no new contact) falls below the warm threshold.

    None when they are not warm at ``now``. Solved exactly: a touchpoint of
    weight w stays above threshold θ for half_life × log2(w / θ) days.
    """
    role = person.current_role
    w = policy.warmth
    best: datetime | None = None
    for point in person.touchpoints:
        if point.at > now:
            continue
        weight = w.channel_weight.get(point.channel, 0.3)
        if point.negative:
            weight *= w.negative_sentiment_factor
        if weight <= w.warm_threshold:
            continue
        end = point.at + w.half_life_days[role] * math.log2(weight / w.warm_threshold) * DAY
        if best is None or end > best:
            best = end
    return best if best is not None and best > now else None


def role_since(person: Stakeholder, now: datetime) -> datetime | None:
    """When the stakeholder took their current role through a reorganisation, if they did."""
    role = person.current_role
    for step in person.reorg:  # newest first
        if step.at <= now and step.kind in ("joined", "role_changed") and step.role == role:
            return step.at
    return None


def silent_since(person: Stakeholder, now: datetime) -> datetime:
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
    people: list[Stakeholder] | tuple[Stakeholder, ...], now: datetime, policy: Policy
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
