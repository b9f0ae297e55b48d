"""Every route of docs/contract.md section 4 against real read models (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.app import create_api
from services.read_models import apply_alert
from services.settings import Settings
from tests.integration.api.data import NOW, alert, at, auth


def test_account_has_master_data_health_and_open_alerts(client: TestClient) -> None:
    resp = client.get("/v1/accounts/a1", headers=auth("kam1"))
    assert resp.status_code == 200
    body = resp.json()
    assert body["name"] == "ACME Group"
    assert body["kam_id"] == "k1"
    assert body["health"]["score"] == 55.0
    assert body["health"]["band"] == "watch"
    assert {a["alert_id"] for a in body["open_alerts"]} == {"al-1", "al-2"}


def test_health_has_the_section_3_shape(client: TestClient) -> None:
    body = client.get("/v1/accounts/a1/health", headers=auth("ops")).json()
    assert set(body) == {"account_id", "score", "band", "components", "drivers", "as_of"}
    assert set(body["components"]) == {"relationship", "commercial", "support", "stability"}
    assert body["drivers"][0] == {
        "factor": "decision_maker_silent",
        "impact": -12.5,
        "text": "No contact with Anna Berg for 52 days",
    }


def test_health_history_is_oldest_first(client: TestClient) -> None:
    body = client.get("/v1/accounts/a1/health/history", headers=auth("admin")).json()
    assert [h["score"] for h in body] == [80.0, 70.0, 55.0]
    limited = client.get("/v1/accounts/a1/health/history?limit=2", headers=auth("admin")).json()
    assert [h["score"] for h in limited] == [70.0, 55.0]


def test_stakeholders_show_role_status_last_contact_and_warmth(client: TestClient) -> None:
    body = client.get("/v1/accounts/a1/stakeholders", headers=auth("kam1")).json()
    by_id = {s["stakeholder_id"]: s for s in body}
    assert by_id["s1"]["role"] == "decision_maker"
    assert by_id["s3"]["status"] == "left"
    assert by_id["s2"]["warmth"] == 0.9
    assert by_id["s1"]["last_contact"].startswith("2026-02-")
    assert body[-1]["stakeholder_id"] == "s3"  # active first


def test_team_shows_who_on_our_side_knows_whom(client: TestClient) -> None:
    body = client.get("/v1/accounts/a1/team", headers=auth("kam1")).json()
    assert body["account_id"] == "a1"
    assert body["kam_id"] == "k1"
    assert [
        (m["internal_owner"], m["stakeholders"], m["touchpoints_90d"]) for m in body["members"]
    ] == [
        ("k1", ["s1", "s2", "s3"], 6),
        ("service-team", ["s2"], 1),
    ]
    assert body["members"][0]["last_contact"].startswith("2026-03-01T09:00")
    assert body["known_only_by_kam"] == ["s1"]  # s2 is known to service-team, s3 left
    assert client.get("/v1/accounts/a1/team", headers=auth("lead")).json() == body


def test_queue_is_ranked_with_next_actions(client: TestClient) -> None:
    body = client.get("/v1/kams/k1/queue", headers=auth("kam1")).json()
    assert body["kam_id"] == "k1"
    assert body["as_of"] is not None
    assert body["items"] == [
        {
            "rank": 1,
            "account_id": "a1",
            "account_name": "ACME Group",
            "account_tier": "strategic",
            "priority": 87.5,
            "health": 55.0,
            "open_alerts": 2,
            "next_action": "Call Anna Berg (decision maker, 52 days silent)",
            "kind": "risk",
        }
    ]


def test_queue_open_alerts_follow_a_snooze_like_the_account_does(client: TestClient) -> None:
    until = (NOW + timedelta(days=1)).isoformat()
    resp = client.post("/v1/alerts/al-2/snooze", headers=auth("kam1"), json={"until": until})
    assert resp.status_code == 200
    line = client.get("/v1/kams/k1/queue", headers=auth("kam1")).json()["items"][0]
    account = client.get("/v1/accounts/a1", headers=auth("kam1")).json()
    listed = client.get("/v1/alerts?status=open&account_id=a1", headers=auth("kam1")).json()
    assert line["open_alerts"] == len(account["open_alerts"]) == len(listed) == 1


def test_alerts_carry_the_account_name(client: TestClient) -> None:
    listed = client.get("/v1/alerts?status=open", headers=auth("ops")).json()
    assert {a["alert_id"]: a["account_name"] for a in listed} == {
        "al-1": "ACME Group",
        "al-2": "ACME Group",
        "al-3": "Globex",
    }


def test_queue_of_a_kam_without_one_is_empty(client: TestClient) -> None:
    body = client.get("/v1/kams/k-new/queue", headers=auth("ops")).json()
    assert body == {"kam_id": "k-new", "as_of": None, "items": []}


def test_unknown_account_is_404_json(client: TestClient) -> None:
    for path in ("", "/health", "/health/history", "/stakeholders", "/team"):
        resp = client.get(f"/v1/accounts/nope{path}", headers=auth("ops"))
        assert resp.status_code == 404, path
        assert resp.json() == {"detail": "unknown account 'nope'"}


def test_alert_filters(client: TestClient) -> None:
    def ids(query: str, role: str = "ops") -> list[str]:
        resp = client.get(f"/v1/alerts{query}", headers=auth(role))
        assert resp.status_code == 200, resp.text
        return [a["alert_id"] for a in resp.json()]

    assert ids("") == ["al-2", "al-1", "al-3", "al-old"]  # newest raised first
    assert ids("?status=open") == ["al-2", "al-1", "al-3"]
    assert ids("?status=resolved") == ["al-old"]
    assert ids("?kind=order_gap") == ["al-2"]
    assert ids("?account_id=a2") == ["al-3"]
    assert ids("?kam_id=k1&status=open") == ["al-2", "al-1"]
    assert ids("", role="kam2") == ["al-3"]  # a KAM sees only their own
    assert ids("?kam_id=k2", role="kam2") == ["al-3"]
    assert ids("?account_id=nope", role="kam1") == []  # unknown: matches nothing
    other = client.get("/v1/alerts?account_id=a2", headers=auth("kam1"))
    assert other.status_code == 403  # another KAM's account, as on the account routes
    assert other.json() == {"detail": "account 'a2' belongs to another KAM"}


def test_bad_filter_values_are_422(client: TestClient) -> None:
    for query in ("?status=closed", "?kind=nonsense", "?limit=0", "?include_snoozed=maybe"):
        resp = client.get(f"/v1/alerts{query}", headers=auth("ops"))
        assert resp.status_code == 422, query
        assert isinstance(resp.json()["detail"], list)


def test_ack_keeps_the_first_acknowledgement(client: TestClient) -> None:
    resp = client.post("/v1/alerts/al-1/ack", headers=auth("kam1"))
    assert resp.status_code == 200
    assert resp.json()["acked_by"] == "k1"
    assert resp.json()["acked_at"] == NOW.isoformat().replace("+00:00", "Z")
    again = client.post("/v1/alerts/al-1/ack", headers=auth("admin"))
    assert again.json()["acked_by"] == "k1"
    listed = client.get("/v1/alerts?status=open", headers=auth("kam1")).json()
    assert {a["alert_id"]: a["acked_by"] for a in listed}["al-1"] == "k1"


def test_unknown_alert_is_404(client: TestClient) -> None:
    assert client.post("/v1/alerts/nope/ack", headers=auth("admin")).status_code == 404
    resp = client.post(
        "/v1/alerts/nope/snooze",
        headers=auth("admin"),
        json={"until": (NOW + timedelta(days=1)).isoformat()},
    )
    assert resp.status_code == 404
    assert resp.json() == {"detail": "unknown alert 'nope'"}


def test_snooze_must_be_future_and_carry_an_offset(client: TestClient) -> None:
    for until in [
        (NOW - timedelta(minutes=1)).isoformat(),
        "2026-03-11T09:00:00",  # no offset
        "tomorrow",
        (NOW + timedelta(days=400)).isoformat(),
        "9999-12-31T23:59:59-23:59",
    ]:
        resp = client.post("/v1/alerts/al-1/snooze", headers=auth("kam1"), json={"until": until})
        assert resp.status_code == 422, until
        assert "detail" in resp.json()
    bodies: list[object] = [
        {},
        {"until": 5},
        {"until": None},
        [],
        {"until": "2026-03-11T09:00:00Z", "x": 1},
    ]
    for body in bodies:
        resp = client.post("/v1/alerts/al-1/snooze", headers=auth("kam1"), json=body)
        assert resp.status_code == 422, body


def test_me_names_the_principal(client: TestClient) -> None:
    assert client.get("/v1/me", headers=auth("kam2")).json() == {"role": "kam", "kam_id": "k2"}
    assert client.get("/v1/me", headers=auth("ops")).json() == {"role": "ops", "kam_id": None}


def test_snoozed_alert_leaves_open_lists_until_the_snooze_ends(
    api_settings: Settings, engine: Engine
) -> None:
    del engine
    now = [NOW]
    app = create_api(api_settings, clock=lambda: now[0])
    with TestClient(app) as client:
        until = NOW + timedelta(hours=2)
        resp = client.post(
            "/v1/alerts/al-1/snooze", headers=auth("kam1"), json={"until": until.isoformat()}
        )
        assert resp.status_code == 200
        assert resp.json()["snoozed_until"] == until.isoformat().replace("+00:00", "Z")

        def open_ids(query: str = "") -> set[str]:
            listed = client.get(f"/v1/alerts?status=open{query}", headers=auth("kam1")).json()
            return {a["alert_id"] for a in listed}

        assert open_ids() == {"al-2"}
        assert open_ids("&include_snoozed=true") == {"al-1", "al-2"}
        account = client.get("/v1/accounts/a1", headers=auth("kam1")).json()
        assert [a["alert_id"] for a in account["open_alerts"]] == ["al-2"]
        now[0] = until + timedelta(seconds=1)
        assert open_ids() == {"al-1", "al-2"}


def test_an_alert_firing_again_after_it_resolved_is_a_new_open_alert(
    api_settings: Settings, engine: Engine
) -> None:
    """Ack and snooze belong to the old alert; the re-fire is listed, unacknowledged and awake."""
    app = create_api(api_settings, clock=lambda: NOW)
    with TestClient(app) as client:
        until = (NOW + timedelta(days=2)).isoformat()
        assert client.post("/v1/alerts/al-1/ack", headers=auth("kam1")).status_code == 200
        resp = client.post("/v1/alerts/al-1/snooze", headers=auth("kam1"), json={"until": until})
        assert resp.status_code == 200
        # The stream resolves al-1, then the same (account, kind, subject) fires again.
        with engine.begin() as conn:
            apply_alert(conn, alert("al-1", "a1", "k1", status="resolved", resolved_at=at(60)))
            apply_alert(conn, alert("al-1b", "a1", "k1", raised_at=at(70)))

        def listed(query: str) -> dict[str, dict[str, object]]:
            resp = client.get(f"/v1/alerts{query}", headers=auth("kam1"))
            assert resp.status_code == 200, resp.text
            return {a["alert_id"]: a for a in resp.json()}

        opened = listed("?status=open&kind=stakeholder_cooling&account_id=a1")
        assert list(opened) == ["al-1b"]
        assert opened["al-1b"]["subject"] == "s1"
        assert (opened["al-1b"]["acked_at"], opened["al-1b"]["snoozed_until"]) == (None, None)
        old = listed("?status=resolved")["al-1"]
        assert old["acked_by"] == "k1"
        assert old["resolved_at"] is not None
        account = client.get("/v1/accounts/a1", headers=auth("kam1")).json()
        assert {a["alert_id"] for a in account["open_alerts"]} == {"al-1b", "al-2"}


def test_ack_and_snooze_are_committed_before_the_response_is_sent(
    api_settings: Settings, engine: Engine
) -> None:
    """A client that got 200 reads its own write (the dashboard reloads right after a click)."""
    del engine
    app = create_api(api_settings, clock=lambda: NOW)
    order: list[str] = []
    sa.event.listen(app.state.api.engine(), "commit", lambda _conn: order.append("commit"))

    async def recording(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                order.append("response")
            await send(message)

        await app(scope, receive, send_and_record)

    until = {"until": (NOW + timedelta(days=1)).isoformat()}
    with TestClient(cast(ASGIApp, recording)) as client:
        for path, body in [("/v1/alerts/al-1/ack", None), ("/v1/alerts/al-1/snooze", until)]:
            order.clear()
            assert client.post(path, headers=auth("kam1"), json=body).status_code == 200
            assert order == ["commit", "response"], path
