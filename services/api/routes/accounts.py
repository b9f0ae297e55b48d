"""Account routes: the account list, master data, health, health history and stakeholders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from consumers.domain.whitespace import gaps
from schemas.vocabulary import Band, Tier
from services.api.access import check_account, listed_kam
from services.api.deps import ID_PATTERN, AccountId, Now, ReadConn, Reader, ScoringPolicy
from services.api.groups import account_group, find_group
from services.api.models import (
    Account,
    AccountList,
    AccountListEntry,
    Alert,
    BoughtLine,
    GapLine,
    Group,
    GroupMember,
    Health,
    Stakeholder,
    Whitespace,
    error_responses,
)
from services.read_models import queries
from services.read_models.account_list import AccountSort, list_accounts

router = APIRouter(
    prefix="/v1/accounts", tags=["accounts"], responses=error_responses(401, 403, 404, 422, 503)
)


@router.get("", response_model=AccountList)
def get_accounts(
    principal: Reader,
    conn: ReadConn,
    now: Now,
    kam_id: Annotated[str | None, Query(pattern=ID_PATTERN, description="Owning KAM.")] = None,
    tier: Tier | None = None,
    band: Band | None = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            pattern=r"^[^\x00]*$",
            description="Name or account_id contains this, ignoring case.",
        ),
    ] = None,
    sort: Annotated[
        AccountSort,
        Query(
            description="priority: highest first; score: lowest first; name: A to Z; "
            "revenue: largest annual revenue target first."
        ),
    ] = "priority",
    limit: Annotated[int, Query(ge=1, le=1000, description="Most accounts returned.")] = 200,
) -> AccountList:
    """Accounts to find and compare; a KAM sees only their own, ops, admin and lead every one.

    Accounts with events but no master data are listed with ``kam_id`` null
    (unassigned), for the roles that see every account.
    """
    views = list_accounts(
        conn,
        now=now,
        kam_id=listed_kam(principal, kam_id),
        tier=tier,
        band=band,
        q=q,
        sort=sort,
        limit=limit,
    )
    return AccountList(
        items=[AccountListEntry.model_validate(v, from_attributes=True) for v in views]
    )


@router.get("/{account_id}", response_model=Account)
def get_account(account_id: AccountId, principal: Reader, conn: ReadConn, now: Now) -> Account:
    """Account master data, current health and open (not snoozed) alerts."""
    check_account(conn, principal, account_id)
    view = queries.get_account(conn, account_id, now)
    if view is None:  # deleted between the two reads
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown account {account_id!r}")
    return Account(
        account_id=view.account_id,
        name=view.name,
        tier=view.tier,
        kam_id=view.kam_id,
        parent_account_id=view.parent_account_id,
        annual_revenue_target=view.annual_revenue_target,
        currency=view.currency,
        as_of=view.as_of,
        health=Health.model_validate(view.health.model_dump()) if view.health else None,
        open_alerts=[Alert.model_validate(a, from_attributes=True) for a in view.open_alerts],
        annual_potential=view.annual_potential,
        revenue_12m=view.revenue_12m,
        margin_12m=view.margin_12m,
        share_of_wallet=view.share_of_wallet,
    )


@router.get("/{account_id}/health", response_model=Health)
def get_health(account_id: AccountId, principal: Reader, conn: ReadConn) -> Health:
    """Latest health of the account (404 before its first snapshot)."""
    check_account(conn, principal, account_id)
    snapshot = queries.get_health(conn, account_id)
    if snapshot is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no health computed yet for {account_id!r}"
        )
    return Health.model_validate(snapshot.model_dump())


@router.get("/{account_id}/health/history", response_model=list[Health])
def get_health_history(
    account_id: AccountId,
    principal: Reader,
    conn: ReadConn,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most snapshots returned.")] = 1000,
) -> list[Health]:
    """Health over time, oldest first (the newest ``limit`` snapshots)."""
    check_account(conn, principal, account_id)
    snapshots = queries.health_history(conn, account_id, limit=limit)
    return [Health.model_validate(s.model_dump()) for s in snapshots]


@router.get("/{account_id}/stakeholders", response_model=list[Stakeholder])
def get_stakeholders(account_id: AccountId, principal: Reader, conn: ReadConn) -> list[Stakeholder]:
    """Stakeholders with role, status (active/left), last contact and warmth; active first."""
    check_account(conn, principal, account_id)
    return [
        Stakeholder.model_validate(s.model_dump())
        for s in queries.list_stakeholders(conn, account_id)
    ]


@router.get("/{account_id}/group", response_model=Group)
def get_group(
    account_id: AccountId, principal: Reader, conn: ReadConn, now: Now, policy: ScoringPolicy
) -> Group:
    """The top-level group the account belongs to, rolled up (404 outside any group).

    Who: the KAM of the top-level account or of any member, and the roles
    that see every account. Unknown parents and cycles are named in ``error``.
    """
    group = account_group(conn, principal, account_id, now, policy)
    return Group(
        account_id=group.top.account_id,
        name=group.top.name,
        kam_id=group.top.kam_id,
        score=group.score,
        band=group.band,
        revenue_12m=group.revenue_12m,
        open_alerts=group.open_alerts,
        most_at_risk=group.most_at_risk.account_id if group.most_at_risk else None,
        error=group.error,
        members=[
            GroupMember(
                account_id=p.member.account_id,
                name=p.member.name,
                kam_id=p.member.kam_id,
                score=p.member.score,
                band=p.member.band,
                revenue_12m=p.member.revenue_12m,
                open_alerts=p.member.open_alerts,
                depth=p.depth,
                product_lines=dict(p.member.product_lines),
            )
            for p in group.members
        ],
    )


@router.get("/{account_id}/whitespace", response_model=Whitespace)
def get_whitespace(
    account_id: AccountId, principal: Reader, conn: ReadConn, now: Now, policy: ScoringPolicy
) -> Whitespace:
    """What the account bought in 12 months, and its group's product lines it did not buy."""
    check_account(conn, principal, account_id)
    group = find_group(conn, account_id, now, policy)
    return Whitespace(
        account_id=account_id,
        bought=[BoughtLine.model_validate(b) for b in queries.list_purchases(conn, account_id)],
        gaps=[
            GapLine(
                product_line=g.product_line,
                bought_by=list(g.bought_by),
                group_revenue_12m=g.group_revenue_12m,
                reason=g.reason,
            )
            for g in (gaps(group, account_id) if group is not None else ())
        ],
    )
