"""Output records the stream worker publishes (CONTRACT.md section 3) and dead letters."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas._types import Identifier, Timestamp

Band = Literal["healthy", "watch", "at_risk", "critical"]
AlertSeverity = Literal["info", "warning", "critical"]
AlertStatus = Literal["open", "resolved"]
AlertKind = Literal[
    "stakeholder_cooling",
    "champion_left",
    "decision_maker_changed",
    "single_threaded",
    "health_drop",
    "critical_ticket",
    "order_gap",
]
ALERT_KINDS: tuple[AlertKind, ...] = (
    "stakeholder_cooling",
    "champion_left",
    "decision_maker_changed",
    "single_threaded",
    "health_drop",
    "critical_ticket",
    "order_gap",
)

Score = Annotated[float, Field(ge=0, le=100)]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)


class HealthComponents(_Record):
    """The four weighted parts of the health score, each 0–100."""

    relationship: Score
    commercial: Score
    support: Score
    stability: Score


class Driver(_Record):
    """One factor that moved the score, with its signed impact in score points."""

    factor: str = Field(min_length=1, examples=["decision_maker_silent"])
    impact: float = Field(examples=[-12.5])
    text: str = Field(
        min_length=1, examples=["No contact with decision maker Anna Berg for 52 days"]
    )


class HealthSnapshot(_Record):
    """Value on the ``account-health`` topic: published when it changes."""

    account_id: Identifier
    score: Score
    band: Band
    components: HealthComponents
    drivers: list[Driver] = Field(description="Most negative impact first.")
    as_of: Timestamp = Field(description="The clock time the score was computed for.")


class AlertRecord(_Record):
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


class DeadLetter(_Record):
    """Value on the ``deadletter`` topic: a rejected input message and why."""

    error: str
    topic: str
    partition: int
    offset: int
    value: str = Field(description="The original message bytes, base64-encoded.")
