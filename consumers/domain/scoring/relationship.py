"""The relationship component: key roles present and warm, multi-threaded across departments."""

from __future__ import annotations

from consumers.domain.as_of import AsOf
from consumers.domain.policy import Policy
from consumers.domain.scoring.drivers import ScoreDriver
from consumers.domain.scoring.warmth_sentence import warmth_sentence
from consumers.domain.vocabulary import ROLE_LABEL


def relationship_drivers(view: AsOf, policy: Policy, explain: bool) -> list[ScoreDriver]:
    w = policy.weights
    r = policy.relationship
    now, people, heat = view.now, view.people, view.heat
    drivers: list[ScoreDriver] = []
    for role, points in (("decision_maker", w.decision_maker), ("champion", w.champion)):
        holders = [p for p in people if p.current_role == role]
        label = ROLE_LABEL[role]
        if not holders:
            drivers.append(
                ScoreDriver(
                    f"no_{role}", -points, f"No {label} known on this account", "relationship"
                )
            )
            continue
        best = max(holders, key=lambda p: (heat[p.stakeholder_id], p.stakeholder_id))
        text = warmth_sentence(best, now, policy) if explain else ""
        drivers.append(
            ScoreDriver(
                f"{role}_warmth",
                -points * (1 - heat[best.stakeholder_id]),
                text,
                "relationship",
                best.stakeholder_id,
            )
        )
    warm = [p for p in people if heat[p.stakeholder_id] >= policy.warmth.warm_threshold]
    target = max(1, r.warm_stakeholders_target)
    short = max(0.0, 1 - len(warm) / target)
    if short > 0:
        text = (
            "No warm stakeholder on this account"
            if not warm
            else f"Only {len(warm)} warm stakeholder{'s' if len(warm) != 1 else ''} "
            f"(aim for {target} or more)"
        )
        drivers.append(ScoreDriver("multi_threading", -w.breadth * short, text, "relationship"))
    departments = {p.department.value if p.department is not None else None for p in warm}
    dtarget = max(1, r.warm_departments_target)
    dshort = max(0.0, 1 - len(departments) / dtarget)
    if dshort > 0 and warm:
        text = f"Warm contacts in only {len(departments)} department (aim for {dtarget})"
        drivers.append(ScoreDriver("departments", -w.departments * dshort, text, "relationship"))
    elif dshort > 0:
        drivers.append(
            ScoreDriver(
                "departments", -w.departments, "No warm contact in any department", "relationship"
            )
        )
    return drivers
