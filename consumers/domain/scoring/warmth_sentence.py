"""Why a key person's warmth costs points, in the words a KAM would use.

The warmth penalty is the gap between the person's warmth and full warmth
(a meeting today). A fresh touchpoint still leaves a gap when it was a weak
channel (an e-mail is worth 0.3 of a meeting) or a negative one, and a
meeting leaves a small one as it decays. "Last contact 0 days ago" would
read as a penalty for being in touch; the sentence names what is actually
missing instead: the depth of contact ("only calls and e-mails, no meeting
in 60 days"), the sentiment, or the time since the last meeting.
"""

from __future__ import annotations

from datetime import datetime

from consumers.domain.days import days_between, whole_days
from consumers.domain.policy import Policy
from consumers.domain.sentences import n_days
from consumers.domain.state import StakeholderState, Touchpoint
from consumers.domain.vocabulary import CHANNEL_LABEL, CHANNEL_PLURAL, ROLE_LABEL
from consumers.domain.warmth import last_contact, silent_since, strongest_touchpoint
from schemas.vocabulary import CHANNELS


def warmth_sentence(person: StakeholderState, now: datetime, policy: Policy) -> str:
    """The driver sentence of a decision maker's or champion's warmth penalty."""
    label = ROLE_LABEL[person.current_role]
    who = f"{label} {person.display_name}"
    # Only the first letter: str.capitalize() would lower-case the name.
    head = label[:1].upper() + label[1:] + f" {person.display_name}"
    seen = last_contact(person, now)
    if seen is None:
        days = whole_days(silent_since(person, now), now)
        return f"{head} not contacted yet ({n_days(days)})"
    days = whole_days(seen, now)
    if days >= policy.warmth.cadence_days[person.current_role]:
        return f"No contact with {who} for {n_days(days)}"
    best = strongest_touchpoint(person, now, policy)
    assert best is not None  # there is a contact at or before now
    if best.negative:
        return (
            f"{head}: the last {CHANNEL_LABEL.get(best.channel, best.channel)} "
            f"({_ago(best.at, now)}) was negative"
        )
    full = _full_channels(policy)
    past = [p for p in person.touchpoints if p.at <= now]  # newest first
    met = next((p for p in past if p.channel in full and not p.negative), None)
    since = [p for p in past if met is None or p.at > met.at]
    weaker = _channels([p for p in since if p.channel not in full])
    if best.channel in full:
        # Only time has passed since a meeting: the gap is its decay.
        half_life = policy.warmth.half_life_days[person.current_role]
        tail = f", only {weaker} since" if weaker else ""
        return f"{head}: met {_ago(best.at, now)}{tail} (warmth halves every {half_life:g} days)"
    bad = next((p for p in since if p.channel in full and p.negative), None)
    if bad is not None:
        tail = f", the last meeting ({_ago(bad.at, now)}) was negative"
    elif met is not None:
        tail = f", no meeting in {n_days(whole_days(met.at, now))}"
    else:
        tail = ", no meeting yet"
    return f"Only {weaker} with {who}{tail}"


def since_last_meeting(person: StakeholderState, now: datetime, policy: Policy) -> str:
    """'no meeting yet', 'met today', 'last met 20 days ago' (a good meeting or visit)."""
    full = _full_channels(policy)
    met = next(
        (p for p in person.touchpoints if p.at <= now and p.channel in full and not p.negative),
        None,
    )
    if met is None:
        return "no meeting yet"
    days = whole_days(met.at, now)
    return "met today" if days == 0 else f"last met {n_days(days)} ago"


def due_for_meeting(person: StakeholderState, now: datetime, policy: Policy) -> bool:
    """Whether no good meeting with the person lies within their role's contact cadence."""
    full = _full_channels(policy)
    cadence = policy.warmth.cadence_days[person.current_role]
    met = next(
        (p for p in person.touchpoints if p.at <= now and p.channel in full and not p.negative),
        None,
    )
    return met is None or days_between(met.at, now) >= cadence


def _full_channels(policy: Policy) -> frozenset[str]:
    """The channels of the highest weight: what a sentence calls a meeting."""
    weights = policy.warmth.channel_weight
    top = max(weights.values(), default=1.0)
    return frozenset(c for c in CHANNELS if weights.get(c, 0.3) >= top)


def _ago(at: datetime, now: datetime) -> str:
    days = whole_days(at, now)
    return "today" if days == 0 else f"{n_days(days)} ago"


def _channels(points: list[Touchpoint]) -> str:
    """'calls and e-mails': the distinct channels, in the contract's order."""
    seen = {p.channel for p in points}
    names = [CHANNEL_PLURAL[c] for c in CHANNELS if c in seen]
    names += sorted(CHANNEL_PLURAL.get(c, c) for c in seen if c not in CHANNEL_PLURAL)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
