"""The dashboard in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy.engine import Engine

from schemas.internal import PurchaseRecord
from services.api.app import create_api
from services.ops.process import free_port
from services.read_models import (
    apply_alert,
    apply_health,
    apply_profile,
    create_engine_for,
    ensure_schema,
)
from services.settings import Settings
from tests.integration.api.data import NOW, TOKENS, ServedApi, alert, at, auth, health, seed
from tests.integration.read_models import records

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(tempfile.gettempdir())  # screenshots for a human to look at


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium (install it with apt-get install chromium)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'rm.db'}",
        data_dir=tmp_path,
        api_keys=json.dumps(TOKENS),
        embedded_broker_port=free_port(),
        api_stream_poll_interval=0.2,
    )


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """The seeded SQLite read model the served API reads."""
    engine = create_engine_for(_settings(tmp_path))
    ensure_schema(engine)
    seed(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def served(tmp_path: Path, engine: Engine) -> Iterator[ServedApi]:
    """The API over a seeded SQLite read model, served by uvicorn on a free port."""
    del engine
    with ServedApi(create_api(_settings(tmp_path), clock=lambda: NOW)) as api:
        yield api


@pytest.fixture
def portfolio(engine: Engine) -> Engine:
    """The seed plus a3 (k1's, at risk, the largest target, a stakeholder at warmth 0.26)."""
    people = [
        records.stakeholder("s7", name="Wanda Warm", role="champion", warmth=0.26),
        records.stakeholder("s8", name="Dirk Decider", role="decision_maker", warmth=0.1),
    ]
    with engine.begin() as conn:
        apply_profile(
            conn,
            records.profile(
                "a3", 0, people, name="Zeppelin Werke", kam_id="k1", annual_revenue_target=9e6
            ),
        )
        apply_health(conn, health("a3", 40, 30.0))
        apply_alert(conn, alert("al-9", "a3", "k1", kind="champion_left", raised_at=at(30)))
    return engine


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (its own sessionStorage)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_queue_alerts_and_ack(served: ServedApi, page: Page) -> None:
    page.goto(f"{served.url}/?token=tok-kam1")
    expect(page.locator("#who")).to_have_text("KAM k1")
    assert "token=" not in page.url  # dropped from the address bar
    queue = page.locator("#queue")
    expect(queue).to_contain_text("Call Anna Berg (decision maker, 52 days silent)")
    expect(queue).to_contain_text("ACME Group")  # the name, not only the id
    expect(queue).to_contain_text("strategic")
    # The API's clock (NOW), not the browser's: the newest data (T0 + 48 h) is 7 days old,
    # the same figure as /metrics keypulse_freshness_seconds.
    expect(page.locator("#fresh")).to_contain_text("data as of")
    expect(page.locator("#fresh")).to_contain_text("(7 d behind)")
    expect(page.locator("#counts")).to_have_text("2 open alerts")
    alerts = page.locator("#alert-list .alert")
    expect(alerts).to_have_count(2)  # k1's open alerts only
    first = page.locator('.alert[data-alert-id="al-1"]')
    expect(first.locator("button.ack")).to_be_visible()

    first.locator("button.ack").click()
    expect(page.locator('.alert[data-alert-id="al-1"]')).to_contain_text("acknowledged by k1")
    expect(page.locator('.alert[data-alert-id="al-1"] button.ack')).to_have_count(0)

    page.locator('.alert[data-alert-id="al-2"] button.snooze').click()
    expect(alerts).to_have_count(1)  # snoozed: gone from the open list
    expect(page.locator("#counts")).to_have_text("1 open alert")
    page.reload()  # the token survives in sessionStorage
    expect(page.locator('.alert[data-alert-id="al-1"]')).to_contain_text("acknowledged by k1")
    page.screenshot(path=str(SCREENSHOT_DIR / "keypulse-dashboard-home.png"), full_page=True)


def test_account_page(served: ServedApi, page: Page) -> None:
    page.goto(f"{served.url}/dashboard/?token=tok-kam1")
    expect(page.locator("#who")).to_have_text("KAM k1")
    page.locator("#queue a", has_text="ACME Group").click()
    expect(page.locator("#health")).to_contain_text("55")
    expect(page.locator("#health")).to_contain_text("relationship")
    expect(page.locator("#health")).to_contain_text("No contact with Anna Berg for 52 days")
    expect(page.locator("#history svg polyline")).to_have_count(1)
    expect(page.locator("#history svg circle")).to_have_count(3)
    left = page.locator('.person[data-stakeholder="s3"]')
    expect(left).to_have_class(re.compile(r"\bleft\b"))
    expect(left).to_contain_text("left")
    expect(page.locator('.person[data-stakeholder="s1"]')).to_contain_text("warmth 0.20")
    expect(page.locator("#fresh")).to_contain_text("data as of")
    page.screenshot(path=str(SCREENSHOT_DIR / "keypulse-dashboard-account.png"), full_page=True)


def test_other_kams_account_is_refused_and_bad_token_asks_again(
    served: ServedApi, page: Page
) -> None:
    page.goto(f"{served.url}/dashboard/accounts/a2?token=tok-kam1")
    expect(page.locator("#error")).to_contain_text("belongs to another KAM")
    page.goto(f"{served.url}/dashboard/?token=wrong")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("not valid")
    page.fill("#token-input", "tok-kam2")
    page.locator("#login-form button").click()
    expect(page.locator("#who")).to_have_text("KAM k2")
    expect(page.locator("#queue")).to_contain_text("Review ticket t9")


def _account_rows(page: Page) -> list[str]:
    return [
        row.get_attribute("data-account-id") or ""
        for row in page.locator("#accounts tbody tr[data-account-id]").all()
    ]


def test_account_list_search_filters_and_sortable_columns(
    served: ServedApi, portfolio: Engine, page: Page
) -> None:
    del portfolio
    page.goto(f"{served.url}/dashboard/?token=tok-admin")
    rows = page.locator("#accounts tbody tr[data-account-id]")
    expect(rows).to_have_count(3)
    expect(page.locator("#accounts")).to_contain_text("Zeppelin Werke")

    page.fill("#account-search", "zepp")  # part of the name, any case
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-account-id", "a3")
    page.fill("#account-search", "")
    expect(rows).to_have_count(3)

    page.select_option("#filter-band", "watch")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-account-id", "a1")
    page.select_option("#filter-band", "")
    page.select_option("#filter-tier", "standard")
    expect(page.locator("#accounts")).to_contain_text("No account matches.")
    page.select_option("#filter-tier", "")
    expect(rows).to_have_count(3)

    for column, order in [
        ("score", ["a3", "a1", "a2"]),  # worst first
        ("revenue", ["a3", "a1", "a2"]),
        ("name", ["a1", "a2", "a3"]),  # ACME, Globex, Zeppelin
        ("priority", ["a1", "a2", "a3"]),
    ]:
        page.locator(f'#accounts th[data-sort="{column}"]').click()
        expect(page.locator(f'#accounts th[data-sort="{column}"]')).to_have_class("sorted")
        expect(rows.first).to_have_attribute("data-account-id", order[0])
        assert _account_rows(page) == order, column


def test_admin_overview_kam_picker_and_live_updates(
    served: ServedApi, portfolio: Engine, page: Page
) -> None:
    page.goto(f"{served.url}/dashboard/?token=tok-admin")
    overview = page.locator("#overview")
    k1 = overview.locator('tr[data-kam="k1"]')
    expect(k1).to_contain_text("2")  # accounts a1 and a3
    expect(k1).to_contain_text("1 watch")
    expect(k1).to_contain_text("1 at risk")
    expect(k1).to_contain_text("Zeppelin Werke 30")  # its worst account
    expect(overview.locator('tr[data-kam="k2"]')).to_contain_text("Globex")
    expect(page.locator("#counts")).to_have_text("4 open alerts")  # not "no data yet"
    expect(page.locator("body")).not_to_contain_text("?kam=")

    expect(page.locator("#live")).to_have_text("● live")  # admin follows alerts too
    with portfolio.begin() as conn:
        apply_alert(conn, alert("al-live", "a2", "k2", kind="order_gap", subject=None))
    expect(page.locator("#counts")).to_have_text("5 open alerts")
    expect(page.locator('.alert[data-alert-id="al-live"]')).to_be_visible()

    page.select_option("#kam-picker", "k1")
    expect(page).to_have_url(f"{served.url}/dashboard/?kam=k1")
    expect(page.locator("#queue")).to_contain_text("Work queue of k1")
    expect(page.locator("#queue")).to_contain_text("Call Anna Berg")
    expect(page.locator("#overview")).to_have_count(0)
    groups = page.locator("#alert-list .account-alerts")
    expect(groups).to_have_count(2)  # a1 and a3; k2's alerts are not shown
    expect(page.locator('.alert[data-alert-id="al-live"]')).to_have_count(0)
    page.go_back()
    expect(page.locator("#overview")).to_be_visible()


def test_alerts_grouped_per_account_and_snoozed_for_a_chosen_time(
    served: ServedApi, portfolio: Engine, page: Page
) -> None:
    del portfolio
    page.goto(f"{served.url}/dashboard/?token=tok-kam1")
    groups = page.locator("#alert-list .account-alerts")
    expect(groups).to_have_count(2)
    acme = page.locator('.account-alerts[data-account-id="a1"]')
    expect(acme.locator(".group-head")).to_contain_text("ACME Group")
    expect(acme.locator(".group-head")).to_contain_text("strategic")
    expect(acme.locator(".group-head")).to_contain_text("2 open")
    expect(acme.locator(".alert")).to_have_count(2)
    # The group with the critical alert comes first.
    expect(groups.first).to_have_attribute("data-account-id", "a1")
    zeppelin = page.locator('.account-alerts[data-account-id="a3"]')
    expect(zeppelin.locator(".alert")).to_have_count(1)

    row = page.locator('.alert[data-alert-id="al-2"]')
    row.locator("select.snooze-for").select_option(label="1 week")
    row.locator("button.snooze").click()
    expect(acme.locator(".alert")).to_have_count(1)
    expect(acme.locator(".group-head")).to_contain_text("1 open")
    listed = httpx.get(
        f"{served.url}/v1/alerts?status=open&include_snoozed=true&account_id=a1",
        headers=auth("kam1"),
    ).json()
    snoozed = {a["alert_id"]: a["snoozed_until"] for a in listed}["al-2"]
    assert snoozed is not None
    # A week from the API's clock, not from the browser's.
    assert abs((httpx_time(snoozed) - (NOW + timedelta(days=7))).total_seconds()) < 60


def httpx_time(text: str) -> datetime:
    """An RFC 3339 time from the API."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_warmth_colours_follow_the_legend_and_empty_roles_show_a_dash(
    served: ServedApi, portfolio: Engine, page: Page
) -> None:
    del portfolio
    page.goto(f"{served.url}/dashboard/accounts/a3?token=tok-kam1")
    expect(page.locator("#stakeholders")).to_contain_text("Wanda Warm")

    def colour(selector: str, prop: str) -> str:
        return str(page.locator(selector).evaluate(f"e => getComputedStyle(e).{prop}"))

    legend = {
        name: colour(f'#warmth-legend [data-warmth="{name}"] .swatch', "backgroundColor")
        for name in ("cold", "warm", "hot")
    }
    assert len(set(legend.values())) == 3
    # 0.26 is warm (the engine's threshold is 0.25), 0.1 is cold: each the legend's colour.
    assert colour('.person[data-stakeholder="s7"]', "borderLeftColor") == legend["warm"]
    assert colour('.person[data-stakeholder="s8"]', "borderLeftColor") == legend["cold"]
    expect(page.locator("#stakeholders")).not_to_contain_text("nobody")
    empty = page.locator("#stakeholders .role", has_text="blocker").locator(".empty")
    expect(empty).to_have_text("—")
    expect(page.locator("#how-score")).to_contain_text("How the score works")
    page.locator("#how-score summary").click()
    expect(page.locator("#how-score")).to_contain_text("docs/scoring.md")
    expect(page.locator("#how-score")).to_contain_text("healthy ≥ 75")


def test_the_lead_opens_any_kams_queue_and_is_offered_no_ack(served: ServedApi, page: Page) -> None:
    page.goto(f"{served.url}/dashboard/?token=tok-lead")
    expect(page.locator("#who")).to_have_text("lead")
    expect(page.locator("#overview")).to_contain_text("k1")
    page.select_option("#kam-picker", "k2")
    expect(page.locator("#queue")).to_contain_text("Work queue of k2")
    expect(page.locator("#queue")).to_contain_text("Review ticket t9")
    page.select_option("#kam-picker", "k1")
    expect(page.locator("#queue")).to_contain_text("Call Anna Berg")
    alerts = page.locator("#alert-list .alert")
    expect(alerts).to_have_count(2)  # k1's open alerts, readable by the lead
    # The lead may not ack or snooze (403), so the page offers neither.
    expect(page.locator("#alert-list button.ack")).to_have_count(0)
    expect(page.locator("#alert-list button.snooze")).to_have_count(0)


@pytest.fixture
def group(engine: Engine) -> Engine:
    """a1 (k1) heads a group: a1-parts (k1, healthy, buys Drives) and a1-labs (k2, Sensors)."""

    def member(account_id: str, kam_id: str, score: float, lines: dict[str, float]) -> None:
        bought = [
            PurchaseRecord(product_line=k, business_unit="Cars", revenue_12m=v, margin_12m=0.0)
            for k, v in lines.items()
        ]
        record = records.profile(
            account_id,
            0,
            [],
            name=account_id.replace("a1-", "ACME ").title(),
            kam_id=kam_id,
            parent_account_id="a1",
            revenue_12m=sum(lines.values()),
            bought=bought,
        )
        with engine.begin() as conn:
            apply_profile(conn, record)
            apply_health(conn, health(account_id, 40, score))

    member("a1-parts", "k1", 88.0, {"Drives": 50_000.0})
    member("a1-labs", "k2", 35.0, {"Sensors": 400_000.0, "Drives": 20_000.0})
    return engine


def test_account_page_shows_the_group_and_the_whitespace_grid(
    served: ServedApi, group: Engine, page: Page
) -> None:
    del group
    page.goto(f"{served.url}/dashboard/accounts/a1-parts?token=tok-kam1")
    card = page.locator("#group")
    expect(card).to_contain_text("Group ACME Group")
    # (55·0 + 88·50k + 35·420k) / 470k = 40.6: the revenue-weighted group score
    expect(page.locator("#group-score")).to_have_text("41")
    expect(card.locator("tr[data-member]")).to_have_count(3)
    expect(card.locator('tr[data-member="a1-labs"] .bar > span')).to_have_class(
        re.compile(r"\bband-at_risk\b")
    )
    grid = page.locator("#whitespace")
    expect(grid.locator('[data-cell="a1-parts|Drives"]')).to_have_text("bought 50k")
    expect(grid.locator('[data-cell="a1-parts|Sensors"]')).to_have_text("gap")
    expect(grid.locator('[data-cell="a1-labs|Sensors"]')).to_have_text("bought 400k")
    expect(page.locator("#gaps")).to_contain_text(
        "1 company of the ACME Group group bought 400k EUR of Sensors in 12 months"
    )
    page.screenshot(path=str(SCREENSHOT_DIR / "keypulse-dashboard-group.png"), full_page=True)
    # An account outside any group says so; its grid shows what it bought.
    page.goto(f"{served.url}/dashboard/accounts/a2?token=tok-kam2")
    expect(page.locator("#group")).to_contain_text("Not part of a group.")


def test_the_account_page_shows_the_account_team(served: ServedApi, page: Page) -> None:
    page.goto(f"{served.url}/dashboard/accounts/a1?token=tok-kam1")
    team = page.locator("#team")
    expect(team.locator("tr[data-owner]")).to_have_count(2)
    expect(team.locator('tr[data-owner="k1"]')).to_contain_text("k1 (KAM)")
    expect(team.locator('tr[data-owner="service-team"]')).to_contain_text("Ben Cole")
    expect(page.locator("#known-only-by-kam")).to_have_text("Only the KAM knows: Anna Berg")


def test_the_lead_reviews_the_portfolio_and_filters_the_promotions(
    served: ServedApi, engine: Engine, page: Page
) -> None:
    with engine.begin() as conn:
        apply_profile(
            conn,
            records.profile(
                "rising",
                0,
                [],
                name="Nordwerk GmbH",
                tier="standard",
                kam_id="k2",
                revenue_12m=2_000_000.0,
                margin_12m=700_000.0,
                strategic_flags=["reference_customer"],
            ),
        )
        apply_health(conn, health("rising", 1, 80.0))
    page.goto(f"{served.url}/dashboard/?token=tok-lead")
    page.locator("#portfolio-link").click()
    rows = page.locator("#portfolio tbody tr[data-account-id]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-account-id", "rising")  # best score first
    expect(rows.first).to_contain_text("promote")
    expect(rows.first).to_contain_text("≥ promotion threshold 60")
    page.select_option("#filter-suggestion", "promote")
    expect(rows).to_have_count(1)
    rows.first.locator("summary").click()
    expect(rows.first).to_contain_text("strategic: reference_customer (+10)")
    page.screenshot(path=str(SCREENSHOT_DIR / "keypulse-dashboard-portfolio.png"), full_page=True)
