"""The scoring policy: defaults, overrides, and refusals with a reason."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from consumers.domain.apply import fold_events
from consumers.domain.errors import PolicyError
from consumers.domain.evaluate import evaluate
from consumers.domain.policy import DEFAULT_POLICY, policy_from_mapping
from tests.support.policies import TUNED

pytestmark = pytest.mark.unit


def test_defaults_add_up_to_one_hundred_points() -> None:
    w = DEFAULT_POLICY.weights
    assert (w.relationship, w.commercial, w.support, w.stability) == (40, 25, 20, 15)
    assert DEFAULT_POLICY.band(75) == "healthy"
    assert DEFAULT_POLICY.band(74.9) == "watch"
    assert DEFAULT_POLICY.band(30) == "at_risk"
    assert DEFAULT_POLICY.band(29.9) == "critical"


def test_a_longer_cadence_delays_the_cooling_alert(ev: Any) -> None:
    state = fold_events(
        "acme",
        [ev.account(0), ev.person(0, "anna", "Anna Berg", "decision_maker"), ev.contact(0, "anna")],
    )
    tuned = policy_from_mapping(tomllib.loads(TUNED))

    def cooling(policy: Any) -> bool:
        kinds = {c.kind for c in evaluate(state, ev.at(50), policy).conditions}
        return "stakeholder_cooling" in kinds

    assert cooling(DEFAULT_POLICY)
    assert not cooling(tuned)  # 50 days < 1.5 × 42


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"warmth": {"cadence_days": {"ceo": 10}}}, "unknown key 'ceo'"),
        ({"alerts": {"health_drop_point": 10}}, "unknown policy key 'alerts.health_drop_point'"),
        ({"weights": {"support": 30}}, "must add up to 100"),
        ({"warmth": {"warm_threshold": 1.5}}, "strictly between 0 and 1"),
        ({"commercial": {"window_days": 400}}, "order retention"),
        ({"alerts": {"health_drop_points": "lots"}}, "must be a number"),
        ({"band_watch": 80}, "band_healthy > band_watch"),
        ({"nonsense": 1}, "unknown policy key 'nonsense'"),
        ({"stability": {"key_left": -1}}, "stability.key_left must not be negative"),
        (
            {"relationship": {"warm_stakeholders_target": 2.5}},
            "warm_stakeholders_target must be an integer",
        ),
        ({"weights": 5}, r"\[weights\] must be a table"),
        ({"warmth": {"half_life_days": 30}}, "warmth.half_life_days must be a table"),
        ({"warmth": {"half_life_days": {"champion": 0}}}, "must be positive"),
        ({"alerts": {"single_threaded_tiers": "strategic"}}, "must be a list of strings"),
        # a typo would silently switch the single-threading alert off
        ({"alerts": {"single_threaded_tiers": ["stratgic"]}}, "unknown tier.*stratgic"),
        # one order has no gap: evaluation used to fail on the median of nothing
        ({"commercial": {"min_orders_for_cadence": 1}}, "min_orders_for_cadence must be at least"),
    ],
)
def test_invalid_policies_are_refused_with_a_reason(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy_from_mapping(doc)
