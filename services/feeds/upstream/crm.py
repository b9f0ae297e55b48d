"""CRM contacts and activities → ``stakeholder.upserted`` and ``contact.logged``.

CRMs speak of contacts with a buying-center role and of activities (meetings,
calls, e-mails) rated by the salesperson; these adapters map that vocabulary
onto the contract's stakeholder roles, channels and sentiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from schemas.events import ContactLogged, StakeholderUpserted
from schemas.vocabulary import Channel, StakeholderRole
from services.feeds.upstream import stamp

#: Buying-center roles as CRMs name them → contract roles. The contract's own
#: names are accepted too.
BUYING_ROLES: dict[str, StakeholderRole] = {
    "decision_maker": "decision_maker",
    "economic_buyer": "decision_maker",
    "decider": "decision_maker",
    "champion": "champion",
    "sponsor": "champion",
    "influencer": "influencer",
    "technical_buyer": "influencer",
    "user": "user",
    "end_user": "user",
    "blocker": "blocker",
    "opponent": "blocker",
}

ActivityKind = Literal[
    "meeting", "site_visit", "phone_call", "video_call", "email", "event", "chat"
]

#: CRM activity kinds → contract channels.
ACTIVITY_CHANNELS: dict[ActivityKind, Channel] = {
    "meeting": "meeting",
    "site_visit": "visit",
    "phone_call": "call",
    "video_call": "video",
    "email": "email",
    "event": "event",
    "chat": "message",
}


@dataclass(frozen=True)
class CrmContact:
    """A person at the customer as the CRM stores them."""

    contact_id: str
    account_id: str
    full_name: str
    buying_role: str
    modified_at: datetime
    job_title: str | None = None
    department: str | None = None


@dataclass(frozen=True)
class CrmActivity:
    """A logged activity with one contact; ``rating`` is the 1–5 stars a salesperson gives."""

    activity_id: str
    account_id: str
    contact_id: str
    kind: ActivityKind
    inbound: bool
    at: datetime
    rating: int | None = None
    owner: str | None = None


def role_of(buying_role: str) -> StakeholderRole:
    """Map a CRM buying-center role to a contract role; ValueError for an unknown one."""
    try:
        return BUYING_ROLES[buying_role.strip().lower().replace(" ", "_").replace("-", "_")]
    except KeyError:
        raise ValueError(
            f"unknown buying role {buying_role!r}; expected one of {', '.join(BUYING_ROLES)}"
        ) from None


def sentiment_of(rating: int | None) -> float | None:
    """1–5 stars → sentiment −1..1 (3 stars is neutral)."""
    if rating is None:
        return None
    if not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1..5, got {rating}")
    return (rating - 3) / 2


def stakeholder_upserted(contact: CrmContact, source: str = "crm") -> StakeholderUpserted:
    """The event for one version of a CRM contact."""
    return StakeholderUpserted(
        event_id=f"{source}:contact:{contact.contact_id}:{stamp(contact.modified_at)}",
        account_id=contact.account_id,
        occurred_at=contact.modified_at,
        source=source,
        stakeholder_id=contact.contact_id,
        name=contact.full_name,
        role=role_of(contact.buying_role),
        title=contact.job_title,
        department=contact.department,
    )


def contact_logged(activity: CrmActivity, source: str = "crm") -> ContactLogged:
    """The touchpoint event for one CRM activity."""
    return ContactLogged(
        event_id=f"{source}:activity:{activity.activity_id}",
        account_id=activity.account_id,
        occurred_at=activity.at,
        source=source,
        stakeholder_id=activity.contact_id,
        channel=ACTIVITY_CHANNELS[activity.kind],
        direction="inbound" if activity.inbound else "outbound",
        sentiment=sentiment_of(activity.rating),
        internal_owner=activity.owner,
    )
