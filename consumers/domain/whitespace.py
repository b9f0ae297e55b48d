"""Whitespace: product lines other members of an account's group bought and it did not.

A gap is a product line with revenue in the trailing 12 months at some other
member of the same top-level group and none at this account. Orders without
a product line ("unspecified") say nothing about what to offer, so they are
never a gap. The growth line of a KAM's queue offers the largest gap of a
healthy account (docs/scoring.md, "Whitespace and share of wallet").
"""

from __future__ import annotations

from dataclasses import dataclass

from consumers.domain.groups import Group, Member
from consumers.domain.purchases import UNSPECIFIED
from consumers.domain.sentences import money


@dataclass(frozen=True)
class Gap:
    """A product line the account's group buys and the account does not."""

    product_line: str
    bought_by: tuple[str, ...]  # account_ids, largest buyer first
    group_revenue_12m: float
    reason: str


def gaps(group: Group, account_id: str) -> tuple[Gap, ...]:
    """The gaps of ``account_id`` in ``group``, largest group revenue first."""
    me = group.member(account_id)
    if me is None:
        return ()
    mine = {line for line, revenue in me.product_lines.items() if revenue > 0}
    buyers: dict[str, list[Member]] = {}
    for placed in group.members:
        other = placed.member
        if other.account_id == account_id:
            continue
        for line, revenue in other.product_lines.items():
            if revenue > 0 and line != UNSPECIFIED and line not in mine:
                buyers.setdefault(line, []).append(other)
    found = []
    currency = group.top.currency or me.currency
    for line, who in buyers.items():
        who.sort(key=lambda m: (-m.product_lines[line], m.account_id))
        total = round(sum(m.product_lines[line] for m in who), 2)
        found.append(
            Gap(
                product_line=line,
                bought_by=tuple(m.account_id for m in who),
                group_revenue_12m=total,
                reason=(
                    f"{_companies(len(who))} of the {group.top.name} group bought "
                    f"{money(total, currency)} of {line} in 12 months; {me.name} did not"
                ),
            )
        )
    found.sort(key=lambda g: (-g.group_revenue_12m, g.product_line))
    return tuple(found)


def growth_action(group: Group, account: Member, gap: Gap) -> str:
    """The next action of a growth line: offer the largest gap, with who bought how much."""
    currency = group.top.currency or account.currency
    return (
        f"Offer {gap.product_line} to {account.name}: {_companies(len(gap.bought_by))} of the "
        f"{group.top.name} group bought {money(gap.group_revenue_12m, currency)} of it "
        "in 12 months"
    )


def _companies(n: int) -> str:
    return "1 company" if n == 1 else f"{n} companies"
