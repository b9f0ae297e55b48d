"""Issue 14's acceptance: a three-level group through the real worker, sink and API.

The history: Daimler AG (kam-anna) with Fuso (kam-ben) and Smart GmbH
(kam-clara) below it and AMG (kam-dora) below Fuso; an unrelated account of
kam-erik; and two accounts whose parents point at each other (a cycle),
published first so that everything after it shows the worker kept going.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from consumers.domain.replay import event_clock
from schemas.events import BaseEvent
from services.api.app import create_api
from services.feeds.simulator.builder import AccountEvents
from services.ops.process import free_port
from services.settings import Settings
from tests.support.oracle import differences
from tests.support.stack import PipelineStack, read_model_engine, running_stack
from tests.support.waiting import wait_for

KAMS = ["kam-anna", "kam-ben", "kam-clara", "kam-dora", "kam-erik"]
TOKENS = {f"tok-{k}": {"role": "kam", "kam_id": k} for k in KAMS} | {"tok-admin": {"role": "admin"}}


def _history() -> tuple[list[BaseEvent], list[BaseEvent]]:
    """(the cycle's events, everything else)."""
    a, b = AccountEvents("cyc-a"), AccountEvents("cyc-b")
    cycle: list[BaseEvent] = [
        a.account(0, kam="kam-anna", name="Cyc A", parent="cyc-b"),
        b.account(0, kam="kam-anna", name="Cyc B", parent="cyc-a"),
    ]
    hq, fuso = AccountEvents("daimler"), AccountEvents("fuso")
    smart, amg, globex = AccountEvents("smart"), AccountEvents("amg"), AccountEvents("globex")
    rest: list[BaseEvent] = [
        hq.account(0, kam="kam-anna", name="Daimler AG", potential=5_000_000.0),
        fuso.account(0, kam="kam-ben", name="Fuso", parent="daimler"),
        smart.account(0, kam="kam-clara", name="Smart GmbH", parent="daimler"),
        amg.account(0, kam="kam-dora", name="AMG", parent="fuso"),
        globex.account(0, kam="kam-erik", name="Globex"),
        hq.order(10, "h1", 600_000.0, product_line="Sensors", business_unit="Cars"),
        hq.order(20, "h2", 200_000.0, product_line="Drives", business_unit="Cars"),
        hq.order(30, "h3", 999_000.0, product_line="Service"),
        hq.cancel(31, "h3"),  # cancelled: never counts, not even as Service bought
        fuso.order(12, "f1", 300_000.0, product_line="Sensors", business_unit="Trucks"),
        fuso.order(14, "f2", 50_000.0),  # no product line: "unspecified"
        smart.order(15, "s1", 100_000.0, product_line="Service"),
        amg.order(16, "a1", 80_000.0, product_line="Drives"),
        globex.order(17, "g1", 10_000.0, product_line="Sensors"),
    ]
    return cycle, rest


CYCLE, REST = _history()


def _wire(events: list[BaseEvent]) -> list[dict[str, Any]]:
    return [json.loads(e.model_dump_json()) for e in events]


@pytest.fixture
def stack(
    broker_settings: Settings, isolated_database_url: str, tmp_path: Path
) -> Iterator[PipelineStack]:
    with running_stack(broker_settings, isolated_database_url, tmp_path) as running:
        yield running


@pytest.fixture
def api(stack: PipelineStack, tmp_path: Path) -> Iterator[TestClient]:
    end = event_clock([*CYCLE, *REST])
    assert end is not None
    settings = Settings(
        database_url=stack.database_url,
        data_dir=tmp_path,
        api_keys=json.dumps(TOKENS),
        embedded_broker_port=free_port(),
    )
    with TestClient(create_api(settings, clock=lambda: end)) as client:
        yield client


def _get(client: TestClient, path: str, who: str) -> Any:
    resp = client.get(path, headers={"Authorization": f"Bearer tok-{who}"})
    assert resp.status_code == 200, (path, who, resp.text)
    return resp.json()


def test_a_three_level_group_through_worker_sink_and_api(
    stack: PipelineStack, api: TestClient
) -> None:
    stack.start("worker")
    stack.start("sink")
    stack.publish(_wire(CYCLE))
    stack.publish(_wire(REST))
    events = [*CYCLE, *REST]
    last: list[str] = []
    with read_model_engine(stack.database_url) as engine:

        def settled() -> bool:
            for name, proc in stack.procs.items():
                assert proc.poll() is None, f"{name} died:\n{stack.logs(name)[-3000:]}"
            try:
                last[:] = differences(engine, events)
            except sa.exc.DBAPIError as exc:
                last[:] = [str(exc)]
            return not last

        try:
            wait_for(settled, timeout=150, what="read models to equal the replay", interval=0.5)
        except AssertionError:
            raise AssertionError("read models differ:\n" + "\n".join(last[:20])) from None

    group = _get(api, "/v1/accounts/amg/group", "kam-dora")  # a grandchild's KAM sees the group
    assert group["account_id"] == "daimler"
    members = {m["account_id"]: m for m in group["members"]}
    assert [(m["account_id"], m["depth"], m["kam_id"]) for m in group["members"]] == [
        ("daimler", 0, "kam-anna"),
        ("fuso", 1, "kam-ben"),
        ("amg", 2, "kam-dora"),
        ("smart", 1, "kam-clara"),
    ]
    revenue = {a: m["revenue_12m"] for a, m in members.items()}
    assert revenue == {"daimler": 800_000.0, "fuso": 350_000.0, "amg": 80_000.0, "smart": 100_000.0}
    assert group["revenue_12m"] == 1_330_000.0
    weighted = sum(m["score"] * m["revenue_12m"] for m in members.values()) / 1_330_000.0
    assert group["score"] == round(weighted, 1)
    assert group["most_at_risk"] == min(members, key=lambda a: (members[a]["score"], a))
    assert group["error"] is None

    smart = _get(api, "/v1/accounts/smart/whitespace", "kam-clara")
    assert [(g["product_line"], g["bought_by"], g["group_revenue_12m"]) for g in smart["gaps"]] == [
        ("Sensors", ["daimler", "fuso"], 900_000.0),
        ("Drives", ["daimler", "amg"], 280_000.0),
    ]
    fuso = _get(api, "/v1/accounts/fuso/whitespace", "kam-ben")
    assert [(b["product_line"], b["business_unit"], b["revenue_12m"]) for b in fuso["bought"]] == [
        ("Sensors", "Trucks", 300_000.0),
        ("unspecified", "unspecified", 50_000.0),
    ]
    daimler = _get(api, "/v1/accounts/daimler/whitespace", "kam-anna")
    # Its own Service order was cancelled, so Service is a gap of Daimler's too.
    assert [(g["product_line"], g["bought_by"]) for g in daimler["gaps"]] == [
        ("Service", ["smart"])
    ]
    assert [b["product_line"] for b in daimler["bought"]] == ["Sensors", "Drives"]
    account = _get(api, "/v1/accounts/daimler", "kam-anna")
    assert account["share_of_wallet"] == 0.16  # 800k of 5M

    for path in ("/v1/accounts/daimler/group", "/v1/accounts/smart/whitespace"):
        resp = api.get(path, headers={"Authorization": "Bearer tok-kam-erik"})
        assert resp.status_code == 403, path

    cycle = _get(api, "/v1/accounts/cyc-b/group", "kam-anna")
    assert cycle["error"] == "parent_account_id forms a cycle: cyc-a → cyc-b → cyc-a"
    assert "parent_account_id forms a cycle" in stack.logs("sink")
