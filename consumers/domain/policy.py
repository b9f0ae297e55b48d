"""The scoring policy: every weight, cadence and threshold the engine uses.

Defaults live in code (:data:`DEFAULT_POLICY`) so that the engine works with no
file at all; :func:`policy_from_mapping` overlays a parsed document (the
worker reads ``KEYPULSE_POLICY_FILE`` as TOML: services/policy_file.py),
changing only what it names. docs/scoring.md explains each default and why
it was chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from consumers.domain.errors import PolicyError
from schemas.vocabulary import (
    ALERT_SEVERITIES,
    CHANNELS,
    STAKEHOLDER_ROLES,
    TICKET_SEVERITIES,
    TIERS,
)

#: Retention limits of the account state (see consumers.domain.state). The
#: scoring windows of a policy must fit inside them, so they are checked here.
RETAIN_ORDERS_DAYS = 730
RETAIN_TICKETS_DAYS = 180
RETAIN_REORGS_DAYS = 180
#: Each touchpoint is kept with its internal owner for 90 days (the account team's window).
RETAIN_TEAM_TOUCHPOINTS_DAYS = 90
#: Who on our side spoke to which stakeholder is remembered for a year, so that a
#: colleague who knew the account before can be proposed.
RETAIN_TEAM_MEMORY_DAYS = 365


#: The default contact cadence per role, in days (also the default warmth half-life).
_CADENCE_DAYS = {
    "decision_maker": 30.0,
    "champion": 21.0,
    "influencer": 45.0,
    "user": 60.0,
    "blocker": 90.0,
}


@dataclass(frozen=True)
class WarmthPolicy:
    """How stakeholder warmth (0–1) is derived from touchpoints."""

    # Days after which a touchpoint counts half; equal to the role's contact cadence.
    half_life_days: Mapping[str, float] = field(default_factory=lambda: dict(_CADENCE_DAYS))
    # Days between contacts a KAM should keep with each role.
    cadence_days: Mapping[str, float] = field(default_factory=lambda: dict(_CADENCE_DAYS))
    channel_weight: Mapping[str, float] = field(
        default_factory=lambda: {
            "meeting": 1.0,
            "visit": 1.0,
            "video": 0.8,
            "event": 0.6,
            "call": 0.6,
            "message": 0.35,
            "email": 0.3,
        }
    )
    negative_sentiment_factor: float = 0.5
    warm_threshold: float = 0.25


@dataclass(frozen=True)
class WeightsPolicy:
    """Score points per factor; each component's points add up to its weight."""

    decision_maker: float = 16.0
    champion: float = 10.0
    breadth: float = 8.0
    departments: float = 6.0
    revenue_trend: float = 10.0
    target_pace: float = 8.0
    order_cadence: float = 7.0
    support: float = 20.0
    stability: float = 15.0

    @property
    def relationship(self) -> float:
        """Points of the relationship component."""
        return self.decision_maker + self.champion + self.breadth + self.departments

    @property
    def commercial(self) -> float:
        """Points of the commercial component."""
        return self.revenue_trend + self.target_pace + self.order_cadence


@dataclass(frozen=True)
class RelationshipPolicy:
    """Multi-threading targets."""

    warm_stakeholders_target: int = 3
    warm_departments_target: int = 2


@dataclass(frozen=True)
class CommercialPolicy:
    """Revenue windows and order cadence."""

    window_days: int = 90
    full_penalty_drop: float = 0.5  # a 50 % revenue drop costs all revenue_trend points
    cadence_lookback_days: int = 365
    min_orders_for_cadence: int = 3
    cadence_full_penalty_ratio: float = 3.0


@dataclass(frozen=True)
class SupportPolicy:
    """Open-ticket penalties in score points."""

    severity_points: Mapping[str, float] = field(
        default_factory=lambda: {"P1": 10.0, "P2": 5.0, "P3": 2.0, "P4": 0.5}
    )
    escalated_factor: float = 1.5
    sla_breached_factor: float = 1.25
    age_full_days: float = 30.0
    age_max_extra: float = 0.5


@dataclass(frozen=True)
class StabilityPolicy:
    """Reorganisation shocks and how fast they fade."""

    fade_days: float = 90.0
    key_left: float = 1.0
    other_left: float = 0.2
    key_role_change: float = 0.6
    other_role_change: float = 0.15
    key_joined: float = 0.4
    unit_restructured: float = 0.3
    unit_key_affected: float = 0.2


@dataclass(frozen=True)
class AlertPolicy:
    """Thresholds of the alert rules."""

    cooling_warning_ratio: float = 1.5
    cooling_critical_ratio: float = 3.0
    key_change_window_days: float = 90.0
    health_drop_points: float = 15.0
    health_drop_window_days: float = 14.0
    order_gap_warning_ratio: float = 2.0
    order_gap_critical_ratio: float = 3.0
    single_threaded_tiers: tuple[str, ...] = ("strategic", "key")
    single_threaded_min_warm: int = 2
    # team_single_threaded: on these tiers, with at least this many active
    # stakeholders, every touchpoint of team_window_days from one internal person.
    team_tiers: tuple[str, ...] = ("strategic", "key")
    team_min_active_stakeholders: int = 2
    team_window_days: float = 90.0


