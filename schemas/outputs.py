"""Output records the stream worker publishes (docs/contract.md section 3) and dead letters."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from schemas._types import Identifier, Record, Timestamp
from schemas.vocabulary import AlertKind, AlertSeverity, AlertStatus, Band

Score = Annotated[float, Field(ge=0, le=100)]


class HealthComponents(Record):
    """The four weighted parts of the health score, each 0–100."""

    relationship: Score
    commercial: Score
    support: Score
    stability: Score


class Driver(Record):
    """One factor that moved the score, with its signed impact in score points."""

    factor: str = Field(min_length=1, examples=["decision_maker_silent"])
    impact: float = Field(examples=[-12.5])
    text: str = Field(
        min_length=1, examples=["No contact with decision maker Anna Berg for 52 days"]
    )


class HealthSnapshot(Record):
    """Value on the ``account-health`` topic: published when it changes."""

    account_id: Identifier
    score: Score
    band: Band
    components: HealthComponents
    drivers: list[Driver] = Field(description="Most negative impact first.")
    as_of: Timestamp = Field(description="The clock time the score was computed for.")


class AlertRecord(Record):
    """Value on the ``alerts`` topic: one lifecycle step of an alert."""

    alert_id: Identifier
    account_id: Identifier
    kam_id: Identifier | None
    kind: AlertKind
    severity: AlertSeverity
    status: AlertStatus
    subject: Identifier | None = Field(description="stakeholder_id, ticket_id or null")
    reason: str = Field(min_length=1)
    raised_at: Timestamp
    resolved_at: Timestamp | None = None


class DeadLetter(Record):
    """Value on the ``deadletter`` topic: a rejected input message and why."""

    error: str
    topic: str
    partition: int
    offset: int
    value: str = Field(description="The original message bytes, base64-encoded.")
