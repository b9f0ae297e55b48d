"""evolve: dataclasses.replace for the state's records, faster, with the same result."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from consumers.domain.evolve import evolve
from consumers.domain.state import empty_state

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def test_evolve_builds_what_replace_builds() -> None:
    state = empty_state("acc-1")
    assert evolve(state, latest_at=T0) == replace(state, latest_at=T0)
    assert evolve(state) == state
    assert evolve(state) is not state


def test_evolve_leaves_the_original_alone() -> None:
    state = empty_state("acc-1")
    evolve(state, latest_at=T0)
    assert state.latest_at is None


def test_evolve_does_not_carry_an_index_built_on_the_old_record() -> None:
    # The state caches indexes beside its fields; a copy must not inherit them.
    state = empty_state("acc-1")
    state.__dict__["tickets_by_id"] = {"stale": None}
    assert "tickets_by_id" not in evolve(state, tickets={}).__dict__


def test_evolve_names_an_unknown_field() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        evolve(empty_state("acc-1"), colour="red")


@dataclass(frozen=True)
class _Derived:
    a: int
    b: int = field(init=False, default=0)


@dataclass(frozen=True)
class _Checked:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("a < 0")


def test_evolve_refuses_records_whose_init_does_more_than_assign() -> None:
    with pytest.raises(TypeError, match=r"use dataclasses\.replace"):
        evolve(_Derived(1), a=2)
    with pytest.raises(TypeError, match=r"use dataclasses\.replace"):
        evolve(_Checked(1), a=-1)
    with pytest.raises(TypeError, match="needs a dataclass"):
        evolve(object())
