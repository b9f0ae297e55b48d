"""The stability component: reorganisation shocks to key roles, fading over the fade window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from consumers.domain.as_of import role_before
from consumers.domain.days import days_between, whole_days
from consumers.domain.policy import Policy
from consumers.domain.scoring.drivers import ScoreDriver
from consumers.domain.sentences import n_days
from consumers.domain.state import AccountState
from consumers.domain.vocabulary import KEY_ROLES, ROLE_LABEL


@dataclass(frozen=True)
class Shock:
    """One reorganisation shock: raw weight, when, and what to say."""

    factor: str
    at: datetime
    weight: float
    text: str


def shocks(state: AccountState, now: datetime, policy: Policy) -> list[Shock]:
    """Reorganisation shocks within the fade window at ``now``, unfaded."""
    s = policy.stability
    start = now - timedelta(days=s.fade_days)
    found: list[Shock] = []
    for person in state.stakeholders_by_id:
        sid = person.stakeholder_id
        for step in person.reorg:
            if not start < step.at <= now:
                continue
            days = whole_days(step.at, now)
            before = role_before(person, step)
            name = person.display_name
            if step.kind == "left":
                key = before in KEY_ROLES
                text = f"{ROLE_LABEL[before].capitalize()} {name} left {n_days(days)} ago"
                weight = s.key_left if key else s.other_left
            elif step.kind == "role_changed":
                new = step.role or "user"
                key = before in KEY_ROLES or new in KEY_ROLES
                text = (
                    f"{name} moved from {ROLE_LABEL[before]} to {ROLE_LABEL[new]} "
                    f"{n_days(days)} ago"
                )
                weight = s.key_role_change if key else s.other_role_change
            else:
                new = step.role or "user"
                if new not in KEY_ROLES:
                    continue
                text = f"{name} joined as {ROLE_LABEL[new]} {n_days(days)} ago"
                weight = s.key_joined
            found.append(Shock(f"reorg_{step.kind}:{sid}:{step.event_id}", step.at, weight, text))
    for r in state.restructures:
        if not start < r.at <= now:
            continue
        key_hit = sum(
            1
            for sid in r.affected
            if sid in state.stakeholders and state.stakeholders[sid].current_role in KEY_ROLES
        )
        days = whole_days(r.at, now)
        extra = (
            f" ({key_hit} key stakeholder{'s' if key_hit != 1 else ''} affected)" if key_hit else ""
        )
        found.append(
            Shock(
                f"restructure:{r.event_id}",
                r.at,
                min(1.0, s.unit_restructured + s.unit_key_affected * key_hit),
                f"Unit {r.unit} restructured {n_days(days)} ago{extra}",
            )
        )
    return found


def stability_drivers(state: AccountState, now: datetime, policy: Policy) -> list[ScoreDriver]:
    s = policy.stability
    faded = []
    for shock in shocks(state, now, policy):
        remaining = max(0.0, 1 - days_between(shock.at, now) / s.fade_days)
        if remaining > 0 and shock.weight > 0:
            faded.append((shock, shock.weight * remaining))
    total = sum(v for _, v in faded)
    if total <= 0:
        return []
    scale = min(1.0, total) / total
    budget = policy.weights.stability
    return [ScoreDriver(sh.factor, -budget * v * scale, sh.text, "stability") for sh, v in faded]
