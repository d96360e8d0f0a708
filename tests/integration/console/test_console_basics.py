"""The console's plumbing: probes, metrics, headers, the API envelope (roles: elsewhere)."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from store.db import write_transaction
from store.targets import TargetInfo, record_scrape, sync_targets
from tests.integration.console.conftest import NOW, make_app


def test_it_answers_the_probes_and_its_own_metrics(client: FlaskClient) -> None:
    assert client.get("/-/healthy").status_code == 200
    assert client.get("/-/ready").status_code == 200
    client.get("/api/v1/status/buildinfo")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'vigil_http_request_duration_seconds_count{code="200",handler="/api/v1/status/buildinfo"'
        in (metrics.get_data(as_text=True))
    )


def test_it_sends_security_headers(client: FlaskClient) -> None:
    response = client.get("/fleet")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_it_refuses_anonymous_reads_unless_enabled(database: Engine) -> None:
    closed = make_app(database, anonymous_read=False).test_client()
    response = closed.get("/api/v1/query?query=up")
    assert response.status_code == 401
    assert response.get_json()["status"] == "error"
    assert closed.get("/-/healthy").status_code == 200


def test_it_reports_errors_in_prometheus_envelope(client: FlaskClient) -> None:
    missing = client.get("/api/v1/query")
    assert missing.status_code == 400
    assert missing.get_json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": 'invalid parameter "query": missing required parameter',
    }
    bad_time = client.get("/api/v1/query?query=up&time=yesterday")
    assert bad_time.get_json()["error"] == (
        'invalid parameter "time": cannot parse "yesterday" to a valid timestamp'
    )
    unknown = client.get("/api/v1/nope")
    assert unknown.status_code == 404
    assert unknown.get_json()["errorType"] == "not_found"


def test_it_lists_targets_in_prometheus_shape(database: Engine, client: FlaskClient) -> None:
    target = TargetInfo(
        job="api",
        url="http://127.0.0.1:9101/metrics",
        labels=(("instance", "127.0.0.1:9101"), ("job", "api"), ("service", "api")),
        scrape_interval_seconds=15.0,
        scrape_timeout_seconds=10.0,
    )
    with write_transaction(database) as connection:
        sync_targets(connection, [target])
        record_scrape(
            connection,
            job="api",
            url=target.url,
            at=NOW,
            duration_seconds=0.25,
            error="connection refused",
            samples_scraped=0,
        )
    (active,) = client.get("/api/v1/targets").get_json()["data"]["activeTargets"]
    assert active["health"] == "down"
    assert active["lastError"] == "connection refused"
    assert active["labels"] == {"instance": "127.0.0.1:9101", "job": "api", "service": "api"}
    assert active["scrapeInterval"] == "15s"
    assert active["lastScrapeDuration"] == 0.25
    assert active["lastScrape"].startswith("2023-11-14T22:13:20")


def test_the_fleet_page_shows_services_and_an_empty_state(
    database: Engine, client: FlaskClient
) -> None:
    assert "No services yet" in client.get("/fleet").get_data(as_text=True)
    with write_transaction(database) as connection:
        sync_targets(
            connection,
            [
                TargetInfo(
                    "payments",
                    "http://127.0.0.1:1/metrics",
                    (("job", "payments"), ("service", "payments")),
                    5.0,
                    5.0,
                )
            ],
        )
    page = client.get("/fleet").get_data(as_text=True)
    assert "payments" in page
    assert "data-figure-url" in page


def test_the_targets_page_shows_state_and_errors_escaped(
    database: Engine, client: FlaskClient
) -> None:
    with write_transaction(database) as connection:
        sync_targets(
            connection,
            [TargetInfo("api", "http://127.0.0.1:1/metrics", (("job", "api"),), 5.0, 5.0)],
        )
        record_scrape(
            connection,
            job="api",
            url="http://127.0.0.1:1/metrics",
            at=NOW,
            duration_seconds=0.5,
            error="<script>alert(1)</script>",
            samples_scraped=0,
        )
    page = client.get("/targets").get_data(as_text=True)
    assert "http://127.0.0.1:1/metrics" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_tsdb_status_counts_series_and_samples(database: Engine, client: FlaskClient) -> None:
    from promql.labels import make_labels
    from store.samples import append_samples
    from store.series import SeriesIndex

    with write_transaction(database) as connection:
        append_samples(
            connection,
            SeriesIndex(),
            [(make_labels({"__name__": "up", "job": j}), 1000, 1.0) for j in ("a", "b")],
        )
    data = client.get("/api/v1/status/tsdb").get_json()["data"]
    assert data["headStats"]["numSeries"] == 2
    assert data["headStats"]["minTime"] == 1000
    assert data["seriesCountByMetricName"] == [{"name": "up", "value": 2}]
    assert data["vigil"]["samples"] == 2
