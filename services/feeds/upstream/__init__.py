"""Adapters from upstream systems' own record shapes to keypulse's input events.

One module per source: ``accounts`` (account master data), ``crm``
(stakeholders and touchpoints), ``erp`` (orders and cancellations), ``hr``
(reorganisations), ``helpdesk`` (tickets). Each turns a small, typed record
as that kind of system holds it into a contract event (schemas.events) with
a deterministic ``event_id`` derived from the source's own ids, so that
re-sending the same source record is a harmless duplicate. They are the
simulator's building blocks and examples for integrators; publish the
events with :class:`services.feeds.publisher.EventPublisher`.
"""

from __future__ import annotations

from datetime import datetime


def stamp(at: datetime) -> str:
    """A compact UTC timestamp for event ids (second precision)."""
    return at.strftime("%Y%m%dT%H%M%S")
