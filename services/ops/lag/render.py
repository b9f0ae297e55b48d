"""Presenting lag reports: the kafka-consumer-groups style table and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from services.ops.lag.model import GroupLag, Status

COLUMNS = (
    "GROUP",
    "TOPIC",
    "PARTITION",
    "CURRENT-OFFSET",
    "LOG-END-OFFSET",
    "LAG",
    "LAG-SECONDS",
    "STATUS",
)

NEEDS_SAMPLES = (
    "LAG-SECONDS and STATUS need several samples over time; a single run cannot tell "
    "them for lagging partitions ('-' / UNKNOWN). Run 'keypulse lag --watch'."
)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def format_table(groups: Sequence[GroupLag]) -> str:
    """Rows per partition with kafka-consumer-groups' columns, then one summary line per group."""
    if not groups:
        return "no keypulse consumer group found"
    rows = [COLUMNS] + [
        (
            g.group,
            p.topic,
            str(p.partition),
            _cell(p.committed),
            _cell(p.end),
            _cell(p.lag),
            _cell(p.lag_seconds),
            str(p.status),
        )
        for g in groups
        for p in g.partitions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append("")
    for g in groups:
        detail = f"{len(g.partitions)} partitions" if g.partitions else "no committed offsets yet"
        lines.append(f"group {g.group}: {g.status}, total lag {g.total_lag} ({detail})")
    unknown = any(
        p.status is Status.UNKNOWN or (p.lag_seconds is None and p.committed is not None)
        for g in groups
        for p in g.partitions
    )
    if unknown:
        lines.append(NEEDS_SAMPLES)
    return "\n".join(lines)


def report_as_dict(groups: Sequence[GroupLag], sampled_at: float, samples: int) -> dict[str, Any]:
    """A JSON-ready report: groups as in docs/contract.md section 4, the time, the sample count."""
    return {
        "sampled_at": sampled_at,
        "samples": samples,
        "groups": [asdict(g) for g in groups],
    }


def format_json(groups: Sequence[GroupLag], sampled_at: float, samples: int) -> str:
    """The report as one line of JSON (``--watch --json`` prints JSON lines)."""
    return json.dumps(report_as_dict(groups, sampled_at, samples))
