"""The portfolio review through the real worker, sink and API: promote and demote exactly
the scripted accounts that cross the thresholds."""

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

START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
TOKENS = {
    "t-lena": {"role": "kam", "kam_id": "kam-lena"},
    "t-lead": {"role": "lead"},
    "t-ingest": {"role": "ingest"},
}


def _account(
    account_id: str,
    tier: str,
    kam: str,
    order: float,
    margin: float,
    *,
    potential: float | None = None,
    flags: list[str] | None = None,
) -> list[Any]:
    """Twelve monthly orders of ``order`` (``margin`` each) in the year up to day 360."""
    counter = itertools.count(1)
    ev = AccountEvents(
        account_id, START, ids=lambda p: f"{account_id}-{p}-{next(counter)}", source="test"
    )
    events = [
        ev.account(
            0, tier=tier, kam=kam, name=account_id.title(), potential=potential, flags=flags
        ),
        ev.person(0, f"{account_id}-dm", "Dana Meier", "decision_maker", "Procurement"),
        ev.person(0, f"{account_id}-ch", "Chris Lang", "champion", "Engineering"),
    ]
    events += [ev.order(30 * m + 30, f"{account_id}-o{m}", order, margin=margin) for m in range(12)]
    events += [ev.contact(d, f"{account_id}-dm", owner="se-mia") for d in (300, 340, 355)]
    events += [ev.contact(d, f"{account_id}-ch") for d in (320, 350, 359)]
    return events


@pytest.fixture
def stack(
    broker_settings: Settings, isolated_database_url: str, tmp_path: Path
) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, isolated_database_url, tmp_path) as running:
        yield running


def test_the_portfolio_suggests_exactly_the_accounts_that_cross_the_thresholds(
    stack: PipelineStack,
) -> None:
    scripted = [
        # 1.8M a year at 33 %, a 4M wallet, a reference customer: earns promotion.
        *_account(
            "rising",
            "standard",
            "kam-lena",
            150_000,
            50_000,
            potential=4_000_000,
            flags=["reference_customer"],
        ),
        # 48k a year at 5 %: a key account that does not earn its care.
        *_account("fading", "key", "kam-jonas", 4_000, 200),
        # 1.08M at 30 %: a key account that stays key whatever its relationship.
        *_account("steady", "key", "kam-lena", 90_000, 27_000),
        # 120k at 10 %: a standard account that stays standard.
        *_account("small", "standard", "kam-jonas", 10_000, 1_000),
    ]
    stack.start("worker")
    stack.start("sink")
    stack.publish(event_json(e) for e in scripted)

    settings = Settings(database_url=stack.database_url, api_keys=json.dumps(TOKENS))
    with TestClient(create_api(settings)) as client:

        def reviewed() -> dict[str, dict[str, Any]] | None:
            for name, proc in stack.procs.items():
                assert proc.poll() is None, f"{name} died:\n{stack.logs(name)[-3000:]}"
            resp = client.get("/v1/portfolio", headers={"Authorization": "Bearer t-lead"})
            assert resp.status_code == 200, resp.text
            items = {i["account_id"]: i for i in resp.json()["items"]}
            # Every account's last order (day 360) has reached the read models.
            done = len(items) == 4 and all(i["revenue_12m"] > 0 for i in items.values())
            full = done and items["rising"]["revenue_12m"] == pytest.approx(1_800_000)
            return items if full else None

        items = wait_for(reviewed, timeout=120, what="the four accounts' portfolio review")
        assert {a: i["suggestion"] for a, i in items.items()} == {
            "rising": "promote",
            "fading": "demote",
            "steady": "keep",
            "small": "keep",
        }
        rising = items["rising"]
        assert rising["margin_share"] == pytest.approx(1 / 3)
        assert rising["share_of_wallet"] == pytest.approx(0.45)
        assert rising["reasons"][0].endswith("≥ promotion threshold 60")
        assert "revenue 12 months 1.8M EUR: 35.0 of 35 points" in rising["reasons"]
        assert "strategic: reference_customer (+10)" in rising["reasons"]
        fading = items["fading"]
        assert fading["reasons"][0].endswith("< demotion threshold 35")
        assert any(r.startswith("margin share 5%") for r in fading["reasons"])

        lena = client.get("/v1/portfolio", headers={"Authorization": "Bearer t-lena"}).json()
        assert {i["account_id"] for i in lena["items"]} == {"rising", "steady"}
        refused = client.get("/v1/portfolio", headers={"Authorization": "Bearer t-ingest"})
        assert refused.status_code == 403
