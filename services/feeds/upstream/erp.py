"""ERP sales orders → ``order.placed`` and ``order.cancelled``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.events import OrderCancelled, OrderPlaced


@dataclass(frozen=True)
class ErpOrder:
    """A booked sales order; ``customer_no`` is the key account's id."""

    order_no: str
    customer_no: str
    net_amount: float
    currency: str
    booked_at: datetime
    margin: float | None = None
    product_line: str | None = None
    business_unit: str | None = None


@dataclass(frozen=True)
class ErpCancellation:
    """A cancellation of a booked order."""

    order_no: str
    customer_no: str
    cancelled_at: datetime


def order_placed(order: ErpOrder, source: str = "erp") -> OrderPlaced:
    """The event for a booked order."""
    return OrderPlaced(
        event_id=f"{source}:order:{order.order_no}",
        account_id=order.customer_no,
        occurred_at=order.booked_at,
        source=source,
        order_id=order.order_no,
        amount=round(float(order.net_amount), 2),
        currency=order.currency,
        margin=order.margin,
        product_line=order.product_line,
        business_unit=order.business_unit,
    )


def order_cancelled(cancellation: ErpCancellation, source: str = "erp") -> OrderCancelled:
    """The event for a cancelled order."""
    return OrderCancelled(
        event_id=f"{source}:cancel:{cancellation.order_no}",
        account_id=cancellation.customer_no,
        occurred_at=cancellation.cancelled_at,
        source=source,
        order_id=cancellation.order_no,
    )
