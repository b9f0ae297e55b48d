"""Who am I: the role and KAM of the caller's token."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import CurrentPrincipal
from services.api.models import Me, error_responses

router = APIRouter(prefix="/v1", tags=["auth"], responses=error_responses(401))


@router.get("/me", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    """The role (and kam_id) of the presented token."""
    return Me(role=principal.role, kam_id=principal.kam_id)
