from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from console.app import create_app
from console.config import LoadedConfig, VigilConfig

NOW = 1_700_000_000.0


def make_app(database: Engine, *, anonymous_read: bool = True) -> Flask:
    config = VigilConfig.model_validate({"auth": {"anonymous_read": anonymous_read}})
    app = create_app(LoadedConfig(config=config), database=database, clock=lambda: NOW)
    app.testing = True
    return app


@pytest.fixture
def app(database: Engine) -> Flask:
    return make_app(database)


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client
