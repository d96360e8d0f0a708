"""A `prometheus` datasource: rules and charts that query an existing Prometheus.

The same history goes into a real Prometheus (promtool) and into Vigil
(`import openmetrics`); queries through the datasource must equal Vigil's own
answers, a rule group pointed at the datasource fires from the remote data,
and a chart can be drawn from it.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from collectors.importers.openmetrics import import_openmetrics
from console.agent import AgentResources
from console.app import create_app
from console.config import LoadedConfig, VigilConfig, load_config
from console.jobs import rule_jobs
from promql.engine import Engine as QueryEngine
from promql.values import Matrix, Scalar, Vector
from store.configfile import ConfigError
from store.datasources import DatasourceConfig, LocalDatasource, PrometheusDatasource
from store.querier import StoreQuerier
from store.series import SeriesIndex
from tests.prometheus_server import PrometheusServer, create_blocks

STEP = 15


def _history(start: int, end: int) -> str:
    lines = ["# TYPE jobs_done counter"]
    for shard in ("a", "b"):
        lines += [
            f'jobs_done_total{{shard="{shard}"}} {n * (2 if shard == "a" else 3)} {t}'
            for n, t in enumerate(range(start, end, STEP))
        ]
    lines += ["# TYPE queue_depth gauge"]
    lines += [f"queue_depth {50 + n % 7} {t}" for n, t in enumerate(range(start, end, STEP))]
    return "\n".join(lines) + "\n# EOF\n"


@pytest.fixture(scope="module")
def remote(
    tmp_path_factory: pytest.TempPathFactory, start_prometheus: Callable[[Path], PrometheusServer]
) -> tuple[PrometheusServer, str, int]:
    end = int(time.time()) - 3600
    end -= end % STEP
    text = _history(end - 7200, end)
    work = tmp_path_factory.mktemp("datasource")
    source = work / "history.om"
    source.write_text(text)
    create_blocks(source, work / "tsdb")
    return start_prometheus(work / "tsdb"), text, end


def _local(database: Engine, text: str) -> LocalDatasource:
    import_openmetrics(io.StringIO(text), database, SeriesIndex())
    return LocalDatasource(QueryEngine(), StoreQuerier(database))


def test_remote_answers_equal_vigils_own(
    database: Engine, remote: tuple[PrometheusServer, str, int]
) -> None:
    server, text, end = remote
    local = _local(database, text)
    prometheus = PrometheusDatasource(DatasourceConfig(name="prom", url=server.url))
    at = end - 600
    for expression in ("sum by (shard) (rate(jobs_done_total[5m]))", "queue_depth > 52"):
        theirs, ours = prometheus.instant_query(expression, at), local.instant_query(expression, at)
        assert isinstance(theirs, Vector) and isinstance(ours, Vector)
        assert sorted((s.labels, s.t_ms, round(s.value, 9)) for s in theirs.samples) == sorted(
            (s.labels, s.t_ms, round(s.value, 9)) for s in ours.samples
        )
    assert prometheus.instant_query("1 + 1", at) == Scalar(at * 1000, 2.0)
    theirs_range = prometheus.range_query("rate(jobs_done_total[5m])", at - 900, at, 60)
    ours_range = local.range_query("rate(jobs_done_total[5m])", at - 900, at, 60)
    assert isinstance(theirs_range, Matrix)
    assert [(s.labels, s.timestamps) for s in theirs_range.series] == [
        (s.labels, s.timestamps) for s in ours_range.series
    ]
    assert [v for s in theirs_range.series for v in s.values] == pytest.approx(
        [v for s in ours_range.series for v in s.values]
    )


def test_a_rule_group_can_query_the_remote_prometheus(
    database: Engine, remote: tuple[PrometheusServer, str, int], tmp_path: Path
) -> None:
    server, _, end = remote
    (tmp_path / "remote.yml").write_text(
        "groups:\n  - name: remote\n    rules:\n"
        "      - record: shard:jobs_done:rate5m\n"
        "        expr: sum by (shard) (rate(jobs_done_total[5m]))\n"
    )
    config_file = tmp_path / "vigil.yml"
    config_file.write_text(
        f"datasources:\n  - name: prom\n    url: {server.url}\n"
        "rule_files:\n  - files: [remote.yml]\n    datasource: prom\n"
    )
    resources = AgentResources(database, clock=lambda: end - 600)  # where the remote data is
    (job,) = rule_jobs(load_config(str(config_file), environ={}), resources)
    job.run()
    recorded = LocalDatasource(QueryEngine(), StoreQuerier(database)).instant_query(
        "shard:jobs_done:rate5m", end - 600
    )
    assert isinstance(recorded, Vector)
    assert {dict(s.labels)["shard"]: round(s.value, 6) for s in recorded.samples} == {
        "a": round(2 / STEP, 6),
        "b": round(3 / STEP, 6),
    }


def test_a_chart_can_be_drawn_from_a_datasource(
    database: Engine, remote: tuple[PrometheusServer, str, int]
) -> None:
    server, _, end = remote
    config = VigilConfig.model_validate(
        {"auth": {"anonymous_read": True}, "datasources": [{"name": "prom", "url": server.url}]}
    )
    client = create_app(LoadedConfig(config=config), database=database).test_client()
    query = {"query": "queue_depth", "start": end - 3600, "end": end, "step": "60s"}
    drawn = client.get("/api/v1/figure", query_string={**query, "datasource": "prom"}).get_json()
    assert drawn["status"] == "success"
    (trace,) = drawn["data"]["data"]
    assert len(trace["y"]) == 61
    unknown = client.get("/api/v1/figure", query_string={**query, "datasource": "nope"})
    assert unknown.status_code == 400
    assert 'unknown datasource "nope"' in unknown.get_json()["error"]


def test_an_undefined_datasource_is_a_located_config_error(tmp_path: Path) -> None:
    config_file = tmp_path / "vigil.yml"
    config_file.write_text("rule_files:\n  - files: [r.yml]\n    datasource: thanos\n")
    with pytest.raises(ConfigError) as caught:
        load_config(str(config_file), environ={})
    assert [str(p) for p in caught.value.problems] == [
        f'{config_file}:3: rule_files[0].datasource: datasource "thanos" is not defined'
    ]
