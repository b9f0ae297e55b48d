"""Compare the read models of each account with the reference engine's replay. No I/O.

Given the folded account states (``consumers.domain.replay.fold_accounts``),
the worker's policy and the read-model rows of each account, list every
difference as a :class:`Difference` (account, field, read-model value, replay
value). Each part of the read models is compared at the time it was computed
for, which the rows themselves say:

* master data (name, tier, kam_id): the replayed state's latest account facts;
* stakeholders (role, status, last contact, warmth): as of the ``accounts``
  row's ``as_of`` (the evaluation its profile came from);
* the account team (each internal person's stakeholders, last contact and
  touchpoints in the team window): as of the same ``as_of``;
* health (score, band, the four components, drivers): the engine's evaluation
  at the account's newest evaluation time the read models show
  (:func:`alerts_time`), not at the ``account_health`` row's own ``as_of``: a
  snapshot is republished only when it changes, so the row's values are the
  worker's health at every evaluation since, and its ``as_of`` can be days
  older than the account's newest events (evaluating all of the account's
  events at that older time would count touchpoints that came after it);
* health history points (the ``health_history`` rows at a Monday 00:00 UTC):
  score, band, components and drivers against the replay's point at that
  instant, the evaluation of the events up to it (:func:`history_differences`;
  the other history rows are the snapshots published at processing time,
  which describe what the worker knew then, not a function of the events);
* open alerts, by (kind, subject), and their severity: the alerts the engine
  opens from scratch at the account's newest evaluation time the read models
  show (:func:`alerts_time`). Ids are not compared: a ``health_drop`` alert's
  id derives from the evaluation that first saw the drop, which a replay
  cannot know.

A missing side is ``None``; a present one is :data:`PRESENT` (accounts,
health rows, stakeholders) or :data:`OPEN` (alerts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from consumers.domain.alerts import open_alerts_for
from consumers.domain.evaluate import Evaluation, evaluate, to_snapshot
from consumers.domain.policy import Policy
from consumers.domain.purchases import purchases, share_of_wallet
from consumers.domain.state import AccountState
from consumers.domain.team import account_team
from consumers.domain.warmth import stakeholder_views
from schemas.outputs import HealthSnapshot

#: The value of a side that has the thing the other side lacks.
PRESENT = "present"
OPEN = "open"

Row = Mapping[str, Any]

#: Master-data columns of the ``accounts`` table compared with the replayed facts.
MASTER_DATA_FIELDS = ("name", "tier", "kam_id", "parent_account_id")
#: The four health components, columns of ``account_health``.
COMPONENT_FIELDS = ("relationship", "commercial", "support", "stability")
#: Per-stakeholder columns compared.
STAKEHOLDER_FIELDS = ("role", "status", "last_contact", "warmth")
#: Per-member columns of ``account_team`` compared.
TEAM_FIELDS = ("stakeholders", "last_contact", "touchpoints_90d")


@dataclass(frozen=True)
class Difference:
    """One field of one account on which the read models and the replay disagree."""

    account_id: str
    field: str
    read_model: Any
    replay: Any

    def describe(self) -> str:
        """One line: ``acct-03 score: read model 64.2, replay 57.2``."""
        return (
            f"{self.account_id} {self.field}: read model {_show(self.read_model)}, "
            f"replay {_show(self.replay)}"
        )


@dataclass(frozen=True)
class AccountRows:
    """The read-model rows of one account."""

    account: Row | None = None  # its ``accounts`` row
    stakeholders: Sequence[Row] = ()  # its ``stakeholders`` rows
    health: Row | None = None  # its ``account_health`` row
    open_alerts: Sequence[Row] = ()  # its ``alerts`` rows with status open
    #: The newest ``updated_at`` of any of its alerts, open or resolved.
    last_alert_change: datetime | None = None
    team: Sequence[Row] = ()  # its ``account_team`` rows


@dataclass(frozen=True)
class ReadModelRows:
    """The rows of every account the read models know, by account_id."""

    accounts: Mapping[str, AccountRows] = field(default_factory=dict)
    #: Each account's health history points in event time (rows at a Monday 00:00 UTC).
    history: Mapping[str, Sequence[Row]] = field(default_factory=dict)

    @classmethod
    def group(
        cls,
        accounts: Iterable[Row],
        stakeholders: Iterable[Row],
        health: Iterable[Row],
        open_alerts: Iterable[Row],
        last_alert_change: Mapping[str, datetime],
        team: Iterable[Row] = (),
    ) -> ReadModelRows:
        """Group table rows (each with an ``account_id``) by account."""
        parts: dict[str, dict[str, Any]] = {}

        def part(account_id: str) -> dict[str, Any]:
            return parts.setdefault(account_id, {"stakeholders": [], "open_alerts": [], "team": []})

        for row in accounts:
            part(row["account_id"])["account"] = row
        for row in stakeholders:
            part(row["account_id"])["stakeholders"].append(row)
        for row in health:
            part(row["account_id"])["health"] = row
        for row in open_alerts:
            part(row["account_id"])["open_alerts"].append(row)
        for account_id, at in last_alert_change.items():
            part(account_id)["last_alert_change"] = at
        for row in team:
            part(row["account_id"])["team"].append(row)
        return cls(
            {
                account_id: AccountRows(
                    account=p.get("account"),
                    stakeholders=tuple(p["stakeholders"]),
                    health=p.get("health"),
                    open_alerts=tuple(p["open_alerts"]),
                    last_alert_change=p.get("last_alert_change"),
                    team=tuple(p["team"]),
                )
                for account_id, p in parts.items()
            }
        )


def compare(
    states: Mapping[str, AccountState], rows: ReadModelRows, policy: Policy
) -> list[Difference]:
    """Every difference between the read models and the replayed ``states``, by account.

    An account missing on either side is a single ``account`` difference and
    nothing else of it is compared: one the replay has needs an ``accounts``
    row; any row of an account the replay does not know is one too many.
    """
    diffs: list[Difference] = []
    for account_id in checked_accounts(states, rows):
        state, found = states.get(account_id), rows.accounts.get(account_id)
        if state is None:
            diffs.append(Difference(account_id, "account", PRESENT, None))
        elif found is None or found.account is None:
            diffs.append(Difference(account_id, "account", None, PRESENT))
        else:
            diffs += _compare_account(account_id, state, found, policy)
    return diffs


def checked_accounts(states: Mapping[str, AccountState], rows: ReadModelRows) -> list[str]:
    """Every account the replay or any read-model table knows, sorted."""
    return sorted(set(states) | set(rows.accounts))


def _compare_account(
    account_id: str, state: AccountState, rows: AccountRows, policy: Policy
) -> list[Difference]:
    account_row = rows.account or {}
    return [
        *master_data_differences(account_id, state, account_row),
        *purchase_differences(account_id, state, account_row),
        *stakeholder_differences(
            account_id, state, rows.stakeholders, account_row["as_of"], policy
        ),
        *team_differences(account_id, state, rows.team, account_row["as_of"], policy),
        *health_differences(account_id, state, rows.health, policy, at=alerts_time(rows)),
        *alert_differences(account_id, state, rows.open_alerts, alerts_time(rows), policy),
    ]


def master_data_differences(
    account_id: str, state: AccountState, account_row: Row
) -> list[Difference]:
    """Name, tier, kam_id, parent and strategic flags of the ``accounts`` row against the
    replayed account facts."""
    info = state.info.value if state.info is not None else None
    diffs = [
        Difference(account_id, name, account_row[name], want)
        for name in MASTER_DATA_FIELDS
        if account_row[name] != (want := getattr(info, name) if info is not None else None)
    ]
    # The portfolio review reads them; a row written before they were kept has null: none.
    flags = sorted(account_row.get("strategic_flags") or [])
    want_flags = list(info.strategic_flags) if info is not None else []
    if flags != want_flags:
        diffs.append(Difference(account_id, "strategic_flags", flags, want_flags))
    return diffs


def purchase_differences(
    account_id: str, state: AccountState, account_row: Row
) -> list[Difference]:
    """Potential, 12-month revenue and margin and share of wallet as of the row's ``as_of``.

    The profile that wrote the row was evaluated at that time, so the
    replayed state read as of then must give the same figures; the groups
    and gaps the API builds from these rows follow from them.
    """
    at = account_row["as_of"]
    bought = purchases(state, at)
    info = state.info.value if state.info is not None else None
    potential = info.annual_potential if info is not None else None
    want = {
        "annual_potential": potential,
        "revenue_12m": bought.revenue_12m,
        "margin_12m": bought.margin_12m,
        "share_of_wallet": share_of_wallet(bought.revenue_12m, potential),
    }
    return [
        Difference(account_id, name, account_row[name], value)
        for name, value in want.items()
        if account_row[name] != value
    ]


def stakeholder_differences(
    account_id: str,
    state: AccountState,
    stakeholder_rows: Iterable[Row],
    at: datetime,
    policy: Policy,
) -> list[Difference]:
    """Each stakeholder's role, status, last contact and warmth as of ``at``."""
    views = stakeholder_views(tuple(state.stakeholders.values()), at, policy)
    want = {v.stakeholder_id: v for v in views}
    got = {r["stakeholder_id"]: r for r in stakeholder_rows}
    diffs: list[Difference] = []
    for stakeholder_id in sorted(set(want) | set(got)):
        name = f"stakeholder[{stakeholder_id}]"
        row, view = got.get(stakeholder_id), want.get(stakeholder_id)
        if row is None or view is None:
            diffs.append(
                Difference(
                    account_id,
                    name,
                    None if row is None else PRESENT,
                    None if view is None else PRESENT,
                )
            )
            continue
        diffs += [
            Difference(account_id, f"{name}.{column}", row[column], value)
            for column in STAKEHOLDER_FIELDS
            if row[column] != (value := getattr(view, column))
        ]
    return diffs


