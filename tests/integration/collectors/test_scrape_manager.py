"""ScrapeManager: file_sd targets come and go, loops and the target table follow."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from collectors.config import ScrapeConfig
from collectors.scrape_manager import ScrapeManager
from store.db import open_engine, upgrade
from store.series import SeriesIndex
from store.targets import list_targets


@pytest.fixture()
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(f"sqlite:///{tmp_path / 'vigil.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def write_groups(path: Path, *addresses: str) -> None:
    path.write_text(json.dumps([{"targets": list(addresses), "labels": {"team": "t"}}]))
    stamp = path.stat().st_mtime_ns + 1_000_000_000  # a new mtime even on coarse clocks
    os.utime(path, ns=(stamp, stamp))


def test_sync_starts_and_stops_loops_as_the_sd_file_changes(sqlite: Engine, tmp_path: Path) -> None:
    (tmp_path / "sd").mkdir()
    sd_file = tmp_path / "sd" / "api.json"
    write_groups(sd_file, "a:1", "b:2")
    config = ScrapeConfig.model_validate(
        {
            "job_name": "api",
            "static_configs": [{"targets": ["static:9"]}],
            "file_sd_configs": [{"files": ["sd/*.json"]}],
            "relabel_configs": [{"source_labels": ["__address__"], "regex": "b:.*",
                                 "action": "drop"}],
        }
    )  # fmt: skip
    manager = ScrapeManager([config], 15.0, 10.0, sqlite, SeriesIndex(), base_dir=tmp_path)

    first = manager.sync()
    assert sorted(loop.target.instance for loop in first.started) == ["a:1", "static:9"]
    assert sorted(t.url for t in list_targets(sqlite)) == [
        "http://a:1/metrics",
        "http://static:9/metrics",
    ]
    assert manager.sync().started == []

    write_groups(sd_file, "c:3")
    second = manager.sync()
    assert [loop.target.instance for loop in second.started] == ["c:3"]
    assert [loop.target.instance for loop in second.stopped] == ["a:1"]
    assert len(list_targets(sqlite)) == 2

    sd_file.write_text("[{")
    os.utime(sd_file, ns=(sd_file.stat().st_mtime_ns + 2_000_000_000,) * 2)
    third = manager.sync()
    assert third.started == third.stopped == []  # the last good targets stay
    assert any("invalid JSON" in error for error in manager.errors)


def test_an_invalid_static_target_is_refused_up_front(sqlite: Engine) -> None:
    config = ScrapeConfig.model_validate(
        {"job_name": "j", "static_configs": [{"targets": ["a:1"], "labels": {"__scheme__": "ftp"}}]}
    )
    with pytest.raises(ValueError, match='scrape job j: target a:1: unsupported scheme "ftp"'):
        ScrapeManager([config], 15.0, 10.0, sqlite, SeriesIndex())
