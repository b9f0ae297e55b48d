"""``keypulse verify``: replay the input topics with the reference engine, compare the read models.

Wiring only: check the read-model database, take the input topics' end
offsets, read the read-model rows, read and fold the topics, compare
(services/ops/verify/compare.py), print. Exit status: 0 nothing differs, 1
something does, 2 verify cannot run (broker or database unreachable, no
read-model schema, a missing input topic, an unreadable policy file), with
the reason on stderr.

Health history points in event time are compared too, but reported apart
and they do not set the exit status unless ``strict_history``: a point
re-evaluated after a late event is computed from the stored state, which
keeps only the newest touchpoints of each kind, role and master data, so it
may differ from the replay by design (docs/scoring.md, "Known
approximations"). The current health, alerts, master data and figures are
exact and always count.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any

from consumers.domain.errors import PolicyError
from consumers.domain.replay import fold_accounts, replay_history
from services.errors import KeypulseError
from services.ops.verify.compare import (
    Difference,
    checked_accounts,
    compare,
    history_differences,
)
from services.ops.verify.read_inputs import DEFAULT_TIMEOUT_SECONDS, InputReader
from services.ops.verify.read_rows import open_read_models, read_rows
from services.policy_file import load_worker_policy
from services.settings import Settings

EXIT_EQUAL = 0
EXIT_DIFFERENT = 1
EXIT_CANNOT_RUN = 2


@dataclass(frozen=True)
class VerifyResult:
    """What one verification found; ``--json`` prints exactly these fields."""

    accounts_checked: int
    accounts_differing: int
    events_read: int
    invalid_skipped: int
    differences: list[Difference] = field(default_factory=list)
    history_points_checked: int = 0
    #: History points that differ from the replay (approximate after late events).
    history_differences: list[Difference] = field(default_factory=list)

    def summary(self) -> str:
        """``40 accounts checked, 0 differ (12,345 events read, 3 invalid skipped)``."""
        return (
            f"{self.accounts_checked} accounts checked, {self.accounts_differing} differ "
            f"({self.events_read:,} events read, {self.invalid_skipped:,} invalid skipped)"
        )

    def history_summary(self) -> str:
        """``history: 3 of 1,028 points differ from the replay (...)``."""
        points = {(d.account_id, d.field.split(".")[0]) for d in self.history_differences}
        return (
            f"history: {len(points):,} of {self.history_points_checked:,} points differ from "
            "the replay (points re-evaluated after late events are approximate: "
            "docs/scoring.md, 'Known approximations')"
        )

    def to_json(self) -> str:
        """One JSON object; timestamps as RFC 3339 strings."""
        return json.dumps(asdict(self), default=_json_value, sort_keys=False)


def verify(
    settings: Settings, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, progress: IO[str] | None
) -> VerifyResult:
    """Run one verification; raises a KeypulseError (or PolicyError) when it cannot run."""
    policy = load_worker_policy(settings.policy_file)
    engine = open_read_models(settings)
    try:
        with InputReader(settings, timeout=timeout) as reader:
            # The rows right after the end offsets: both describe the same moment.
            rows = read_rows(engine)
            # Kept as a list: the history points replay each account's events in time order.
            events = list(reader.events(progress=progress))
            counts = reader.counts
    finally:
        engine.dispose()
    states = fold_accounts(events)
    differences = compare(states, rows, policy)
    instants = {a: [r["as_of"] for r in points] for a, points in rows.history.items()}
    replayed = replay_history(events, instants, policy)
    in_history: list[Difference] = []
    checked = 0
    for account_id, points in sorted(rows.history.items()):
        if account_id in states:  # an account the replay lacks is one difference already
            in_history += history_differences(account_id, replayed[account_id], points)
            checked += len(points)
    return VerifyResult(
        accounts_checked=len(checked_accounts(states, rows)),
        accounts_differing=len({d.account_id for d in differences}),
        events_read=counts.records,
        invalid_skipped=counts.invalid,
        differences=differences,
        history_points_checked=checked,
        history_differences=in_history,
    )


def run_verify(
    settings: Settings,
    *,
    as_json: bool,
    timeout: float,
    out: IO[str],
    err: IO[str],
    strict_history: bool = False,
) -> int:
    """``keypulse verify``: print the result; return the exit status."""
    if timeout <= 0:
        print("keypulse verify: --timeout must be > 0", file=err)
        return EXIT_CANNOT_RUN
    try:
        result = verify(settings, timeout=timeout, progress=err)
    except (KeypulseError, PolicyError) as exc:
        print(f"keypulse verify: cannot verify: {exc}", file=err)
        return EXIT_CANNOT_RUN
    if as_json:
        print(result.to_json(), file=out)
    else:
        print(result.summary(), file=out)
        for difference in result.differences:
            print(f"  {difference.describe()}", file=out)
        print(result.history_summary(), file=out)
        for difference in result.history_differences:
            print(f"  {difference.describe()}", file=out)
    out.flush()
    differ = result.differences or (strict_history and result.history_differences)
    return EXIT_DIFFERENT if differ else EXIT_EQUAL


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)
