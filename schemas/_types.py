"""Field types shared by the input and output contracts (docs/contract.md sections 2 and 3)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def _require_timestamp_text(value: Any) -> Any:
    """Accept RFC 3339 text (or an already-built datetime), never a bare number.

    pydantic would otherwise read ``1700000000`` as a Unix timestamp; upstream
    systems must send text with an explicit offset, so a number is an error.
    """
    if isinstance(value, datetime | str):
        return value
    raise ValueError(
        "expected an RFC 3339 timestamp string with an offset, e.g. 2026-03-01T09:30:00+01:00"
    )


#: An RFC 3339 timestamp that must carry a UTC offset ("Z" or "+01:00").
Timestamp = Annotated[AwareDatetime, BeforeValidator(_require_timestamp_text)]

#: Natural identifiers: the idempotency key, account, stakeholder, order, ticket ids.
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128)]

#: Free text a person typed: names, titles, subjects.
Text = Annotated[str, StringConstraints(min_length=1, max_length=512)]

#: ISO 4217 currency code.
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]

#: A number that must arrive as a JSON number: ``"12.5"`` and ``"lots"`` are errors.
StrictNumber = Annotated[float, Field(strict=True)]


class Record(BaseModel):
    """Base of every wire record: frozen, unknown fields ignored, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)
