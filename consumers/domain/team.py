"""The account team: who on our side has spoken to which stakeholders, read from the state.

A touchpoint logged without ``internal_owner`` counts as the KAM's at the
touchpoint's time: the KAM whose ownership (the first upsert naming them) began
last at or before it, or the first known KAM for touchpoints before any upsert.
That is resolved here, when the team is read, because the master data that
says who the KAM was may arrive after the touchpoint (the state is a function
of the set of events).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from consumers.domain.as_of import present
from consumers.domain.state import UNNAMED_OWNER, AccountState


@dataclass(frozen=True)
class TeamMember:
    """One internal person of the account team as the team route shows them."""

    internal_owner: str
    stakeholders: tuple[str, ...]  # stakeholder ids, sorted
    last_contact: datetime
    touchpoints_90d: int  # touchpoints within the team window before the evaluation time


@dataclass(frozen=True)
class AccountTeam:
    """The account team at one time: its members and who only the KAM knows."""

    members: tuple[TeamMember, ...]  # most touchpoints in the window first
    known_only_by_kam: tuple[str, ...]  # active stakeholder ids, sorted


def kam_at(state: AccountState, at: datetime) -> str | None:
    """The KAM who owned the account at ``at`` (see the module docs); None without master data."""
    return _kam_lookup(state)(at)


def _kam_lookup(state: AccountState) -> Callable[[datetime], str | None]:
    """:func:`kam_at` for many times: the ownerships are sorted once, each time is a bisection.

    The team's readers resolve the owner of every kept touchpoint, and
    sorting the ownerships for each of them was most of their time.
    """
    if not state.kams:
        return lambda at: None
    # The ownership that began last at or before ``at`` (ties: the larger id,
    # as max() over (began, kam) picks), else the earliest.
    began = sorted((span.first, kam) for kam, span in state.kams.items())
    starts = [first for first, _ in began]
    earliest = began[0][1]

    def owner(at: datetime) -> str | None:
        i = bisect_right(starts, at)
        return began[i - 1][1] if i else earliest

    return owner


def _speaker(state: AccountState) -> Callable[[str, datetime], str | None]:
    """Who a touchpoint of ``owner`` at a time counts for: the owner, or the KAM then."""
    kam = _kam_lookup(state)
    return lambda owner, at: owner if owner != UNNAMED_OWNER else kam(at)


def recent_voices(state: AccountState, now: datetime, window: timedelta) -> dict[str, int]:
    """Touchpoints per internal person within ``(now - window, now]``."""
    counts: dict[str, int] = {}
    for who, times in _voice_times(state).items():
        n = bisect_right(times, now) - bisect_right(times, now - window)
        if n:
            counts[who] = n
    return counts


def _voice_times(state: AccountState) -> dict[str, list[datetime]]:
    """Each internal person's kept touchpoint times, oldest first; built once per state.

    Every evaluation counts the team's voices (team_single_threaded), and a
    step evaluates one state several times (now, next_due's probes): walking
    hundreds of kept touchpoints each time grew the step with the history.
    Whom each contact's touchpoints count for is also kept, per contact, on
    the state's voice memo (carried to the next state while the KAMs stay
    the same), so a new state re-attributes only the contacts that changed.
    """
    memo = state.team_memo
    found: dict[str, list[datetime]] | None = memo.get("voice_times")
    if found is not None:
        return found
    found = {}
    attributed = state.voice_memo
    speaker: Callable[[str, datetime], str | None] | None = None
    for owner, contacts in state.team.items():
        for sid, contact in contacts.items():
            entry = attributed.get((owner, sid))
            if entry is None or entry[0] is not contact:
                speaker = speaker or _speaker(state)
                voices: dict[str, list[datetime]] = {}
                for at, _ in contact.recent:
                    who = speaker(owner, at)
                    if who is not None:
                        voices.setdefault(who, []).append(at)
                entry = attributed[(owner, sid)] = (contact, voices)
            for who, times in entry[1].items():
                found.setdefault(who, []).extend(times)
    for times in found.values():
        times.sort()
    memo["voice_times"] = found
    return found


def last_contacts(state: AccountState, now: datetime) -> dict[str, dict[str, datetime]]:
    """Each internal person's last contact per stakeholder, as far as the team memory goes."""
    found: dict[str, dict[str, datetime]] = {}
    who_spoke = _speaker(state)
    for owner, contacts in state.team.items():
        for sid, contact in contacts.items():
            times = [contact.last, *(at for at, _ in contact.recent)]
            seen = max((t for t in times if t <= now), default=None)
            if seen is None:
                continue
            who = who_spoke(owner, seen)
            if who is None:
                continue
            mine = found.setdefault(who, {})
            if sid not in mine or seen > mine[sid]:
                mine[sid] = seen
    return found


def account_team(state: AccountState, now: datetime, window: timedelta) -> AccountTeam:
    """The account team at ``now``, touchpoints counted within ``window``."""
    counts = recent_voices(state, now, window)
    known = last_contacts(state, now)
    members = [
        TeamMember(
            internal_owner=who,
            stakeholders=tuple(sorted(by_stakeholder)),
            last_contact=max(by_stakeholder.values()),
            touchpoints_90d=counts.get(who, 0),
        )
        for who, by_stakeholder in known.items()
    ]
    members.sort(key=lambda m: (-m.touchpoints_90d, -m.last_contact.timestamp(), m.internal_owner))
    kam = state.kam_id
    knowers: dict[str, set[str]] = {}
    for who, by_stakeholder in known.items():
        for sid in by_stakeholder:
            knowers.setdefault(sid, set()).add(who)
    only_kam = tuple(
        sid
        for sid, people in sorted(knowers.items())
        if kam is not None
        and people == {kam}
        and sid in state.stakeholders
        and present(state.stakeholders[sid], now)
    )
    return AccountTeam(tuple(members), only_kam)


def colleague_who_knows(state: AccountState, now: datetime, besides: str) -> tuple[str, str] | None:
    """(colleague, stakeholder_id): the internal person other than ``besides`` who spoke to
    someone at the account most recently, and to whom; None when nobody else ever did."""
    best: tuple[datetime, str, str] | None = None
    for who, by_stakeholder in last_contacts(state, now).items():
        if who == besides:
            continue
        for sid, seen in by_stakeholder.items():
            if best is None or (seen, who, sid) > best:
                best = (seen, who, sid)
    return None if best is None else (best[1], best[2])


def knows_best(state: AccountState, now: datetime, window: timedelta, besides: str) -> str | None:
    """The internal person other than ``besides`` who knows the account best (most touchpoints
    within ``window``, then the most recent contact), or None."""
    for member in account_team(state, now, window).members:
        if member.internal_owner != besides:
            return member.internal_owner
    return None