def team_differences(
    account_id: str,
    state: AccountState,
    team_rows: Iterable[Row],
    at: datetime,
    policy: Policy,
) -> list[Difference]:
    """Each account-team member's stakeholders, last contact and recent touchpoints at ``at``."""
    window = timedelta(days=policy.alerts.team_window_days)
    want = {
        m.internal_owner: {
            "stakeholders": list(m.stakeholders),
            "last_contact": m.last_contact,
            "touchpoints_90d": m.touchpoints_90d,
        }
        for m in account_team(state, at, window).members
    }
    got = {r["internal_owner"]: r for r in team_rows}
    diffs: list[Difference] = []
    for owner in sorted(set(want) | set(got)):
        name = f"team[{owner}]"
        row, member = got.get(owner), want.get(owner)
        if row is None or member is None:
            diffs.append(
                Difference(
                    account_id,
                    name,
                    None if row is None else PRESENT,
                    None if member is None else PRESENT,
                )
            )
            continue
        diffs += [
            Difference(account_id, f"{name}.{column}", row[column], value)
            for column in TEAM_FIELDS
            if (sorted(row[column]) if column == "stakeholders" else row[column])
            != (value := member[column])
        ]
    return diffs


def health_differences(
    account_id: str,
    state: AccountState,
    health_row: Row | None,
    policy: Policy,
    at: datetime | None = None,
) -> list[Difference]:
    """Score, band, components and drivers against the evaluation at ``at``.

    ``at``: the account's newest evaluation time the read models show
    (:func:`alerts_time`; the row's own ``as_of`` when None), at which the
    worker's health still was the row's.
    """
    if health_row is None:
        return [Difference(account_id, "health", None, PRESENT)]
    snap = to_snapshot(evaluate(state, at or health_row["as_of"], policy))
    return [
        Difference(account_id, name, got, want)
        for name, got, want in _health_fields(health_row, snap)
    ]


