"""Account groups and whitespace: the tree, the roll-up and the gaps, from plain values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings

from consumers.domain.groups import Member, build_forest, group_of, groups
from consumers.domain.replay import replay, replay_groups
from consumers.domain.whitespace import gaps, growth_action
from schemas.events import BaseEvent
from tests.support.strategies import BASE, group_arrivals

pytestmark = pytest.mark.unit


def _m(
    account_id: str,
    parent: str | None,
    score: float | None = 80.0,
    revenue: float = 0.0,
    alerts: int = 0,
    **lines: float,
) -> Member:
    return Member(
        account_id=account_id,
        name=account_id.title(),
        kam_id=f"k-{account_id}",
        parent_account_id=parent,
        score=score,
        band=None,
        revenue_12m=revenue,
        open_alerts=alerts,
        currency="EUR",
        product_lines=lines,
    )


def _daimler() -> list[Member]:
    return [
        _m("daimler", None, 80.0, 600_000.0, 1, Sensors=400_000.0, Drives=200_000.0),
        _m("fuso", "daimler", 40.0, 300_000.0, 2, Sensors=300_000.0),
        _m("smart", "daimler", 90.0, 100_000.0, 0, Service=100_000.0),
        _m("amg", "fuso", 70.0, 0.0, 0),
    ]


def test_a_three_level_group_rolls_up_revenue_weighted() -> None:
    forest = build_forest(_daimler())
    group = group_of(forest, "daimler")
    assert group is not None
    assert [(p.member.account_id, p.depth) for p in group.members] == [
        ("daimler", 0),
        ("fuso", 1),
        ("amg", 2),
        ("smart", 1),
    ]
    # (80·600k + 40·300k + 90·100k + 70·0) / 1M
    assert group.score == 69.0
    assert group.band == "watch"
    assert (group.revenue_12m, group.open_alerts) == (1_000_000.0, 3)
    assert group.most_at_risk is not None
    assert group.most_at_risk.account_id == "fuso"
    assert group.error is None
    # A member's request answers with its top-level group.
    assert group_of(forest, "amg") == group


def test_equal_weights_when_nobody_has_revenue() -> None:
    group = group_of(build_forest([_m("a", None, 80.0), _m("b", "a", 40.0)]), "b")
    assert group is not None
    assert group.score == 60.0


def test_an_account_without_members_or_parent_is_no_group() -> None:
    forest = build_forest([_m("alone", None), *_daimler()])
    assert group_of(forest, "alone") is None
    assert group_of(forest, "nobody") is None
    assert set(groups(forest)) == {"daimler"}


def test_an_unknown_parent_is_reported_and_the_account_heads_its_group() -> None:
    forest = build_forest([_m("orphan", "gone"), _m("child", "orphan")])
    group = group_of(forest, "child")
    assert group is not None
    assert group.top.account_id == "orphan"
    assert group.error == "the parent account gone of orphan is unknown"
    # Alone with an unknown parent: still a group, so that the problem shows.
    lonely = group_of(build_forest([_m("x", "gone")]), "x")
    assert lonely is not None
    assert lonely.error == "the parent account gone of x is unknown"


def test_a_cycle_is_reported_and_broken_at_the_smallest_id_in_any_input_order() -> None:
    members = [_m("b", "c"), _m("c", "a"), _m("a", "b"), _m("d", "c")]
    for order in (members, list(reversed(members))):
        group = group_of(build_forest(order), "d")
        assert group is not None
        assert group.top.account_id == "a"
        assert group.error == "parent_account_id forms a cycle: a → b → c → a"
        assert [p.member.account_id for p in group.members] == ["a", "c", "b", "d"]
    itself = group_of(build_forest([_m("self", "self")]), "self")
    assert itself is not None
    assert itself.error == "parent_account_id forms a cycle: self → self"


def test_gaps_name_who_bought_how_much_and_never_unspecified() -> None:
    members = [*_daimler(), _m("vans", "daimler", 85.0, 50.0, 0, unspecified=50.0)]
    group = group_of(build_forest(members), "smart")
    assert group is not None
    (sensors, drives) = gaps(group, "smart")
    assert (sensors.product_line, sensors.bought_by, sensors.group_revenue_12m) == (
        "Sensors",
        ("daimler", "fuso"),
        700_000.0,
    )
    assert sensors.reason == (
        "2 companies of the Daimler group bought 700k EUR of Sensors in 12 months; Smart did not"
    )
    assert (drives.product_line, drives.bought_by) == ("Drives", ("daimler",))
    assert growth_action(group, group.member("smart"), sensors) == (  # type: ignore[arg-type]
        "Offer Sensors to Smart: 2 companies of the Daimler group bought 700k EUR of it "
        "in 12 months"
    )
    # The top-level account has gaps too; a line it buys is not one.
    assert [g.product_line for g in gaps(group, "daimler")] == ["Service"]
    assert [g.product_line for g in gaps(group, "amg")] == ["Sensors", "Drives", "Service"]


@settings(max_examples=200, deadline=None)
@given(group_arrivals())
def test_any_order_and_duplication_gives_the_same_roll_up_and_gaps(
    case: tuple[list[BaseEvent], list[BaseEvent]],
) -> None:
    events, arrival = case
    now = BASE + timedelta(days=500)
    expected = replay_groups(replay(events, now))
    got = replay_groups(replay(arrival, now))
    assert got.groups == expected.groups
    assert got.gaps == expected.gaps
