"""The account team: who on our side has spoken to which stakeholders."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.access import check_account
from services.api.deps import AccountId, ReadConn, Reader
from services.api.models import Team, TeamMember, error_responses
from services.read_models.team import get_team

router = APIRouter(
    prefix="/v1/accounts", tags=["accounts"], responses=error_responses(401, 403, 404, 422, 503)
)


@router.get("/{account_id}/team", response_model=Team)
def get_account_team(account_id: AccountId, principal: Reader, conn: ReadConn) -> Team:
    """Each internal person's stakeholders, last contact and touchpoints in 90 days, and the
    active stakeholders nobody but the KAM knows; the same access as the account."""
    check_account(conn, principal, account_id)
    view = get_team(conn, account_id)
    return Team(
        account_id=view.account_id,
        kam_id=view.kam_id,
        members=[TeamMember.model_validate(m, from_attributes=True) for m in view.members],
        known_only_by_kam=view.known_only_by_kam,
    )
