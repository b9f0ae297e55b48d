"""Test data and helpers of the API tests: tokens, seed records, a uvicorn server in a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from schemas.internal import (
    AccountProfile,
    KamQueue,
    QueueItem,
    StakeholderRecord,
    TeamMemberRecord,
)
from schemas.outputs import AlertRecord, HealthSnapshot
from services.ops.process import free_port
from services.read_models import (
    apply_alert,
    apply_health,
    apply_profile,
    apply_queue,
)
from tests.integration.read_models import records
from tests.support.waiting import wait_for

#: Token → principal used by every API test.
TOKENS: dict[str, dict[str, str]] = {
    "tok-kam1": {"role": "kam", "kam_id": "k1"},
    "tok-kam2": {"role": "kam", "kam_id": "k2"},
    "tok-ops": {"role": "ops"},
    "tok-ingest": {"role": "ingest"},
    "tok-admin": {"role": "admin"},
    "tok-lead": {"role": "lead"},
}
ROLE_TOKEN = {
    "kam1": "tok-kam1",
    "kam2": "tok-kam2",
    "ops": "tok-ops",
    "ingest": "tok-ingest",
    "admin": "tok-admin",
    "lead": "tok-lead",
}

#: The API's "now" in these tests; seeded data lies before it.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def auth(role: str) -> dict[str, str]:
    """The Authorization header of a role's token."""
    return {"Authorization": f"Bearer {ROLE_TOKEN[role]}"}


def at(hours: float) -> datetime:
    """T0 plus ``hours``."""
    return T0 + timedelta(hours=hours)


def health(account_id: str, hours: float, score: float) -> HealthSnapshot:
    """A health snapshot whose band follows the score."""
    return records.health(account_id, hours, score, text="No contact with Anna Berg for 52 days")


def alert(alert_id: str, account_id: str, kam_id: str | None, **fields: Any) -> AlertRecord:
    """An alert lifecycle step (open by default)."""
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "account_id": account_id,
        "kam_id": kam_id,
        "kind": "stakeholder_cooling",
        "severity": "warning",
        "status": "open",
        "subject": "s1",
        "reason": f"Decision maker on {account_id} is cooling",
        "raised_at": at(1),
        "resolved_at": None,
    }
    values.update(fields)
    return AlertRecord.model_validate(values)


def profile(account_id: str, kam_id: str, name: str) -> AccountProfile:
    """Master data with three stakeholders, one of whom left."""
    people = [
        StakeholderRecord(
            stakeholder_id="s1",
            name="Anna Berg",
            role="decision_maker",
            title="CPO",
            department="Procurement",
            status="active",
            last_contact=at(-200),
            warmth=0.2,
        ),
        StakeholderRecord(
            stakeholder_id="s2",
            name="Ben Cole",
            role="champion",
            title="Head of Ops",
            status="active",
            last_contact=at(0),
            warmth=0.9,
        ),
        StakeholderRecord(
            stakeholder_id="s3",
            name="Cleo Dorn",
            role="influencer",
            status="left",
            last_contact=at(-400),
            warmth=0.0,
        ),
    ]
    return AccountProfile(
        account_id=account_id,
        name=name,
        tier="strategic",
        kam_id=kam_id,
        annual_revenue_target=2_500_000.0,
        currency="EUR",
        stakeholders=people,
        # The KAM knows everyone; a service colleague knows the champion too.
        team=[
            TeamMemberRecord(
                internal_owner=kam_id,
                stakeholders=["s1", "s2", "s3"],
                last_contact=at(0),
                touchpoints_90d=6,
            ),
            TeamMemberRecord(
                internal_owner="service-team",
                stakeholders=["s2"],
                last_contact=at(-30),
                touchpoints_90d=1,
            ),
        ],
        as_of=at(0),
    )


def seed(engine: Engine) -> None:
    """Two KAMs' accounts: a1 (k1) and a2 (k2), with health, alerts and queues."""
    with engine.begin() as conn:
        apply_profile(conn, profile("a1", "k1", "ACME Group"))
        apply_profile(conn, profile("a2", "k2", "Globex"))
        for hours, score in [(0, 80.0), (24, 70.0), (48, 55.0)]:
            apply_health(conn, health("a1", hours, score))
        apply_health(conn, health("a2", 0, 90.0))
        apply_alert(conn, alert("al-1", "a1", "k1", severity="critical", raised_at=at(2)))
        apply_alert(
            conn, alert("al-2", "a1", "k1", kind="order_gap", subject=None, raised_at=at(3))
        )
        apply_alert(conn, alert("al-3", "a2", "k2", kind="critical_ticket", subject="t9"))
        apply_alert(
            conn,
            alert(
                "al-old",
                "a1",
                "k1",
                kind="champion_left",
                status="resolved",
                raised_at=at(0.5),
                resolved_at=at(1.5),
            ),
        )
        apply_queue(
            conn,
            KamQueue(
                kam_id="k1",
                as_of=at(48),
                items=[
                    QueueItem(
                        rank=1,
                        account_id="a1",
                        priority=87.5,
                        health=55.0,
                        open_alerts=2,
                        next_action="Call Anna Berg (decision maker, 52 days silent)",
                    ),
                ],
            ),
        )
        apply_queue(
            conn,
            KamQueue(
                kam_id="k2",
                as_of=at(0),
                items=[
                    QueueItem(
                        rank=1,
                        account_id="a2",
                        priority=10.0,
                        health=90.0,
                        open_alerts=1,
                        next_action="Review ticket t9",
                    ),
                ],
            ),
        )


class ServedApi:
    """The API served by uvicorn in a thread of the test process, on a free port."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServedApi:
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=20, what="uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def eventually(probe: Callable[[], Any], what: str, timeout: float = 15) -> Any:
    """wait_for with the usual timeout for these tests."""
    return wait_for(probe, timeout=timeout, what=what)
