"""The account state: what keypulse remembers about one key account.

The state is a function of the *set* of events seen, never of their order
(DESIGN.md "The state model"). Every mutable fact is a :class:`Reg` — a value
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, Generic, NamedTuple, TypeVar, overload

from consumers.domain.errors import StateFormatError
from consumers.domain.policy import RETAIN_ORDERS_DAYS, RETAIN_REORGS_DAYS, RETAIN_TICKETS_DAYS

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

ORDER_HORIZON = timedelta(days=RETAIN_ORDERS_DAYS)
TICKET_HORIZON = timedelta(days=RETAIN_TICKETS_DAYS)
REORG_HORIZON = timedelta(days=RETAIN_REORGS_DAYS)

FORMAT_VERSION = 2


R = TypeVar("R")


class cached_property(Generic[R]):  # noqa: N801 - named after what it replaces
    """functools.cached_property without the lock Python 3.11 takes on a first access.

    The per-state indexes below are built on every fresh state, so the lock
    was measurable; without it two threads racing on a first access both
    compute the same value, which is harmless. Like functools' version it
    stores the value in the instance __dict__ (a frozen dataclass allows
    that), so later accesses never reach this descriptor.
    """

    def __init__(self, func: Callable[[Any], R]) -> None:
        self.func = func
        self.name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> cached_property[R]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> R: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> R | cached_property[R]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


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
class Stakeholder:
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
    stakeholders: Mapping[str, Stakeholder] = field(default_factory=dict)
    orders: Mapping[str, Order] = field(default_factory=dict)
    tickets: Mapping[str, Ticket] = field(default_factory=dict)
    restructures: tuple[Restructure, ...] = ()  # newest first

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
    def stakeholders_by_id(self) -> tuple[Stakeholder, ...]:
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
            rows.append((max(ats) if ats else _EPOCH, t))
        return tuple(rows)

    @cached_property
    def placed_orders(self) -> tuple[PlacedOrder, ...]:
        """Placed orders sorted by (placed_at, order_id), with when each was cancelled."""
        rows = [
            PlacedOrder(
                o.placed.at,
                oid,
                o.placed.value.amount,
                o.cancelled.at if o.cancelled is not None else None,
            )
            for oid, o in self.orders.items()
            if o.placed is not None
        ]
        rows.sort(key=itemgetter(0, 1))  # (at, order_id)
        return tuple(rows)

    @cached_property
    def placed_order_times(self) -> tuple[datetime, ...]:
        """``placed_orders``' placement times, for bisecting a time window."""
        return tuple(r.at for r in self.placed_orders)


