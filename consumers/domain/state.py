"""The account state: what keypulse remembers about one key account.

The state is a function of the *set* of events seen, never of their order
(docs/architecture.md, "The state model"). Every mutable fact is a :class:`Reg` — a value
stamped with the ``(occurred_at, event_id)`` of the event that set it — and
the newest stamp wins. Collections are bounded by rules that are themselves
order-insensitive:

* "keep the N newest" of a set, and
* "keep what is younger than ``latest_at`` minus a horizon", where
  ``latest_at`` is the newest ``occurred_at`` of *any* event ever applied.

Both thresholds only ever move forward, so whatever one path of arrival drops
can never be needed by another path: an event that is already older than the
horizon when it arrives is dropped at once, exactly as it would have been
dropped later had it arrived in order. See docs/scoring.md, "State size".

All datetimes are UTC. Dict fields are never mutated after construction;
:mod:`consumers.domain.apply` copies what it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar

from consumers.domain.days import EPOCH
from consumers.domain.memo import cached_property
from consumers.domain.policy import (
    RETAIN_ORDERS_DAYS,
    RETAIN_REORGS_DAYS,
    RETAIN_TEAM_MEMORY_DAYS,
    RETAIN_TEAM_TOUCHPOINTS_DAYS,
    RETAIN_TICKETS_DAYS,
)

T = TypeVar("T")

#: Touchpoints kept per stakeholder and per (channel, negative sentiment) kind.
#: Warmth is the strongest decayed touchpoint, and within one kind the newest
#: is the strongest, so keeping the newest of each kind loses nothing for the
#: current warmth; the second one keeps a 14-day-old baseline honest.
TOUCHPOINTS_PER_KIND = 2
#: Reorganisation steps (joined / left / role changed) kept per stakeholder.
REORG_STEPS_PER_STAKEHOLDER = 4
#: Unit restructurings kept per account.
RESTRUCTURES_KEPT = 8
#: Affected stakeholder ids kept per restructuring.
AFFECTED_KEPT = 50
#: Order placements (and, separately, cancellations) kept per account.
ORDERS_KEPT = 400

#: Touchpoints kept per internal person and stakeholder (the newest), within TEAM_HORIZON.
TEAM_TOUCHPOINTS_KEPT = 50
#: The internal owner of a touchpoint logged without ``internal_owner``: the account's
#: KAM at the touchpoint's time, resolved when the team is read (consumers/domain/team.py),
#: because the master data that says who that was may arrive after the touchpoint.
UNNAMED_OWNER = ""

ORDER_HORIZON = timedelta(days=RETAIN_ORDERS_DAYS)
#: Touchpoints younger than this (relative to latest_at) are kept one by one.
TEAM_HORIZON = timedelta(days=RETAIN_TEAM_TOUCHPOINTS_DAYS)
#: Who spoke to whom is remembered (as a last contact) for this long.
TEAM_MEMORY = timedelta(days=RETAIN_TEAM_MEMORY_DAYS)
#: The trailing window of revenue_12m (consumers/domain/purchases.py re-exports it as WINDOW).
PURCHASE_WINDOW = timedelta(days=365)
TICKET_HORIZON = timedelta(days=RETAIN_TICKETS_DAYS)
REORG_HORIZON = timedelta(days=RETAIN_REORGS_DAYS)


@dataclass(frozen=True)
class Reg(Generic[T]):
    """A last-writer-wins register: ``value`` as set by event ``event_id`` at ``at``."""

    value: T
    at: datetime
    event_id: str

    @property
    def stamp(self) -> tuple[datetime, str]:
        """The ordering key; ties on ``at`` are broken by ``event_id``."""
        return (self.at, self.event_id)


def newer(current: Reg[T] | None, candidate: Reg[T]) -> Reg[T]:
    """The winner of two register values (the newer stamp)."""
    if current is None or candidate.stamp > current.stamp:
        return candidate
    return current


@dataclass(frozen=True)
class Touchpoint:
    """One logged contact, reduced to what warmth needs.

    No event_id: two contacts of the same kind at the same instant are worth
    exactly the same to warmth, so they may collapse into one; that keeps the
    dedupe exact and saves the bytes of an id per touchpoint.
    """

    at: datetime
    channel: str
    negative: bool  # sentiment < 0

    @property
    def stamp(self) -> tuple[datetime, str, bool]:
        """Ordering key (newest first in a stakeholder's tuple)."""
        return (self.at, self.channel, self.negative)


@dataclass(frozen=True)
class TeamContact:
    """One internal person's touchpoints with one stakeholder (the account team).

    ``last`` is the newest touchpoint ever seen (a max: order-insensitive);
    ``recent`` the ``(occurred_at, event_id)`` of each touchpoint within
    TEAM_HORIZON of latest_at, newest first, deduplicated by event id.
    """

    last: datetime
    recent: tuple[tuple[datetime, str], ...] = ()


@dataclass(frozen=True)
class ReorgStep:
    """A reorganisation fact about one stakeholder: joined, left or role_changed."""

    at: datetime
    event_id: str
    kind: str
    role: str | None  # the role joined with / changed to; None for "left"

    @property
    def stamp(self) -> tuple[datetime, str]:
        """Ordering key."""
        return (self.at, self.event_id)


@dataclass(frozen=True)
class StakeholderState:
    """A person at the customer and our history with them."""

    stakeholder_id: str
    known_since: datetime
    name: Reg[str] | None = None
    title: Reg[str | None] | None = None
    department: Reg[str | None] | None = None
    role: Reg[str] | None = None
    status: Reg[str] | None = None  # "active" (joined) or "left"
    touchpoints: tuple[Touchpoint, ...] = ()  # newest first
    reorg: tuple[ReorgStep, ...] = ()  # newest first
    # Roles as the CRM asserted them, each with its first and last upsert:
    # daily CRM syncs must not hide what role someone had before a reorg.
    crm_roles: Mapping[str, Span] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The name a KAM knows, or the id when the CRM has not sent one yet."""
        return self.name.value if self.name is not None else self.stakeholder_id

    @property
    def current_role(self) -> str:
        """Current role; an unknown role counts as ``user``."""
        return self.role.value if self.role is not None else "user"

    @property
    def active(self) -> bool:
        """True unless the newest reorg status says the person left."""
        return self.status is None or self.status.value == "active"

    @property
    def last_contact(self) -> datetime | None:
        """When we last had a touchpoint with this stakeholder."""
        return self.touchpoints[0].at if self.touchpoints else None

    @cached_property
    def derived(self) -> dict[str, Any]:
        """Scratch space for values derived from this (immutable) stakeholder.

        Not part of the state: cached_property keeps it in the instance
        __dict__, outside the dataclass fields, so equality, repr,
        dataclasses.replace and state_to_dict never see it. A stakeholder that
        no event changed is shared by successive states, and so is this.
        """
        return {}


@dataclass(frozen=True)
class OrderFacts:
    """What an ``order.placed`` says."""

    amount: float
    currency: str
    # What whitespace reads (docs/scoring.md, "Whitespace"); None when the ERP did not say.
    margin: float | None = None
    product_line: str | None = None
    business_unit: str | None = None


@dataclass(frozen=True)
class Order:
    """An order by order_id; a cancellation is a tombstone that always wins."""

    order_id: str
    placed: Reg[OrderFacts] | None = None
    cancelled: Reg[None] | None = None

    @property
    def live(self) -> bool:
        """True when the order was placed and not cancelled."""
        return self.placed is not None and self.cancelled is None


@dataclass(frozen=True)
class TicketFacts:
    """What a ``ticket.opened`` says."""

    severity: str
    subject: str | None
    sla_due_at: datetime | None


@dataclass(frozen=True)
class Ticket:
    """A support ticket by ticket_id; each fact is its own register."""

    ticket_id: str
    opened: Reg[TicketFacts] | None = None
    status: Reg[str] | None = None  # "open" (opened / reopened) or "resolved"
    escalated: Reg[None] | None = None
    severity_change: Reg[str] | None = None  # from escalations that name a severity


@dataclass(frozen=True)
class Restructure:
    """A ``reorg.unit_restructured`` event."""

    at: datetime
    event_id: str
    unit: str
    affected: tuple[str, ...]

    @property
    def stamp(self) -> tuple[datetime, str]:
        """Ordering key."""
        return (self.at, self.event_id)


@dataclass(frozen=True)
class AccountFacts:
    """Account master data from ``account.upserted``."""

    name: str
    tier: str
    kam_id: str
    parent_account_id: str | None
    annual_revenue_target: float | None
    currency: str | None
    annual_potential: float | None = None  # what the account could buy in a year
    strategic_flags: tuple[str, ...] = ()  # sorted, without repeats


@dataclass(frozen=True)
class Span:
    """The first and last time a value was asserted (min and max: order-insensitive)."""

    first: datetime
    last: datetime

    def widen(self, at: datetime) -> Span:
        """The span that also covers ``at``."""
        if self.first <= at <= self.last:
            return self
        return Span(min(self.first, at), max(self.last, at))


#: The first and last upsert that named a KAM as owner (used to see handovers).
KamSpan = Span


@dataclass(frozen=True)
class AccountState:
    """Everything keypulse keeps about one account; build it with :func:`apply`."""

    account_id: str
    info: Reg[AccountFacts] | None = None
    first_seen: datetime | None = None
    latest_at: datetime | None = None
    kams: Mapping[str, KamSpan] = field(default_factory=dict)
    stakeholders: Mapping[str, StakeholderState] = field(default_factory=dict)
    orders: Mapping[str, Order] = field(default_factory=dict)
    tickets: Mapping[str, Ticket] = field(default_factory=dict)
    restructures: tuple[Restructure, ...] = ()  # newest first
    # The account team: internal_owner (UNNAMED_OWNER when not named) -> stakeholder_id
    # -> their touchpoints with that stakeholder.
    team: Mapping[str, Mapping[str, TeamContact]] = field(default_factory=dict)

    @property
    def kam_id(self) -> str | None:
        """The owning KAM, if the account master data has arrived."""
        return self.info.value.kam_id if self.info is not None else None

    @property
    def tier(self) -> str | None:
        """The account tier, if known."""
        return self.info.value.tier if self.info is not None else None

    @property
    def name(self) -> str:
        """Account name, or its id while master data is missing."""
        return self.info.value.name if self.info is not None else self.account_id

    # --- indexes, built once per state ---------------------------------------------------
    # A state is never changed after construction, so what the evaluation would
    # otherwise sort again at every clock time (next_due evaluates one state at
    # several) is kept on the instance. cached_property stores into the
    # instance __dict__, outside the dataclass fields: equality, repr,
    # dataclasses.replace and state_to_dict never see it.

    @cached_property
    def stakeholders_by_id(self) -> tuple[StakeholderState, ...]:
        """Stakeholders sorted by stakeholder_id."""
        return tuple(p for _, p in sorted(self.stakeholders.items()))

    @cached_property
    def tickets_by_id(self) -> tuple[tuple[datetime, Ticket], ...]:
        """(newest fact's ``at``, ticket) sorted by ticket_id.

        The newest ``at`` lets an evaluation skip a ticket whose every fact is
        older than the ticket horizon: such a ticket can never be open.
        """
        rows = []
        for _, t in sorted(self.tickets.items()):
            ats = [r.at for r in (t.opened, t.status, t.escalated, t.severity_change) if r]
            rows.append((max(ats) if ats else EPOCH, t))
        return tuple(rows)

    @cached_property
    def ticket_memo(self) -> dict[Any, Any]:
        """Scratch space for what :mod:`as_of` derives from ``tickets`` alone (see there).

        Carried to the next state while it holds the same tickets, like the
        indexes; a step that brings only contacts keeps it.
        """
        return {}

    @cached_property
    def placed_orders(self) -> tuple[PlacedOrder, ...]:
        """Placed orders sorted by (placed_at, order_id), with when each was cancelled."""
        rows = [
            PlacedOrder(
                o.placed.at,
                oid,
                o.placed.value.amount,
                o.cancelled.at if o.cancelled is not None else None,
                o.placed.value,
            )
            for oid, o in self.orders.items()
            if o.placed is not None
        ]
        rows.sort(key=itemgetter(0, 1))  # (at, order_id)
        return tuple(rows)

    @cached_property
    def order_thresholds(self) -> list[datetime]:
        """When each order fact takes effect and when it is forgotten, sorted (see due.py)."""
        found: list[datetime] = []
        for order in self.orders.values():
            for stamp in (order.placed, order.cancelled):
                if stamp is not None:
                    # placed or cancelled in the future, and forgotten past the order horizon
                    found += [stamp.at, stamp.at + ORDER_HORIZON + timedelta(microseconds=1)]
            if order.placed is not None:
                # ... and leaves the trailing 12 months of purchases.py (revenue_12m)
                found.append(order.placed.at + PURCHASE_WINDOW)
        found.sort()
        return found

    @cached_property
    def order_memo(self) -> dict[Any, Any]:
        """Scratch space for what :mod:`purchases` derives from ``orders`` alone (see there)."""
        return {}

    @cached_property
    def team_memo(self) -> dict[Any, Any]:
        """Scratch space for what :mod:`team` derives from ``team`` and ``kams`` (see there).

        Not carried to the next state (two fields feed it): each state builds
        it once, for the several evaluations a step makes of that one state.
        """
        return {}

    @cached_property
    def voice_memo(self) -> dict[Any, Any]:
        """Scratch space for whom each team contact's touchpoints count for (see :mod:`team`).

        Carried to the next state while it holds the same KAM assignments: an
        entry names the contact it was worked out for, so a changed contact is
        worked out again.
        """
        return {}

    @cached_property
    def placed_order_times(self) -> tuple[datetime, ...]:
        """``placed_orders``' placement times, for bisecting a time window."""
        return tuple(r.at for r in self.placed_orders)


#: Each per-state index above and the field it is built from alone.
_INDEX_SOURCES = {
    "stakeholders_by_id": "stakeholders",
    "tickets_by_id": "tickets",
    "ticket_memo": "tickets",
    "placed_orders": "orders",
    "placed_order_times": "orders",
    "order_memo": "orders",
    "order_thresholds": "orders",
    "voice_memo": "kams",
}


def carry_indexes(old: AccountState, new: AccountState) -> AccountState:
    """Give ``new`` the indexes ``old`` already built from a collection the two share.

    An index is a function of one field, and fields are never mutated, so
    when ``new`` holds the very same object the index is the same too: a
    contact event then does not make the next evaluation re-sort the orders
    and tickets.
    """
    built, target = old.__dict__, new.__dict__
    if new is not old:
        for name, source in _INDEX_SOURCES.items():
            if name in built and getattr(old, source) is getattr(new, source):
                target.setdefault(name, built[name])
    return new


class PlacedOrder(NamedTuple):
    """One placed order as the commercial scoring reads it (a tuple: cheap to build)."""

    at: datetime
    order_id: str
    amount: float
    cancelled_at: datetime | None
    facts: OrderFacts  # what purchases.py groups by (product line, business unit, margin)


def empty_state(account_id: str) -> AccountState:
    """The state of an account no event has been seen for."""
    return AccountState(account_id=account_id)
