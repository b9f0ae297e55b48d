"""The account state as JSON-compatible data: what the worker's account table stores.

Short keys keep the changelog small; the format is versioned (``"v"``) so
that a later release can read what an earlier one wrote. Timestamps are
integer microseconds since the epoch: exact, and half the bytes of ISO text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from consumers.domain.days import EPOCH
from consumers.domain.state import (
    AccountFacts,
    AccountState,
    KamSpan,
    Order,
    OrderFacts,
    Reg,
    ReorgStep,
    Restructure,
    Span,
    StakeholderState,
    TeamContact,
    Ticket,
    TicketFacts,
    Touchpoint,
)
from consumers.pipeline.codecs.errors import StateFormatError

#: The version of the dicts :func:`state_to_dict` writes.
FORMAT_VERSION = 2


_MICRO = timedelta(microseconds=1)


def _t(value: datetime) -> int:
    # Integer microseconds since the epoch: exact, and half the bytes of ISO text.
    return (value - EPOCH) // _MICRO


def _pt(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StateFormatError(f"expected integer microseconds for a timestamp, got {value!r}")
    return EPOCH + value * _MICRO


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


@dataclass(frozen=True)
class Piece:
    """One part of a state's encoding that a later state often shares unchanged.

    ``path`` says where its encoding sits in :func:`state_to_dict`'s dict
    (``("orders",)``, ``("stakeholders", sid)``, ``("team", owner, sid)``);
    ``value`` is the state's own object, immutable, so a later state holding
    the very same object has the very same encoding (see codecs/record.py).
    """

    path: tuple[str, ...]
    value: Any
    encode: Callable[[Any], Any]


def state_head(state: AccountState) -> dict[str, Any]:
    """What :func:`state_to_dict` holds besides its :func:`state_pieces`: the small fields."""
    return {
        "v": FORMAT_VERSION,
        "account_id": state.account_id,
        "info": _reg(state.info, _facts_to_list),
        "first_seen": _ot(state.first_seen),
        "latest_at": _ot(state.latest_at),
        "kams": {k: [_t(s.first), _t(s.last)] for k, s in sorted(state.kams.items())},
        "restructures": [
            [_t(r.at), r.event_id, r.unit, list(r.affected)] for r in state.restructures
        ],
    }


def state_pieces(state: AccountState) -> list[Piece]:
    """The large parts of the state's encoding, in the order they are written.

    Each stakeholder, the orders, the tickets and each account-team contact:
    a contact event changes one stakeholder and one team contact, so the
    rest of a long history is encoded once and reused.
    """
    pieces = [
        Piece(("stakeholders", k), p, _stakeholder_to_dict)
        for k, p in sorted(state.stakeholders.items())
    ]
    pieces.append(Piece(("orders",), state.orders, _orders_to_dict))
    pieces.append(Piece(("tickets",), state.tickets, _tickets_to_dict))
    pieces += [
        Piece(("team", owner, sid), contact, _team_contact_to_list)
        for owner, contacts in sorted(state.team.items())
        for sid, contact in sorted(contacts.items())
    ]
    return pieces


def state_to_dict(state: AccountState) -> dict[str, Any]:
    """Encode a state as plain JSON-compatible data (for a changelog-backed table)."""
    encoded = state_head(state)
    encoded["stakeholders"] = {}
    if state.team:
        # Only when there is one: a state without a team is written as before it was kept.
        encoded["team"] = {owner: {} for owner in sorted(state.team)}
    for piece in state_pieces(state):
        *where, key = piece.path
        into = encoded
        for name in where:
            into = into[name]
        into[key] = piece.encode(piece.value)
    return encoded


def _team_contact_to_list(contact: TeamContact) -> list[Any]:
    return [_t(contact.last), [[_t(at), eid] for at, eid in contact.recent]]


def _team_from_dict(raw: Mapping[str, Any]) -> dict[str, dict[str, TeamContact]]:
    return {
        owner: {
            sid: TeamContact(_pt(last), tuple((_pt(at), str(eid)) for at, eid in recent))
            for sid, (last, recent) in contacts.items()
        }
        for owner, contacts in raw.items()
    }


def _orders_to_dict(orders: Mapping[str, Order]) -> dict[str, Any]:
    return {
        k: [_reg(o.placed, _order_facts_to_list), _reg(o.cancelled)]
        for k, o in sorted(orders.items())
    }


def _tickets_to_dict(tickets: Mapping[str, Ticket]) -> dict[str, Any]:
    return {
        k: [
            _reg(t.opened, lambda f: [f.severity, f.subject, _ot(f.sla_due_at)]),
            _reg(t.status),
            _reg(t.escalated),
            _reg(t.severity_change),
        ]
        for k, t in sorted(tickets.items())
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
                    placed=_preg(p, _order_facts_from_list),
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
            # States stored before the account team was kept have no "team": empty.
            team=_team_from_dict(data.get("team", {})),
        )
    except StateFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFormatError(f"stored account state is unreadable: {exc!r}") from exc


def _facts_to_list(f: AccountFacts) -> list[Any]:
    # Fields added after format 2 are appended, so that a list written before
    # them still reads (missing → None); an absent one is not written at all.
    known = [f.name, f.tier, f.kam_id, f.parent_account_id, f.annual_revenue_target, f.currency]
    if f.strategic_flags:
        return [*known, f.annual_potential, list(f.strategic_flags)]
    return known if f.annual_potential is None else [*known, f.annual_potential]


def _facts_from_list(raw: list[Any]) -> AccountFacts:
    name, tier, kam_id, parent, target, currency = raw[:6]
    potential = raw[6] if len(raw) > 6 else None
    flags = tuple(str(x) for x in raw[7]) if len(raw) > 7 else ()
    return AccountFacts(
        name,
        tier,
        kam_id,
        parent,
        None if target is None else float(target),
        currency,
        annual_potential=None if potential is None else float(potential),
        strategic_flags=flags,
    )


def _order_facts_to_list(f: OrderFacts) -> list[Any]:
    # The whitespace fields come after amount and currency; a placement stored
    # before they existed has only those two and reads with None for the rest.
    if f.margin is None and f.product_line is None and f.business_unit is None:
        return [f.amount, f.currency]
    return [f.amount, f.currency, f.margin, f.product_line, f.business_unit]


def _order_facts_from_list(raw: list[Any]) -> OrderFacts:
    if len(raw) == 2:  # written without the whitespace fields (or before they existed)
        return OrderFacts(float(raw[0]), str(raw[1]))
    amount, currency, margin, line, unit = raw
    return OrderFacts(
        float(amount),
        str(currency),
        None if margin is None else float(margin),
        None if line is None else str(line),
        None if unit is None else str(unit),
    )


def _stakeholder_to_dict(s: StakeholderState) -> dict[str, Any]:
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


def _stakeholder_from_dict(stakeholder_id: str, d: Mapping[str, Any]) -> StakeholderState:
    return StakeholderState(
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