def history_differences(
    account_id: str, points: Mapping[datetime, Evaluation], history_rows: Iterable[Row]
) -> list[Difference]:
    """Each history point's score, band, components and drivers against the replay's ``points``.

    ``points`` holds the replay's evaluation at each row's ``as_of`` of the
    events up to it (``consumers.domain.replay.replay_history``); a row at
    an instant before the account's first event has none.
    """
    diffs: list[Difference] = []
    for row in sorted(history_rows, key=lambda r: r["as_of"]):
        name = f"history[{row['as_of'].isoformat()}]"
        point = points.get(row["as_of"])
        if point is None:
            diffs.append(Difference(account_id, name, PRESENT, None))
            continue
        diffs += [
            Difference(account_id, f"{name}.{field}", got, want)
            for field, got, want in _health_fields(row, to_snapshot(point))
        ]
    return diffs


def _health_fields(row: Row, snap: HealthSnapshot) -> list[tuple[str, Any, Any]]:
    """(field, row's value, snapshot's value) for each field that differs."""
    want: dict[str, Any] = {
        "score": snap.score,
        "band": snap.band,
        **{name: getattr(snap.components, name) for name in COMPONENT_FIELDS},
        "drivers": [d.model_dump() for d in snap.drivers],
    }
    return [(name, row[name], value) for name, value in want.items() if row[name] != value]


