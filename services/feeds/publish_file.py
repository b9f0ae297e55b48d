"""``keypulse publish FILE.jsonl``: import a history file for integrators.

Every line is checked first (JSON, then the event contract, and with the wall
clock the 24-hour future rule); a file with any bad line publishes nothing,
unless ``--skip-invalid``, which publishes the valid lines and skips the rest.
Blank lines are ignored.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from schemas.decode import validate_event
from schemas.errors import EventRejected
from services.errors import ConfigurationError
from services.feeds.progress import ProgressBar
from services.feeds.publisher import EventPublisher
from services.settings import Settings

#: Bad lines listed one by one; beyond this only their count is shown.
SHOW_BAD_LINES = 50


@dataclass
class FileCheck:
    """The result of checking a JSONL file: valid events by line, and the bad lines."""

    valid: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)


def check_file(path: Path, now: datetime | None) -> FileCheck:
    """Parse and validate every line; ``now`` enables the wall-clock future check."""
    result = FileCheck()
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                result.bad.append((number, f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
                continue
            except ValueError as exc:
                result.bad.append((number, f"not valid JSON: {exc}"))
                continue
            try:
                validate_event(obj, now=now)
            except EventRejected as exc:
                result.bad.append((number, exc.reason))
                continue
            result.valid.append((number, obj))
    return result


def publish_file(
    settings: Settings,
    path: Path,
    *,
    skip_invalid: bool,
    out: IO[str],
    err: IO[str],
) -> int:
    """Check, then publish a JSONL file; returns the exit status (0 ok, 1 bad lines)."""
    now = datetime.now(UTC) if settings.clock == "wall" else None
    checked = check_file(path, now)
    for number, reason in checked.bad[:SHOW_BAD_LINES]:
        print(f"{path}:{number}: {reason}", file=err)
    if len(checked.bad) > SHOW_BAD_LINES:
        print(f"... and {len(checked.bad) - SHOW_BAD_LINES} more invalid lines", file=err)
    if checked.bad and not skip_invalid:
        print(
            f"keypulse publish: {len(checked.bad)} invalid line(s) in {path}; nothing was "
            "published. Fix them, or pass --skip-invalid to publish the valid lines only.",
            file=err,
        )
        return 1
    bar = ProgressBar(len(checked.valid), "publishing", err)
    with EventPublisher(settings, client_id="keypulse-publish") as publisher:
        for _number, obj in checked.valid:
            publisher.publish(obj)
            bar.advance()
        publisher.flush()
        delivered: Counter[str] = Counter(publisher.delivered)
    bar.close()
    per_topic = ", ".join(f"{topic} {n}" for topic, n in sorted(delivered.items()))
    print(
        f"published {sum(delivered.values())} events from {path}"
        + (f" ({per_topic})" if per_topic else ""),
        file=out,
    )
    if checked.bad:
        lines = ", ".join(str(n) for n, _ in checked.bad[:SHOW_BAD_LINES])
        more = "" if len(checked.bad) <= SHOW_BAD_LINES else ", ..."
        print(f"skipped {len(checked.bad)} invalid line(s): {lines}{more}", file=out)
    return 0
