"""The Alerts, Silences, Rules and Notifications pages: data, empty states, forms, escaping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from alerts.manager import load_groups, retire_removed_rules
from tests.integration.console.accounts import log_in
from tests.integration.console.alerting_setup import (
    NOW,
    Clock,
    build_app,
    firing,
    pending,
    store_alerts,
)
from tests.integration.console.test_notifications_api import DEAD_ATTEMPTS, add_row

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database: Engine, clock: Clock) -> Iterator[FlaskClient]:
    with build_app(database, clock).test_client() as test_client:
        yield test_client


@pytest.fixture
def editor(client: FlaskClient, database: Engine) -> None:
    log_in(client, database, "editor", name="alice")


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.text
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    return html


@pytest.mark.parametrize(
    ("url", "empty"),
    [
        ("/alerts", "Nothing is firing"),
        ("/silences", "No active silences"),
        ("/silences?state=expired", "No expired silences"),
        ("/rules", "No rules"),
        ("/notifications", "No notification has been given up on."),
    ],
)
def test_pages_have_empty_states_and_nav_links(client: FlaskClient, url: str, empty: str) -> None:
    html = page(client, url)
    assert empty in html
    for link in ('href="/alerts"', 'href="/silences"', 'href="/rules"', 'href="/notifications"'):
        assert link in html


def test_alerts_page_groups_firing_and_pending_alerts_and_escapes_labels(
    client: FlaskClient, database: Engine
) -> None:
    store_alerts(
        database,
        firing("Down", instance=EVIL, severity="page", team="db", value=3.5),
        firing("Slow", instance="web-1", severity="info"),
        pending("Down", instance="db-2", severity="page", team="db"),
    )
    html = page(client, "/alerts")
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert re.search(r"Down\s*<span class=\"muted\">1 firing, 1 pending", html)
    assert 'class="badge firing"' in html and 'class="badge pending"' in html
    assert 'class="badge inhibited"' in html  # Slow, by the paging Down
    assert "3.5" in html and "Down on " in html
    assert "2023-11-14 22:02:20 UTC" in html  # active since (fired 10 minutes ago, for 1m)

    links = [unescape(h) for h in re.findall(r'href="(/silences/new\?[^"]+)"', html)]
    matchers = [parse_qs(urlsplit(link).query)["matchers"][0] for link in links]
    assert '{alertname="Slow",dc="eu1",instance="web-1",severity="info"}' in matchers
    evil = next(m for m in matchers if "script" in m)
    form = page(client, links[matchers.index(evil)])
    assert EVIL not in form
    value = re.search(r'name="matchers" value="([^"]*)"', form)
    assert value is not None and unescape(value.group(1)) == evil


@pytest.mark.usefixtures("editor")
def test_silencing_an_alert_from_the_form_then_expiring_it(
    client: FlaskClient, database: Engine, clock: Clock
) -> None:
    store_alerts(database, firing("Down", instance="db-1", team="db"))
    form = {
        "matchers": '{alertname="Down", instance=~"db-.*"}',
        "starts_at": "",
        "duration": "90m",
        "ends_at": "",
        "created_by": "alice",
        "comment": f"deploying {EVIL}",
    }
    saved = client.post("/silences", data=form)
    assert saved.status_code == 302
    assert saved.location.startswith("/silences?notice=created&id=")
    html = page(client, saved.location)
    assert "saved." in html and "alice" in html
    assert "deploying &lt;script&gt;" in html and EVIL not in html
    assert "2023-11-14 23:43:20 UTC" in html  # 90 minutes from now
    assert 'class="badge silenced"' in page(client, "/alerts")

    silence_id = saved.location.rsplit("=", 1)[1]
    edit = page(client, f"/silences/new?id={silence_id}")
    assert 'value="2023-11-14T23:43:20"' in edit and "Edit silence" in edit
    expired = client.post(f"/silences/{silence_id}/expire")
    assert expired.status_code == 302
    clock.now += 1
    assert 'class="badge silenced"' not in page(client, "/alerts")
    assert silence_id in page(client, "/silences?state=expired")
    assert client.post("/silences/nope/expire").status_code == 404


@pytest.mark.usefixtures("editor")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"matchers": 'alertname="unterminated'}, "Matchers: matcher value contains"),
        ({"matchers": "{}"}, "Matchers: at least one is needed"),
        ({"matchers": 'a=~".*"'}, "at least one matcher must not match the empty string"),
        ({"duration": "soon"}, "Duration: "),
        ({"starts_at": "2023-11-14T19:00", "ends_at": "2023-11-14T20:00"}, "in the past"),
        ({"ends_at": "2023-11-14T20:00"}, "start time must be before end time"),
        ({"starts_at": "tomorrow"}, "Start: &#39;tomorrow&#39; is not a time"),
        ({"created_by": " "}, "Creator: say who"),
        ({"id": "0000", "matchers": "a=b"}, "silence not found"),
    ],
)
def test_a_rejected_silence_form_comes_back_with_the_error_and_the_values(
    client: FlaskClient, fields: dict[str, str], message: str
) -> None:
    form = {"matchers": 'alertname="Down"', "created_by": "bob", "comment": EVIL, **fields}
    response = client.post("/silences", data=form)
    assert response.status_code in (400, 404)
    html = response.text
    assert message in html
    assert EVIL not in html and "&lt;script&gt;" in html  # the comment, kept and escaped


def test_forms_are_disabled_for_viewers_and_their_posts_refused(
    client: FlaskClient, database: Engine
) -> None:
    add_row(database, "http://hooks.example/x", "dead", attempts=DEAD_ATTEMPTS)
    assert "Needs the editor role" in page(client, "/notifications")
    assert "needs the editor role" in page(client, "/silences/new")
    assert client.post("/silences", data={"matchers": "a=b"}).status_code == 401
    assert client.post("/notifications/1/retry").status_code == 401


@pytest.mark.usefixtures("editor")
def test_notifications_page_lists_the_log_and_retries_dead_letters(
    client: FlaskClient, database: Engine
) -> None:
    dead = add_row(database, "http://hooks.example/T0KEN", "dead", attempts=DEAD_ATTEMPTS)
    add_row(database, "http://hooks.example/y", "delivered", attempts=[(200, "")], group_key="g")
    html = page(client, "/notifications")
    assert 'Dead letters <span class="muted">(1)</span>' in html
    assert "T0KEN" not in html and "http://hooks.example/…" in html
    assert "connection refused" in html and "503" in html
    assert f'action="/notifications/{dead}/retry"' in html
    assert 'data-confirm="Send notification' in html
    assert "{}:{alertname=&#34;Down&#34;}" in html

    retried = client.post(f"/notifications/{dead}/retry")
    assert retried.status_code == 302
    html = page(client, retried.location)
    assert f"Notification {dead} is due again" in html
    assert "No notification has been given up on." in html
    assert 'class="badge pending"' in html
    again = client.post("/notifications/9999/retry")
    assert again.status_code == 404 and "notification 9999 not found" in again.text
    assert "no delivered" not in page(client, "/notifications?status=delivered")


def test_rules_page_shows_groups_health_and_escapes_queries(
    database: Engine, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n  - name: node\n    rules:\n"
        "      - alert: Down\n        expr: up < 1\n        labels:\n          team: db\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
    )
    app = build_app(database, Clock(), rule_files=[str(rules)])
    with app.test_client() as client:
        assert "node" not in page(client, "/rules")  # no agent has loaded them yet
        retire_removed_rules(database, load_groups([rules], default_interval=15.0), NOW)
        html = page(client, "/rules")
    assert "node" in html and str(rules) in html
    assert "alert: Down" in html and "record: job:up:sum" in html
    assert "up &lt; 1" in html
    assert 'class="badge unknown"' in html and "never" in html
    assert 'class="badge inactive"' in html
    assert NOW  # the clock the page was rendered at
