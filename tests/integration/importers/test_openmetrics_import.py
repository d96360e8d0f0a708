"""Importing OpenMetrics files into the real store (SQLite and PostgreSQL), read back exactly."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from sqlalchemy import Engine

from collectors.importers.openmetrics import OpenMetricsImportError, import_openmetrics
from promql.labels import make_labels
from store.series import SeriesIndex
from tests.integration.importers.helpers import nan_safe, run_cli, stored

DOCUMENT = """\
# TYPE http_requests counter
http_requests_total{code="200",path="/a\\"b"} 1 1700000000
http_requests_total{code="200",path="/a\\"b"} 2 1700000015.5
http_requests_total{code="500",path="/a\\"b"} 7 1700000000.001
http_requests_created{code="200",path="/a\\"b"} 1699990000 1700000000
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.5"} 3 1700000000
latency_seconds_bucket{le="+Inf"} 4 1700000000
latency_seconds_count 4 1700000000
latency_seconds_sum 1.25 1700000000
# TYPE temperature gauge
temperature -1e-3 1700000030
temperature NaN 1700000045
temperature +Inf 1700000060
temperature 5 1700000060
# EOF
"""

CODE_200 = (("__name__", "http_requests_total"), ("code", "200"), ("path", '/a"b'))
EXPECTED = {
    CODE_200: [(1700000000000, 1.0), (1700000015500, 2.0)],
    (("__name__", "http_requests_total"), ("code", "500"), ("path", '/a"b')): [
        (int(1700000000.001 * 1000), 7.0)  # truncated, as Prometheus does: ...000
    ],
    (("__name__", "http_requests_created"), ("code", "200"), ("path", '/a"b')): [
        (1700000000000, 1699990000.0)
    ],
    (("__name__", "latency_seconds_bucket"), ("le", "+Inf")): [(1700000000000, 4.0)],
    (("__name__", "latency_seconds_bucket"), ("le", "0.5")): [(1700000000000, 3.0)],
    (("__name__", "latency_seconds_count"),): [(1700000000000, 4.0)],
    (("__name__", "latency_seconds_sum"),): [(1700000000000, 1.25)],
    # The same timestamp twice: the value written last is kept.
    (("__name__", "temperature"),): [
        (1700000030000, -0.001),
        (1700000045000, math.nan),
        (1700000060000, 5.0),
    ],
}


@pytest.mark.postgres
@pytest.mark.parametrize("batch_size", [1, 3, 50_000])
def test_every_sample_is_read_back_exactly(database: Engine, batch_size: int) -> None:
    stats = import_openmetrics(
        io.StringIO(DOCUMENT), database, SeriesIndex(), batch_size=batch_size
    )
    assert (stats.samples, stats.series) == (12, 8)
    assert stats.batches == math.ceil(12 / batch_size)
    assert (stats.min_time_ms, stats.max_time_ms) == (1700000000000, 1700000060000)
    assert nan_safe(stored(database)) == nan_safe(EXPECTED)


@pytest.mark.postgres
def test_an_import_adds_series_to_those_already_there(database: Engine) -> None:
    index = SeriesIndex()
    import_openmetrics(io.StringIO(DOCUMENT), database, index)
    later = 'http_requests_total{code="200",path="/a\\"b"} 3 1700000030\n# EOF\n'
    import_openmetrics(io.StringIO(later), database, SeriesIndex(), labels={"env": "x"})
    series = stored(database)
    assert series[CODE_200] == [(1700000000000, 1.0), (1700000015500, 2.0)]
    assert series[make_labels([*CODE_200, ("env", "x")])] == [(1700000030000, 3.0)]


@pytest.mark.postgres
def test_whole_batches_before_an_error_stay_and_the_rest_is_not_written(
    database: Engine,
) -> None:
    good = "".join(f"m {i} {i}\n" for i in range(7))
    text = good + "m 7\nm 8 8\n# EOF\n"
    with pytest.raises(OpenMetricsImportError) as caught:
        import_openmetrics(io.StringIO(text), database, SeriesIndex(), batch_size=3)
    assert caught.value.line == 8
    assert (caught.value.stats.samples, caught.value.stats.batches) == (6, 2)
    assert stored(database) == {(("__name__", "m"),): [(i * 1000, float(i)) for i in range(6)]}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "input.om"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.postgres
def test_the_cli_imports_a_file_and_prints_a_summary(
    database: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, DOCUMENT)
    assert run_cli(monkeypatch, tmp_path, database, "import", "openmetrics", str(path)) == 0
    out, err = capsys.readouterr()
    assert out.startswith("imported 12 samples of 8 series in 1 batches, from 2023-11-14T22:13")
    assert "samples/s" in out
    assert err == ""  # stderr is not a terminal: no progress line
    assert nan_safe(stored(database)) == nan_safe(EXPECTED)


@pytest.mark.postgres
def test_the_cli_reports_file_and_line_of_an_error(
    database: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, "m 1 1\nm 2 2\nm 3 3\nm 4\n# EOF\n")
    code = run_cli(
        monkeypatch, tmp_path, database, "import", "openmetrics", "--batch-size", "2", str(path)
    )
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{path}:4: expected a timestamp for the sample, got none",
        "2 samples in 1 batches before the error were committed; the batch with the error was not",
    ]
    assert stored(database) == {(("__name__", "m"),): [(1000, 1.0), (2000, 2.0)]}


@pytest.mark.postgres
@pytest.mark.parametrize("flag", ["--validate-first", "--dry-run"])
def test_validating_first_or_a_dry_run_writes_nothing_on_error(
    database: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: str,
) -> None:
    path = write(tmp_path, "m 1 1\nm 2 2\nm 3 3\n# EOF\nm 4 4\n")
    arguments = ["import", "openmetrics", "--batch-size", "1", flag, str(path)]
    assert run_cli(monkeypatch, tmp_path, database, *arguments) == 1
    assert capsys.readouterr().err == f"{path}:5: unexpected data after # EOF\n"
    assert stored(database) == {}


@pytest.mark.postgres
def test_a_dry_run_of_a_good_file_validates_and_writes_nothing(
    database: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, DOCUMENT)
    code = run_cli(monkeypatch, tmp_path, database, "import", "openmetrics", "--dry-run", str(path))
    assert code == 0
    assert capsys.readouterr().out.startswith("validated 12 samples of 8 series")
    assert stored(database) == {}


@pytest.mark.postgres
def test_validate_first_imports_a_good_file_once(
    database: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = write(tmp_path, DOCUMENT)
    arguments = ["import", "openmetrics", "--validate-first", "--label", "src=file", str(path)]
    assert run_cli(monkeypatch, tmp_path, database, *arguments) == 0
    assert capsys.readouterr().out.startswith("imported 12 samples")
    series = stored(database)
    assert series[make_labels([*CODE_200, ("src", "file")])] == [
        (1700000000000, 1.0),
        (1700000015500, 2.0),
    ]
    assert len(series) == 8
