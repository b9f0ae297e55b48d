"""Hypothesis strategies: sets of input events for one account, and ways they may arrive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from schemas import validate_event
from schemas.events import BaseEvent
from schemas.vocabulary import STAKEHOLDER_ROLES

BASE = datetime(2026, 1, 1, tzinfo=UTC)
PEOPLE = ["anna", "ben", "cara", "dev"]
ROLES = STAKEHOLDER_ROLES
#: Product lines of generated orders; None is an order that names none ("unspecified").
PRODUCT_LINES = [None, "Sensors", "Drives", "Service"]


@st.composite
def event_specs(draw: st.DrawFn) -> dict[str, Any]:
    """One input event as a JSON-like dict; times on a coarse grid so that ties happen."""
    day = draw(st.one_of(st.integers(0, 40), st.integers(0, 900)))
    hour = draw(st.sampled_from([0, 0, 6, 12]))
    kind = draw(
        st.sampled_from(
            [
                "account.upserted",
                "stakeholder.upserted",
                "contact.logged",
                "contact.logged",
                "order.placed",
                "order.cancelled",
                "reorg.stakeholder_left",
                "reorg.stakeholder_joined",
                "reorg.role_changed",
                "reorg.unit_restructured",
                "ticket.opened",
                "ticket.escalated",
                "ticket.resolved",
                "ticket.reopened",
            ]
        )
    )
    sid = draw(st.sampled_from(PEOPLE))
    oid = f"o{draw(st.integers(0, 5))}"
    tid = f"t{draw(st.integers(0, 3))}"
    body: dict[str, Any] = {
        "type": kind,
        "account_id": "acme",
        "occurred_at": (BASE + timedelta(days=day, hours=hour)).isoformat(),
    }
    if kind == "account.upserted":
        body |= {
            "name": "ACME",
            "tier": draw(st.sampled_from(["strategic", "key", "standard"])),
            "kam_id": draw(st.sampled_from(["k1", "k2"])),
            "annual_revenue_target": draw(st.sampled_from([None, 500_000.0])),
            "currency": "EUR",
            "annual_potential": draw(st.sampled_from([None, 0.0, 80_000.0])),
            "strategic_flags": draw(
                st.sampled_from([None, [], ["market_leader"], ["multi_country", "market_leader"]])
            ),
        }
    elif kind == "stakeholder.upserted":
        body |= {
            "stakeholder_id": sid,
            "name": sid.title(),
            "role": draw(st.sampled_from(ROLES)),
            "department": draw(st.sampled_from([None, "Ops", "IT"])),
        }
    elif kind == "contact.logged":
        body |= {
            "stakeholder_id": sid,
            "channel": draw(st.sampled_from(["meeting", "call", "email", "visit"])),
            "direction": "outbound",
            "sentiment": draw(st.sampled_from([None, -0.5, 0.5])),
            # Absent (the KAM at the time), a KAM by name, or a colleague.
            "internal_owner": draw(st.sampled_from([None, None, "k1", "se-mia", "svc-olaf"])),
        }
    elif kind == "order.placed":
        body |= {
            "order_id": oid,
            "amount": float(draw(st.integers(0, 9)) * 1000),
            "currency": "EUR",
            "margin": draw(st.sampled_from([None, 250.0])),
            "product_line": draw(st.sampled_from(PRODUCT_LINES)),
            "business_unit": draw(st.sampled_from([None, "Cars", "Trucks"])),
        }
    elif kind == "order.cancelled":
        body |= {"order_id": oid}
    elif kind in ("reorg.stakeholder_left",):
        body |= {"stakeholder_id": sid}
    elif kind == "reorg.stakeholder_joined":
        body |= {"stakeholder_id": sid, "role": draw(st.sampled_from(ROLES))}
    elif kind == "reorg.role_changed":
        body |= {"stakeholder_id": sid, "new_role": draw(st.sampled_from(ROLES))}
    elif kind == "reorg.unit_restructured":
        body |= {
            "unit": "Plant 2",
            "affected_stakeholder_ids": draw(st.lists(st.sampled_from(PEOPLE))),
        }
    elif kind == "ticket.opened":
        sla = draw(st.sampled_from([None, 4, 48]))
        body |= {
            "ticket_id": tid,
            "severity": draw(st.sampled_from(["P1", "P2", "P3"])),
            "sla_due_at": (
                None if sla is None else (BASE + timedelta(days=day, hours=hour + sla)).isoformat()
            ),
        }
    elif kind == "ticket.escalated":
        body |= {"ticket_id": tid, "severity": draw(st.sampled_from([None, "P1"]))}
    else:
        body |= {"ticket_id": tid}
    return body


@st.composite
def event_sets(draw: st.DrawFn, max_size: int = 40) -> list[BaseEvent]:
    """A set of distinct events (unique event_ids) for account ``acme``."""
    specs = draw(st.lists(event_specs(), min_size=1, max_size=max_size))
    return [validate_event({**s, "event_id": f"e{i}"}) for i, s in enumerate(specs)]


@st.composite
def arrivals(draw: st.DrawFn) -> tuple[list[BaseEvent], list[BaseEvent]]:
    """An event set and one arrival sequence of it: shuffled, with duplicates."""
    events = draw(event_sets())
    dupes = draw(st.lists(st.sampled_from(events), max_size=10))
    order = draw(st.permutations(events + dupes))
    return events, order


#: Accounts of generated groups; "zz" is a parent nobody sends master data for.
GROUP_ACCOUNTS = ["hq", "sub1", "sub2", "grand"]


@st.composite
def group_event_specs(draw: st.DrawFn) -> dict[str, Any]:
    """An account.upserted (any parent, cycles and unknown parents included) or an order."""
    account = draw(st.sampled_from(GROUP_ACCOUNTS))
    day = draw(st.integers(0, 500))
    body: dict[str, Any] = {
        "account_id": account,
        "occurred_at": (BASE + timedelta(days=day)).isoformat(),
    }
    if draw(st.booleans()):
        return body | {
            "type": "account.upserted",
            "name": account.title(),
            "tier": "key",
            "kam_id": f"k-{account}",
            "parent_account_id": draw(st.sampled_from([None, "zz", *GROUP_ACCOUNTS])),
            "currency": "EUR",
            "annual_potential": draw(st.sampled_from([None, 50_000.0])),
        }
    return body | {
        "type": "order.placed",
        "order_id": f"o{draw(st.integers(0, 5))}",
        "amount": float(draw(st.integers(0, 9)) * 1000),
        "currency": "EUR",
        "product_line": draw(st.sampled_from(PRODUCT_LINES)),
    }


@st.composite
def group_arrivals(draw: st.DrawFn) -> tuple[list[BaseEvent], list[BaseEvent]]:
    """Events of several accounts linked by parent_account_id, and one arrival of them."""
    specs = draw(st.lists(group_event_specs(), min_size=1, max_size=30))
    events = [validate_event({**s, "event_id": f"g{i}"}) for i, s in enumerate(specs)]
    dupes = draw(st.lists(st.sampled_from(events), max_size=8))
    return events, draw(st.permutations(events + dupes))
