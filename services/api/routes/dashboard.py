"""The KAM dashboard: one static HTML page whose inline script calls the JSON API.

No build step and nothing external: the page is plain HTML, CSS and a small
script written for keypulse. The token is entered once (or passed as
``?token=`` on the first load) and kept in the tab's sessionStorage.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter(include_in_schema=False)


@cache
def _page() -> str:
    return resources.files("services.api").joinpath("static/dashboard.html").read_text("utf-8")


@router.get("/")
def root(request: Request) -> RedirectResponse:
    """Send browsers to the dashboard (keeping ``?token=``)."""
    query = request.url.query
    return RedirectResponse("/dashboard/" + (f"?{query}" if query else ""), status_code=307)


@router.get("/dashboard/", response_class=HTMLResponse)
def dashboard() -> HTMLResponse:
    """The KAM's queue and open alerts."""
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store"})


@router.get("/dashboard/accounts/{account_id}", response_class=HTMLResponse)
def dashboard_account(account_id: str) -> HTMLResponse:
    """An account page (the script reads the account id from the path)."""
    del account_id
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store"})


@router.get("/dashboard/portfolio", response_class=HTMLResponse)
def dashboard_portfolio() -> HTMLResponse:
    """The portfolio review page (suggestions to promote and demote)."""
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store"})
