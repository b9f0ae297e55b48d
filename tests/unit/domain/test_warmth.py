"""Warmth walks touchpoints by rank and stops early: it must equal the plain maximum."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consumers.domain.days import DAY
from consumers.domain.policy import DEFAULT_POLICY, Policy, policy_from_mapping
from consumers.domain.state import Reg, StakeholderState, Touchpoint
from consumers.domain.warmth import touchpoint_strength, warm_until, warmth
from schemas.vocabulary import CHANNELS, STAKEHOLDER_ROLES

pytestmark = pytest.mark.unit

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Close touchpoints of nearly equal rank are where an early stop could go wrong.
offsets = st.one_of(
    st.floats(min_value=-400, max_value=400),
    st.sampled_from([0.0, 1e-6, 30.0, 30.000001, 60.0]),
)
touchpoints = st.lists(
    st.builds(
        lambda d, ch, neg: Touchpoint(T0 + timedelta(days=d), ch, neg),
        offsets,
        st.sampled_from(CHANNELS),
        st.booleans(),
    ),
    max_size=30,
)
POLICIES = [
    DEFAULT_POLICY,
    # Equal channel weights and a long half-life make many touchpoints tie.
    policy_from_mapping(
        {
            "warmth": {
                "channel_weight": dict.fromkeys(CHANNELS, 0.5),
                "half_life_days": {"user": 200},
            }
        }
    ),
]


def person(points: list[Touchpoint], role: str) -> StakeholderState:
    newest_first = tuple(sorted(set(points), key=lambda p: p.stamp, reverse=True))
    return StakeholderState(
        stakeholder_id="s1",
        known_since=T0 - timedelta(days=500),
        role=Reg(role, T0, "e1"),
        touchpoints=newest_first,
    )


def plain_warmth(p: StakeholderState, now: datetime, policy: Policy) -> float:
    strengths = (touchpoint_strength(t, p.current_role, now, policy) for t in p.touchpoints)
    return min(1.0, max(strengths, default=0.0))


def plain_warm_until(p: StakeholderState, now: datetime, policy: Policy) -> datetime | None:
    w = policy.warmth
    ends = []
    for t in p.touchpoints:
        weight = w.channel_weight.get(t.channel, 0.3) * (
            w.negative_sentiment_factor if t.negative else 1.0
        )
        if t.at <= now and weight > w.warm_threshold:
            days = w.half_life_days[p.current_role] * math.log2(weight / w.warm_threshold)
            ends.append(t.at + days * DAY)
    best = max(ends, default=None)
    return best if best is not None and best > now else None


@settings(max_examples=300, deadline=None)
@given(
    points=touchpoints,
    role=st.sampled_from(STAKEHOLDER_ROLES),
    at=offsets,
    policy=st.sampled_from(POLICIES),
)
def test_ranked_warmth_equals_the_plain_maximum(
    points: list[Touchpoint], role: str, at: float, policy: Policy
) -> None:
    p = person(points, role)
    now = T0 + timedelta(days=at)
    assert warmth(p, now, policy) == plain_warmth(p, now, policy)
    assert warm_until(p, now, policy) == plain_warm_until(p, now, policy)


@pytest.mark.parametrize(
    ("role", "channel", "negative", "days", "expected"),
    [
        ("decision_maker", "meeting", False, 30, 0.5),  # one half-life of a decision maker
        ("decision_maker", "meeting", False, 60, 0.25),  # two: exactly at the warm threshold
        ("champion", "meeting", False, 21, 0.5),  # champions have a shorter half-life
        ("blocker", "meeting", False, 90, 0.5),
        ("decision_maker", "call", False, 0, 0.6),
        ("decision_maker", "email", False, 0, 0.3),
        ("decision_maker", "meeting", True, 0, 0.5),  # negative sentiment counts half
        ("decision_maker", "meeting", False, -1, 0.0),  # a contact in the future does not count
    ],
)
def test_warmth_follows_the_documented_defaults(
    role: str, channel: str, negative: bool, days: float, expected: float
) -> None:
    p = person([Touchpoint(T0, channel, negative)], role)
    assert warmth(p, T0 + timedelta(days=days), DEFAULT_POLICY) == pytest.approx(expected)


def test_a_meeting_keeps_a_decision_maker_warm_for_sixty_days_an_email_for_eight() -> None:
    threshold = DEFAULT_POLICY.warmth.warm_threshold
    meeting = person([Touchpoint(T0, "meeting", False)], "decision_maker")
    assert warm_until(meeting, T0, DEFAULT_POLICY) == T0 + timedelta(days=60)
    email = person([Touchpoint(T0, "email", False)], "decision_maker")
    until = warm_until(email, T0, DEFAULT_POLICY)
    assert until is not None
    assert timedelta(days=7.8) < until - T0 < timedelta(days=8)
    assert warmth(email, until - timedelta(hours=1), DEFAULT_POLICY) > threshold
    assert warmth(email, until + timedelta(hours=1), DEFAULT_POLICY) < threshold
