"""Builders of the stream's output records and a row dump for comparing databases."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from schemas.internal import AccountProfile, KamQueue, QueueItem, StakeholderRecord
from schemas.outputs import AlertRecord, HealthSnapshot
from services.read_models.schema import DATA_TABLES
from services.read_models.store import ReadModelRecord

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    """A timestamp ``hours`` after T0."""
    return T0 + timedelta(hours=hours)


def health(
    account_id: str, hours: float, score: float = 60.0, text: str = "No contact for 52 days"
) -> HealthSnapshot:
    """A health snapshot whose band follows the score; its one driver says ``text``."""
    band = (
        "healthy"
        if score >= 75
        else "watch"
        if score >= 50
        else "at_risk"
        if score >= 30
        else "critical"
    )
    return HealthSnapshot.model_validate(
        {
            "account_id": account_id,
            "score": score,
            "band": band,
            "components": {
                "relationship": score,
                "commercial": 50.0,
                "support": 80.0,
                "stability": 100.0,
            },
            "drivers": [
                {
                    "factor": "decision_maker_silent",
                    "impact": -12.5,
                    "text": text,
                }
            ],
            "as_of": at(hours),
        }
    )


def alert(
    alert_id: str,
    account_id: str = "a1",
    *,
    kam_id: str | None = "k1",
    kind: str = "stakeholder_cooling",
    severity: str = "warning",
    status: str = "open",
    subject: str | None = "s1",
    raised: float = 0.0,
    resolved: float | None = None,
) -> AlertRecord:
    """One lifecycle step of an alert."""
    return AlertRecord.model_validate(
        {
            "alert_id": alert_id,
            "account_id": account_id,
            "kam_id": kam_id,
            "kind": kind,
            "severity": severity,
            "status": status,
            "subject": subject,
            "reason": f"{kind} on {account_id}",
            "raised_at": at(raised),
            "resolved_at": at(resolved) if resolved is not None else None,
        }
    )


def stakeholder(stakeholder_id: str, **fields: Any) -> StakeholderRecord:
    """A stakeholder line of a profile."""
    values: dict[str, Any] = {
        "stakeholder_id": stakeholder_id,
        "name": f"Person {stakeholder_id}",
        "role": "champion",
        "status": "active",
        "warmth": 0.5,
        "last_contact": at(-24),
    }
    values.update(fields)
    return StakeholderRecord.model_validate(values)


def profile(
    account_id: str, hours: float, stakeholders: list[StakeholderRecord], **fields: Any
) -> AccountProfile:
    """An account profile."""
    values: dict[str, Any] = {
        "account_id": account_id,
        "name": f"Account {account_id}",
        "tier": "strategic",
        "kam_id": "k1",
        "annual_revenue_target": 1_000_000.0,
        "currency": "EUR",
        "stakeholders": stakeholders,
        "as_of": at(hours),
    }
    values.update(fields)
    return AccountProfile.model_validate(values)


def queue(kam_id: str, hours: float, account_ids: list[str]) -> KamQueue:
    """A KAM queue ranking ``account_ids`` in order."""
    items = [
        QueueItem(
            rank=i + 1,
            account_id=a,
            priority=100.0 - 10 * i,
            health=50.0 + i,
            open_alerts=i,
            next_action=f"Call someone at {a}",
        )
        for i, a in enumerate(account_ids)
    ]
    return KamQueue(kam_id=kam_id, items=items, as_of=at(hours))


def stream(seed: int = 7, accounts: int = 6) -> list[ReadModelRecord]:
    """A plausible output stream, in per-key publication order.

    Each key's records are in the order the worker publishes them; only open
    alerts that end resolved get in-place updates, so the final rows do not
    depend on how keys interleave.
    """
    rng = random.Random(seed)
    out: list[ReadModelRecord] = []
    for n in range(accounts):
        account_id = f"acc-{n}"
        kam = f"kam-{n % 2}"
        for version in range(3):
            people = [
                stakeholder(f"{account_id}-s{i}", warmth=round(rng.random(), 3))
                for i in range(4 - version)
            ]
            out.append(profile(account_id, 10 * version + n, people, kam_id=kam))
        for step in range(5):
            out.append(health(account_id, step * 7 + n / 10, score=round(rng.uniform(5, 99), 2)))
        fired = f"{account_id}-al-cool"
        out.append(alert(fired, account_id, kam_id=kam, raised=n))
        out.append(alert(fired, account_id, kam_id=kam, severity="critical", raised=n))
        out.append(
            alert(
                fired,
                account_id,
                kam_id=kam,
                severity="critical",
                status="resolved",
                raised=n,
                resolved=n + 5,
            )
        )
        out.append(
            alert(
                f"{account_id}-al-gap",
                account_id,
                kam_id=kam,
                kind="order_gap",
                subject=None,
                raised=n + 1,
            )
        )
    for k in range(2):
        mine = [f"acc-{n}" for n in range(accounts) if n % 2 == k]
        out.append(queue(f"kam-{k}", 1, mine))
        out.append(queue(f"kam-{k}", 2, list(reversed(mine))[:-1]))
    return out


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row, sorted, with JSON normalised: equal dumps mean equal databases."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in DATA_TABLES:
            rows = []
            for row in conn.execute(sa.select(table)):
                rows.append(
                    tuple(
                        json.dumps(v, sort_keys=True) if isinstance(v, list | dict) else v
                        for v in row
                    )
                )
            result[table.name] = sorted(rows, key=repr)
    return result
