"""The portfolio's history as contract events, built with the upstream adapters.

Time is measured in days relative to the *anchor*: the simulated "now" the
scenarios are timed against (negative = before it). The history runs from
``start`` to ``end``; ``end`` may lie after the anchor, which is how the live
simulator keeps going once it has caught up with the wall clock.

Routine, every account: each stakeholder is met, called or mailed at a
cadence that suits their role (decision makers every 2–4 weeks, champions
every 1–2), orders arrive at the account's own rhythm (a few cancelled),
small tickets open and close. Scenarios, one per chosen account, bend that
routine near the anchor so that the engine has something to say:

- champion_left: unit restructured, champion leaves (−8); P1 opened (−5),
  escalated (−4), resolved (+3) → champion_left, critical_ticket, health_drop
- dm_silent: no contact with the decision maker since ~−60, back at +4
  → stakeholder_cooling (warning)
- dm_silent_long: the same since −100 → stakeholder_cooling (critical)
- new_dm: the decision maker leaves (−25), a new one joins (−18) and is first
  met at +3 → decision_maker_changed
- p1_escalation: P2 opened (−3), escalated to P1 (−2), resolved (+1.5)
  → critical_ticket
- order_gap: a clockwork buyer stops ordering at −46, resumes at +6 → order_gap
- single_threaded: only the champion is still in touch after −130
  → single_threaded, stakeholder_cooling
- handover: the account moves to another KAM at −30 (its queue line moves)
- promotion: the decision maker leaves (−70), the champion is promoted (−68),
  a new champion joins (−60) and is met from −55 (alerts raised, then resolved)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from schemas.events import BaseEvent
from schemas.vocabulary import StakeholderRole
from services.feeds.simulator.portfolio import AccountPlan, Person, Portfolio, build_portfolio
from services.feeds.upstream.accounts import AccountRecord, account_upserted
from services.feeds.upstream.crm import ActivityKind, CrmActivity, CrmContact, contact_logged
from services.feeds.upstream.crm import stakeholder_upserted as crm_upserted
from services.feeds.upstream.erp import ErpCancellation, ErpOrder, order_cancelled, order_placed
from services.feeds.upstream.helpdesk import (
    HelpdeskTicket,
    Priority,
    TicketUpdate,
    ticket_opened,
    ticket_updated,
)
from services.feeds.upstream.hr import PersonChange, UnitChange, person_changed, unit_restructured

DAY = timedelta(days=1)

#: Days between touchpoints per role (uniform range); well inside the cooling
#: thresholds (1.5× the cadence), so routine accounts stay quiet.
CONTACT_EVERY: dict[StakeholderRole, tuple[float, float]] = {
    "decision_maker": (10.0, 26.0),
    "champion": (4.0, 12.0),
    "influencer": (12.0, 30.0),
    "user": (15.0, 40.0),
    "blocker": (25.0, 60.0),
}
#: How each role is usually reached (CRM activity kinds, weighted by repetition).
CONTACT_KINDS: dict[StakeholderRole, tuple[ActivityKind, ...]] = {
    "decision_maker": ("meeting", "meeting", "site_visit", "video_call", "phone_call"),
    "champion": ("phone_call", "video_call", "meeting", "email", "chat", "site_visit"),
    "influencer": ("video_call", "meeting", "email", "phone_call", "event"),
    "user": ("email", "phone_call", "chat", "video_call", "event"),
    "blocker": ("meeting", "email", "phone_call"),
}
_SUBJECTS = (
    "Delivery delayed",
    "Invoice correction",
    "Spare part mismatch",
    "Portal login fails",
    "Calibration certificate missing",
    "Firmware update question",
    "Damaged shipment",
)
_P1_SUBJECTS = ("Production line down", "Safety stop on drive unit", "ERP interface outage")
_OWNERS = ("inside-sales", "service-team", "application-engineering")


@dataclass(frozen=True)
class Timeline:
    """The stretch of simulated time to generate, and the anchor scenarios are timed to."""

    start: datetime
    anchor: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not self.start < self.anchor <= self.end:
            raise ValueError("need start < anchor <= end")

    @classmethod
    def ending(cls, anchor: datetime, days: float, follow_days: float = 0.0) -> Timeline:
        """``days`` of history up to ``anchor``, plus ``follow_days`` after it."""
        return cls(anchor - days * DAY, anchor, anchor + follow_days * DAY)


def generate(portfolio: Portfolio, timeline: Timeline) -> list[BaseEvent]:
    """Every event of the portfolio within the timeline, in (occurred_at, event_id) order."""
    events: list[BaseEvent] = []
    for plan in portfolio.accounts:
        # One generator per account, seeded from the portfolio seed and the
        # account id: adding an account never changes another's story.
        # A simulation, not cryptography.
        rng = random.Random(f"{portfolio.seed}:{plan.account_id}")  # noqa: S311
        events += _Story(plan, rng, timeline).events()
    events.sort(key=lambda e: (e.occurred_at, e.event_id))
    return events


def simulate_history(
    seed: int, days: float, anchor: datetime, follow_days: float = 0.0
) -> tuple[Portfolio, list[BaseEvent]]:
    """The portfolio of ``seed`` and its history of ``days`` ending at ``anchor`` (+ follow)."""
    portfolio = build_portfolio(seed)
    return portfolio, generate(portfolio, Timeline.ending(anchor, days, follow_days))


def default_anchor(now: datetime | None = None) -> datetime:
    """Midnight UTC of today: the anchor of files written without ``--end``."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


