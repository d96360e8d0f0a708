"""Pytest plugin: a session-wide simulated demo fleet on free local ports.

Register with ``pytest_plugins = ["tests.fleet_fixture"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import Fleet


@pytest.fixture(scope="session")
def demo_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """A healthy fleet on the real clock, shared by the whole session."""
    fleet = Fleet(base_port=None, log_dir=tmp_path_factory.mktemp("demo-logs"), seed=0)
    with fleet:
        yield fleet
