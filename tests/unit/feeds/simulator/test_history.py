"""The simulator's history, replayed through the reference engine, shows every alert kind."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consumers.domain.replay import event_clock, replay, replay_groups, replay_portfolio
from schemas.decode import validate_event
from schemas.events import EVENT_MODELS, BaseEvent
from schemas.vocabulary import ALERT_KINDS as ALERT_KINDS_IN_ORDER
from services.feeds.publisher import event_json
from services.feeds.simulator.history import Timeline, generate, simulate_history
from services.feeds.simulator.portfolio import SCENARIOS, build_portfolio
from services.feeds.simulator.run import LiveOptions, write_history

ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)
ALERT_KINDS = set(ALERT_KINDS_IN_ORDER)


@pytest.fixture(scope="module")
def history() -> list[BaseEvent]:
    return simulate_history(7, 180, ANCHOR)[1]


def _open_kinds(events: list[BaseEvent], at: datetime) -> dict[str, set[str]]:
    """Open alert kinds per account when the history is replayed up to ``at``."""
    seen = [e for e in events if e.occurred_at <= at]
    return {acct: {a.kind for a in view.open_alerts} for acct, view in replay(seen, at).items()}


def test_every_alert_kind_is_open_at_the_end_of_the_history(history: list[BaseEvent]) -> None:
    # Checked at one time only: the event clock (newest occurred_at), which is
    # what KEYPULSE_CLOCK=event would use after publishing the whole file.
    now = event_clock(history)
    assert now is not None
    assert ANCHOR - timedelta(days=1) < now <= ANCHOR
    open_kinds = set().union(*_open_kinds(history, now).values())
    assert open_kinds >= ALERT_KINDS, f"missing: {ALERT_KINDS - open_kinds}"


@pytest.mark.parametrize("seed", [1, 2, 3, 11, 42])
def test_every_alert_kind_shows_for_other_seeds_too(seed: int) -> None:
    _, events = simulate_history(seed, 180, ANCHOR)
    open_kinds = set().union(*_open_kinds(events, ANCHOR).values())
    assert open_kinds >= ALERT_KINDS, f"seed {seed} misses {ALERT_KINDS - open_kinds}"


def test_scenarios_raise_their_alerts_on_their_accounts(history: list[BaseEvent]) -> None:
    portfolio = build_portfolio(7)
    at_end = _open_kinds(history, ANCHOR)
    expected = {
        "champion_left": {"champion_left", "critical_ticket", "health_drop"},
        "dm_silent": {"stakeholder_cooling"},
        "dm_silent_long": {"stakeholder_cooling"},
        "new_dm": {"decision_maker_changed"},
        "p1_escalation": {"critical_ticket"},
        "order_gap": {"order_gap"},
        "single_threaded": {"single_threaded"},
        "kam_only": {"team_single_threaded"},
    }
    for scenario, kinds in expected.items():
        for plan in portfolio.by_scenario(scenario):
            assert at_end[plan.account_id] >= kinds, (scenario, plan.account_id)
    # Most routine accounts are quiet: the alerts come from the scenarios.
    routine = [a.account_id for a in portfolio.accounts if a.scenario is None]
    quiet = [acct for acct in routine if not at_end[acct]]
    assert len(quiet) >= 0.8 * len(routine)
    # Only the kam_only account has a one-person account team.
    team = [acct for acct, kinds in at_end.items() if "team_single_threaded" in kinds]
    assert team == [plan.account_id for plan in portfolio.by_scenario("kam_only")]


def test_a_promotion_raises_champion_left_along_the_way_and_resolves_it(
    history: list[BaseEvent],
) -> None:
    # Checked on a prefix of the history: 64 days before the end the champion
    # has moved to the decision maker's role and no new champion is engaged
    # yet; at the end the new champion is, so the alert has resolved.
    (plan,) = build_portfolio(7).by_scenario("promotion")
    midway = _open_kinds(history, ANCHOR - timedelta(days=64))[plan.account_id]
    assert "champion_left" in midway
    assert "champion_left" not in _open_kinds(history, ANCHOR)[plan.account_id]


def test_the_follow_days_resolve_the_crises() -> None:
    # Ten days after the anchor the P1s are resolved and the new decision maker met.
    portfolio = build_portfolio(7)
    later = generate(portfolio, Timeline.ending(ANCHOR, 180, follow_days=10))
    # (The follow days draw from the same generators, so the routine before the
    # anchor differs in detail from the history without them; the scenarios do not.)
    assert set().union(*_open_kinds(later, ANCHOR).values()) >= ALERT_KINDS
    after = _open_kinds(later, ANCHOR + timedelta(days=10))
    for plan in portfolio.by_scenario("p1_escalation") + portfolio.by_scenario("new_dm"):
        assert not after[plan.account_id] & {"critical_ticket", "decision_maker_changed"}


def test_portfolio_shape() -> None:
    portfolio = build_portfolio(7)
    assert len(portfolio.accounts) == 40
    assert 4 <= len(portfolio.kams) <= 6
    parents = {a.parent_account_id for a in portfolio.accounts if a.parent_account_id}
    assert len(parents) >= 3
    ids = {a.account_id for a in portfolio.accounts}
    assert parents <= ids
    for plan in portfolio.accounts:
        assert 3 <= len(plan.people) <= 8
        assert {p.role for p in plan.people} >= {"decision_maker", "champion"}
        assert all(p.department for p in plan.people)
    assert {a.scenario for a in portfolio.accounts} >= set(SCENARIOS)
    assert {a.kam_id for a in portfolio.accounts} == set(portfolio.kam_ids)


def test_every_event_is_valid_in_the_past_and_unique(history: list[BaseEvent]) -> None:
    for event in history:
        validate_event(event_json(event), now=ANCHOR)
        assert event.occurred_at <= ANCHOR
    assert len({e.event_id for e in history}) == len(history)
    assert history == sorted(history, key=lambda e: (e.occurred_at, e.event_id))
    assert {type(e).model_fields["type"].default for e in history} >= set(EVENT_MODELS)


def test_same_seed_same_file_other_seed_other_file(tmp_path: Path) -> None:
    quiet = io.StringIO()
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert write_history(a, 7, 180, ANCHOR, quiet) == write_history(b, 7, 180, ANCHOR, quiet)
    write_history(c, 8, 180, ANCHOR, quiet)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_live_options_are_checked() -> None:
    LiveOptions().check()
    assert LiveOptions(live_days=10, speed=0.5).catch_up_seconds == 20
    for bad in (
        LiveOptions(speed=0),
        LiveOptions(days=0),
        LiveOptions(days=5, live_days=6),
        LiveOptions(follow_days=-1),
    ):
        with pytest.raises(ValueError, match="--"):
            bad.check()


def test_the_handover_moves_the_account_to_another_kam(history: list[BaseEvent]) -> None:
    (plan,) = build_portfolio(7).by_scenario("handover")
    assert plan.handover_to is not None
    assert plan.handover_to != plan.kam_id
    owners = [
        (e.occurred_at, getattr(e, "kam_id", None))
        for e in history
        if e.account_id == plan.account_id
        and type(e).model_fields["type"].default == "account.upserted"
    ]
    assert [kam for _, kam in sorted(owners)] == [plan.kam_id, plan.handover_to]
    handed_over = max(at for at, _ in owners)
    assert ANCHOR - timedelta(days=31) <= handed_over <= ANCHOR - timedelta(days=29)


def test_the_demos_groups_show_gaps_potentials_and_growth_lines_after_the_backfill(
    history: list[BaseEvent],
) -> None:
    # keypulse up publishes all but the last 10 days at once: what the KAM sees in a minute.
    at = ANCHOR - timedelta(days=10)
    accounts = replay([e for e in history if e.occurred_at <= at], at)
    found = replay_groups(accounts)
    assert len(found.groups) >= 4
    with_gaps = [
        top
        for top, g in found.groups.items()
        if any(found.gaps[p.member.account_id] for p in g.members)
    ]
    assert len(with_gaps) == len(found.groups), "every demo group should have whitespace"
    grouped = [p.member.account_id for g in found.groups.values() for p in g.members]
    shares = [accounts[a].share_of_wallet() for a in grouped]
    assert all(s is not None and 0 < s < 1 for s in shares), shares
    growth = [a for a in grouped if accounts[a].health.band == "healthy" and found.gaps[a]]
    assert len(growth) >= 3, "healthy members with a gap get growth lines"
    standalone = [a for a in accounts if a not in grouped]
    assert all(accounts[a].share_of_wallet() is None for a in standalone)


def test_the_portfolio_suggests_exactly_the_two_scenario_accounts(
    history: list[BaseEvent],
) -> None:
    portfolio = build_portfolio(7)
    suggested = {
        r.figures.account_id: r.suggestion
        for r in replay_portfolio(history, ANCHOR)
        if r.suggestion != "keep"
    }
    (rising,) = portfolio.by_scenario("earns_promotion")
    (fading,) = portfolio.by_scenario("no_longer_key")
    assert suggested == {rising.account_id: "promote", fading.account_id: "demote"}
