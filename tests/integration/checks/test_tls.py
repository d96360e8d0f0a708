"""The tls check against real TLS servers with certificates made in the test."""

from __future__ import annotations

import time

from collectors.check_loop import probe_samples
from collectors.checks import run_check
from promql.labels import make_labels
from tests.integration.checks.conftest import Certificates
from tests.integration.checks.servers import http_service
from tests.integration.checks.support import check, closed_port, silent_listener


def test_a_valid_certificate_reports_expiry_and_version(certificates: Certificates) -> None:
    with http_service(certificates.valid) as address:
        config = check(
            type="tls", target=address, ca_file=str(certificates.ca.cert_file), min_days_left=30
        )
        result = run_check(config, time.time())
    assert result.success, result.error
    assert result.metrics["probe_ssl_earliest_cert_expiry"] == (
        certificates.valid.not_after.timestamp()
    )
    assert result.metrics["probe_tls_version_info"] == 1.0
    samples = probe_samples(config, result, 100.0)
    version = [labels for labels, _, _ in samples if "probe_tls_version_info" in str(labels)]
    assert version == [
        make_labels(
            {
                "__name__": "probe_tls_version_info",
                "check": "c",
                "instance": address,
                "job": "vigil_health_checks",
                "version": "TLS 1.3",
            }
        )
    ]


def test_fewer_days_left_than_asked_fails(certificates: Certificates) -> None:
    with http_service(certificates.expiring) as address:
        config = check(
            type="tls", target=address, ca_file=str(certificates.ca.cert_file), min_days_left=30
        )
        result = run_check(config, time.time())
    assert not result.success
    assert result.error is not None and "fewer than min_days_left 30" in result.error
    assert result.metrics["probe_ssl_earliest_cert_expiry"] == (
        certificates.expiring.not_after.timestamp()
    )


def test_self_signed_and_expired_fail_verification(certificates: Certificates) -> None:
    ca = str(certificates.ca.cert_file)
    with http_service(certificates.self_signed) as address:
        address_of_self = address
        self_signed = run_check(check(type="tls", target=address, ca_file=ca), time.time())
        skipped = run_check(
            check(type="tls", target=address, insecure_skip_verify=True), time.time()
        )
    with http_service(certificates.expired) as address:
        expired = run_check(check(type="tls", target=address, ca_file=ca), time.time())
    assert not self_signed.success
    verify_failed = "certificate verify failed: self-signed certificate"
    assert self_signed.error == f"{address_of_self}: {verify_failed}"
    assert not expired.success
    assert expired.error is not None and "certificate has expired" in expired.error
    assert skipped.success
    assert skipped.metrics["probe_ssl_earliest_cert_expiry"] > time.time()


def test_a_wrong_server_name_fails(certificates: Certificates) -> None:
    with http_service(certificates.valid) as address:
        config = check(
            type="tls",
            target=address,
            ca_file=str(certificates.ca.cert_file),
            server_name="db.example.org",
        )
        result = run_check(config, time.time())
    assert not result.success
    assert result.error is not None and "db.example.org" in result.error


def test_refused_and_timeout() -> None:
    refused = run_check(check(type="tls", target=f"127.0.0.1:{closed_port()}"), 0.0)
    assert not refused.success and refused.error is not None
    assert "refused" in refused.error.lower()
    with silent_listener() as address:
        silent = run_check(check(type="tls", target=address), 0.0)
    assert not silent.success and silent.error == f"{address}: timeout"
