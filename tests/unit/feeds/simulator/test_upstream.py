"""Upstream adapters: source-system records become contract events with stable ids."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from schemas.decode import validate_event
from schemas.events import (
    ContactLogged,
    RoleChanged,
    StakeholderJoined,
    StakeholderLeft,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    TicketResolved,
)
from services.feeds.progress import ProgressBar
from services.feeds.publisher import event_json
from services.feeds.upstream.accounts import AccountRecord, account_upserted
from services.feeds.upstream.crm import (
    CrmActivity,
    CrmContact,
    contact_logged,
    role_of,
    sentiment_of,
    stakeholder_upserted,
)
from services.feeds.upstream.erp import ErpCancellation, ErpOrder, order_cancelled, order_placed
from services.feeds.upstream.helpdesk import (
    HelpdeskTicket,
    TicketUpdate,
    ticket_opened,
    ticket_updated,
)
from services.feeds.upstream.hr import PersonChange, UnitChange, person_changed, unit_restructured

AT = datetime(2026, 2, 3, 10, 30, tzinfo=UTC)


def test_crm_maps_buying_roles_channels_and_ratings() -> None:
    assert role_of("Economic Buyer") == "decision_maker"
    assert role_of("technical-buyer") == "influencer"
    with pytest.raises(ValueError, match="unknown buying role"):
        role_of("astrologer")
    assert (sentiment_of(1), sentiment_of(3), sentiment_of(5), sentiment_of(None)) == (
        -1.0,
        0.0,
        1.0,
        None,
    )
    contact = stakeholder_upserted(CrmContact("c1", "a1", "Eva Koch", "sponsor", AT, "CTO", "IT"))
    assert (contact.role, contact.title, contact.department) == ("champion", "CTO", "IT")
    touch = contact_logged(CrmActivity("x9", "a1", "c1", "site_visit", False, AT, rating=2))
    assert isinstance(touch, ContactLogged)
    assert (touch.channel, touch.direction, touch.sentiment) == ("visit", "outbound", -0.5)
    assert touch.event_id == "crm:activity:x9"


def test_erp_hr_helpdesk_and_master_data_make_valid_events() -> None:
    events = [
        account_upserted(AccountRecord("a1", "Nordwerk AG", "key", "kam-1", AT, "g1", 1e6)),
        order_placed(ErpOrder("SO1", "a1", 1234.567, "EUR", AT, product_line="Drives")),
        order_cancelled(ErpCancellation("SO1", "a1", AT)),
        person_changed(PersonChange("h1", "a1", "c1", "left", AT)),
        person_changed(PersonChange("h2", "a1", "c2", "joined", AT, "decision_maker", "Jan")),
        person_changed(PersonChange("h3", "a1", "c3", "role_changed", AT, "champion")),
        unit_restructured(UnitChange("u1", "a1", "Procurement", AT, ("c1", "c2"))),
        ticket_opened(HelpdeskTicket("T1", "a1", "urgent", AT, "Line down", sla_hours=4)),
        ticket_updated(TicketUpdate("T1", "a1", "escalate", AT)),
        ticket_updated(TicketUpdate("T1", "a1", "resolve", AT)),
        ticket_updated(TicketUpdate("T1", "a1", "reopen", AT)),
    ]
    for event in events:
        assert validate_event(event_json(event)) == event
    kinds = [type(e) for e in events[3:6]]
    assert kinds == [StakeholderLeft, StakeholderJoined, RoleChanged]
    assert [type(e) for e in events[8:]] == [TicketEscalated, TicketResolved, TicketReopened]
    opened = events[7]
    assert isinstance(opened, TicketOpened)
    assert opened.severity == "P1"
    assert opened.sla_due_at == datetime(2026, 2, 3, 14, 30, tzinfo=UTC)
    assert len({e.event_id for e in events}) == len(events)
    with pytest.raises(ValueError, match="needs the new role"):
        person_changed(PersonChange("h4", "a1", "c4", "joined", AT))


def test_progress_bar_in_a_log_prints_quarters() -> None:
    out = io.StringIO()
    bar = ProgressBar(8, "work", out)
    for _ in range(8):
        bar.advance()
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("work [....")
    assert lines[-1].endswith("8/8 100%")
    assert len(lines) == 5  # 0 %, 25 %, 50 %, 75 %, 100 %
