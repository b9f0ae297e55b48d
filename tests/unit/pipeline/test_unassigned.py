"""An account with events but no master data: one warning per account and process."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from consumers.pipeline.account_processor import AccountProcessor
from consumers.pipeline.clock import EventClock

pytestmark = pytest.mark.unit

WARNING = "no account.upserted has been seen"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_events_without_master_data_warn_once_per_account(
    ev: Any, events_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    orphan = events_for("orphan")
    processor = AccountProcessor({}, EventClock())
    processor.handle([orphan.person(0, "gus", "Gus Hale", "decision_maker", "IT")])
    processor.handle([orphan.contact(1, "gus"), orphan.contact(2, "gus")])
    processor.handle([orphan.contact(3, "gus")])
    processor.handle(ev.healthy_account())  # acme has its master data: no warning
    (message,) = warnings(caplog)
    assert "account orphan has events but" in message
    assert WARNING in message
    assert "unassigned" in message


def test_master_data_arriving_ends_it_and_a_new_process_warns_again(
    events_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    orphan = events_for("orphan")
    store: dict[str, Any] = {}
    processor = AccountProcessor(store, EventClock())
    processor.handle([orphan.contact(1, "gus")])
    processor.handle([orphan.account(2)])
    processor.handle([orphan.contact(3, "gus")])
    assert len(warnings(caplog)) == 1

    other = events_for("other")
    successor = AccountProcessor(store, EventClock())  # a restarted worker
    successor.handle([other.contact(4, "ida")])
    successor.handle([other.contact(5, "ida")])
    successor.handle([orphan.contact(5, "gus")])  # has master data by now
    assert [m.split(" has")[0] for m in warnings(caplog)] == ["account orphan", "account other"]
