"""Who owns what: the ownership lookups the role rules need, read from the read models."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import HTTPException, status
from sqlalchemy.engine import Connection

from services.api.auth import forbidden, require_kam_scope
from services.read_models.schema import account_health, accounts
from services.settings import Principal


def account_owner(conn: Connection, account_id: str) -> tuple[bool, str | None]:
    """Whether anything is known about the account, and its KAM (None without master data)."""
    kam_id = conn.execute(
        sa.select(accounts.c.kam_id).where(accounts.c.account_id == account_id)
    ).first()
    if kam_id is not None:
        return True, kam_id[0]
    health = conn.execute(
        sa.select(account_health.c.account_id).where(account_health.c.account_id == account_id)
    ).first()
    return health is not None, None


def check_account(conn: Connection, principal: Principal, account_id: str) -> None:
    """404 for an unknown account; 403 when a KAM asks about another KAM's account."""
    known, kam_id = account_owner(conn, account_id)
    if not known:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown account {account_id!r}")
    require_kam_scope(principal, kam_id, f"account {account_id!r}")


#: Roles that read every account, unassigned ones included: operators, admins
#: and the KAM team lead, who reviews every KAM's accounts and the portfolio.
SEES_EVERY_ACCOUNT = frozenset({"ops", "admin", "lead"})


def listed_kam(principal: Principal, asked: str | None) -> str | None:
    """The kam_id a list is limited to: a KAM's own always (403 for another's), else ``asked``."""
    if principal.role in SEES_EVERY_ACCOUNT:
        return asked
    if asked is not None and asked != principal.kam_id:
        raise forbidden("a KAM may list only their own accounts")
    # Every other role that reaches a list route is a KAM (the route's dependency
    # decides who may call it); a KAM without kam_id would match nothing.
    return principal.kam_id or ""
