"""An HR / organisation feed about the customer's people → ``reorg.*`` events.

Such feeds (a data provider, a scraped org chart, the customer's own
announcements) report people leaving, joining and changing roles, and units
being restructured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from schemas.events import (
    BaseEvent,
    RoleChanged,
    StakeholderJoined,
    StakeholderLeft,
    UnitRestructured,
)
from schemas.vocabulary import StakeholderRole

PersonChangeKind = Literal["left", "joined", "role_changed"]


@dataclass(frozen=True)
class PersonChange:
    """One person's change; ``role`` is the role after a join or role change."""

    change_id: str
    account_id: str
    person_id: str
    kind: PersonChangeKind
    effective_at: datetime
    role: StakeholderRole | None = None
    name: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class UnitChange:
    """A business unit restructured, with the people it touches."""

    change_id: str
    account_id: str
    unit: str
    effective_at: datetime
    person_ids: tuple[str, ...] = field(default_factory=tuple)


def person_changed(change: PersonChange, source: str = "hr") -> BaseEvent:
    """The ``reorg.stakeholder_left`` / ``_joined`` / ``role_changed`` event for a change."""
    common = {
        "event_id": f"{source}:change:{change.change_id}",
        "account_id": change.account_id,
        "occurred_at": change.effective_at,
        "source": source,
        "stakeholder_id": change.person_id,
    }
    if change.kind == "left":
        return StakeholderLeft(**common)
    if change.role is None:
        raise ValueError(f"a {change.kind} change needs the new role")
    if change.kind == "joined":
        return StakeholderJoined(**common, role=change.role, name=change.name, title=change.title)
    return RoleChanged(**common, new_role=change.role, title=change.title)


def unit_restructured(change: UnitChange, source: str = "hr") -> UnitRestructured:
    """The event for a restructured unit."""
    return UnitRestructured(
        event_id=f"{source}:unit:{change.change_id}",
        account_id=change.account_id,
        occurred_at=change.effective_at,
        source=source,
        unit=change.unit,
        affected_stakeholder_ids=list(change.person_ids),
    )
