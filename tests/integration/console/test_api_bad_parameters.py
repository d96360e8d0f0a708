"""Parameters that once made the API answer 500: each is now a 400 (or 404) naming the problem.

Found by schemathesis (``test_openapi_schemathesis``) or by probing next to
what it found: times and steps that overflow milliseconds in int64, Unicode
digits that ``str.isdigit`` takes and ``int`` refuses, ids beyond the
database's integers, a JSON null for a body.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from tests.integration.console.accounts import log_in


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("/api/v1/query?query=1&time=1e300", '"time"'),
        ("/api/v1/query_range?query=1&start=0&end=1e300&step=1e299", '"end"'),
        ("/api/v1/query_range?query=1&start=0&end=0&step=1e-300", '"step"'),
        ("/api/v1/query?query=1&timeout=1e300", '"timeout"'),
        ("/api/v1/labels?start=1e300", '"start"'),
        ("/api/v1/logs?start=1e300&end=1e301", '"end"'),
        ("/api/v1/logs/volume?start=-1e300", '"start"'),
        ("/api/v1/logs?limit=%C2%B2", '"limit"'),
        ("/api/v1/logs/tail?after=%C2%B2", '"after"'),
        ("/api/v1/logs/tail?seconds=nan", '"seconds"'),
        ("/api/v1/checks/web/response_times?start=0&end=1e9&step=0.001", "more than 11000 points"),
        ("/api/v1/figure?query=up&step=1e-300", "11000 points"),
        ("/api/v1/figure?query=up&from=0&to=1e9&step=0.001", "11000 points"),
        ("/api/v1/audit?before=99999999999999999999999", '"before"'),
        ("/api/v1/audit?limit=x", '"limit"'),
        ("/api/v1/notifications?limit=%C2%B2", '"limit"'),
        ("/api/v1/logs?query=%00", '"query"'),
        ("/api/v1/label/%00/values", '"name"'),
    ],
)
def test_it_refuses_a_bad_parameter_with_a_400_naming_it(
    client: FlaskClient, database: Engine, url: str, named: str
) -> None:
    log_in(client, database, "admin")
    response = client.get(url)
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "error" and body["errorType"] == "bad_data"
    assert named in body["error"]


def test_alertmanagers_api_refuses_a_nul_in_its_own_shape(
    client: FlaskClient, database: Engine
) -> None:
    log_in(client, database, "viewer")
    response = client.get("/api/v2/silences?filter=%00")
    assert response.status_code == 400
    assert response.get_json() == 'invalid parameter "filter": contains a NUL character'


def test_a_notification_id_beyond_the_databases_integers_is_not_found(
    client: FlaskClient, database: Engine
) -> None:
    log_in(client, database, "editor")
    response = client.post("/api/v1/notifications/9223372036854775808/retry")
    assert response.status_code == 404
    assert response.get_json()["errorType"] == "not_found"
