"""keypulse's pure domain core: account state, health, alerts, due times and priority.

No I/O and no faust, sqlalchemy or fastapi imports: the stream worker wraps it
in Faust tables and timers, and :func:`replay` runs it as a batch oracle.

Typical use per account (what the stream worker does)::

    state = apply(state, event)                      # per event, cheap
    health = evaluate(state, now, policy)            # per batch or timer
    changes = reconcile(open_alerts, health)         # raised / updated / resolved
    due = next_due(state, now, policy, health)       # when to look again
    table[account_id] = state_to_dict(state)         # JSON-compatible

See docs/scoring.md for what moves the score and how to tune the policy.
"""

from consumers.domain.alerts import (
    Alert,
    AlertChanges,
    alert_id,
    from_record,
    open_alerts_for,
    reconcile,
    to_record,
)
from consumers.domain.apply import apply, apply_all, fold_events
from consumers.domain.due import next_due
from consumers.domain.errors import DomainError, PolicyError, StateFormatError
from consumers.domain.evaluate import Health, evaluate, snapshot_changed, to_snapshot
from consumers.domain.policy import DEFAULT_POLICY, Policy, policy_from_mapping
from consumers.domain.priority import QueueItem, account_priority, next_action, rank_queue
from consumers.domain.replay import AccountView, event_clock, fold_accounts, replay
from consumers.domain.rules import Condition
from consumers.domain.scoring import Components, Driver
from consumers.domain.state import AccountState, empty_state, state_from_dict, state_to_dict
from consumers.domain.warmth import StakeholderView, stakeholder_views, warmth

__all__ = [
    "DEFAULT_POLICY",
    "AccountState",
    "AccountView",
    "Alert",
    "AlertChanges",
    "Components",
    "Condition",
    "DomainError",
    "Driver",
    "Health",
    "Policy",
    "PolicyError",
    "QueueItem",
    "StakeholderView",
    "StateFormatError",
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
    "rank_queue",
    "reconcile",
    "replay",
    "snapshot_changed",
    "stakeholder_views",
    "state_from_dict",
    "state_to_dict",
    "to_record",
    "to_snapshot",
    "warmth",
]
