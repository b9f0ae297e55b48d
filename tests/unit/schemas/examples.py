"""One valid example of every input event type, as an upstream system would send it."""

from __future__ import annotations

from typing import Any

COMMON: dict[str, Any] = {
    "account_id": "acme-group",
    "occurred_at": "2026-03-02T09:30:00+01:00",
    "source": "crm",
}

VALID: dict[str, dict[str, Any]] = {
    "account.upserted": {
        "name": "ACME Group",
        "tier": "strategic",
        "kam_id": "k-anna",
        "parent_account_id": "acme-holding",
        "annual_revenue_target": 2_500_000,
        "currency": "EUR",
    },
    "stakeholder.upserted": {
        "stakeholder_id": "s-berg",
        "name": "Jonas Berg",
        "role": "decision_maker",
        "title": "CPO",
        "department": "Procurement",
    },
    "contact.logged": {
        "stakeholder_id": "s-berg",
        "channel": "meeting",
        "direction": "outbound",
        "sentiment": 0.4,
        "internal_owner": "k-anna",
    },
    "order.placed": {
        "order_id": "o-1001",
        "amount": 48_250.5,
        "currency": "EUR",
        "margin": 0.31,
        "product_line": "sensors",
        "business_unit": "Automotive",
    },
    "order.cancelled": {"order_id": "o-1001"},
    "reorg.stakeholder_left": {"stakeholder_id": "s-berg"},
    "reorg.stakeholder_joined": {
        "stakeholder_id": "s-lind",
        "role": "decision_maker",
        "name": "Maria Lind",
        "title": "Head of Procurement",
    },
    "reorg.role_changed": {"stakeholder_id": "s-kov", "new_role": "champion", "title": "VP"},
    "reorg.unit_restructured": {
        "unit": "Procurement",
        "affected_stakeholder_ids": ["s-berg", "s-kov"],
    },
    "ticket.opened": {
        "ticket_id": "T-123",
        "severity": "P1",
        "subject": "Line stopped",
        "sla_due_at": "2026-03-02T13:30:00Z",
    },
    "ticket.escalated": {"ticket_id": "T-123", "severity": "P1"},
    "ticket.resolved": {"ticket_id": "T-123"},
    "ticket.reopened": {"ticket_id": "T-123"},
}

#: Per type: a field to break and the wrong value, each a mistake upstream systems make.
INVALID: dict[str, list[tuple[str, Any]]] = {
    "account.upserted": [("tier", "gold"), ("kam_id", ""), ("currency", "euro")],
    "stakeholder.upserted": [("role", "boss"), ("name", None), ("stakeholder_id", 42)],
    "contact.logged": [("channel", "pigeon"), ("sentiment", 1.5), ("direction", "sideways")],
    "order.placed": [("amount", "lots"), ("amount", -1), ("amount", "12.5"), ("currency", "E")],
    "order.cancelled": [("order_id", None), ("order_id", "x" * 129)],
    "reorg.stakeholder_left": [("stakeholder_id", ["s-berg"])],
    "reorg.stakeholder_joined": [("role", "ceo"), ("stakeholder_id", "")],
    "reorg.role_changed": [("new_role", "king"), ("new_role", None)],
    "reorg.unit_restructured": [("affected_stakeholder_ids", "s-berg"), ("unit", "")],
    "ticket.opened": [("severity", "P0"), ("sla_due_at", "2026-03-02T13:30:00")],
    "ticket.escalated": [("severity", "urgent"), ("ticket_id", 7)],
    "ticket.resolved": [("ticket_id", None)],
    "ticket.reopened": [("ticket_id", True)],
}


def event(event_type: str, /, **changes: Any) -> dict[str, Any]:
    """A valid ``event_type`` event as a JSON dict with ``changes`` (``...`` drops a field)."""
    body = {"event_id": "evt-1", "type": event_type, **COMMON, **VALID[event_type]}
    for key, value in changes.items():
        if value is ...:
            body.pop(key, None)
        else:
            body[key] = value
    return body
