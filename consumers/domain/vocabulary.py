"""The domain's reading of the contract vocabulary (:mod:`schemas.vocabulary`).

Orders and labels the rules need, derived from the contract's words rather
than spelt out again.
"""

from __future__ import annotations

from schemas.vocabulary import (
    ALERT_SEVERITIES,
    BANDS,
    CHANNELS,
    STAKEHOLDER_ROLES,
    AlertSeverity,
    Band,
    StakeholderRole,
)

#: The roles a key account cannot do without: their silence or departure alerts.
KEY_ROLES: tuple[StakeholderRole, ...] = ("decision_maker", "champion")
#: How a sentence names a role ("decision maker").
ROLE_LABEL: dict[str, str] = {role: role.replace("_", " ") for role in STAKEHOLDER_ROLES}
#: Alert severities, most severe first (critical 0).
SEVERITY_RANK: dict[AlertSeverity | str, int] = {
    severity: rank for rank, severity in enumerate(reversed(ALERT_SEVERITIES))
}
#: Bands, best first (healthy 0): a higher rank is a band drop.
BAND_RANK: dict[Band | str, int] = {band: rank for rank, band in enumerate(BANDS)}
#: How a sentence names one touchpoint of a channel ("e-mail"), and several ("e-mails").
_CHANNEL_WORDS = {"video": "video call", "email": "e-mail"}
CHANNEL_LABEL: dict[str, str] = {c: _CHANNEL_WORDS.get(c, c) for c in CHANNELS}
CHANNEL_PLURAL: dict[str, str] = {channel: label + "s" for channel, label in CHANNEL_LABEL.items()}
