"""Alert lifecycle: open, keep, update and resolve alerts from an evaluation's conditions.

At most one open alert per (account, kind, subject). An alert's id is derived
from (account_id, kind, subject, since) — the moment its condition began — so
that a replay gives the same ids as the live stream, and a condition that
clears and later holds again (with a new onset) gets a new id; a health
drop's and a single-threaded team's also from the figures it was raised on
(:data:`DRIFTING_ONSET`). Snooze and acknowledgement are the API's business,
not the engine's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime

from consumers.domain.evaluate import Evaluation
from consumers.domain.rules import Condition
from consumers.domain.vocabulary import SEVERITY_RANK
from schemas.outputs import AlertRecord

#: Kinds whose onset is the evaluation time itself, never re-keyed on a moved
#: onset: health_drop's onset is the evaluation that sees it; team_single_threaded's
#: moved with the KAM's first assignment and colleagues' last contacts as late or
#: re-applied events arrived, and re-keying it raised ids again that an earlier
#: step had resolved (the sink never reopens those), so after a restart the read
#: models lost the open alert; its onset is the evaluation too.
#:
#: With the event clock a backlog's tail is stepped in several batches at one
#: clock time, and late events among them can clear such a condition and make
#: it hold again at that same time: the alert raised again must not take the id
#: of the one just resolved (the read models then showed no open health drop;
#: `keypulse verify` found it on the deep bench mix). So their ids also take the
#: unrounded points lost now and at the baseline and the reason, which differ
#: between two states that evaluate differently at one time (:func:`_episode`).
DRIFTING_ONSET = frozenset({"health_drop", "team_single_threaded"})


@dataclass(frozen=True)
class AlertState:
    """One alert and its current lifecycle step."""

    alert_id: str
    account_id: str
    kam_id: str | None
    kind: str
    subject: str | None
    severity: str
    reason: str
    raised_at: datetime
    status: str = "open"
    resolved_at: datetime | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """The (kind, subject) an account may have at most one open alert for."""
        return (self.kind, self.subject)


@dataclass(frozen=True)
class AlertChanges:
    """What an evaluation did to an account's alerts; each list is what to publish."""

    raised: tuple[AlertState, ...]
    updated: tuple[AlertState, ...]  # still open; severity, owning KAM or reason changed
    resolved: tuple[AlertState, ...]
    open: tuple[AlertState, ...]  # every alert open after this evaluation

    @property
    def published(self) -> tuple[AlertState, ...]:
        """Every lifecycle record to put on the ``alerts`` topic, in a stable order."""
        return self.resolved + self.updated + self.raised


def alert_id(
    account_id: str, kind: str, subject: str | None, since: datetime, episode: str = ""
) -> str:
    """Deterministic id of the alert for one onset of one condition.

    ``episode`` tells apart two alerts of one onset (see :data:`DRIFTING_ONSET`).
    """
    parts = (account_id, kind, subject or "", since.isoformat())
    text = "\x1f".join((*parts, episode) if episode else parts)
    return "al-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _episode(condition: Condition, health: Evaluation) -> str:
    if condition.kind not in DRIFTING_ONSET:
        return ""
    return f"{health.lost!r}\x1f{health.baseline_lost!r}\x1f{condition.reason}"


def reconcile(open_alerts: Iterable[AlertState], health: Evaluation) -> AlertChanges:
    """Compare the open alerts with the conditions of a new evaluation.

    A condition without an open alert raises one; an open alert whose
    condition no longer holds is resolved at ``health.as_of``; an alert whose
    severity, owner (after a handover) or reason changed is updated in place,
    keeping its id and raised_at. The reason changes when a figure it quotes
    does: a day counter ("silent 52 days") ticks once a day, a score ("fell
    from 97 to 54") is quoted in whole points, so an open alert is refreshed
    at most once a day by its counter and never by the clock alone within a
    day; without the refresh the alert would go on quoting the figure of the
    day it was raised while the queue quotes today's.
    """
    by_key: dict[tuple[str, str | None], AlertState] = {}
    for alert in sorted(open_alerts, key=lambda a: (a.raised_at, a.alert_id)):
        if alert.status == "open" and alert.account_id == health.account_id:
            by_key.setdefault(alert.key, alert)
    wanted: dict[tuple[str, str | None], Condition] = {c.key: c for c in health.conditions}
    raised: list[AlertState] = []
    updated: list[AlertState] = []
    resolved: list[AlertState] = []
    still_open: list[AlertState] = []
    for key, alert in sorted(list(by_key.items()), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        condition = wanted.get(key)
        if condition is None:
            resolved.append(replace(alert, status="resolved", resolved_at=health.as_of))
        elif condition.since != alert.raised_at and condition.kind not in DRIFTING_ONSET:
            # Late data moved the onset (e.g. an older contact arrived after the
            # alert was raised): the alert the full data describes is another
            # one. Resolve this one and raise that one, so that the stream ends
            # with the same alert ids as a replay of the same events.
            resolved.append(replace(alert, status="resolved", resolved_at=health.as_of))
            del by_key[key]
        elif (
            condition.severity != alert.severity
            or alert.kam_id != health.kam_id
            or condition.reason != alert.reason
        ):
            changed = replace(
                alert, severity=condition.severity, reason=condition.reason, kam_id=health.kam_id
            )
            updated.append(changed)
            still_open.append(changed)
        else:
            still_open.append(alert)
    for key, condition in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if key in by_key:
            continue
        alert = AlertState(
            alert_id=alert_id(
                health.account_id,
                condition.kind,
                condition.subject,
                condition.since,
                _episode(condition, health),
            ),
            account_id=health.account_id,
            kam_id=health.kam_id,
            kind=condition.kind,
            subject=condition.subject,
            severity=condition.severity,
            reason=condition.reason,
            raised_at=condition.since,
        )
        raised.append(alert)
        still_open.append(alert)
    return AlertChanges(tuple(raised), tuple(updated), tuple(resolved), _ordered(still_open))


def open_alerts_for(health: Evaluation) -> tuple[AlertState, ...]:
    """The open alerts an account has when evaluated from scratch (no earlier alerts)."""
    return reconcile((), health).open


def _ordered(alerts: list[AlertState]) -> tuple[AlertState, ...]:
    return tuple(sorted(alerts, key=lambda a: (SEVERITY_RANK[a.severity], a.kind, a.subject or "")))


def to_record(alert: AlertState) -> AlertRecord:
    """The ``alerts`` topic record (docs/contract.md section 3) for one lifecycle step."""
    # The record has exactly the fields of the dataclass (checked by the round-trip test).
    return AlertRecord(**{f.name: getattr(alert, f.name) for f in fields(AlertState)})


def from_record(record: AlertRecord) -> AlertState:
    """Rebuild an alert from its record (e.g. the worker's table of open alerts)."""
    return AlertState(**dict(record))