class _Story:
    """One account's events: routine plus its scenario."""

    def __init__(self, plan: AccountPlan, rng: random.Random, timeline: Timeline) -> None:
        self.plan = plan
        self.rng = rng
        self.tl = timeline
        self.first = (timeline.start - timeline.anchor) / DAY  # negative
        self.last = (timeline.end - timeline.anchor) / DAY
        self.out: list[BaseEvent] = []
        self._n = 0

    # --- helpers -------------------------------------------------------------------

    def at(self, day: float) -> datetime:
        """The moment ``day`` days after the anchor, to the second."""
        return (self.tl.anchor + day * DAY).replace(microsecond=0)

    def inside(self, day: float) -> bool:
        return self.first <= day <= self.last

    def add(self, event: BaseEvent) -> None:
        if self.tl.start <= event.occurred_at <= self.tl.end:
            self.out.append(event)

    def serial(self, prefix: str) -> str:
        self._n += 1
        return f"{self.plan.account_id}-{prefix}{self._n:05d}"

    def owner(self, day: float) -> str:
        """Who on our side holds a touchpoint: mostly the KAM, one in five a colleague;
        on a ``kam_only`` account the colleagues stopped 150 days before the anchor."""
        colleague = self.rng.random() < 0.2
        if colleague and not (self.plan.scenario == "kam_only" and day > -150):
            return self.rng.choice(_OWNERS)
        return self.kam_at(day)

    def kam_at(self, day: float) -> str:
        p = self.plan
        return p.handover_to if p.handover_to and day >= -30 else p.kam_id

    # --- the story -----------------------------------------------------------------

    def events(self) -> list[BaseEvent]:
        p = self.plan
        self.master(self.first + self.rng.uniform(0, 0.2), p.kam_id)
        if p.handover_to:
            self.master(-30.0, p.handover_to)
        for person in p.people:
            self.crm_contact(person, self.first + self.rng.uniform(0.2, 1.0))
        for person in p.people:
            self.routine_contacts(person)
        self.orders()
        self.routine_tickets()
        scenario = getattr(self, f"scenario_{p.scenario}", None) if p.scenario else None
        if scenario is not None:
            scenario()
        return self.out

    def master(self, day: float, kam_id: str) -> None:
        p = self.plan
        record = AccountRecord(
            account_id=p.account_id,
            name=p.name,
            tier=p.tier,
            kam_id=kam_id,
            changed_at=self.at(day),
            parent_account_id=p.parent_account_id,
            annual_revenue_target=p.annual_revenue_target,
            currency=p.currency,
            annual_potential=p.annual_potential,
            strategic_flags=p.strategic_flags,
        )
        self.add(account_upserted(record))

    def crm_contact(self, person: Person, day: float, role: StakeholderRole | None = None) -> None:
        contact = CrmContact(
            contact_id=person.stakeholder_id,
            account_id=self.plan.account_id,
            full_name=person.name,
            buying_role=role or person.role,
            modified_at=self.at(day),
            job_title=person.title,
            department=person.department,
        )
        self.add(crm_upserted(contact))

    def touch(self, person: Person, day: float, role: StakeholderRole, rating: int = 0) -> None:
        kind = self.rng.choice(CONTACT_KINDS[role])
        activity = CrmActivity(
            activity_id=self.serial("a"),
            account_id=self.plan.account_id,
            contact_id=person.stakeholder_id,
            kind=kind,
            inbound=self.rng.random() < 0.35,
            at=self.at(day),
            rating=rating or self.rng.choice((2, 3, 4, 4, 4, 5, 5)),
            owner=self.owner(day),
        )
        self.add(contact_logged(activity))

    def contacts(
        self,
        person: Person,
        role: StakeholderRole,
        start: float,
        stop: float,
    ) -> None:
        """Touchpoints with ``person`` at ``role``'s cadence from ``start`` to ``stop``."""
        low, high = CONTACT_EVERY[role]
        day = start + self.rng.uniform(0.5, low)
        while day <= min(stop, self.last):
            self.touch(person, day, role)
            day += self.rng.uniform(low, high)

    def routine_contacts(self, person: Person) -> None:
        stop = self.contact_stop(person)
        start = self.first + 1.0
        if person.role == "champion" and self.plan.scenario == "promotion":
            # Contacted as champion until the promotion, then as decision maker.
            self.contacts(person, "champion", start, -68.0)
            self.contacts(person, "decision_maker", -67.5, self.last)
            return
        self.contacts(person, person.role, start, stop)

    def contact_stop(self, person: Person) -> float:
        """The last day this person is in touch (scenarios end some relationships)."""
        scenario, role = self.plan.scenario, person.role
        dm = role == "decision_maker"
        if scenario == "dm_silent" and dm:
            stop = -60.0 + self.rng.uniform(-3, 3)
            self.touch(person, stop, role)  # the last meeting before the silence
            self.contacts(person, role, 4.0, self.last)  # the KAM wins them back
            return stop - CONTACT_EVERY[role][0]
        if scenario == "dm_silent_long" and dm:
            stop = -100.0
            self.touch(person, stop, role)
            return stop - CONTACT_EVERY[role][0]
        if scenario == "single_threaded" and role != "champion":
            return -130.0
        if scenario == "champion_left" and role == "champion":
            return -9.0
        if scenario in ("new_dm", "promotion") and dm:
            return -30.0 if scenario == "new_dm" else -75.0
        return self.last

    def orders(self) -> None:
        p = self.plan
        every = p.order_every_days
        stop, resume = (-46.0, 6.0) if p.scenario == "order_gap" else (self.last, self.last)
        day = self.first + self.rng.uniform(1.0, every)
        jitter = 0.1 if p.scenario == "order_gap" else 0.25
        while day <= self.last:
            if day <= stop or day >= resume:
                self.order(day, every)
            day += every * self.rng.uniform(1 - jitter, 1 + jitter)
        if p.scenario == "order_gap":
            self.order(stop - 0.5, every)  # the last order before the gap, for a sharp onset

    def order(self, day: float, every: float) -> None:
        p = self.plan
        amount = p.annual_revenue_target / 365 * every * self.rng.uniform(0.7, 1.3)
        thin = p.scenario == "no_longer_key"
        order = ErpOrder(
            order_no=self.serial("SO"),
            customer_no=p.account_id,
            net_amount=round(amount, 2),
            currency=p.currency,
            booked_at=self.at(day),
            # A thin margin on the account that no longer earns key-account care.
            margin=round(amount * self.rng.uniform(0.18, 0.35) / (6 if thin else 1), 2),
            product_line=self.rng.choice(p.product_lines),
            business_unit=self.rng.choice(("Industry", "Service")),
        )
        self.add(order_placed(order))
        if self.rng.random() < 0.04:
            cancel = ErpCancellation(order.order_no, p.account_id, self.at(day + 1.5))
            self.add(order_cancelled(cancel))

    def routine_tickets(self) -> None:
        day = self.first + self.rng.uniform(5, 40)
        while day <= self.last:
            priority: Priority = self.rng.choice(("high", "normal", "normal", "low", "low"))
            ticket_no = self.serial("T")
            self.ticket(ticket_no, priority, day, self.rng.choice(_SUBJECTS))
            took = self.rng.uniform(0.3, 6.0)
            if priority == "high" and self.rng.random() < 0.2:
                self.update(ticket_no, "escalate", day + took / 3)
            self.update(ticket_no, "resolve", day + took)
            if self.rng.random() < 0.06:
                self.update(ticket_no, "reopen", day + took + 1)
                self.update(ticket_no, "resolve", day + took + 2)
            day += self.rng.uniform(20, 60)

    def ticket(self, ticket_no: str, priority: Priority, day: float, subject: str) -> None:
        sla = {"urgent": 4.0, "high": 24.0, "normal": 72.0, "low": 120.0}[priority]
        opened = HelpdeskTicket(
            ticket_no, self.plan.account_id, priority, self.at(day), subject, sla_hours=sla
        )
        self.add(ticket_opened(opened))

    def update(
        self, ticket_no: str, action: str, day: float, new_priority: Priority | None = None
    ) -> None:
        assert action in ("escalate", "resolve", "reopen")
        step = TicketUpdate(
            ticket_no,
            self.plan.account_id,
            action,  # type: ignore[arg-type]
            self.at(day),
            new_priority,
        )
        self.add(ticket_updated(step))

    def reorg(self, kind: str, person: Person, day: float, role: StakeholderRole | None) -> None:
        change = PersonChange(
            change_id=self.serial("hr"),
            account_id=self.plan.account_id,
            person_id=person.stakeholder_id,
            kind=kind,  # type: ignore[arg-type]
            effective_at=self.at(day),
            role=role,
            name=person.name,
            title=person.title,
        )
        self.add(person_changed(change))

    def newcomer(self, role: StakeholderRole, suffix: str) -> Person:
        first = self.rng.choice(("Marie", "Paul", "Sarah", "Lukas", "Jana", "Felix", "Mona"))
        last = self.rng.choice(("Vogel", "Roth", "Beck", "Franke", "Albrecht", "Busch"))
        title = {"decision_maker": "Chief Procurement Officer", "champion": "Head of Engineering"}
        return Person(
            f"{self.plan.account_id}-{suffix}",
            f"{first} {last}",
            role,
            title.get(role, "Manager"),
            "Procurement" if role == "decision_maker" else "Engineering",
        )

    # --- scenarios -------------------------------------------------------------------

    def scenario_champion_left(self) -> None:
        champion = self.plan.holder("champion")
        dm = self.plan.holder("decision_maker")
        unit = UnitChange(
            change_id=self.serial("hr"),
            account_id=self.plan.account_id,
            unit=champion.department,
            effective_at=self.at(-8.2),
            person_ids=(champion.stakeholder_id, dm.stakeholder_id),
        )
        self.add(unit_restructured(unit))
        self.reorg("left", champion, -8.0, None)
        ticket_no = self.serial("T")
        self.ticket(ticket_no, "urgent", -5.0, self.rng.choice(_P1_SUBJECTS))
        self.update(ticket_no, "escalate", -4.0)
        self.touch(dm, -3.5, "decision_maker", rating=1)  # an angry call about the outage
        self.update(ticket_no, "resolve", 3.0)

    def scenario_new_dm(self) -> None:
        old = self.plan.holder("decision_maker")
        self.reorg("left", old, -25.0, None)
        new = self.newcomer("decision_maker", "c90")
        self.reorg("joined", new, -18.0, "decision_maker")
        self.crm_contact(new, -17.0)
        self.touch(new, 3.0, "decision_maker", rating=4)  # the KAM finally meets them
        self.contacts(new, "decision_maker", 3.0, self.last)

    def scenario_promotion(self) -> None:
        old = self.plan.holder("decision_maker")
        champion = self.plan.holder("champion")
        self.reorg("left", old, -70.0, None)
        self.reorg("role_changed", champion, -68.0, "decision_maker")
        self.crm_contact(champion, -67.0, role="decision_maker")
        self.touch(champion, -67.5, "decision_maker", rating=5)
        new = self.newcomer("champion", "c91")
        self.reorg("joined", new, -60.0, "champion")
        self.crm_contact(new, -59.0)
        self.contacts(new, "champion", -56.0, self.last)

    def scenario_p1_escalation(self) -> None:
        ticket_no = self.serial("T")
        self.ticket(ticket_no, "high", -3.0, self.rng.choice(_P1_SUBJECTS))
        self.update(ticket_no, "escalate", -2.0, new_priority="urgent")
        self.update(ticket_no, "resolve", 1.5)


def window(events: list[BaseEvent], until: datetime) -> Iterator[BaseEvent]:
    """The events that occurred by ``until`` (the history as it stood then)."""
    return (e for e in events if e.occurred_at <= until)
