"""Health check configuration: the type names its options model and checks its target."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from collectors.checks import CHECK_TYPES
from tests.integration.checks.support import check


def test_config_rejects_an_unknown_type_listing_the_known_ones() -> None:
    known = ", ".join(sorted(CHECK_TYPES))
    with pytest.raises(ValidationError, match=f'unknown check type "ftp"; known types: {known}'):
        check(type="ftp", target="example.org")


def test_config_checks_the_options_of_the_type() -> None:
    with pytest.raises(ValidationError) as raised:
        check(type="http", target="http://x/", expected_status=["x"], retry_forever=True)
    locations = {error["loc"] for error in raised.value.errors()}
    assert locations == {("expected_status", 0), ("retry_forever",)}
    with pytest.raises(ValidationError, match="Extra inputs"):
        check(type="tcp", target="x:1", method="GET")  # an http option on a tcp check


def test_config_checks_the_target_for_the_type() -> None:
    with pytest.raises(ValidationError, match='needs "host:port" as target'):
        check(type="tcp", target="http://x/")
    with pytest.raises(ValidationError, match="needs an http"):
        check(type="http", target="x:80")
    with pytest.raises(ValidationError, match='a postgres check needs "host:port"'):
        check(type="postgres", target="postgresql://u:p@db/x")


def test_passwords_never_show_in_errors() -> None:
    with pytest.raises(ValidationError) as raised:
        check(type="mysql", target="db:3306", password="hunter2", port_typo=1)
    assert "hunter2" not in str(raised.value)
    config = check(type="redis", target="cache:6379", password="hunter2")
    assert "hunter2" not in repr(config)


def test_labels_are_label_names_and_not_the_checks_own() -> None:
    config = check(type="tcp", target="db:5432", labels={"service": "db", "group": "public"})
    assert config.labels == {"service": "db", "group": "public"}
    with pytest.raises(ValidationError, match='"team-name" is not a valid label name'):
        check(type="tcp", target="db:5432", labels={"team-name": "x"})
    with pytest.raises(ValidationError, match='"instance" is set by the check itself'):
        check(type="tcp", target="db:5432", labels={"instance": "x"})
