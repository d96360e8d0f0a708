"""Log parsers: literal lines in, records out."""

from __future__ import annotations

import re

import pytest

from collectors.logs.multiline import join_lines
from collectors.logs.parsers import PARSERS, ParseError
from collectors.logs.parsers.extract import parse_timestamp
from collectors.logs.parsing import line_parser
from store.logs.record import normalise_level

NOW = 1_700_000_000.0


def test_it_extracts_the_well_known_keys_of_a_json_line() -> None:
    parse = line_parser("json", source="demo", clock=lambda: NOW)
    record = parse(
        '{"ts":"2026-11-22T06:00:00.250Z","service":"payments","level":"WARNING",'
        '"msg":"slow request","trace_id":"abc123","status":502,"route":"/pay"}'
    )
    assert record.timestamp_ms == 1_795_327_200_250
    assert (record.service, record.level, record.message) == ("payments", "warn", "slow request")
    assert record.trace_id == "abc123"
    assert record.source == "demo"
    assert record.fields == {"status": "502", "route": "/pay"}


def test_it_parses_logfmt_with_quotes_escapes_and_bare_keys() -> None:
    pairs = PARSERS["logfmt"](
        'time=2026-11-22T06:00:00Z level=error msg="upstream \\"db\\" down" retry cached'
    )
    assert pairs == {
        "time": "2026-11-22T06:00:00Z",
        "level": "error",
        "msg": 'upstream "db" down',
        "retry": True,
        "cached": True,
    }


def test_it_parses_regex_named_groups_into_a_record() -> None:
    pattern = re.compile(r"^(?P<ts>\S+) \[(?P<level>\w+)\] (?P<service>[\w-]+): (?P<msg>.*)$")
    parse = line_parser("regex", pattern=pattern, clock=lambda: NOW)
    record = parse("2026-11-22T06:00:01+00:00 [E] orders: payment declined")
    assert (record.service, record.level, record.message) == ("orders", "error", "payment declined")
    assert record.timestamp_ms == 1_795_327_201_000


def test_it_keeps_a_line_the_parser_rejects_as_its_message_at_the_current_time() -> None:
    parse = line_parser("json", labels={"service": "legacy", "env": "prod"}, clock=lambda: NOW)
    record = parse("plain text, not JSON")
    assert record.message == "plain text, not JSON"
    assert record.timestamp_ms == int(NOW * 1000)
    assert record.service == "legacy"
    assert record.fields == {"env": "prod"}


@pytest.mark.parametrize(
    ("parser", "line"), [("json", "[1, 2]"), ("json", "{oops"), ("logfmt", "   "), ("regex", "x")]
)
def test_it_rejects_lines_not_in_the_format(parser: str, line: str) -> None:
    with pytest.raises(ParseError):
        PARSERS[parser](line, None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-22T06:00:00Z", 1_795_327_200_000),
        ("2026-11-22 06:00:00", 1_795_327_200_000),
        (1_795_327_200, 1_795_327_200_000),
        (1_795_327_200_123, 1_795_327_200_123),
        ("1795327200.5", 1_795_327_200_500),
        ("yesterday", None),
        (True, None),
    ],
)
def test_it_reads_timestamps_as_rfc3339_or_epoch(value: object, expected: int | None) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize(
    ("text", "level"),
    [("WARNING", "warn"), ("Err", "error"), ("CRITICAL", "fatal"), ("D", "debug"), ("x", None)],
)
def test_it_normalises_levels(text: str, level: str | None) -> None:
    assert normalise_level(text) == level


def test_it_joins_stack_trace_lines_to_the_line_before() -> None:
    lines = [
        ("2026-11-22 ERROR boom", 22),
        ("Traceback (most recent call last):", 58),
        ('  File "x.py", line 1', 80),
        ("ValueError: bad", 96),
        ("2026-11-22 INFO next", 117),
    ]
    entries = join_lines(lines, re.compile(r"^\d{4}-"))
    assert [entry.text.splitlines()[0] for entry in entries] == [
        "2026-11-22 ERROR boom",
        "2026-11-22 INFO next",
    ]
    assert entries[0].text.count("\n") == 3
    assert [entry.end for entry in entries] == [96, 117]


def test_it_keeps_every_line_an_entry_without_a_start_pattern() -> None:
    assert [entry.text for entry in join_lines([("a", 2), (" b", 5)], None)] == ["a", " b"]


def test_the_lines_own_service_and_first_listed_keys_win() -> None:
    parse = line_parser("json", labels={"service": "fallback", "env": "prod"}, clock=lambda: NOW)
    record = parse('{"time": 1795327201, "ts": 1795327200, "app": "cart", "message": "m"}')
    assert record.service == "cart"
    assert record.timestamp_ms == 1_795_327_200_000
    assert record.fields == {"time": "1795327201", "env": "prod"}


@pytest.mark.parametrize(
    ("stamp", "expected", "fields"),
    [
        ("1795327200", 1_795_327_200_000, {}),
        ("1795327200123", 1_795_327_200_123, {}),
        ('"2026-11-22T06:00:00Z"', 1_795_327_200_000, {}),
        ("true", int(NOW * 1000), {"unparsed_timestamp": "true"}),
        ('"yesterday"', int(NOW * 1000), {"unparsed_timestamp": "yesterday"}),
    ],
)
def test_a_json_lines_timestamp_is_its_own_or_now_with_the_text_kept(
    stamp: str, expected: int, fields: dict[str, str]
) -> None:
    record = line_parser("json", clock=lambda: NOW)('{"ts": ' + stamp + ', "msg": "m"}')
    assert (record.timestamp_ms, record.fields) == (expected, fields)


@pytest.mark.parametrize(
    ("value", "text"), [("NaN", "nan"), ("123456789012345678901234567890", "1234567890123")]
)
def test_json_that_only_the_standard_library_reads_is_still_an_object(
    value: str, text: str
) -> None:
    record = line_parser("json", clock=lambda: NOW)('{"msg": "m", "x": ' + value + "}")
    assert record.message == "m"
    assert record.fields["x"].startswith(text)


def test_each_spelling_of_a_level_maps_the_same_every_time() -> None:
    parse = line_parser("json", clock=lambda: NOW)
    for _ in range(2):  # the second time from the remembered spellings
        levels = [parse('{"level": "' + text + '"}').level for text in ("WARNING", "E", "zz")]
        assert levels == ["warn", "error", "info"]
