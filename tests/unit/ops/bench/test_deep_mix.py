"""The bench's deep-history mix: its size, shape, order and determinism."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta
from itertools import pairwise

import pytest

from consumers.domain.apply import fold_events
from schemas.events import BaseEvent
from services.ops.bench.deep_mix import (
    MASTER_EVENTS,
    STAKEHOLDERS,
    DeepMix,
    activity_counts,
    deep_account_events,
    deep_account_id,
    deep_mix,
    deep_mix_events,
)

SMALL = DeepMix(accounts=6, events_per_account=50, days=30.0, seed=3)


def kind(event: BaseEvent) -> str:
    """The event's ``type`` tag (declared per model, not on BaseEvent)."""
    return str(type(event).model_fields["type"].default)


def by_account(events: list[BaseEvent]) -> dict[str, list[BaseEvent]]:
    grouped: dict[str, list[BaseEvent]] = defaultdict(list)
    for event in events:
        grouped[event.account_id].append(event)
    return grouped


def test_the_default_mix_is_500_accounts_of_at_least_100_events_over_150_days() -> None:
    mix = DeepMix()
    assert mix.accounts >= 500
    assert mix.events_per_account >= 100
    assert mix.days >= 150
    per_account = Counter(e.account_id for e in deep_mix_events(mix))
    assert len(per_account) == mix.accounts
    assert min(per_account.values()) >= 100


def test_every_account_has_its_events_in_the_mix_shares() -> None:
    events = list(deep_mix_events(SMALL))
    assert len(events) == SMALL.events == 6 * 50
    touchpoints, orders, tickets = activity_counts(50 - MASTER_EVENTS)
    for history in by_account(events).values():
        kinds = Counter(kind(e) for e in history)
        assert kinds == {
            "account.upserted": 1,
            "stakeholder.upserted": STAKEHOLDERS,
            "contact.logged": touchpoints,
            "order.placed": orders,
            "ticket.opened": tickets,
        }


def test_the_activity_shares_are_75_17_and_8_percent() -> None:
    touchpoints, orders, tickets = activity_counts(114)
    assert touchpoints + orders + tickets == 114
    assert touchpoints / 114 == pytest.approx(0.75, abs=0.01)
    assert orders / 114 == pytest.approx(0.17, abs=0.01)
    assert tickets / 114 == pytest.approx(0.08, abs=0.01)


def test_master_data_and_stakeholders_come_before_any_activity() -> None:
    for history in by_account(list(deep_mix_events(SMALL))).values():
        head, rest = history[:MASTER_EVENTS], history[MASTER_EVENTS:]
        assert [kind(e) for e in head] == ["account.upserted"] + ["stakeholder.upserted"] * 5
        assert max(e.occurred_at for e in head) < min(e.occurred_at for e in rest)


def test_every_account_spans_the_whole_period() -> None:
    for history in by_account(list(deep_mix_events(SMALL))).values():
        span = history[-1].occurred_at - history[0].occurred_at
        assert span == timedelta(days=SMALL.days)


def test_tickets_are_opened_once_and_never_resolved() -> None:
    events = list(deep_mix_events(SMALL))
    assert not {kind(e) for e in events} & {
        "ticket.resolved",
        "ticket.escalated",
        "ticket.reopened",
    }
    for account_id, history in by_account(events).items():
        opened = [e for e in history if kind(e) == "ticket.opened"]
        state = fold_events(account_id, history)
        assert len(state.tickets) == len(opened)
        assert {t.status.value for t in state.tickets.values() if t.status} == {"open"}


def test_accounts_are_interleaved_in_occurred_at_order() -> None:
    events = list(deep_mix_events(SMALL))
    times = [e.occurred_at for e in events]
    assert times == sorted(times)
    switches = sum(1 for a, b in pairwise(events) if a.account_id != b.account_id)
    assert switches > 10 * SMALL.accounts  # a replay of all accounts at once, not one after another


def test_the_mix_is_the_same_on_every_run_and_differs_with_the_seed() -> None:
    assert list(deep_mix(SMALL)) == list(deep_mix(SMALL))
    other = DeepMix(SMALL.accounts, SMALL.events_per_account, SMALL.days, seed=4)
    assert list(deep_mix(other)) != list(deep_mix(SMALL))


def test_one_account_alone_is_that_account_of_the_mix() -> None:
    account_id = deep_account_id(2)
    alone = list(deep_account_events(account_id, SMALL.events_per_account, SMALL.days, SMALL.seed))
    assert alone == by_account(list(deep_mix_events(SMALL)))[account_id]


def test_event_ids_are_unique_and_uuid_shaped() -> None:
    ids = [e.event_id for e in deep_mix_events(SMALL)]
    assert len(set(ids)) == len(ids)
    assert {len(i) for i in ids} == {36}


def test_a_history_shorter_than_its_master_data_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 6 events"):
        list(deep_account_events("tiny", events=5))
