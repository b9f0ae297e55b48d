"""A KAM's queue: each account's line, the book of lines, ranked queues, handovers, rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from consumers.domain.policy import DEFAULT_POLICY
from consumers.pipeline.kam_queue import KamQueueBook, kam_of_line, line_key, rank
from consumers.pipeline.projections import queue_line
from schemas.internal import QueueLine
from tests.support.accounts import people, view

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def line(kam: str, account: str, priority: float, minutes: int = 0, **kw: Any) -> QueueLine:
    return QueueLine(
        kam_id=kam,
        account_id=account,
        priority=priority,
        health=50.0,
        open_alerts=kw.pop("open_alerts", 0),
        next_action=kw.pop("next_action", "Call"),
        as_of=T0 + timedelta(minutes=minutes),
        **kw,
    )


def test_lines_are_ranked_by_priority_then_account() -> None:
    book = KamQueueBook({})
    book.apply([line("k1", "b", 10), line("k1", "a", 10), line("k1", "c", 99)])
    (queue,) = book.take_dirty()
    assert [(i.rank, i.account_id) for i in queue.items] == [(1, "c"), (2, "a"), (3, "b")]
    assert book.take_dirty() == []  # nothing changed since


def test_a_burst_of_lines_gives_one_queue_per_kam() -> None:
    book = KamQueueBook({})
    book.apply([line("k1", f"acct-{i}", i, minutes=i) for i in range(50)])
    book.apply([line("k2", "x", 1)])
    queues = book.take_dirty()
    assert [q.kam_id for q in queues] == ["k1", "k2"]
    assert len(queues[0].items) == 50
    assert queues[0].as_of == T0 + timedelta(minutes=49)


def test_an_older_line_does_not_undo_a_newer_one() -> None:
    book = KamQueueBook({})
    book.apply([line("k1", "a", 50, minutes=5), line("k1", "a", 1, minutes=1)])
    (queue,) = book.take_dirty()
    assert queue.items[0].priority == 50


def test_handover_removes_the_account_from_the_old_kam() -> None:
    store: dict[str, Any] = {}
    book = KamQueueBook(store)
    book.apply([line("k1", "a", 5), line("k1", "b", 4)])
    book.take_dirty()
    book.apply(
        [
            QueueLine(kam_id="k1", account_id="a", present=False, as_of=T0 + timedelta(hours=1)),
            line("k2", "a", 5, minutes=60),
        ]
    )
    queues = {q.kam_id: q for q in book.take_dirty()}
    assert [i.account_id for i in queues["k1"].items] == ["b"]
    assert [i.account_id for i in queues["k2"].items] == ["a"]
    assert line_key("k1", "a") not in store


def test_rebuild_restores_owned_kams_and_marks_them_changed() -> None:
    store: dict[str, Any] = {}
    KamQueueBook(store).apply([line("k1", "a", 5), line("k2", "b", 4), line("k3", "c", 3)])
    fresh = KamQueueBook(store)
    assert fresh.rebuild(lambda kam: kam != "k3") == 2
    assert sorted(q.kam_id for q in fresh.take_dirty()) == ["k1", "k2"]
    assert kam_of_line(line_key("k1", "a")) == "k1"


def test_queue_ranks_a_troubled_strategic_account_above_a_quiet_standard_one(
    ev: Any, events_for: Any
) -> None:
    trouble = [ev.account(0, tier="strategic"), *people(ev), ev.ticket(29, "T-1", "P1")]
    trouble += [ev.contact(0, "anna"), ev.left(20, "ben")]
    other = events_for("globex")
    calm = [other.account(0, tier="standard", target=200_000.0, name="Globex")]
    calm += [other.person(0, "gus", "Gus Hale", "decision_maker", "IT")]
    calm += [other.contact(d, "gus") for d in range(0, 31, 10)]
    lines = {}
    for state, health, alerts in (view(other, calm, 30), view(ev, trouble, 30)):
        line = queue_line(state, health, alerts, DEFAULT_POLICY)
        assert line is not None
        lines[state.account_id] = line
    queue = rank("kam-anna", lines, ev.at(30)).items
    assert [(q.rank, q.account_id) for q in queue] == [(1, "acme"), (2, "globex")]
    top = queue[0]
    assert top.open_alerts >= 3
    assert top.priority > queue[1].priority
    assert top.health < queue[1].health
    assert top.next_action == "Get P1 ticket T-1 resolved: +10 points"
