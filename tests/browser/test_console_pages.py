"""The console in a real browser: overview, dashboards, the time range, variables, Explore."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import BrowserPage


def chart_states(console: BrowserPage, selector: str) -> list[str]:
    states: list[str] = console.page.eval_on_selector_all(
        selector, "elements => elements.map(element => element.dataset.state)"
    )
    return states


def test_the_overview_shows_every_service_and_links_to_its_dashboard(console: BrowserPage) -> None:
    console.open("/fleet")
    console.wait_for_charts("[data-spark], [data-figure-url]")
    rows = console.page.locator("table.overview tbody tr")
    expect(rows).to_have_count(8)
    states = chart_states(console, "[data-spark]")
    assert "error" not in states
    # Services that serve no HTTP (database, cache, queue-worker) have no request sparklines.
    assert chart_states(console, '[data-spark-key="gateway"]') == ["drawn"] * 4
    assert chart_states(console, "[data-figure-url]") == ["drawn", "drawn"]
    console.page.get_by_role("link", name="gateway", exact=True).click()
    expect(console.page).to_have_url(re.compile(r"/d/service-red\?var-service=gateway"))
    expect(console.page.locator("h2.row-title").first).to_have_text("gateway")
    console.wait_for_charts()


def test_a_dashboard_follows_the_time_range_and_its_variables(console: BrowserPage) -> None:
    console.open("/d/service-red")
    console.wait_for_charts()
    states = chart_states(console, "[data-panel-url]")
    assert "error" not in states and states.count("drawn") >= 8
    requests: list[str] = []
    console.page.on("request", lambda request: requests.append(request.url))
    console.page.select_option("[data-range-preset]", "now-15m")
    expect(console.page).to_have_url(re.compile(r"from=now-15m"))
    console.wait_for_charts()
    assert any("from=now-15m" in url and "/panels/" in url for url in requests)
    console.page.select_option("select[data-variable=service]", "payments")
    expect(console.page).to_have_url(re.compile(r"var-service=payments"))
    expect(console.page).to_have_url(re.compile(r"from=now-15m"))
    expect(console.page.locator("h2.row-title").first).to_have_text("payments")
    console.wait_for_charts()
    # The chained variable now offers the payments service's routes.
    routes = console.page.eval_on_selector_all(
        "select[data-variable=route] option", "options => options.map(o => o.value)"
    )
    assert "/charge" in routes and "/api/search" not in routes


def test_an_absolute_range_and_auto_refresh_stay_in_the_url(console: BrowserPage) -> None:
    console.open("/d/process-runtime?from=now-10m")
    console.wait_for_charts()
    console.page.select_option("[data-refresh]", "10s")
    expect(console.page).to_have_url(re.compile(r"refresh=10s"))
    console.page.select_option("[data-range-preset]", "custom")
    console.page.fill("input[name=from-abs]", "2020-01-01T00:00:00")
    console.page.fill("input[name=to-abs]", "2020-01-01T01:00:00")
    console.page.get_by_role("button", name="Apply").click()
    expect(console.page).to_have_url(re.compile(r"from=2020-01-01T00%3A00(%3A00)?Z"))
    console.wait_for_charts()
    assert set(chart_states(console, "[data-panel-url]")) == {"empty"}
    nav = console.page.get_by_role("link", name="Explore").get_attribute("href")
    assert nav is not None and "refresh=10s" in nav and "from=2020-01-01" in nav


def test_explore_completes_names_and_shows_graph_and_table(console: BrowserPage) -> None:
    console.open("/explore")
    box = console.page.locator("[data-query-input]")
    box.click()
    box.press_sequentially("sum by (service) (rate(http_requests_t")
    suggestion = console.page.locator("[data-suggestions] li").first
    expect(suggestion).to_have_text("http_requests_total")
    box.press("Tab")
    box.press_sequentially("[1m]))")
    expect(box).to_have_value("sum by (service) (rate(http_requests_total[1m]))")
    box.press("Enter")
    console.wait_for_charts(".explore-graph")
    assert chart_states(console, ".explore-graph") == ["drawn"]
    traces = console.page.eval_on_selector(".explore-graph .chart-body", "node => node.data.length")
    assert traces == 7  # every service but the queue worker serves HTTP
    console.page.get_by_role("link", name="Table").click()
    expect(console.page.locator(".result-table tbody tr")).to_have_count(7)
    expect(console.page).to_have_url(re.compile(r"query=sum"))


def test_explore_points_at_the_error_in_a_bad_query(console: BrowserPage) -> None:
    console.problems.expect(r"/api/v1/(figure|query)\?")
    console.open("/explore")
    box = console.page.locator("[data-query-input]")
    box.fill("sum(rate(http_requests_total[1m]) by")
    box.press("Enter")
    error = console.page.locator("[data-query-error]")
    expect(error).to_be_visible()
    expect(error.locator("[data-error-message]")).to_contain_text("parse error")
    caret = error.locator("[data-error-caret]").inner_text()
    query_line, marker = caret.split("\n")
    column = int(error.get_attribute("data-column") or "0")
    assert query_line == "sum(rate(http_requests_total[1m]) by"
    assert marker == " " * (column - 1) + "^"
    assert column > 1


def test_a_broken_dashboard_shows_its_error_and_the_others_still_work(console: BrowserPage) -> None:
    console.open("/dashboards")
    expect(console.page.locator("table.dashboards tbody tr")).to_have_count(6)
    expect(console.page.locator(".badge.down")).to_have_count(1)
    console.page.get_by_role("link", name="broken").click()
    alert = console.page.locator(".dashboard-error")
    expect(alert).to_contain_text(
        'broken.yml:4: rows[0].panels[0].type: unknown panel type "pie-chart"'
    )
    console.open("/d/health-checks")
    console.wait_for_charts()
    assert "error" not in chart_states(console, "[data-panel-url]")


def test_settings_show_the_config_without_secrets(console: BrowserPage) -> None:
    console.open("/settings")
    expect(console.page.locator(".setting h2", has_text="dashboards")).to_be_visible()
    assert "browser-test-secret" not in console.page.content()


def test_pages_fit_a_phone_screen(console: BrowserPage) -> None:
    console.page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/fleet", "/d/service-red", "/explore"):
        console.open(path)
        console.wait_for_charts("[data-panel-url], [data-figure-url], [data-spark]")
        overflow = console.page.evaluate(
            "() => document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
