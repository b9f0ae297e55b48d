"""Account groups: the tree that ``parent_account_id`` links, and the group's roll-up.

Pure: it takes one plain :class:`Member` per account (from the read models in
the API, from replayed states in the reference replay) and never fails on bad
links. A ``parent_account_id`` naming no known account, and a chain of
parents that comes back to where it started (a cycle), are reported as
problems on the group they touch; the tree is still built, so the KAM sees
what can be seen:

* a member whose parent is unknown heads its own group;
* a cycle is broken at its smallest account_id, which then heads the group.

Both rules depend only on the set of members, never on the order they were
given in (docs/scoring.md, "Account groups").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from consumers.domain.policy import DEFAULT_POLICY, Policy


@dataclass(frozen=True)
class Member:
    """What the roll-up and the whitespace need of one account."""

    account_id: str
    name: str
    kam_id: str | None
    parent_account_id: str | None
    score: float | None  # None before the account's first evaluation
    band: str | None
    revenue_12m: float = 0.0
    open_alerts: int = 0
    currency: str | None = None
    #: Trailing-12-month revenue per product line (purchases.Purchases.by_product_line).
    product_lines: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Placed:
    """A member at its place in the tree: depth 0 is the top-level account."""

    member: Member
    depth: int


@dataclass(frozen=True)
class Group:
    """A top-level account, every account below it and the roll-up over all of them."""

    top: Member
    members: tuple[Placed, ...]  # the top first, then depth-first by account_id
    score: float | None
    band: str | None
    revenue_12m: float
    open_alerts: int
    most_at_risk: Member | None
    problems: tuple[str, ...]  # unknown parents and cycles, as sentences

    @property
    def error(self) -> str | None:
        """The problems in one sentence, or None when the links are sound."""
        return "; ".join(self.problems) or None

    def member(self, account_id: str) -> Member | None:
        """The member ``account_id``, if it belongs to this group."""
        for placed in self.members:
            if placed.member.account_id == account_id:
                return placed.member
        return None


@dataclass(frozen=True)
class Forest:
    """Every account's top-level account, and the problems found while linking."""

    members: Mapping[str, Member]
    parent: Mapping[str, str]  # the links kept: unknown parents and one link per cycle dropped
    children: Mapping[str, tuple[str, ...]]  # sorted by account_id
    top_of: Mapping[str, str]
    problems: Mapping[str, tuple[str, ...]]  # by top-level account_id


def build_forest(members: Iterable[Member]) -> Forest:
    """Link accounts by ``parent_account_id``; any depth, never a crash on bad links."""
    by_id = {m.account_id: m for m in sorted(members, key=lambda m: m.account_id)}
    parent: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    unknown: dict[str, str] = {}
    for account_id, m in by_id.items():
        wanted = m.parent_account_id
        if wanted is None:
            continue
        if wanted not in by_id:
            unknown[account_id] = wanted
            continue
        parent[account_id] = wanted
    for cycle in _cycles(parent):
        del parent[min(cycle)]  # broken at its smallest id, whatever the input order
        problems.setdefault(min(cycle), []).append(
            "parent_account_id forms a cycle: " + " → ".join([*_rotate(cycle), min(cycle)])
        )
    children: dict[str, list[str]] = {}
    for child, up in parent.items():
        children.setdefault(up, []).append(child)
    top_of = {a: _top(a, parent) for a in by_id}
    for account_id, wanted in sorted(unknown.items()):
        problems.setdefault(top_of[account_id], []).append(
            f"the parent account {wanted} of {account_id} is unknown"
        )
    return Forest(
        members=by_id,
        parent=parent,
        children={k: tuple(sorted(v)) for k, v in children.items()},
        top_of=top_of,
        problems={k: tuple(v) for k, v in problems.items()},
    )


def group_of(forest: Forest, account_id: str, policy: Policy = DEFAULT_POLICY) -> Group | None:
    """The top-level group ``account_id`` belongs to, rolled up.

    None when the account is unknown, or has no members and no parent (a
    parent that is unknown still counts: the group is then reported with that
    problem).
    """
    member = forest.members.get(account_id)
    if member is None:
        return None
    top = forest.top_of[account_id]
    alone = top == account_id and not forest.children.get(account_id)
    if alone and member.parent_account_id is None:
        return None
    placed = _walk(forest, top)
    return roll_up(placed, forest.problems.get(top, ()), policy)


def groups(forest: Forest, policy: Policy = DEFAULT_POLICY) -> dict[str, Group]:
    """Every group, by top-level account_id (standalone accounts are not groups)."""
    found: dict[str, Group] = {}
    for account_id in sorted(set(forest.top_of.values())):
        group = group_of(forest, account_id, policy)
        if group is not None:
            found[account_id] = group
    return found


def roll_up(
    members: tuple[Placed, ...], problems: tuple[str, ...] = (), policy: Policy = DEFAULT_POLICY
) -> Group:
    """The group's figures over ``members`` (the top first).

    score: the mean of the members' scores weighted by their revenue_12m, the
    top-level account included; equal weights when no scored member has
    revenue. Members not evaluated yet (no score) are left out of the mean.
    """
    scored = [p.member for p in members if p.member.score is not None]
    score: float | None = None
    if scored:
        weights = [max(0.0, m.revenue_12m) for m in scored]
        if sum(weights) <= 0:
            weights = [1.0] * len(scored)
        score = round(
            sum(w * (m.score or 0.0) for w, m in zip(weights, scored, strict=True)) / sum(weights),
            1,
        )
    most_at_risk = min(scored, key=lambda m: (m.score, m.account_id)) if scored else None
    return Group(
        top=members[0].member,
        members=members,
        score=score,
        band=None if score is None else policy.band(score),
        revenue_12m=round(sum(p.member.revenue_12m for p in members), 2),
        open_alerts=sum(p.member.open_alerts for p in members),
        most_at_risk=most_at_risk,
        problems=problems,
    )


def _walk(forest: Forest, top: str) -> tuple[Placed, ...]:
    found: list[Placed] = []
    stack = [(top, 0)]
    while stack:
        account_id, depth = stack.pop()
        found.append(Placed(forest.members[account_id], depth))
        # reversed: the stack pops the smallest account_id first
        stack += [(c, depth + 1) for c in reversed(forest.children.get(account_id, ()))]
    return tuple(found)


def _top(account_id: str, parent: Mapping[str, str]) -> str:
    # parent has no cycles left (build_forest broke them), so this ends.
    while account_id in parent:
        account_id = parent[account_id]
    return account_id


def _cycles(parent: Mapping[str, str]) -> list[tuple[str, ...]]:
    """Every cycle of the parent links, each once, in the order its links run."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[tuple[str, ...]] = []
    for start in sorted(parent):
        path: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = parent.get(node)
        if node is not None and state.get(node) == 1:
            cycles.append(tuple(path[path.index(node) :]))
        for visited in path:
            state[visited] = 2
    return cycles


def _rotate(cycle: tuple[str, ...]) -> list[str]:
    # The cycle as read from its smallest id, so the sentence is the same for any input order.
    i = cycle.index(min(cycle))
    return list(cycle[i:] + cycle[:i])
