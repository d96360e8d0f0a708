"""Screenshots of the console for the README: ``python -m tests.browser.screenshots docs/img``.

The same console the browser tests use (demo history in a fresh store), the
same Chromium; each page is captured once every chart on it is drawn.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.console_server import CHROMIUM, CHROMIUM_ARGS, running_console

PAGES = {
    "fleet.png": "/fleet?from=now-30m",
    "service-dashboard.png": "/d/service-red?var-service=gateway&from=now-30m",
    "health-checks.png": "/d/health-checks?from=now-30m",
    "explore.png": "/explore?from=now-30m&unit=seconds&query="
    "histogram_quantile(0.95%2C+sum+by+(service%2C+le)+(rate(http_request_duration_seconds_bucket[1m])))",
    "logs.png": "/logs?range=1h&query=level%3E%3Dinfo",
    "bottlenecks.png": "/analysis/bottlenecks",
}
FAULT = "db-slow"
"""Injected in the history's last minutes, so the Bottlenecks page has a culprit."""
DRAWN = """() => [...document.querySelectorAll('[data-panel-url], [data-figure-url], [data-spark]')]
    .every(element => ['drawn', 'empty', 'error'].includes(element.dataset.state))"""


def capture(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "dashboards").mkdir()
        with (
            running_console(
                directory, dashboards=directory / "dashboards", minutes=30, fault=FAULT
            ) as url,
            sync_playwright() as driver,
        ):
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            for name, path in PAGES.items():
                page.goto(url + path)
                page.wait_for_function(DRAWN, timeout=30_000)
                if "explore" in path:
                    page.wait_for_selector(".explore-graph[data-state=drawn]")
                if "bottlenecks" in path:
                    page.wait_for_selector("#evidence-charts .main-svg")
                page.screenshot(path=str(target / name))
            browser.close()


if __name__ == "__main__":
    capture(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
