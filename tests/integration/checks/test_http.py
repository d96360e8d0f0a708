"""The http check against real HTTP and HTTPS servers started by the test."""

from __future__ import annotations

import time

import pytest

from collectors.checks import run_check
from collectors.checks.http import HttpCheck, HttpOptions
from tests.integration.checks.conftest import Certificates
from tests.integration.checks.servers import http_service
from tests.integration.checks.support import check, closed_port


def test_http_200_is_healthy_with_blackbox_metrics(service: str) -> None:
    result = HttpCheck().run(check(type="http", target=f"http://{service}/health"), 0.0)
    assert result.success and result.error is None
    assert result.metrics["probe_success"] == 1.0
    assert result.metrics["probe_http_status_code"] == 200.0
    assert result.metrics["probe_http_content_length"] == 3.0
    assert result.metrics["probe_http_redirects"] == 0.0
    assert result.metrics["probe_http_ssl"] == 0.0
    assert "probe_ssl_earliest_cert_expiry" not in result.metrics
    assert 0 < result.metrics["probe_duration_seconds"] == result.duration_seconds < 0.5


def test_http_follows_redirects_unless_told_not_to(service: str) -> None:
    result = run_check(check(type="http", target=f"http://{service}/moved"), 0.0)
    assert result.success
    assert result.metrics["probe_http_redirects"] == 1.0
    config = check(type="http", target=f"http://{service}/moved", follow_redirects=False)
    stayed = run_check(config, 0.0)
    assert not stayed.success
    assert stayed.error == "unexpected HTTP status 302"
    allowed = check(
        type="http",
        target=f"http://{service}/moved",
        follow_redirects=False,
        expected_status=[301, 302],
    )
    assert run_check(allowed, 0.0).success


def test_http_unexpected_status_fails(service: str) -> None:
    result = HttpCheck().run(check(type="http", target=f"http://{service}/broken"), 0.0)
    assert not result.success
    assert result.error == "unexpected HTTP status 500"
    assert result.metrics["probe_success"] == 0.0
    assert result.metrics["probe_http_status_code"] == 500.0


def test_http_expected_status_and_method_are_options(service: str) -> None:
    config = check(
        type="http", target=f"http://{service}/broken", method="HEAD", expected_status=[204]
    )
    assert config.options == HttpOptions(method="HEAD", expected_status=[204])
    assert HttpCheck().run(config, 0.0).success
    teapot = check(type="http", target=f"http://{service}/teapot", expected_status=[418])
    assert run_check(teapot, 0.0).success


def test_http_keyword_in_the_body(service: str) -> None:
    found = run_check(
        check(type="http", target=f"http://{service}/status", keyword='"healthy"'), 0.0
    )
    assert found.success
    assert found.metrics["probe_failed_due_to_regex"] == 0.0
    missing = run_check(
        check(type="http", target=f"http://{service}/status", keyword="degraded"), 0.0
    )
    assert not missing.success
    assert missing.error == 'keyword "degraded" not found in the body'
    assert missing.metrics["probe_failed_due_to_regex"] == 1.0
    assert missing.metrics["probe_http_status_code"] == 200.0


def test_http_regex_on_the_body(service: str) -> None:
    url = f"http://{service}/status"
    matched = run_check(check(type="http", target=url, body_regex=r'"version": "1\.\d+'), 0.0)
    assert matched.success
    wrong = run_check(check(type="http", target=url, body_regex=r'"version": "2\.'), 0.0)
    assert not wrong.success
    assert wrong.metrics["probe_failed_due_to_regex"] == 1.0
    assert wrong.error is not None and "does not match" in wrong.error


def test_http_bad_regex_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="invalid regular expression"):
        check(type="http", target="http://x/", body_regex="(")


def test_http_slower_than_max_latency_fails(service: str) -> None:
    url = f"http://{service}/lagging"
    slow = run_check(check(type="http", target=url, max_latency="100ms"), 0.0)
    assert not slow.success
    assert slow.error is not None and "more than max_latency 0.1s" in slow.error
    assert slow.metrics["probe_http_status_code"] == 200.0
    assert run_check(check(type="http", target=url, max_latency="2s"), 0.0).success


def test_http_refused_fails() -> None:
    result = run_check(check(type="http", target=f"http://127.0.0.1:{closed_port()}/"), 0.0)
    assert not result.success
    assert result.error is not None and "Connection refused" in result.error
    assert result.metrics == {
        "probe_success": 0.0,
        "probe_duration_seconds": result.duration_seconds,
    }


def test_http_timeout_fails_within_the_timeout(service: str) -> None:
    result = run_check(check(type="http", target=f"http://{service}/slow"), 0.0)
    assert not result.success
    assert result.error is not None and "timeout" in result.error
    assert 0.4 < result.duration_seconds < 1.5


def test_https_verified_by_the_configured_ca_reports_the_expiry(
    certificates: Certificates,
) -> None:
    with http_service(certificates.valid) as address:
        config = check(
            type="http",
            target=f"https://{address}/health",
            tls_config={"ca_file": str(certificates.ca.cert_file)},
        )
        result = run_check(config, time.time())
    assert result.success, result.error
    assert result.metrics["probe_http_ssl"] == 1.0
    expiry = result.metrics["probe_ssl_earliest_cert_expiry"]
    assert expiry == certificates.valid.not_after.timestamp()


@pytest.mark.parametrize(
    ("which", "reason"),
    [("self_signed", "self-signed certificate"), ("expired", "certificate has expired")],
)
def test_https_bad_certificates_fail_unless_verification_is_off(
    certificates: Certificates, which: str, reason: str
) -> None:
    cert = getattr(certificates, which)
    with http_service(cert) as address:
        url = f"https://{address}/health"
        tls = {"ca_file": str(certificates.ca.cert_file)}
        refused = run_check(check(type="http", target=url, tls_config=tls), time.time())
        skipped = run_check(
            check(type="http", target=url, tls_config={"insecure_skip_verify": True}),
            time.time(),
        )
    assert not refused.success
    assert refused.error is not None and reason in refused.error
    assert skipped.success, skipped.error
    assert skipped.metrics["probe_ssl_earliest_cert_expiry"] == cert.not_after.timestamp()
