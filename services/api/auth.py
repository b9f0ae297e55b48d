"""Bearer-token authentication and the role rules of docs/contract.md section 4.

Tokens come from ``KEYPULSE_API_KEYS``; each is compared with
:func:`hmac.compare_digest` and *every* configured token is compared on every
request, so the time a request takes does not reveal which prefix matched or
how many tokens exist before the right one.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from fastapi import HTTPException, status

from services.settings import Principal

#: Sent with every 401 so that clients know which scheme is expected (RFC 6750).
CHALLENGE = {"WWW-Authenticate": "Bearer"}


def unauthorized(detail: str) -> HTTPException:
    """A 401 carrying the Bearer challenge."""
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=CHALLENGE)


def forbidden(detail: str) -> HTTPException:
    """A 403: the token is known but lacks the right."""
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)


def identify(authorization: str | None, principals: Mapping[str, Principal]) -> Principal:
    """The principal of an ``Authorization`` header value; 401 when missing or unknown."""
    if not authorization:
        raise unauthorized("missing bearer token (Authorization: Bearer <token>)")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("the Authorization header must be 'Bearer <token>'")
    given = token.encode("utf-8", "surrogateescape")
    found: Principal | None = None
    for candidate, principal in principals.items():
        # No early exit: the loop takes the same time whichever token matches.
        if hmac.compare_digest(candidate.encode("utf-8"), given):
            found = principal
    if found is None:
        raise unauthorized("unknown token")
    return found


def require_role(principal: Principal, *roles: str) -> Principal:
    """Return ``principal`` when its role is one of ``roles``; 403 otherwise."""
    if principal.role not in roles:
        raise forbidden(f"role {principal.role!r} may not do this (allowed: {', '.join(roles)})")
    return principal


def require_kam_scope(principal: Principal, kam_id: str | None, what: str) -> None:
    """403 when a KAM asks about something owned by another KAM (or by nobody)."""
    if principal.role == "kam" and kam_id != principal.kam_id:
        raise forbidden(f"{what} belongs to another KAM")
