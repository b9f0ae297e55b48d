"""A refreshed alert reason: the API shows it, the live feed does not announce it again."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from services.api.alert_feed import AlertFeed
from services.read_models import apply_alert
from tests.integration.api.data import alert, at, auth


def test_a_refreshed_reason_replaces_the_old_one_and_is_not_a_new_alert(
    client: TestClient, engine: Engine
) -> None:
    raised = alert(
        "al-refresh",
        "a1",
        "k1",
        reason="No contact with decision maker Anna Berg for 99 days (expected every 30 days)",
        raised_at=at(-30),
    )
    with engine.begin() as conn:
        assert apply_alert(conn, raised)
    feed = AlertFeed(lambda: engine, interval=60)
    assert feed.poll_once() == []  # the baseline

    refreshed = raised.model_copy(
        update={
            "reason": "No contact with decision maker Anna Berg for 100 days "
            "(expected every 30 days)"
        }
    )
    with engine.begin() as conn:
        assert apply_alert(conn, refreshed)

    # The webhooks and the SSE stream are fed by this poll: a new reason is no change.
    assert feed.poll_once() == []
    body = client.get("/v1/alerts", params={"status": "open"}, headers=auth("admin")).json()
    shown = [a for a in body if a["alert_id"] == "al-refresh"]
    assert [(a["reason"], a["raised_at"]) for a in shown] == [
        (refreshed.reason, raised.raised_at.isoformat().replace("+00:00", "Z"))
    ]
    # Resolving it still is a change the feed announces.
    resolved = refreshed.model_copy(update={"status": "resolved", "resolved_at": at(0)})
    with engine.begin() as conn:
        assert apply_alert(conn, resolved)
    assert [(c.event, c.alert.alert_id) for c in feed.poll_once()] == [("resolved", "al-refresh")]
