"""``keypulse verify``: replay the input topics with the reference engine, compare the read models.

Wiring only: check the read-model database, take the input topics' end
offsets, read the read-model rows, read and fold the topics, compare
(services/ops/verify/compare.py), print. Exit status: 0 nothing differs, 1
something does, 2 verify cannot run (broker or database unreachable, no
read-model schema, a missing input topic, an unreadable policy file), with
the reason on stderr.
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

    def summary(self) -> str:
        """``40 accounts checked, 0 differ (12,345 events read, 3 invalid skipped)``."""
        return (
            f"{self.accounts_checked} accounts checked, {self.accounts_differing} differ "
            f"({self.events_read:,} events read, {self.invalid_skipped:,} invalid skipped)"
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
    for account_id, points in sorted(rows.history.items()):
        if account_id in states:  # an account the replay lacks is one difference already
            differences += history_differences(account_id, replayed[account_id], points)
    return VerifyResult(
        accounts_checked=len(checked_accounts(states, rows)),
        accounts_differing=len({d.account_id for d in differences}),
        events_read=counts.records,
        invalid_skipped=counts.invalid,
        differences=differences,
    )


def run_verify(
    settings: Settings,
    *,
    as_json: bool,
    timeout: float,
    out: IO[str],
    err: IO[str],
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
    out.flush()
    return EXIT_DIFFERENT if result.differences else EXIT_EQUAL


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)
