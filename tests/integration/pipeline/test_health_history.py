"""A backfilled history through the real worker, sink and API: health over time in event time.

150 days of a portfolio's history, published at once as a CRM import would
be, with the wall clock (production's): the current health is as of now,
and ``/health/history`` spans the import's days, a point every Monday
00:00 UTC with the health the account had then. ``keypulse verify`` finds nothing different.
An account with events but no master data is listed for admin as
unassigned, and the worker's log says so once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from consumers.domain.evaluate import to_snapshot
from consumers.domain.history import history_instants_between
from consumers.domain.replay import replay_history
from schemas import validate_event
from services.api.app import create_api
from services.settings import Settings
from tests.support.histories import START, portfolio_history
from tests.support.processes import run_cli
from tests.support.stack import PipelineStack, running_stack
from tests.support.waiting import wait_for

ACCOUNT = "acct-03"
ORPHAN = "acct-orphan"
ADMIN = {"Authorization": "Bearer admin-token"}


def orphan_events() -> list[dict[str, Any]]:
    """Touchpoints of an account whose master data never arrives."""
    return [
        {
            "event_id": f"orphan-{day}",
            "type": "contact.logged",
            "account_id": ORPHAN,
            "occurred_at": (START + timedelta(days=day)).isoformat(),
            "stakeholder_id": "orphan-p0",
            "channel": "call",
            "direction": "outbound",
        }
        for day in range(0, 30, 3)
    ]


HISTORY = portfolio_history(seed=11, accounts=6)
EVENTS = [validate_event(e) for e in [*HISTORY, *orphan_events()]]
LAST_EVENT = max(e.occurred_at for e in EVENTS if e.account_id == ACCOUNT)


@pytest.fixture
def stack(
    broker_settings: Settings, isolated_database_url: str, tmp_path: Path
) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, isolated_database_url, tmp_path, clock="wall") as running:
        yield running


@pytest.fixture
def api(stack: PipelineStack) -> Iterator[TestClient]:
    settings = Settings.model_validate(
        stack.settings.model_dump()
        | {
            "database_url": stack.database_url,
            "api_keys": json.dumps({"admin-token": {"role": "admin"}}),
        }
    )
    with TestClient(create_api(settings)) as client:
        yield client


def history(api: TestClient, account_id: str) -> list[dict[str, Any]]:
    resp = api.get(f"/v1/accounts/{account_id}/health/history", headers=ADMIN)
    return list(resp.json()) if resp.status_code == 200 else []


def at(row: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(row["as_of"])


def test_a_backfilled_history_spans_its_days_and_the_current_health_is_now(
    stack: PipelineStack, api: TestClient
) -> None:
    stack.start("worker")
    stack.start("sink")
    started = datetime.now(UTC)
    stack.publish([*HISTORY, *orphan_events()])

    # The last point is the last Monday midnight before the account's last event;
    # the current health is the evaluation at now.
    last_point = history_instants_between(START, LAST_EVENT)[-1]

    def complete() -> list[dict[str, Any]] | None:
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                pytest.fail(f"{name} died:\n{stack.logs(name)[-3000:]}")
        rows = history(api, ACCOUNT)
        return rows if any(at(r) == last_point for r in rows) else None

    rows = wait_for(complete, timeout=120, what=f"{ACCOUNT}'s history to reach {last_point}")
    points = [r for r in rows if at(r) <= LAST_EVENT]
    current = api.get(f"/v1/accounts/{ACCOUNT}/health", headers=ADMIN).json()

    # The chart spans the backfill's 150 days, not the minute the worker took.
    assert at(points[-1]) - at(points[0]) > timedelta(days=100)
    assert at(points[0]) - START < timedelta(days=8)
    assert [at(r) for r in points] == history_instants_between(START, LAST_EVENT)  # every Monday
    assert at(current) >= started  # as of now, after every event
    assert at(rows[-1]) == at(current)

    # Each point is the health of the events up to its day end.
    want = replay_history(EVENTS, {ACCOUNT: [at(r) for r in points]})[ACCOUNT]
    for row in points:
        snap = to_snapshot(want[at(row)])
        assert (row["score"], row["band"]) == (snap.score, snap.band), row["as_of"]
    assert len({r["score"] for r in points}) > 3  # a history, not one value repeated

    # The account without master data: listed for admin as unassigned, warned once.
    listed = api.get(f"/v1/accounts?q={ORPHAN}", headers=ADMIN).json()["items"]
    assert [(i["account_id"], i["kam_id"]) for i in listed] == [(ORPHAN, None)]
    log = stack.logs("worker")
    assert log.count(f"account {ORPHAN} has events but no account.upserted has been seen") == 1
    assert "account acct-03 has events but" not in log

    # The other accounts may still be on their way to the read models.
    def verified() -> str | None:
        done = run_cli("verify", env=stack.env())
        return done.stdout if done.returncode == 0 else None

    summary = wait_for(
        verified, timeout=90, what="keypulse verify to find 0 differences", interval=1
    )
    assert "7 accounts checked, 0 differ" in summary
