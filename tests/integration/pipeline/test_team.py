"""The account team through the real worker, sink and API: team_single_threaded end to end."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.app import create_api
from services.feeds.publisher import event_json
from services.feeds.simulator.builder import AccountEvents
from services.settings import Settings
from tests.support.stack import PipelineStack, running_stack
from tests.support.waiting import wait_for

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
TOKENS = {
    "t-lena": {"role": "kam", "kam_id": "kam-lena"},
    "t-jonas": {"role": "kam", "kam_id": "kam-jonas"},
    "t-lead": {"role": "lead"},
    "t-ingest": {"role": "ingest"},
}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _account(account_id: str, name: str, tier: str, kam: str, colleague_days: list[int]) -> Any:
    """Two stakeholders; the KAM meets them every ten days from day 10 to day 100 (no
    internal_owner), se-mia on ``colleague_days``."""
    counter = itertools.count(1)
    ev = AccountEvents(
        account_id, START, ids=lambda p: f"{account_id}-{p}-{next(counter)}", source="test"
    )
    events = [
        ev.account(0, tier=tier, kam=kam, name=name),
        ev.person(0, f"{account_id}-anna", "Anna Berg", "decision_maker", "Procurement"),
        ev.person(0, f"{account_id}-ben", "Ben Ortiz", "champion", "Engineering"),
    ]
    for d in range(10, 101, 10):
        events += [ev.contact(d, f"{account_id}-anna"), ev.contact(d + 1, f"{account_id}-ben")]
    events += [ev.contact(d, f"{account_id}-ben", "call", owner="se-mia") for d in colleague_days]
    return ev, events


@pytest.fixture
def stack(
    broker_settings: Settings, isolated_database_url: str, tmp_path: Path
) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, isolated_database_url, tmp_path) as running:
        yield running


def test_team_single_threaded_is_raised_named_and_resolved(stack: PipelineStack) -> None:
    # Rheinwerk: only the KAM since se-mia's day-2 call left the window (day 92).
    rheinwerk, rw_events = _account("rw", "Rheinwerk AG", "key", "kam-lena", [2])
    # The same story on a standard account: never watched.
    _, std_events = _account("std", "Kleinteile GmbH", "standard", "kam-lena", [2])
    # se-mia is active on this one within the window: two people, no alert.
    _, two_events = _account("two", "Donau Stahl", "strategic", "kam-jonas", [2, 60])
    stack.start("worker")
    stack.start("sink")
    stack.publish(event_json(e) for e in [*rw_events, *std_events, *two_events])

    settings = Settings(database_url=stack.database_url, api_keys=json.dumps(TOKENS))
    with TestClient(create_api(settings)) as client:

        def team_alerts(status: str) -> list[dict[str, Any]] | None:
            for name, proc in stack.procs.items():
                assert proc.poll() is None, f"{name} died:\n{stack.logs(name)[-3000:]}"
            resp = client.get(
                f"/v1/alerts?kind=team_single_threaded&status={status}", headers=_auth("t-lead")
            )
            assert resp.status_code == 200, resp.text
            found: list[dict[str, Any]] = resp.json()
            return found or None

        def settled() -> list[dict[str, Any]] | None:
            # The worker has seen every account's last event once all three teams are served.
            teams = [
                client.get(f"/v1/accounts/{a}/team", headers=_auth("t-lead"))
                for a in ("rw", "std", "two")
            ]
            if any(t.status_code != 200 or not t.json()["members"] for t in teams):
                return None
            return team_alerts("open")

        (alert,) = wait_for(settled, timeout=120, what="the team_single_threaded alert")
        assert alert["account_id"] == "rw"
        assert alert["severity"] == "warning"
        assert alert["reason"] == "Only kam-lena has spoken to anyone at Rheinwerk AG in 90 days"

        team = client.get("/v1/accounts/rw/team", headers=_auth("t-lena")).json()
        assert [(m["internal_owner"], m["touchpoints_90d"]) for m in team["members"]] == [
            ("kam-lena", 18),  # the event clock is day 101: days 10 and 11 are out
            ("se-mia", 0),
        ]
        assert team["known_only_by_kam"] == ["rw-anna"]
        # Same access as the account: another KAM is refused, ingest too.
        assert client.get("/v1/accounts/rw/team", headers=_auth("t-jonas")).status_code == 403
        assert client.get("/v1/accounts/rw/team", headers=_auth("t-ingest")).status_code == 403

        def rheinwerk_line() -> dict[str, Any] | None:
            queue = client.get("/v1/kams/kam-lena/queue", headers=_auth("t-lena")).json()
            return next((i for i in queue["items"] if i["account_id"] == "rw"), None)

        line = wait_for(rheinwerk_line, timeout=60, what="Rheinwerk's line in kam-lena's queue")
        assert line["next_action"] == (
            "Bring se-mia back into Rheinwerk AG: they know Ben Ortiz from earlier touchpoints"
        )

        # A colleague logs a touchpoint: resolved.
        stack.publish([event_json(rheinwerk.contact(101, "rw-anna", owner="se-mia"))])
        (resolved,) = wait_for(
            lambda: team_alerts("resolved"), timeout=90, what="the alert to resolve"
        )
        assert resolved["alert_id"] == alert["alert_id"]
        assert team_alerts("open") is None
