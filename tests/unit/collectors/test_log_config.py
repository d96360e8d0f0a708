"""Log source and counter configuration: bad input is refused with a clear reason."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from collectors.config import LogSourceConfig
from collectors.logs.parsers import PARSERS
from collectors.logs.sources import LOG_SOURCES
from store.logs.config import LogCounterConfig


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"type": "syslog", "url": "x"}, 'unknown log source type "syslog"'),
        ({"parser": "xml", "paths": ["a"]}, 'unknown parser "xml"'),
        ({"paths": []}, "a file log source needs at least one path"),
        ({"type": "http"}, "a http log source needs a url"),
        ({"type": "elasticsearch", "url": "http://es"}, "needs an index"),
        ({"paths": ["a"], "parser": "regex"}, "the regex parser needs a pattern"),
        ({"paths": ["a"], "parser": "regex", "pattern": "(x"}, r"pattern: missing \)"),
        ({"paths": ["a"], "parser": "regex", "pattern": "x"}, "needs named groups"),
    ],
)
def test_a_bad_log_source_says_why(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LogSourceConfig.model_validate({"name": "x", **options})


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": "x-y", "query": "a"}, "not a valid metric name"),
        ({"name": "x"}, "exactly one of query and regex"),
        ({"name": "x", "query": "a", "regex": "a"}, "exactly one of query and regex"),
        ({"name": "x", "query": "(a"}, r"query: 1:3: unexpected end of query"),
        ({"name": "x", "regex": "(a"}, "regex: missing \\)"),
        ({"name": "x", "regex": "a", "labels": {"__x": "1"}}, "not a valid label name"),
    ],
)
def test_a_bad_log_counter_says_why(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LogCounterConfig.model_validate(options)


def test_every_parser_and_source_is_a_module_of_its_name() -> None:
    for name, parse in PARSERS.items():
        assert parse.__module__ == f"collectors.logs.parsers.{name}"
    for name, factory in LOG_SOURCES.items():
        assert factory.__module__ == f"collectors.logs.sources.{name}"
