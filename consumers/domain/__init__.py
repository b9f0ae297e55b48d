"""keypulse's pure domain core: account state, health, alerts, due times and priority.

No I/O: no files, clock, randomness or printing, and no faust, sqlalchemy or
fastapi (the import contracts in pyproject.toml check it). Of keypulse it
imports only :mod:`schemas`. The stream worker wraps it in Faust tables and
timers (consumers/pipeline, consumers/agents), and :func:`replay` runs it as
a batch oracle.

Typical use per account (what the stream worker does)::

    state = apply(state, event)                      # per event, cheap
    health = evaluate(state, now, policy)            # per batch or timer
    changes = reconcile(open_alerts, health)         # raised / updated / resolved
    due = next_due(state, now, policy, health)       # when to look again

See docs/scoring.md for what moves the score and how to tune the policy, and
docs/architecture.md for the state model.
"""

from consumers.domain.alerts import (
    AlertChanges,
    AlertState,
    alert_id,
    from_record,
    open_alerts_for,
    reconcile,
    to_record,
)
from consumers.domain.apply import apply, apply_all, fold_events
from consumers.domain.due import next_due
from consumers.domain.errors import DomainError, PolicyError
from consumers.domain.evaluate import Evaluation, evaluate, snapshot_changed, to_snapshot
from consumers.domain.policy import DEFAULT_POLICY, Policy, policy_from_mapping
from consumers.domain.priority import account_priority, next_action
from consumers.domain.replay import ReplayedAccount, event_clock, fold_accounts, replay
from consumers.domain.rules import Condition
from consumers.domain.scoring import Components, ScoreDriver
from consumers.domain.state import AccountState, StakeholderState, empty_state
from consumers.domain.warmth import StakeholderView, stakeholder_views, warmth

__all__ = [
    "DEFAULT_POLICY",
    "AccountState",
    "AlertChanges",
    "AlertState",
    "Components",
    "Condition",
    "DomainError",
    "Evaluation",
    "Policy",
    "PolicyError",
    "ReplayedAccount",
    "ScoreDriver",
    "StakeholderState",
    "StakeholderView",
    "account_priority",
    "alert_id",
    "apply",
    "apply_all",
    "empty_state",
    "evaluate",
    "event_clock",
    "fold_accounts",
    "fold_events",
    "from_record",
    "next_action",
    "next_due",
    "open_alerts_for",
    "policy_from_mapping",
    "reconcile",
    "replay",
    "snapshot_changed",
    "stakeholder_views",
    "to_record",
    "to_snapshot",
    "warmth",
]
