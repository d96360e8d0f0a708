"""Every page in the navigation opens without a JavaScript error or a failed request.

Walked as an admin (who also sees Admin and its tabs) and as an anonymous
visitor on a console with anonymous read; the fixture fails the test on any
console error, page error, failed request or 4xx/5xx answer.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage
from tests.console_store import STATUS_GROUP

CHARTS = "[data-panel-url], [data-figure-url], [data-spark]"
PUBLIC_PAGES = (f"/status/{STATUS_GROUP}",)


def links(console: BrowserPage, selector: str) -> list[str]:
    hrefs: list[str] = console.page.eval_on_selector_all(
        selector, "anchors => anchors.map(a => a.getAttribute('href'))"
    )
    return [href.split("?")[0] for href in hrefs]


def visit(console: BrowserPage, path: str) -> None:
    console.open(path)
    expect(console.page.locator("main")).to_be_visible()
    console.wait_for_charts(CHARTS)
    assert "Internal Server Error" not in console.page.content(), path


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_every_navigation_page_opens_cleanly(console: BrowserPage, who: str) -> None:
    if who != "anonymous":
        console.log_in(who)
    console.open("/fleet")
    console.wait_for_charts(CHARTS)
    pages = links(console, "header.topbar nav a")
    assert len(pages) >= 12, pages  # Fleet ... Settings, as the issue lists them
    assert ("/admin/users" in pages) == (who == "admin"), pages
    visited = []
    for path in pages:
        visit(console, path)
        visited.append(path)
        if path == "/admin/users":
            for tab in links(console, "nav.tabs a"):
                visit(console, tab)
    for path in PUBLIC_PAGES:
        visit(console, path)
    assert "/analysis/bottlenecks" in visited and "/logs" in visited
