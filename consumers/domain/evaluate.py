"""Evaluate an account at a clock time: score, band, components, drivers and conditions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from consumers.domain.as_of import AsOf, as_of
from consumers.domain.policy import DEFAULT_POLICY, Policy
from consumers.domain.rules import Condition, conditions
from consumers.domain.scoring import Components, Scored, ScoreDriver, score_as_of
from consumers.domain.state import AccountState
from schemas.outputs import Driver as DriverRecord
from schemas.outputs import HealthComponents, HealthSnapshot

#: Drivers shown in a snapshot: the few factors that moved the score most.
DRIVERS_SHOWN = 5
#: Penalties smaller than this many points are not worth a KAM's attention.
DRIVER_MIN_POINTS = 0.5


@dataclass(frozen=True)
class Evaluation:
    """One evaluation of an account: what the ``account-health`` topic carries, and more.

    ``conditions`` are the alerts that should be open now (see alerts.py);
    ``baseline_score`` is the score the same state gave at the start of the
    health-drop window (None when the account is younger than that window).
    """

    account_id: str
    kam_id: str | None
    as_of: datetime
    score: float
    band: str
    components: Components
    drivers: tuple[ScoreDriver, ...]
    conditions: tuple[Condition, ...]
    baseline_score: float | None
    # The state read as of ``as_of`` that the score came from, for a what-if on
    # the same reading (what_if.py); not part of the result's value.
    view: AsOf | None = field(default=None, compare=False, repr=False)
    # The unrounded penalties in the order they were summed (Scored.penalties).
    penalties: tuple[ScoreDriver, ...] = field(default=(), compare=False, repr=False)
    # Points lost before rounding, now and at the baseline (Scored.lost).
    lost: float = field(default=0.0, compare=False, repr=False)
    baseline_lost: float | None = field(default=None, compare=False, repr=False)

    @property
    def top_drivers(self) -> tuple[ScoreDriver, ...]:
        """The drivers worth showing, most negative first."""
        return shown_drivers(self.drivers)


def shown_drivers(drivers: tuple[ScoreDriver, ...]) -> tuple[ScoreDriver, ...]:
    """Of all drivers (most negative first), those a snapshot shows."""
    shown = [d for d in drivers if d.impact <= -DRIVER_MIN_POINTS]
    return tuple(shown[:DRIVERS_SHOWN])


def evaluate(
    state: AccountState, now: datetime, policy: Policy = DEFAULT_POLICY, *, explain: bool = True
) -> Evaluation:
    """Score ``state`` at clock time ``now`` and find the alert conditions that hold.

    ``explain=False`` is for callers that only compare score, band and the
    conditions' kind, subject and severity (next_due's probes): the result has
    no drivers, a health_drop reason lacks its "biggest factor" and a
    critical_ticket reason is empty.
    """
    now = now.astimezone(UTC)
    view = as_of(state, now, policy)
    scored = score_as_of(view, policy, explain=explain)
    baseline = _baseline(state, now, policy)
    return Evaluation(
        account_id=state.account_id,
        kam_id=state.kam_id,
        as_of=now,
        score=scored.score,
        band=scored.band,
        components=scored.components,
        drivers=scored.drivers,
        conditions=conditions(state, now, policy, scored, baseline, view, explain=explain),
        baseline_score=None if baseline is None else baseline.score,
        view=view,
        penalties=scored.penalties,
        lost=scored.lost,
        baseline_lost=None if baseline is None else baseline.lost,
    )


def _baseline(state: AccountState, now: datetime, policy: Policy) -> Scored | None:
    then = now - timedelta(days=policy.alerts.health_drop_window_days)
    if state.first_seen is None or state.first_seen > then:
        return None
    # The same state read as of two weeks ago: facts stamped later are ignored.
    # Only its score and band are used, so no sentences are composed.
    return score_as_of(as_of(state, then, policy), policy, explain=False)


def health_snapshot(
    state: AccountState, now: datetime, policy: Policy = DEFAULT_POLICY
) -> HealthSnapshot:
    """``to_snapshot(evaluate(state, now, policy))``, without what a snapshot does not hold.

    No alert conditions and no health-drop baseline: a history point needs
    only the score and what explains it.
    """
    now = now.astimezone(UTC)
    scored = score_as_of(as_of(state, now, policy), policy)
    return _snapshot(
        state.account_id, now, scored.score, scored.band, scored.components, scored.drivers
    )


def to_snapshot(health: Evaluation) -> HealthSnapshot:
    """The ``account-health`` record (docs/contract.md section 3) for an evaluation."""
    return _snapshot(
        health.account_id,
        health.as_of,
        health.score,
        health.band,
        health.components,
        health.drivers,
    )


def _snapshot(
    account_id: str,
    at: datetime,
    score: float,
    band: str,
    c: Components,
    drivers: tuple[ScoreDriver, ...],
) -> HealthSnapshot:
    return HealthSnapshot(
        account_id=account_id,
        score=score,
        band=band,
        components=HealthComponents(
            relationship=c.relationship,
            commercial=c.commercial,
            support=c.support,
            stability=c.stability,
        ),
        drivers=[
            DriverRecord(factor=d.factor, impact=d.impact, text=d.text)
            for d in shown_drivers(drivers)
        ],
        as_of=at,
    )


def snapshot_changed(previous: HealthSnapshot | None, current: HealthSnapshot) -> bool:
    """True when a snapshot is worth publishing: anything but ``as_of`` differs."""
    if previous is None:
        return True
    return previous.model_dump(exclude={"as_of"}) != current.model_dump(exclude={"as_of"})
