"""What an operator does in the console: silence an alert, search logs, find a bottleneck."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from demo import FAULTS
from tests.browser.conftest import FAULT, BrowserPage
from tests.console_store import LOG_ERROR_MESSAGE, LOG_ERROR_SERVICE

MATCHERS = '{alertname="HighLatency", service="database"}'
MATCHERS = '{alertname="HighLatency", service="database"}'
COMMENT = "browser test: database maintenance"


def test_an_editor_creates_a_silence_and_expires_it(console: BrowserPage) -> None:
    console.log_in("editor")
    console.open("/silences")
    console.page.get_by_role("link", name="New silence").click()
    console.page.fill("input[name=matchers]", MATCHERS)
    console.page.get_by_label("Duration", exact=True).fill("1h")
    console.page.get_by_label("Comment").fill(COMMENT)
    expect(console.page.get_by_label("Creator")).to_have_value("editor")
    console.page.get_by_role("button", name="Create").click()
    expect(console.page).to_have_url(re.compile(r"/silences\?notice=created"))
    row = console.page.locator("tr", has_text=COMMENT)
    expect(row).to_have_count(1)
    expect(row.locator("code")).to_have_text(MATCHERS.replace(", ", ","))
    console.page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Expire").click()
    expect(console.page).to_have_url(re.compile(r"notice=expired"))
    expect(console.page.locator("tr", has_text=COMMENT)).to_have_count(0)
    console.page.get_by_role("link", name=re.compile("^Expired")).click()
    expired = console.page.locator("tr", has_text=COMMENT)
    expect(expired).to_have_count(1)
    expect(expired.get_by_role("link", name="Recreate")).to_be_visible()


def test_searching_logs_lists_matches_newest_first_with_their_volume(console: BrowserPage) -> None:
    console.open("/logs?range=1h")
    box = console.page.get_by_label("Log query")
    box.fill(f"service:{LOG_ERROR_SERVICE} level>=error")
    box.press("Enter")
    expect(console.page).to_have_url(re.compile(r"query=service%3Apayments"))
    console.wait_for_charts()
    assert console.page.get_attribute("[data-figure-url]", "data-state") == "drawn"
    rows = console.page.locator("#log-lines tr")
    expect(rows.first).to_contain_text(LOG_ERROR_MESSAGE)
    cells = console.page.eval_on_selector_all(
        "#log-lines tr",
        "rows => rows.map(row => [...row.cells].slice(0, 3).map(cell => cell.innerText.trim()))",
    )
    assert len(cells) >= 15  # a payments error every 50 s over 15 minutes
    assert {(service, level) for _, service, level in cells} == {("payments", "error")}
    times = [datetime.fromisoformat(moment.replace("Z", "+00:00")) for moment, _, _ in cells]
    assert times == sorted(times, reverse=True)


def test_a_malformed_log_query_shows_where_it_is_wrong(console: BrowserPage) -> None:
    console.problems.expect(r"/logs\?")
    console.open("/logs")
    box = console.page.get_by_label("Log query")
    box.fill("service:payments AND (")
    box.press("Enter")
    error = console.page.locator("[data-query-error]")
    expect(error).to_be_visible()
    expect(error.locator("[data-error-message]")).to_contain_text("Query error: 1:")
    column = int(error.get_attribute("data-column") or "0")
    query_line, marker = error.locator("[data-error-caret]").inner_text().split("\n")
    assert query_line == "service:payments AND ("
    assert marker == " " * (column - 1) + "^" and column > 1


def test_a_dashboard_logs_panel_shows_the_lines_of_its_query(console: BrowserPage) -> None:
    console.open("/d/payment-logs?from=now-1h")
    console.wait_for_charts()
    panel = console.page.locator("[data-panel-url]")
    expect(panel).to_have_attribute("data-state", "drawn")
    lines = panel.locator("ol.logs li")
    expect(lines).to_have_count(18)
    expect(lines.first.locator(".log-service")).to_have_text(LOG_ERROR_SERVICE)
    expect(lines.first.locator(".log-level")).to_have_text("error")
    expect(lines.first.locator(".log-message")).to_have_text(LOG_ERROR_MESSAGE)
    expect(lines.first.locator(".log-timestamp")).to_have_text(re.compile(r"^\d{4}-\d\d-\d\dT"))


def test_the_bottlenecks_page_names_the_injected_fault(
    console: BrowserPage, history_end: float
) -> None:
    culprit = FAULTS[FAULT].service
    console.open(f"/analysis/bottlenecks?end={history_end}")
    first = console.page.locator("table.suspects tbody tr").first
    expect(first.locator("td.name")).to_contain_text(culprit)
    expect(first).to_have_class(re.compile("flagged"))
    graph = console.page.locator("svg.service-graph")
    expect(graph.locator("g.node.top")).to_have_text(culprit)
    assert graph.locator("g.node").count() >= 8
    assert graph.locator("line.edge").count() >= 7
    charts = console.page.locator("#evidence-charts .chart-body")
    expect(charts.first.locator(".main-svg").first).to_be_visible()
