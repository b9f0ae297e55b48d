"""keypulse's vocabulary: every closed set of words the contract uses, declared once.

Each set is a ``Literal`` (what the event and output models validate against)
and a tuple of its words in contract order, derived with :func:`typing.get_args`
so that the two can never disagree. Everything else (the scoring policy's
tables, the alert rules, the simulators, the tests) takes its words from here.
"""

from __future__ import annotations

from typing import Literal, get_args

#: Account tiers, most important first.
Tier = Literal["strategic", "key", "standard"]
#: Roles of a stakeholder in the customer's buying centre.
StakeholderRole = Literal["decision_maker", "champion", "influencer", "user", "blocker"]
#: How a touchpoint happened.
Channel = Literal["meeting", "visit", "call", "video", "email", "event", "message"]
#: Who started a touchpoint.
Direction = Literal["inbound", "outbound"]
#: Support ticket severities, most severe first.
TicketSeverity = Literal["P1", "P2", "P3", "P4"]
#: Health bands, best first.
Band = Literal["healthy", "watch", "at_risk", "critical"]
#: Alert severities, mildest first.
AlertSeverity = Literal["info", "warning", "critical"]
#: An alert's lifecycle steps.
AlertStatus = Literal["open", "resolved"]
#: The alert kinds the engine raises.
AlertKind = Literal[
    "stakeholder_cooling",
    "champion_left",
    "decision_maker_changed",
    "single_threaded",
    "health_drop",
    "critical_ticket",
    "order_gap",
    "team_single_threaded",
]

TIERS: tuple[Tier, ...] = get_args(Tier)
STAKEHOLDER_ROLES: tuple[StakeholderRole, ...] = get_args(StakeholderRole)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
TICKET_SEVERITIES: tuple[TicketSeverity, ...] = get_args(TicketSeverity)
BANDS: tuple[Band, ...] = get_args(Band)
ALERT_SEVERITIES: tuple[AlertSeverity, ...] = get_args(AlertSeverity)
ALERT_STATUSES: tuple[AlertStatus, ...] = get_args(AlertStatus)
ALERT_KINDS: tuple[AlertKind, ...] = get_args(AlertKind)