@dataclass(frozen=True)
class PriorityPolicy:
    """How a KAM's queue is ranked."""

    tier_value: Mapping[str, float] = field(
        default_factory=lambda: {"strategic": 3.0, "key": 2.0, "standard": 1.0}
    )
    revenue_reference: float = 1_000_000.0
    severity_urgency: Mapping[str, float] = field(
        default_factory=lambda: {"critical": 2.0, "warning": 1.0, "info": 0.25}
    )
    falling_points_full: float = 30.0
    # Untapped potential (annual_potential − revenue_12m, per revenue_reference,
    # at most 1) raises value by up to this share; no potential, no change.
    untapped_weight: float = 0.5


@dataclass(frozen=True)
class PortfolioPolicy:
    """The portfolio review: points per measured figure, strategic flags, the thresholds."""

    revenue_points: float = 35.0
    revenue_reference: float = 1_000_000.0  # revenue_12m earning every revenue point
    margin_points: float = 15.0
    margin_reference: float = 0.30  # margin share earning every margin point
    wallet_points: float = 15.0  # for the share of the wallet still to win
    relationship_points: float = 20.0  # for the health's relationship component, in full
    flag_points: Mapping[str, float] = field(
        default_factory=lambda: {
            "reference_customer": 10.0,
            "market_leader": 8.0,
            "multi_country": 7.0,
        }
    )
    promote_at: float = 60.0  # a standard account at or above: suggested for promotion
    demote_below: float = 35.0  # a key or strategic account below: suggested for demotion


@dataclass(frozen=True)
class Policy:
    """The whole scoring policy: :data:`DEFAULT_POLICY`, or one from :func:`policy_from_mapping`."""

    warmth: WarmthPolicy = field(default_factory=WarmthPolicy)
    weights: WeightsPolicy = field(default_factory=WeightsPolicy)
    relationship: RelationshipPolicy = field(default_factory=RelationshipPolicy)
    commercial: CommercialPolicy = field(default_factory=CommercialPolicy)
    support: SupportPolicy = field(default_factory=SupportPolicy)
    stability: StabilityPolicy = field(default_factory=StabilityPolicy)
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    priority: PriorityPolicy = field(default_factory=PriorityPolicy)
    portfolio: PortfolioPolicy = field(default_factory=PortfolioPolicy)
    # Band lower bounds: score >= healthy -> healthy, >= watch -> watch, ...
    band_healthy: float = 75.0
    band_watch: float = 50.0
    band_at_risk: float = 30.0
    # The longest a timer may wait before the account is looked at again.
    max_recheck_hours: float = 24.0

    def band(self, score: float) -> str:
        """Return the band name for a score."""
        if score >= self.band_healthy:
            return "healthy"
        if score >= self.band_watch:
            return "watch"
        if score >= self.band_at_risk:
            return "at_risk"
        return "critical"


DEFAULT_POLICY = Policy()

_SECTIONS = {
    "warmth": WarmthPolicy,
    "weights": WeightsPolicy,
    "relationship": RelationshipPolicy,
    "commercial": CommercialPolicy,
    "support": SupportPolicy,
    "stability": StabilityPolicy,
    "alerts": AlertPolicy,
    "priority": PriorityPolicy,
    "portfolio": PortfolioPolicy,
}

_KEYED_TABLES: dict[tuple[str, str], tuple[str, ...]] = {
    ("warmth", "half_life_days"): STAKEHOLDER_ROLES,
    ("warmth", "cadence_days"): STAKEHOLDER_ROLES,
    ("warmth", "channel_weight"): CHANNELS,
    ("support", "severity_points"): TICKET_SEVERITIES,
    ("priority", "tier_value"): TIERS,
    ("priority", "severity_urgency"): tuple(reversed(ALERT_SEVERITIES)),
    # Strategic flags are the CRM's own words: any name may be given points.
    ("portfolio", "flag_points"): (),
}


def policy_from_mapping(data: Mapping[str, Any], base: Policy = DEFAULT_POLICY) -> Policy:
    """Overlay a parsed policy document (e.g. TOML) on ``base``, checking every key and value."""
    top: dict[str, Any] = {}
    top_fields = {f.name for f in fields(Policy)}
    for key, value in data.items():
        if key not in top_fields:
            raise PolicyError(f"unknown policy key {key!r}; known: {', '.join(sorted(top_fields))}")
        if key in _SECTIONS:
            if not isinstance(value, Mapping):
                raise PolicyError(f"[{key}] must be a table")
            top[key] = _overlay_section(key, getattr(base, key), value)
        else:
            top[key] = _number(key, value)
    policy = replace(base, **top)
    _check(policy)
    return policy


