"""The dns check against a real nameserver on 127.0.0.1 started by the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from collectors.checks import run_check
from tests.dns_server import dns_server
from tests.integration.checks.support import check, closed_port


@pytest.fixture(scope="module")
def nameserver() -> Iterator[str]:
    with dns_server() as address:
        yield address


def test_expected_a_records(nameserver: str) -> None:
    config = check(
        type="dns",
        target="api.example.test",
        nameserver=nameserver,
        expected_answers=["10.0.0.2", "10.0.0.1"],
    )
    result = run_check(config, 0.0)
    assert result.success, result.error
    assert result.metrics["probe_dns_answer_rrs"] == 2.0
    assert 0 < result.metrics["probe_dns_lookup_time_seconds"] <= result.duration_seconds


@pytest.mark.parametrize(
    ("name", "record_type", "expected"),
    [
        ("api.example.test", "AAAA", "2001:db8::1"),
        ("www.example.test", "CNAME", "api.example.test."),
        ("example.test", "MX", "10 mail.example.test"),
    ],
)
def test_other_record_types(nameserver: str, name: str, record_type: str, expected: str) -> None:
    config = check(
        type="dns",
        target=name,
        nameserver=nameserver,
        record_type=record_type,
        expected_answers=[expected],
    )
    result = run_check(config, 0.0)
    assert result.success, result.error


def test_over_tcp_with_a_regex(nameserver: str) -> None:
    config = check(
        type="dns",
        target="example.test",
        nameserver=nameserver,
        record_type="TXT",
        transport="tcp",
        answer_regex="spf1",
    )
    assert run_check(config, 0.0).success


def test_an_answer_mismatch_fails_naming_both(nameserver: str) -> None:
    config = check(
        type="dns",
        target="api.example.test",
        nameserver=nameserver,
        expected_answers=["10.9.9.9"],
    )
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error == (
        "api.example.test: expected 10.9.9.9 among the answers, got 10.0.0.1, 10.0.0.2"
    )
    assert result.metrics["probe_dns_answer_rrs"] == 2.0
    regex = check(type="dns", target="api.example.test", nameserver=nameserver, answer_regex="^192")
    assert not run_check(regex, 0.0).success


def test_nxdomain_fails(nameserver: str) -> None:
    config = check(type="dns", target="nope.example.test", nameserver=nameserver)
    result = run_check(config, 0.0)
    assert not result.success
    assert result.error == "nope.example.test: rcode NXDOMAIN"


def test_no_nameserver_times_out() -> None:
    config = check(type="dns", target="api.example.test", nameserver=f"127.0.0.1:{closed_port()}")
    result = run_check(config, 0.0)
    assert not result.success
    assert result.duration_seconds < 2
