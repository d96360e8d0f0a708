"""The dashboard library: built-ins, a user folder, broken files and reloads."""

from __future__ import annotations

import os
from pathlib import Path

from dashboards.config import DashboardsConfig
from dashboards.library import DashboardLibrary

GOOD = """\
title: Mine
rows:
  - panels:
      - type: stat
        queries: [{expr: 'up{job="$job"}'}]
"""
BROKEN = """\
title: Broken
rows:
  - panels:
      - type: sparkles
      - type: timeseries
        unit: furlongs
"""


def library(folder: Path, *, builtin: bool = True) -> DashboardLibrary:
    return DashboardLibrary(DashboardsConfig(path="boards", builtin=builtin), folder.parent)


def test_builtins_load_without_problems(tmp_path: Path) -> None:
    items = library(tmp_path / "boards").dashboards()
    assert {item.uid for item in items} >= {
        "service-red",
        "process-runtime",
        "health-checks",
        "vigil",
    }
    assert [item.error for item in items] == [None] * len(items)


def test_a_broken_file_carries_its_errors_at_file_line_and_others_still_load(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "boards"
    folder.mkdir()
    (folder / "mine.yml").write_text(GOOD)
    (folder / "broken.yml").write_text(BROKEN)
    items = {item.uid: item for item in library(folder, builtin=False).dashboards()}
    assert items["mine"].dashboard is not None
    broken = items["broken"]
    assert broken.dashboard is None
    assert broken.error is not None
    assert f"{folder / 'broken.yml'}:6: rows[0].panels[1].unit: unknown unit" in broken.error


def test_an_unknown_panel_type_and_a_bad_query_are_found_at_their_lines(tmp_path: Path) -> None:
    folder = tmp_path / "boards"
    folder.mkdir()
    (folder / "bad.yml").write_text(
        "title: Bad\nrows:\n  - panels:\n      - type: sparkles\n"
        "      - type: stat\n        queries:\n          - expr: sum(rate(x[1m])\n"
    )
    [item] = library(folder, builtin=False).dashboards()
    assert item.error is not None
    assert 'bad.yml:4: rows[0].panels[0].type: unknown panel type "sparkles"' in item.error
    assert "bad.yml:7: rows[0].panels[1].queries[0].expr:" in item.error


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    folder = tmp_path / "boards"
    folder.mkdir()
    path = folder / "mine.yml"
    path.write_text(GOOD)
    boards = library(folder, builtin=False)
    assert boards.get("mine") is not None and boards.get("mine").title == "Mine"  # type: ignore[union-attr]
    path.write_text(GOOD.replace("Mine", "Renamed"))
    os.utime(path, (1, 1))  # a different mtime even within the filesystem's resolution
    changed = boards.get("mine")
    assert changed is not None and changed.title == "Renamed"
    path.unlink()
    assert boards.get("mine") is None


def test_a_user_file_replaces_the_builtin_with_its_uid(tmp_path: Path) -> None:
    folder = tmp_path / "boards"
    folder.mkdir()
    (folder / "x.yml").write_text("title: My RED\nuid: service-red\n")
    item = library(folder).get("service-red")
    assert item is not None and item.title == "My RED" and not item.builtin
