"""The worker's warning about accounts that have events but no master data.

Such an account is evaluated and listed like any other, but no KAM owns it
(``kam_id`` null in the read models) until its ``account.upserted`` arrives:
usually an upstream system that keys its records by an account the master
data does not know. The worker says so in its log once per account and
process, not once per event: a backfill of such an account would otherwise
fill the log.
"""

from __future__ import annotations

import logging

log = logging.getLogger("keypulse.worker.unassigned")


class UnassignedAccounts:
    """Remembers which accounts without master data this process has warned about."""

    def __init__(self) -> None:
        self._warned: set[str] = set()

    def check(self, account_id: str, has_master_data: bool) -> bool:
        """Warn if the account has no master data and was not warned about yet.

        Returns whether it warned. An account whose master data arrived is
        forgotten, so that losing it again (it cannot, by the state model)
        would be reported afresh.
        """
        if has_master_data:
            self._warned.discard(account_id)
            return False
        if account_id in self._warned:
            return False
        self._warned.add(account_id)
        log.warning(
            "account %s has events but no account.upserted has been seen: "
            "it is listed as unassigned (no KAM) until its master data arrives",
            account_id,
        )
        return True