#: Each per-state index above and the field it is built from alone.
_INDEX_SOURCES = {
    "stakeholders_by_id": "stakeholders",
    "tickets_by_id": "tickets",
    "placed_orders": "orders",
    "placed_order_times": "orders",
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


def empty_state(account_id: str) -> AccountState:
    """The state of an account no event has been seen for."""
    return AccountState(account_id=account_id)


# --- JSON-compatible dicts -------------------------------------------------------------
# Short keys keep the changelog small; the format is versioned so that a later
# release can read what an earlier one wrote.


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def _t(value: datetime) -> int:
    # Integer microseconds since the epoch: exact, and half the bytes of ISO text.
    return (value - _EPOCH) // _MICRO


def _pt(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateFormatError(f"expected integer microseconds for a timestamp, got {value!r}")
    return _EPOCH + value * _MICRO


def _ot(value: datetime | None) -> int | None:
    return None if value is None else _t(value)


def _opt(value: Any) -> datetime | None:
    return None if value is None else _pt(value)


def _reg(reg: Reg[Any] | None, encode: Any = None) -> list[Any] | None:
    if reg is None:
        return None
    value = reg.value if encode is None else encode(reg.value)
    return [value, _t(reg.at), reg.event_id]


def _preg(raw: Any, decode: Any = None) -> Reg[Any] | None:
    if raw is None:
        return None
    value, at, event_id = raw
    return Reg(value if decode is None else decode(value), _pt(at), str(event_id))


def state_to_dict(state: AccountState) -> dict[str, Any]:
    """Encode a state as plain JSON-compatible data (for a changelog-backed table)."""
    return {
        "v": FORMAT_VERSION,
        "account_id": state.account_id,
        "info": _reg(state.info, _facts_to_list),
        "first_seen": _ot(state.first_seen),
        "latest_at": _ot(state.latest_at),
        "kams": {k: [_t(s.first), _t(s.last)] for k, s in sorted(state.kams.items())},
        "stakeholders": {k: _stakeholder_to_dict(s) for k, s in sorted(state.stakeholders.items())},
        "orders": {
            k: [_reg(o.placed, lambda f: [f.amount, f.currency]), _reg(o.cancelled)]
            for k, o in sorted(state.orders.items())
        },
        "tickets": {
            k: [
                _reg(t.opened, lambda f: [f.severity, f.subject, _ot(f.sla_due_at)]),
                _reg(t.status),
                _reg(t.escalated),
                _reg(t.severity_change),
            ]
            for k, t in sorted(state.tickets.items())
        },
        "restructures": [
            [_t(r.at), r.event_id, r.unit, list(r.affected)] for r in state.restructures
        ],
    }


def state_from_dict(data: Mapping[str, Any]) -> AccountState:
    """Decode what :func:`state_to_dict` produced; raises StateFormatError if it cannot."""
    try:
        if data.get("v") != FORMAT_VERSION:
            raise StateFormatError(f"unknown account state format version {data.get('v')!r}")
        return AccountState(
            account_id=str(data["account_id"]),
            info=_preg(data["info"], _facts_from_list),
            first_seen=_opt(data["first_seen"]),
            latest_at=_opt(data["latest_at"]),
            kams={k: KamSpan(_pt(a), _pt(b)) for k, (a, b) in data["kams"].items()},
            stakeholders={k: _stakeholder_from_dict(k, s) for k, s in data["stakeholders"].items()},
            orders={
                k: Order(
                    order_id=k,
                    placed=_preg(p, lambda f: OrderFacts(float(f[0]), str(f[1]))),
                    cancelled=_preg(c),
                )
                for k, (p, c) in data["orders"].items()
            },
            tickets={
                k: Ticket(
                    ticket_id=k,
                    opened=_preg(o, lambda f: TicketFacts(f[0], f[1], _opt(f[2]))),
                    status=_preg(s),
                    escalated=_preg(e),
                    severity_change=_preg(sc),
                )
                for k, (o, s, e, sc) in data["tickets"].items()
            },
            restructures=tuple(
                Restructure(_pt(at), eid, unit, tuple(affected))
                for at, eid, unit, affected in data["restructures"]
            ),
        )
    except StateFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFormatError(f"stored account state is unreadable: {exc!r}") from exc


def _facts_to_list(f: AccountFacts) -> list[Any]:
    return [f.name, f.tier, f.kam_id, f.parent_account_id, f.annual_revenue_target, f.currency]


def _facts_from_list(raw: list[Any]) -> AccountFacts:
    name, tier, kam_id, parent, target, currency = raw
    return AccountFacts(
        name, tier, kam_id, parent, None if target is None else float(target), currency
    )


def _stakeholder_to_dict(s: Stakeholder) -> dict[str, Any]:
    return {
        "since": _t(s.known_since),
        "name": _reg(s.name),
        "title": _reg(s.title),
        "dept": _reg(s.department),
        "role": _reg(s.role),
        "status": _reg(s.status),
        "tp": [[_t(t.at), t.channel, int(t.negative)] for t in s.touchpoints],
        "reorg": [[_t(r.at), r.event_id, r.kind, r.role] for r in s.reorg],
        "crm": {k: [_t(v.first), _t(v.last)] for k, v in sorted(s.crm_roles.items())},
    }


def _stakeholder_from_dict(stakeholder_id: str, d: Mapping[str, Any]) -> Stakeholder:
    return Stakeholder(
        stakeholder_id=stakeholder_id,
        known_since=_pt(d["since"]),
        name=_preg(d["name"]),
        title=_preg(d["title"]),
        department=_preg(d["dept"]),
        role=_preg(d["role"]),
        status=_preg(d["status"]),
        touchpoints=tuple(Touchpoint(_pt(a), c, bool(n)) for a, c, n in d["tp"]),
        reorg=tuple(ReorgStep(_pt(a), e, k, r) for a, e, k, r in d["reorg"]),
        crm_roles={k: Span(_pt(a), _pt(b)) for k, (a, b) in d["crm"].items()},
    )
