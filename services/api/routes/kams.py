"""KAM routes: the ranked work queue."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.auth import require_kam_scope
from services.api.deps import KamId, Now, ReadConn, Reader, ScoringPolicy
from services.api.groups import growth_lines
from services.api.models import Queue, QueueEntry, error_responses
from services.read_models import queries

router = APIRouter(prefix="/v1/kams", tags=["kams"], responses=error_responses(401, 403, 422, 503))


@router.get("/{kam_id}/queue", response_model=Queue)
def get_queue(
    kam_id: KamId, principal: Reader, conn: ReadConn, now: Now, policy: ScoringPolicy
) -> Queue:
    """The KAM's ranked queue with next actions (empty before the first one is computed).

    After the stream's risk lines come the growth lines: healthy accounts of
    the KAM whose group buys a product line they do not.
    """
    require_kam_scope(principal, kam_id, f"the queue of {kam_id!r}")
    queue = queries.get_kam_queue(conn, kam_id, now)
    if queue is None:
        return Queue(kam_id=kam_id, as_of=None, items=[])
    lines = queue.items + growth_lines(conn, kam_id, queue.items, now, policy)
    items = [QueueEntry.model_validate(item, from_attributes=True) for item in lines]
    return Queue(kam_id=kam_id, as_of=queue.as_of, items=items)