def _overlay_section(section: str, current: Any, data: Mapping[str, Any]) -> Any:
    known = {f.name: f for f in fields(current)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{section}.{key}"
        if key not in known:
            raise PolicyError(f"unknown policy key {name!r}; known: {', '.join(sorted(known))}")
        old = getattr(current, key)
        if (section, key) in _KEYED_TABLES:
            if not isinstance(value, Mapping):
                raise PolicyError(f"{name} must be a table")
            allowed = _KEYED_TABLES[(section, key)]
            merged = dict(old)
            for sub, num in value.items():
                if allowed and sub not in allowed:
                    raise PolicyError(f"unknown key {sub!r} in {name}; expected one of {allowed}")
                merged[sub] = _number(f"{name}.{sub}", num)
            changes[key] = merged
        elif isinstance(old, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise PolicyError(f"{name} must be a list of strings")
            changes[key] = tuple(value)
        elif isinstance(old, int) and not isinstance(old, bool):
            if not isinstance(value, int) or isinstance(value, bool):
                raise PolicyError(f"{name} must be an integer, got {value!r}")
            changes[key] = value
        else:
            changes[key] = _number(name, value)
    return replace(current, **changes)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{name} must be a number, got {value!r}")
    if value < 0:
        raise PolicyError(f"{name} must not be negative, got {value!r}")
    return float(value)


def _check(policy: Policy) -> None:
    """Reject policies the engine cannot honour (windows beyond retention, zero half-lives)."""
    for role in STAKEHOLDER_ROLES:
        if policy.warmth.half_life_days[role] <= 0 or policy.warmth.cadence_days[role] <= 0:
            raise PolicyError(f"warmth half-life and cadence for {role} must be positive")
    if not 0 < policy.warmth.warm_threshold < 1:
        raise PolicyError("warmth.warm_threshold must lie strictly between 0 and 1")
    if 2 * policy.commercial.window_days > RETAIN_ORDERS_DAYS:
        raise PolicyError(
            "commercial.window_days: two windows must fit the "
            f"{RETAIN_ORDERS_DAYS}-day order retention"
        )
    if policy.commercial.cadence_lookback_days > RETAIN_ORDERS_DAYS:
        raise PolicyError(
            "commercial.cadence_lookback_days must not exceed "
            f"{RETAIN_ORDERS_DAYS} days (order retention)"
        )
    if policy.stability.fade_days > RETAIN_REORGS_DAYS or (
        policy.alerts.key_change_window_days > RETAIN_REORGS_DAYS
    ):
        raise PolicyError(f"reorg windows must not exceed {RETAIN_REORGS_DAYS} days (retention)")
    w = policy.weights
    total = w.relationship + w.commercial + w.support + w.stability
    if abs(total - 100.0) > 1e-6:
        raise PolicyError(f"[weights] must add up to 100 score points, they add up to {total:g}")
    if not policy.band_healthy > policy.band_watch > policy.band_at_risk:
        raise PolicyError("bands must satisfy band_healthy > band_watch > band_at_risk")
    if policy.commercial.window_days <= 0 or policy.max_recheck_hours <= 0:
        raise PolicyError("commercial.window_days and max_recheck_hours must be positive")
    if policy.commercial.min_orders_for_cadence < 2:
        # One order has no gap between orders: there is no cadence to measure.
        raise PolicyError("commercial.min_orders_for_cadence must be at least 2")
    for name in ("single_threaded_tiers", "team_tiers"):
        unknown_tiers = sorted(set(getattr(policy.alerts, name)) - set(TIERS))
        if unknown_tiers:
            raise PolicyError(
                f"alerts.{name}: unknown tier(s) {', '.join(unknown_tiers)}; "
                f"expected some of {', '.join(TIERS)}"
            )
    if not 0 < policy.alerts.team_window_days <= RETAIN_TEAM_TOUCHPOINTS_DAYS:
        raise PolicyError(
            "alerts.team_window_days must be positive and at most "
            f"{RETAIN_TEAM_TOUCHPOINTS_DAYS} days (team touchpoint retention)"
        )
    if policy.portfolio.demote_below > policy.portfolio.promote_at:
        raise PolicyError("portfolio.demote_below must not exceed portfolio.promote_at")
    if policy.portfolio.revenue_reference <= 0 or policy.portfolio.margin_reference <= 0:
        raise PolicyError("portfolio.revenue_reference and margin_reference must be positive")
    if policy.alerts.cooling_critical_ratio < policy.alerts.cooling_warning_ratio:
        raise PolicyError("alerts.cooling_critical_ratio must be >= cooling_warning_ratio")
    if policy.alerts.order_gap_critical_ratio < policy.alerts.order_gap_warning_ratio:
        raise PolicyError("alerts.order_gap_critical_ratio must be >= order_gap_warning_ratio")
