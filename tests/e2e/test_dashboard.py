"""The dashboard in a real headless browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from services.api.app import create_api
from services.ops.process import free_port
from services.read_models import create_engine_for, ensure_schema
from services.settings import Settings
from tests.integration.api.data import NOW, TOKENS, ServedApi, seed

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


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedApi]:
    """The API over a seeded SQLite read model, served by uvicorn on a free port."""
    database_url = f"sqlite:///{tmp_path / 'rm.db'}"
    engine = create_engine_for(database_url)
    ensure_schema(engine)
    seed(engine)
    engine.dispose()
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        api_keys=json.dumps(TOKENS),
        embedded_broker_port=free_port(),
        api_stream_poll_interval=0.2,
    )
    with ServedApi(create_api(settings, clock=lambda: NOW)) as api:
        yield api


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
    expect(page.locator("#fresh")).to_contain_text("data as of")
    expect(page.locator("#fresh")).to_contain_text(" s behind)")
    alerts = page.locator("#alert-list .alert")
    expect(alerts).to_have_count(2)  # k1's open alerts only
    first = page.locator('.alert[data-alert-id="al-1"]')
    expect(first.locator("button.ack")).to_be_visible()

    first.locator("button.ack").click()
    expect(page.locator('.alert[data-alert-id="al-1"]')).to_contain_text("acknowledged by k1")
    expect(page.locator('.alert[data-alert-id="al-1"] button.ack')).to_have_count(0)

    page.locator('.alert[data-alert-id="al-2"] button.snooze').click()
    expect(alerts).to_have_count(1)  # snoozed: gone from the open list
    page.reload()  # the token survives in sessionStorage
    expect(page.locator('.alert[data-alert-id="al-1"]')).to_contain_text("acknowledged by k1")
    page.screenshot(path=str(SCREENSHOT_DIR / "keypulse-dashboard-home.png"), full_page=True)


def test_account_page(served: ServedApi, page: Page) -> None:
    page.goto(f"{served.url}/dashboard/?token=tok-kam1")
    expect(page.locator("#who")).to_have_text("KAM k1")
    page.locator("#queue a", has_text="a1").click()
    expect(page.locator("#health")).to_contain_text("55")
    expect(page.locator("#health")).to_contain_text("relationship")
    expect(page.locator("#health")).to_contain_text("No contact with Anna Berg for 52 days")
    expect(page.locator("#history svg polyline")).to_have_count(1)
    expect(page.locator("#history svg circle")).to_have_count(3)
    left = page.locator('.person[data-stakeholder="s3"]')
    expect(left).to_have_class("person left")
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
