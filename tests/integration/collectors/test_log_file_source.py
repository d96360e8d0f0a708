"""Tailing real files: rotation, truncation, multi-line entries, restarts without duplicates."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine

from collectors.config import LogSourceConfig
from collectors.logs.build import source_parser
from collectors.logs.metrics import CounterRule
from collectors.logs.sources.file import FileSource
from collectors.logs.tail import LogTail
from promql.labels import make_labels
from store.logs.config import LogCounterConfig
from store.logs.positions import Position
from store.logs.query import parse_query
from store.logs.sql import SqlLogStore
from store.samples import read_samples
from store.series import SeriesIndex

NOW = 1_795_327_200.0


def _source(tmp_path: Path, **options: object) -> FileSource:
    config = LogSourceConfig.model_validate(
        {"name": "app", "paths": [str(tmp_path / "*.log")], **options}
    )
    return FileSource(config, source_parser(config, clock=lambda: NOW))


def _write(path: Path, *messages: str, mode: str = "a") -> None:
    with path.open(mode) as handle:
        for message in messages:
            handle.write(json.dumps({"msg": message, "service": "api", "level": "error"}) + "\n")


def _poll(source: FileSource, positions: dict[str, Position]) -> list[str]:
    read = source.read(positions)
    positions.update(read.positions)
    return [record.message for record in read.records]


def test_it_reads_only_whole_new_lines_and_resumes_from_the_stored_offset(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    _write(log, "one", "two")
    with log.open("a") as handle:
        handle.write('{"msg": "thr')
    positions: dict[str, Position] = {}
    assert _poll(_source(tmp_path), positions) == ["one", "two"]
    with log.open("a") as handle:
        handle.write('ee"}\n')
    # A new source object is an agent restart: it starts from the stored positions.
    assert _poll(_source(tmp_path), positions) == ["three"]
    assert _poll(_source(tmp_path), positions) == []


def test_it_finishes_a_rotated_file_before_the_new_one(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    source = _source(tmp_path)
    positions: dict[str, Position] = {}
    _write(log, "before")
    assert _poll(source, positions) == ["before"]
    _write(log, "late write to the old file")
    os.rename(log, tmp_path / "app.log.1")  # not matched by the glob
    _write(log, "new file")
    assert _poll(source, positions) == ["late write to the old file", "new file"]
    assert _poll(source, positions) == []


def test_a_rotated_file_still_matched_by_the_glob_is_not_read_twice(tmp_path: Path) -> None:
    source = _source(tmp_path)
    positions: dict[str, Position] = {}
    _write(tmp_path / "a.log", "first")
    assert _poll(source, positions) == ["first"]
    os.rename(tmp_path / "a.log", tmp_path / "b.log")
    _write(tmp_path / "b.log", "appended after rename")
    assert _poll(source, positions) == ["appended after rename"]


def test_it_starts_again_after_truncation(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    source = _source(tmp_path)
    positions: dict[str, Position] = {}
    _write(log, "a long line before truncation", "another")
    assert len(_poll(source, positions)) == 2
    _write(log, "short", mode="w")
    assert _poll(source, positions) == ["short"]


def test_it_joins_continuation_lines_and_holds_the_last_entry_one_poll(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    source = _source(
        tmp_path,
        parser="regex",
        pattern=r"^(?P<level>\w+) (?P<msg>(?s:.*))$",
        multiline_start=r"^[A-Z]+ ",
    )
    positions: dict[str, Position] = {}
    log.write_text("ERROR boom\nTraceback:\n  File x\nINFO next\n")
    assert _poll(source, positions) == ["boom\nTraceback:\n  File x"]
    with log.open("a") as handle:
        handle.write("  continued\n")
    assert _poll(source, positions) == []
    assert _poll(source, positions) == ["next\n  continued"]


def test_a_line_in_a_file_is_searchable_counted_and_never_stored_twice(
    database: Engine, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    store = SqlLogStore(database)
    index = SeriesIndex()
    rule = CounterRule.of(LogCounterConfig(name="refused_total", query="refused"))

    def tail() -> LogTail:
        return LogTail(
            "app", _source(tmp_path), store, database, index, rules=[rule], clock=lambda: NOW
        )

    _write(log, "connection refused", "ok")
    assert tail().run_once() == 2
    _write(log, "refused again")
    assert tail().run_once() == 1  # a restarted agent
    assert tail().run_once() == 0
    page = store.search(parse_query("refused"), start_ms=0, end_ms=2**62, limit=10)
    assert [line.record.message for line in page.lines] == ["refused again", "connection refused"]
    with database.connect() as connection:
        for name, value in (("log_messages_total", 3.0), ("refused_total", 2.0)):
            labels = {"__name__": name, "source": "app", "service": "api"}
            if name == "log_messages_total":
                labels["level"] = "error"
            (series_id,) = index.ids_for(connection, [make_labels(labels)])
            _, values = read_samples(connection, [series_id], 0, 2**62)[series_id]
            assert values[-1] == value
