"""The scoring policy: defaults, TOML overrides, and refusals with a reason."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from consumers.domain.apply import fold_events
from consumers.domain.errors import PolicyError
from consumers.domain.evaluate import evaluate
from consumers.domain.policy import DEFAULT_POLICY, load_policy, policy_from_mapping

pytestmark = pytest.mark.unit

TUNED = """
# our decision makers expect a call every six weeks
[warmth.cadence_days]
decision_maker = 42

[alerts]
health_drop_points = 20
single_threaded_tiers = ["strategic"]
"""


def test_defaults_add_up_to_one_hundred_points() -> None:
    w = DEFAULT_POLICY.weights
    assert (w.relationship, w.commercial, w.support, w.stability) == (40, 25, 20, 15)
    assert DEFAULT_POLICY.band(75) == "healthy"
    assert DEFAULT_POLICY.band(74.9) == "watch"
    assert DEFAULT_POLICY.band(30) == "at_risk"
    assert DEFAULT_POLICY.band(29.9) == "critical"


def test_toml_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(TUNED)
    policy = load_policy(path)
    assert policy.warmth.cadence_days["decision_maker"] == 42
    assert policy.warmth.cadence_days["champion"] == 21  # untouched default
    assert policy.alerts.health_drop_points == 20
    assert policy.alerts.single_threaded_tiers == ("strategic",)
    assert policy.weights == DEFAULT_POLICY.weights


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


def test_unreadable_policy_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[warmth\n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(bad)


def test_a_policy_file_with_a_bad_value_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[support.severity_points]\nP1 = "high"\n')
    with pytest.raises(PolicyError, match=r"support\.severity_points\.P1 must be a number"):
        load_policy(path)