def alerts_time(rows: AccountRows) -> datetime | None:
    """The account's newest evaluation time the read models show; None if they show none.

    Alerts and health are compared at it.

    Every time the read models hold is the time of an evaluation (a health
    snapshot's or profile's ``as_of``, an alert's ``resolved_at``) or earlier
    than one (an alert's ``raised_at`` is its condition's onset), so none is
    later than the worker's last evaluation. The health row alone would not
    do: a health snapshot is published only when it changes, and alerts can
    change without it (a ``health_drop`` resolves as its 14-day baseline
    slides while the score stays put).
    """
    times = [
        rows.health["as_of"] if rows.health is not None else None,
        rows.account["as_of"] if rows.account is not None else None,
        rows.last_alert_change,
    ]
    return max((t for t in times if t is not None), default=None)


def alert_differences(
    account_id: str,
    state: AccountState,
    open_alert_rows: Iterable[Row],
    at: datetime | None,
    policy: Policy,
) -> list[Difference]:
    """Open alerts by (kind, subject), and their severity, against the engine's at ``at``."""
    if at is None:
        want: dict[tuple[str, str | None], str] = {}
    else:
        alerts = open_alerts_for(evaluate(state, at, policy))
        want = {(a.kind, a.subject): a.severity for a in alerts}
    got: dict[tuple[str, str | None], list[str]] = {}
    for row in open_alert_rows:
        got.setdefault((row["kind"], row["subject"]), []).append(row["severity"])
    diffs: list[Difference] = []
    for key in sorted(set(want) | set(got), key=lambda k: (k[0], k[1] or "")):
        kind, subject = key
        name = f"open_alert[{kind}:{subject or '-'}]"
        severities, severity = got.get(key), want.get(key)
        if severities is None or severity is None:
            diffs.append(
                Difference(
                    account_id,
                    name,
                    None if severities is None else OPEN,
                    None if severity is None else OPEN,
                )
            )
        elif len(severities) > 1:
            # At most one alert per (account, kind, subject) may be open.
            diffs.append(Difference(account_id, f"{name}.count", len(severities), 1))
        elif severities[0] != severity:
            diffs.append(Difference(account_id, f"{name}.severity", severities[0], severity))
    return diffs


def _show(value: Any) -> str:
    if value is None:
        return "missing"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return repr(value)
