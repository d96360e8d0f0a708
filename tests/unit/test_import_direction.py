"""Imports flow promql ← store ← collectors, alerts, dashboards, analysis ← console; never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What each package may import from the project (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "demo": set(),
    "promql": set(),
    "store": {"promql"},
    "collectors": {"promql", "store"},
    "alerts": {"promql", "store"},
    "dashboards": {"promql", "store"},
    "analysis": {"promql", "store"},
    "console": {"promql", "store", "collectors", "alerts", "dashboards", "analysis", "demo"},
    "migrations": {"store", "promql"},
}


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def _violations(package: str, root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted((root / package).rglob("*.py")):
        for imported, line in _imported_packages(path):
            if imported in ALLOWED and imported != package and imported not in ALLOWED[package]:
                problems.append(f"{path.relative_to(root)}:{line}: imports {imported}")
    return problems


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_it_imports_only_packages_to_its_left(package: str) -> None:
    assert _violations(package) == []


def test_it_reports_an_import_against_the_direction(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "bad.py").write_text(
        "import promql\n\n\ndef f():\n    from console.app import create_app\n"
    )
    assert _violations("store", root=tmp_path) == ["store/bad.py:5: imports console"]
