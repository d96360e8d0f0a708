"""Browser tests: headless Chromium (Debian's) driven by Playwright, against a real console.

Every test gets a ``page`` that records JavaScript console errors, uncaught page
errors and failed requests (network failures, and any response of 500 or more,
or 4xx unless the test expects it); the test fails if any happened. Each test
saves a screenshot under ``tmp/artifacts/browser`` (``VIGIL_ARTIFACTS`` moves it).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    expect,
    sync_playwright,
)

from store.db import open_engine
from tests.browser.console_server import CHROMIUM, CHROMIUM_ARGS, running_console
from tests.integration.console.accounts import PASSWORD, add_user

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("VIGIL_ARTIFACTS", REPO / "tmp" / "artifacts")) / "browser"
BROKEN_DASHBOARD = "title: Broken on purpose\nrows:\n  - panels:\n      - type: pie-chart\n"


LOGS_DASHBOARD = """title: Payment errors
rows:
  - panels:
      - type: logs
        title: Payment errors
        queries:
          - expr: 'service:payments level>=error'
        limit: 20
"""
FAULT = "db-slow"
"""Injected three minutes before the history ends: the Bottlenecks page's culprit."""
USERS = {"admin": "admin", "editor": "editor"}
"""Accounts in the store (name: role), all with ``accounts.PASSWORD``."""


@pytest.fixture(scope="session")
def history_end() -> float:
    """When the console's demo history (metrics and logs) ends."""
    return time.time()


@pytest.fixture(scope="session")
def console_url(tmp_path_factory: pytest.TempPathFactory, history_end: float) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("console")
    dashboards = directory / "dashboards"
    dashboards.mkdir()
    (dashboards / "broken.yml").write_text(BROKEN_DASHBOARD)
    (dashboards / "payment-logs.yml").write_text(LOGS_DASHBOARD)
    with running_console(
        directory, dashboards=dashboards, minutes=15, end=history_end, fault=FAULT
    ) as url:
        engine = open_engine(f"sqlite:///{directory / 'vigil.db'}")
        for name, role in USERS.items():
            add_user(engine, name, role)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Problems:
    """What went wrong in the page; ``expect`` allows 4xx answers a test asks for."""

    found: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect(self, url_pattern: str) -> None:
        self.expected.append(re.compile(url_pattern))

    def is_expected(self, url: str) -> bool:
        return any(pattern.search(url) for pattern in self.expected)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # Chromium logs every 4xx answer as "Failed to load resource"; those are
        # judged by on_response, which knows the URL.
        if message.text.startswith("Failed to load resource") and self.is_expected(
            message.location.get("url", "")
        ):
            return
        self.found.append(f"console error: {message.text} ({message.location.get('url')})")

    def on_response(self, response: Response) -> None:
        if response.status >= 500 or (
            response.status >= 400 and not self.is_expected(response.url)
        ):
            self.found.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@dataclass
class BrowserPage:
    page: Page
    problems: Problems
    base_url: str

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def log_in(self, name: str) -> None:
        """Through the login form, as a person would (one of ``USERS``)."""
        self.open("/login")
        self.page.get_by_label("User name").fill(name)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("link", name=name, exact=True)).to_be_visible()
        # It lands on the fleet: let its charts load before the test navigates away.
        self.wait_for_charts("[data-panel-url], [data-figure-url], [data-spark]")

    def wait_for_charts(self, selector: str = "[data-panel-url], [data-figure-url]") -> None:
        """Until every chart matching ``selector`` is drawn, empty or showing its error."""
        self.page.wait_for_function(
            """selector => [...document.querySelectorAll(selector)].every(
                element => ["drawn", "empty", "error"].includes(element.dataset.state))""",
            arg=selector,
            timeout=20_000,
        )


@pytest.fixture
def console(
    browser: Browser, console_url: str, request: pytest.FixtureRequest
) -> Iterator[BrowserPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = Problems()
    page.on("console", problems.on_console)
    page.on("pageerror", lambda error: problems.found.append(f"page error: {error}"))
    page.on(
        "requestfailed",
        lambda failed: problems.found.append(f"request failed: {failed.url} {failed.failure}"),
    )
    page.on("response", problems.on_response)
    try:
        yield BrowserPage(page, problems, console_url)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert problems.found == [], "\n".join(problems.found)
