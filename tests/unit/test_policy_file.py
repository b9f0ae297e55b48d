"""KEYPULSE_POLICY_FILE: the worker reads the TOML file, with clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from consumers.domain.errors import PolicyError
from consumers.domain.policy import DEFAULT_POLICY
from services.policy_file import load_policy, load_worker_policy
from tests.support.policies import TUNED

pytestmark = pytest.mark.unit


def test_toml_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(TUNED)
    policy = load_policy(path)
    assert policy.warmth.cadence_days["decision_maker"] == 42
    assert policy.warmth.cadence_days["champion"] == 21  # untouched default
    assert policy.alerts.health_drop_points == 20
    assert policy.alerts.single_threaded_tiers == ("strategic",)
    assert policy.weights == DEFAULT_POLICY.weights


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


def test_without_a_file_the_worker_uses_the_defaults() -> None:
    assert load_worker_policy(None) is DEFAULT_POLICY
