"""SQL read models: the flat tables the API reads, and the sink (:mod:`.sink`) that writes them.

* :mod:`.schema` — the tables; :mod:`.migrations` — versioned create/upgrade.
* :mod:`.engine` — ``create_engine_for`` (SQLite with WAL, PostgreSQL via psycopg 3).
* :mod:`.store` — idempotent upserts of the stream's output records.
* :mod:`.queries` — the small read and update functions the API uses.
* :mod:`.account_list` — the filtered, sorted account list.
"""

from services.read_models.account_list import ACCOUNT_SORTS, AccountListItem, list_accounts
from services.read_models.engine import create_engine_for, writer
from services.read_models.migrations import LATEST_VERSION, ensure_schema
from services.read_models.queries import (
    AccountView,
    AlertView,
    QueueEntryView,
    QueueView,
    ack_alert,
    get_account,
    get_alert,
    get_health,
    get_kam_queue,
    health_history,
    list_alerts,
    list_stakeholders,
    snooze_alert,
)
from services.read_models.store import (
    ReadModelRecord,
    apply_alert,
    apply_health,
    apply_history,
    apply_profile,
    apply_queue,
    apply_record,
    apply_records,
)

__all__ = [
    "ACCOUNT_SORTS",
    "LATEST_VERSION",
    "AccountListItem",
    "AccountView",
    "AlertView",
    "QueueEntryView",
    "QueueView",
    "ReadModelRecord",
    "ack_alert",
    "apply_alert",
    "apply_health",
    "apply_history",
    "apply_profile",
    "apply_queue",
    "apply_record",
    "apply_records",
    "create_engine_for",
    "ensure_schema",
    "get_account",
    "get_alert",
    "get_health",
    "get_kam_queue",
    "health_history",
    "list_accounts",
    "list_alerts",
    "list_stakeholders",
    "snooze_alert",
    "writer",
]
