"""What the lag monitor reports: plain frozen dataclasses with docs/contract.md section 4's fields.

An API route can return these directly (FastAPI serialises dataclasses) or
call :func:`dataclasses.asdict` on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Burrow's consumer statuses, plus UNKNOWN for a window too short to judge.

    Partitions get OK, WARN, STOP, STALL, REWIND or UNKNOWN. A group gets the
    worst of its partitions, except that STOP, STALL and REWIND become ERR at
    group level, as in Burrow: ERR is a group status only.
    """

    OK = "OK"
    UNKNOWN = "UNKNOWN"
    WARN = "WARN"
    ERR = "ERR"
    STOP = "STOP"
    STALL = "STALL"
    REWIND = "REWIND"


@dataclass(frozen=True)
class PartitionLag:
    """One consumer group's position on one topic partition."""

    topic: str
    partition: int
    #: The group's committed offset (the next record it will read); None if it never committed.
    committed: int | None
    #: The log-end offset (offset of the next record to be written).
    end: int
    #: end - committed, never negative; None when nothing was committed.
    lag: int | None
    #: Estimated age of the oldest unconsumed record, in seconds; None when unknown.
    lag_seconds: float | None
    status: Status


@dataclass(frozen=True)
class GroupLag:
    """One consumer group: its status, total lag and partitions."""

    group: str
    status: Status
    total_lag: int
    partitions: tuple[PartitionLag, ...]
