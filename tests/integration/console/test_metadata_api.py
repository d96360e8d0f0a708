"""/api/v1/metadata and /api/v1/targets/metadata over stored metadata, in Prometheus's shapes."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import Engine

from collectors.exposition import MetricMetadata
from store.db import write_transaction
from store.metadata import MetadataChanges, list_target_metadata, write_metadata_changes
from store.targets import TargetInfo, sync_targets

API = (("instance", "api:9100"), ("job", "api"))
WEB = (("instance", "web:9100"), ("job", "web"))
REQUESTS = MetricMetadata("counter", "Requests served.")


def store_two_targets(database: Engine) -> None:
    with write_transaction(database) as connection:
        sync_targets(
            connection,
            [
                TargetInfo("api", "http://api:9100/metrics", API, 15.0, 10.0),
                TargetInfo("web", "http://web:9100/metrics", WEB, 15.0, 10.0),
            ],
        )
        write_metadata_changes(
            connection,
            job="api",
            url="http://api:9100/metrics",
            changes=MetadataChanges(
                upserts={
                    "requests": REQUESTS,
                    "temperature_celsius": MetricMetadata("gauge", "Degrees.", "celsius"),
                },
                replace_all=True,
            ),
        )
        write_metadata_changes(
            connection,
            job="web",
            url="http://web:9100/metrics",
            changes=MetadataChanges(
                upserts={
                    "requests": MetricMetadata("counter", "Requests answered."),
                    "queue": MetricMetadata(),
                },
                replace_all=True,
            ),
        )


def data(client: FlaskClient, path: str, **params: str) -> object:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["data"]


def test_metadata_lists_distinct_metadata_per_family(client: FlaskClient, database: Engine) -> None:
    assert data(client, "/api/v1/metadata") == {}
    store_two_targets(database)
    assert data(client, "/api/v1/metadata") == {
        "queue": [{"type": "unknown", "help": "", "unit": ""}],
        "requests": [
            {"type": "counter", "help": "Requests served.", "unit": ""},
            {"type": "counter", "help": "Requests answered.", "unit": ""},
        ],
        "temperature_celsius": [{"type": "gauge", "help": "Degrees.", "unit": "celsius"}],
    }
    assert data(client, "/api/v1/metadata", metric="temperature_celsius") == {
        "temperature_celsius": [{"type": "gauge", "help": "Degrees.", "unit": "celsius"}]
    }
    assert data(client, "/api/v1/metadata", metric="nope") == {}
    assert len(data(client, "/api/v1/metadata", limit="2")) == 2  # type: ignore[arg-type]
    assert data(client, "/api/v1/metadata", limit="0") == {}
    assert data(client, "/api/v1/metadata", limit_per_metric="1", metric="requests") == {
        "requests": [{"type": "counter", "help": "Requests served.", "unit": ""}]
    }


def test_targets_metadata_filters_by_target_and_metric(
    client: FlaskClient, database: Engine
) -> None:
    store_two_targets(database)
    everything = data(client, "/api/v1/targets/metadata")
    assert isinstance(everything, list) and len(everything) == 4
    assert everything[0] == {
        "target": dict(API),
        "metric": "requests",
        "type": "counter",
        "help": "Requests served.",
        "unit": "",
    }
    assert data(client, "/api/v1/targets/metadata", match_target='{job="web"}', metric="queue") == [
        {"target": dict(WEB), "type": "unknown", "help": "", "unit": ""}
    ]
    assert (
        data(client, "/api/v1/targets/metadata", match_target='{job=~"a.*"}', metric="queue") == []
    )
    # The limit is checked before each target: the first target comes whole.
    assert len(data(client, "/api/v1/targets/metadata", limit="1")) == 2  # type: ignore[arg-type]


def test_bad_parameters_are_prometheus_errors(client: FlaskClient) -> None:
    for path, params, message in [
        ("/api/v1/metadata", {"limit": "x"}, "limit must be a number"),
        ("/api/v1/metadata", {"limit_per_metric": "1.5"}, "limit_per_metric must be a number"),
        ("/api/v1/targets/metadata", {"limit": " 1"}, "limit must be a number"),
    ]:
        response = client.get(path, query_string=params)
        assert response.status_code == 400
        assert response.get_json() == {"status": "error", "errorType": "bad_data", "error": message}
    response = client.get("/api/v1/targets/metadata", query_string={"match_target": "{job="})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith('invalid parameter "match_target": 1:')


def test_a_very_long_family_name_is_stored(database: Engine) -> None:
    """A name past 255 characters must not fail the write that carries the scrape's samples."""
    store_two_targets(database)
    long_name = "x" * 400 + "_total"
    with write_transaction(database) as connection:
        write_metadata_changes(
            connection,
            job="api",
            url="http://api:9100/metrics",
            changes=MetadataChanges(upserts={long_name: REQUESTS}),
        )
    assert [entry.metric for entry in list_target_metadata(database, long_name)] == [long_name]
