"""The reference replay: fold a list of events and evaluate every account at one time.

This is the oracle the pipeline tests compare the stream worker against: the
worker, whatever the order and duplication of delivery, must end with the
same state, health and open alerts as ``replay`` of the same events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from consumers.domain.alerts import AlertState, open_alerts_for, to_record
from consumers.domain.apply import apply, apply_all
from consumers.domain.evaluate import Evaluation, evaluate, to_snapshot
from consumers.domain.groups import Forest, Group, Member, build_forest, groups
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.portfolio import PortfolioReview, figures_of, review_portfolio
from consumers.domain.purchases import Purchases, account_share_of_wallet, purchases
from consumers.domain.state import AccountState, empty_state
from consumers.domain.whitespace import Gap, gaps
from schemas.events import BaseEvent
from schemas.outputs import AlertRecord, HealthSnapshot


@dataclass(frozen=True)
class ReplayedAccount:
    """One account after a replay: its state, its health and its open alerts."""

    state: AccountState
    health: Evaluation
    open_alerts: tuple[AlertState, ...]

    def snapshot(self) -> HealthSnapshot:
        """The ``account-health`` record."""
        return to_snapshot(self.health)

    def alert_records(self) -> list[AlertRecord]:
        """The open alerts as ``alerts`` topic records."""
        return [to_record(a) for a in self.open_alerts]

    def purchases(self) -> Purchases:
        """What the account bought in the 12 months up to the replay's time."""
        return purchases(self.state, self.health.as_of)

    def share_of_wallet(self) -> float | None:
        """revenue_12m / annual_potential at the replay's time (None without a potential)."""
        return account_share_of_wallet(self.state, self.health.as_of)

    def member(self) -> Member:
        """The account as the group roll-up and the whitespace see it."""
        info = self.state.info.value if self.state.info is not None else None
        bought = self.purchases()
        return Member(
            account_id=self.state.account_id,
            name=self.state.name,
            kam_id=self.state.kam_id,
            parent_account_id=info.parent_account_id if info else None,
            score=self.health.score,
            band=self.health.band,
            revenue_12m=bought.revenue_12m,
            open_alerts=len(self.open_alerts),
            currency=info.currency if info else None,
            product_lines=bought.by_product_line(),
        )


def fold_accounts(events: Iterable[BaseEvent]) -> dict[str, AccountState]:
    """Group events by account and fold each account's events into its state."""
    states: dict[str, AccountState] = {}
    for event in events:
        current = states.get(event.account_id) or empty_state(event.account_id)
        states[event.account_id] = apply(current, event)
    return states


def replay(
    events: Iterable[BaseEvent], now: datetime, policy: Policy = DEFAULT_POLICY
) -> dict[str, ReplayedAccount]:
    """Every account's state, health and open alerts at ``now``, from scratch.

    Open alerts are those whose condition holds at ``now``; their ids and
    raised_at come from the condition's onset, as in the live stream.
    """
    result: dict[str, ReplayedAccount] = {}
    for account_id, state in sorted(fold_accounts(events).items()):
        health = evaluate(state, now, policy)
        result[account_id] = ReplayedAccount(state, health, open_alerts_for(health))
    return result


def event_clock(events: Iterable[BaseEvent]) -> datetime | None:
    """The ``event`` clock mode's now: the newest occurred_at among ``events``."""
    return max((e.occurred_at for e in events), default=None)


def replay_history(
    events: Iterable[BaseEvent],
    instants: Mapping[str, Iterable[datetime]],
    policy: Policy = DEFAULT_POLICY,
) -> dict[str, dict[datetime, Evaluation]]:
    """Each account's health history point at each of its ``instants``, from scratch.

    A point at ``T`` is the evaluation at ``T`` of the state of the account's
    events that occurred by ``T`` (consumers/domain/history.py); an instant
    before the account's first event has no point. One pass per account
    over its events in ``occurred_at`` order.
    """
    by_account: dict[str, list[BaseEvent]] = {}
    for event in events:
        by_account.setdefault(event.account_id, []).append(event)
    result: dict[str, dict[datetime, Evaluation]] = {}
    for account_id, wanted in instants.items():
        ordered = sorted(by_account.get(account_id, ()), key=lambda e: e.occurred_at)
        state, i, points = empty_state(account_id), 0, {}
        for at in sorted(t.astimezone(UTC) for t in wanted):
            j = i
            while j < len(ordered) and ordered[j].occurred_at <= at:
                j += 1
            state, i = apply_all(state, ordered[i:j]), j
            if state.latest_at is not None:
                points[at] = evaluate(state, at, policy)
        result[account_id] = points
    return result


@dataclass(frozen=True)
class ReplayedGroups:
    """The groups of a replay and every grouped account's gaps."""

    forest: Forest
    groups: dict[str, Group]  # by top-level account_id
    gaps: dict[str, tuple[Gap, ...]]  # by account_id, every member of a group


def replay_groups(
    accounts: dict[str, ReplayedAccount], policy: Policy = DEFAULT_POLICY
) -> ReplayedGroups:
    """Groups, roll-ups and gaps over replayed accounts, as the API computes them.

    Every account takes part, with master data or not, as every evaluated
    account has a row in the read side's accounts table: a subsidiary whose
    parent has orders but no master data yet has a known parent (named by its id).
    """
    forest = build_forest(a.member() for a in accounts.values())
    found = groups(forest, policy)
    return ReplayedGroups(
        forest=forest,
        groups=found,
        gaps={
            placed.member.account_id: gaps(group, placed.member.account_id)
            for group in found.values()
            for placed in group.members
        },
    )


def replay_portfolio(
    events: Iterable[BaseEvent], now: datetime, policy: Policy = DEFAULT_POLICY
) -> list[PortfolioReview]:
    """The portfolio review of every account with master data at ``now``, best score first:
    what ``GET /v1/portfolio`` answers once the worker has evaluated every account at ``now``."""
    replayed = replay(events, now, policy)
    figures = [
        figures_of(view.state, view.health)
        for view in replayed.values()
        if view.state.info is not None
    ]
    return review_portfolio(figures, policy)
