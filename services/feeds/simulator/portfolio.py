"""A key-account portfolio drawn from a seed: KAMs, groups, accounts, stakeholders, scenarios.

Everything here is a pure function of the seed, so ``keypulse up`` can know
the KAM ids (to print a token per KAM) before the simulator runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from schemas.vocabulary import StakeholderRole, Tier

#: The behaviours an account can show (besides the routine every account has).
#: Each maps to the alert(s) it is meant to raise; see history.py for the timing.
SCENARIOS: tuple[str, ...] = (
    "champion_left",  # reorg: the champion leaves, a P1 lands: champion_left, health_drop, ...
    "dm_silent",  # the decision maker goes quiet for ~2 months: stakeholder_cooling (warning)
    "dm_silent_long",  # ... for ~3.5 months: stakeholder_cooling (critical)
    "new_dm",  # the decision maker leaves, a new one arrives: decision_maker_changed
    "p1_escalation",  # a P2 escalated to P1 days ago: critical_ticket
    "order_gap",  # a regular buyer stops ordering: order_gap
    "handover",  # the account moves to another KAM
    "single_threaded",  # only the champion is still in touch: single_threaded
    "promotion",  # the champion becomes decision maker, a new champion is found (resolves)
    "kam_only",  # for five months only the KAM speaks to anyone there: team_single_threaded
    "earns_promotion",  # a standard account with key-account figures: portfolio "promote"
    "no_longer_key",  # a key account with small, thin-margin orders: portfolio "demote"
)

#: Scenario slots in assignment order: the first accounts of the shuffled
#: portfolio get these, the rest are healthy routine accounts. Repeats give
#: several KAMs something to act on.
_SLOTS: tuple[str, ...] = (
    "champion_left",
    "dm_silent",
    "new_dm",
    "p1_escalation",
    "order_gap",
    "single_threaded",
    "dm_silent_long",
    "handover",
    "promotion",
    "dm_silent",
    "order_gap",
    "p1_escalation",
    "single_threaded",
    "kam_only",
    "earns_promotion",
    "no_longer_key",
)

_KAM_NAMES = (
    ("kam-lena", "Lena Hoffmann"),
    ("kam-jonas", "Jonas Becker"),
    ("kam-sophie", "Sophie Wagner"),
    ("kam-murat", "Murat Yilmaz"),
    ("kam-clara", "Clara Schneider"),
    ("kam-felix", "Felix Richter"),
)
_PREFIXES = (
    "Nord",
    "Rhein",
    "Elb",
    "Alpen",
    "Hansa",
    "Main",
    "Donau",
    "Isar",
    "Weser",
    "Mosel",
    "Harz",
    "Spree",
    "Taunus",
    "Eifel",
    "Ruhr",
    "Neckar",
    "Ostsee",
    "Saale",
)
_TRADES = (
    "werk",
    "tech",
    "chemie",
    "logistik",
    "maschinenbau",
    "energie",
    "pharma",
    "stahl",
    "papier",
    "automotive",
    "kunststoff",
    "elektronik",
)
_FORMS = ("AG", "GmbH", "SE", "GmbH & Co. KG")
_SUBSIDIARY_SUFFIXES = (
    "Polska Sp. z o.o.",
    "France SAS",
    "Austria GmbH",
    "Schweiz AG",
    "Italia S.r.l.",
    "Nederland B.V.",
    "Iberica S.L.",
    "Czech s.r.o.",
)
_FIRST = (
    "Anna",
    "Thomas",
    "Julia",
    "Michael",
    "Katharina",
    "Stefan",
    "Sabine",
    "Andreas",
    "Laura",
    "Markus",
    "Nina",
    "Tobias",
    "Claudia",
    "Daniel",
    "Petra",
    "Jan",
    "Miriam",
    "Oliver",
    "Eva",
    "Christian",
    "Hannah",
    "Matthias",
    "Lea",
    "Ralf",
)
_LAST = (
    "Müller",
    "Schmidt",
    "Fischer",
    "Weber",
    "Meyer",
    "Schulz",
    "Koch",
    "Bauer",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Huber",
)
_TITLES: dict[StakeholderRole, tuple[str, ...]] = {
    "decision_maker": ("Managing Director", "CFO", "Head of Procurement", "VP Operations"),
    "champion": ("Lead Engineer", "Procurement Manager", "Head of Production Planning"),
    "influencer": ("Quality Manager", "IT Architect", "Controller", "Plant Manager"),
    "user": ("Buyer", "Plant Engineer", "Logistics Coordinator", "Maintenance Lead"),
    "blocker": ("Legal Counsel", "Head of IT Security", "Works Council Chair"),
}
_DEPARTMENTS: dict[StakeholderRole, tuple[str, ...]] = {
    "decision_maker": ("Management", "Procurement", "Finance"),
    "champion": ("Engineering", "Procurement", "Production"),
    "influencer": ("Quality", "IT", "Finance", "Production"),
    "user": ("Procurement", "Logistics", "Production", "Maintenance"),
    "blocker": ("Legal", "IT", "Works Council"),
}
_PRODUCT_LINES = ("Drives", "Sensors", "Spare parts", "Service contracts", "Automation software")


@dataclass(frozen=True)
class Kam:
    """A key account manager on our side."""

    kam_id: str
    name: str


@dataclass(frozen=True)
class Person:
    """A stakeholder at the customer at the start of the history."""

    stakeholder_id: str
    name: str
    role: StakeholderRole
    title: str
    department: str


@dataclass(frozen=True)
class AccountPlan:
    """One key account: master data, people, ordering habit and its scenario."""

    account_id: str
    name: str
    tier: Tier
    kam_id: str
    parent_account_id: str | None
    annual_revenue_target: float
    currency: str
    people: tuple[Person, ...]
    order_every_days: float
    product_lines: tuple[str, ...]
    scenario: str | None
    handover_to: str | None = None
    #: What the account could buy in a year (groups only: their whitespace is the demo's).
    annual_potential: float | None = None
    strategic_flags: tuple[str, ...] = ()

    def holder(self, role: StakeholderRole) -> Person:
        """The first person in ``role`` (every account has a decision maker and a champion)."""
        return next(p for p in self.people if p.role == role)


@dataclass(frozen=True)
class Portfolio:
    """The whole simulated portfolio."""

    seed: int
    kams: tuple[Kam, ...]
    accounts: tuple[AccountPlan, ...]

    @property
    def kam_ids(self) -> tuple[str, ...]:
        """Every KAM id that owns an account at some point of the history."""
        return tuple(k.kam_id for k in self.kams)

    def by_scenario(self, scenario: str) -> list[AccountPlan]:
        """The accounts that show ``scenario``."""
        return [a for a in self.accounts if a.scenario == scenario]


def build_portfolio(seed: int, accounts: int = 40, kams: int = 5) -> Portfolio:
    """Draw a portfolio of about ``accounts`` key accounts and ``kams`` KAMs (4–6) from a seed.

    About a third of the accounts belong to groups: a strategic parent with
    two or three subsidiaries (``parent_account_id``), usually looked after
    by the group's KAM, as global account management does.
    """
    if not 4 <= kams <= len(_KAM_NAMES):
        raise ValueError(f"kams must be 4..{len(_KAM_NAMES)}")
    if accounts < len(_SLOTS) + 2:
        raise ValueError(f"accounts must be at least {len(_SLOTS) + 2}")
    # A simulation, not cryptography: the seed must reproduce the portfolio.
    rng = random.Random(seed)  # noqa: S311
    team = tuple(Kam(kid, name) for kid, name in _KAM_NAMES[:kams])
    names = _company_names(rng, accounts)
    skeleton: list[tuple[str, str, Tier, str, str | None]] = []  # id, name, tier, kam, parent
    n = 0
    groups = max(2, accounts // 10)
    for g in range(groups):
        kam = team[g % len(team)].kam_id
        parent_id = f"acc-{n + 1:03d}"
        parent_name = names[n]
        skeleton.append((parent_id, parent_name, "strategic", kam, None))
        n += 1
        base = parent_name.split(" ")[0]
        for _ in range(rng.randint(2, 3)):
            if n >= accounts:
                break
            suffix = _SUBSIDIARY_SUFFIXES[rng.randrange(len(_SUBSIDIARY_SUFFIXES))]
            # One subsidiary in five is served by another KAM (a country team).
            sub_kam = kam if rng.random() < 0.8 else rng.choice(team).kam_id
            tier: Tier = "key" if rng.random() < 0.7 else "standard"
            skeleton.append((f"acc-{n + 1:03d}", f"{base} {suffix}", tier, sub_kam, parent_id))
            n += 1
    while n < accounts:
        tier = rng.choice(("strategic", "key", "key", "key", "standard"))
        kam = team[n % len(team)].kam_id
        skeleton.append((f"acc-{n + 1:03d}", names[n], tier, kam, None))
        n += 1

    order = list(range(len(skeleton)))
    rng.shuffle(order)
    scenario_of: dict[int, str] = {idx: slot for idx, slot in zip(order, _SLOTS, strict=False)}
    plans = []
    for idx, (account_id, name, tier, kam, parent) in enumerate(skeleton):
        scenario = scenario_of.get(idx)
        if scenario == "single_threaded" and tier == "standard":
            tier = "key"  # the rules watch strategic and key accounts only
        handover_to = None
        if scenario == "handover":
            handover_to = next(k.kam_id for k in team if k.kam_id != kam)
        plan = _account(rng, account_id, name, tier, kam, parent, scenario, handover_to)
        # The later scenarios change the plan after it is drawn, so that every other
        # account's draws (and story) stay as they were.
        if scenario == "kam_only" and plan.tier == "standard":
            plan = replace(plan, tier="key")
        elif scenario == "earns_promotion":
            flags = ("market_leader", "reference_customer")
            plan = replace(plan, tier="standard", annual_revenue_target=4e6, strategic_flags=flags)
        elif scenario == "no_longer_key":
            plan = replace(plan, tier="key", annual_revenue_target=60_000.0)
        plans.append(plan)
    grouped = {p.parent_account_id for p in plans if p.parent_account_id is not None}
    plans = [
        replace(p, annual_potential=_potential(p))
        if p.parent_account_id is not None or p.account_id in grouped
        else p
        for p in plans
    ]
    return Portfolio(seed, team, tuple(plans))


def _potential(plan: AccountPlan) -> float:
    # 1.5 to 3.5 times the target, from the account number rather than the
    # seeded generator, so that every other draw of the portfolio stays as it was.
    factor = 1.5 + 0.5 * (int(plan.account_id.rsplit("-", 1)[-1]) % 5)
    return round(plan.annual_revenue_target * factor, -3)


def _company_names(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        stem = rng.choice(_PREFIXES) + rng.choice(_TRADES)
        if stem in seen:
            continue
        seen.add(stem)
        names.append(f"{stem} {rng.choice(_FORMS)}")
    return names


def _account(
    rng: random.Random,
    account_id: str,
    name: str,
    tier: Tier,
    kam: str,
    parent: str | None,
    scenario: str | None,
    handover_to: str | None,
) -> AccountPlan:
    size = {"strategic": (5, 8), "key": (4, 6), "standard": (3, 5)}[tier]
    roles: list[StakeholderRole] = ["decision_maker", "champion"]
    extra: tuple[StakeholderRole, ...] = ("influencer", "user", "user", "influencer", "blocker")
    roles += [rng.choice(extra) for _ in range(rng.randint(*size) - 2)]
    used: set[str] = set()
    people = []
    for j, role in enumerate(roles):
        while True:
            person_name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            if person_name not in used:
                used.add(person_name)
                break
        people.append(
            Person(
                stakeholder_id=f"{account_id}-c{j + 1:02d}",
                name=person_name,
                role=role,
                title=rng.choice(_TITLES[role]),
                department=rng.choice(_DEPARTMENTS[role]),
            )
        )
    target = {"strategic": (2_000, 8_000), "key": (500, 2_500), "standard": (150, 600)}[tier]
    # Regular buyers (order_gap needs a usual interval); the scenario account is a clockwork one.
    every = rng.uniform(12, 15) if scenario == "order_gap" else rng.uniform(9, 28)
    lines = tuple(rng.sample(_PRODUCT_LINES, k=rng.randint(1, 3)))
    return AccountPlan(
        account_id=account_id,
        name=name,
        tier=tier,
        kam_id=kam,
        parent_account_id=parent,
        annual_revenue_target=float(rng.randint(*target) * 1_000),
        currency="EUR",
        people=tuple(people),
        order_every_days=every,
        product_lines=lines,
        scenario=scenario,
        handover_to=handover_to,
    )
