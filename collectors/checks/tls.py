"""The ``tls`` check: a TLS handshake, and how many days the certificate has left."""

from __future__ import annotations

import socket
import ssl
from typing import TYPE_CHECKING

from pydantic import Field

from collectors.certificates import certificate_expiry, days_left
from collectors.checks.base import (
    CheckOptions,
    HostPortCheck,
    ProbeFailure,
    ProbeResult,
    split_host_port,
    timed_probe,
)

if TYPE_CHECKING:
    from collectors.config import HealthCheckConfig


class TlsOptions(CheckOptions):
    min_days_left: float = Field(default=0.0, ge=0)
    """Fail when the certificate expires in fewer days than this."""
    insecure_skip_verify: bool = False
    """Still report the expiry, without checking the chain or the name."""
    ca_file: str | None = None
    server_name: str | None = None
    """The name sent as SNI and checked against the certificate (default: the target's host)."""


def tls_context(ca_file: str | None, insecure_skip_verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    if insecure_skip_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class TlsCheck(HostPortCheck):
    """Overrides ``run``: its result carries the TLS version as a label and needs ``now``."""

    kind = "tls"
    options = TlsOptions

    def run(self, config: HealthCheckConfig, now: float) -> ProbeResult:
        options = config.options
        assert isinstance(options, TlsOptions)
        host, port = split_host_port(config.target, "tls")
        labels: dict[str, dict[str, str]] = {}

        def attempt() -> dict[str, float]:
            context = tls_context(options.ca_file, options.insecure_skip_verify)
            with (
                socket.create_connection((host, port), timeout=config.timeout) as raw,
                context.wrap_socket(raw, server_hostname=options.server_name or host) as sock,
            ):
                der = sock.getpeercert(binary_form=True)
                version = sock.version() or "unknown"
            if der is None:
                raise ProbeFailure("the server sent no certificate")
            expiry = certificate_expiry(der)
            labels["probe_tls_version_info"] = {"version": version.replace("v", " ")}
            metrics = {"probe_ssl_earliest_cert_expiry": expiry, "probe_tls_version_info": 1.0}
            left = days_left(expiry, now)
            if left < options.min_days_left:
                raise ProbeFailure(
                    f"certificate expires in {left:.1f} days, "
                    f"fewer than min_days_left {options.min_days_left:g}",
                    metrics,
                )
            return metrics

        return timed_probe(attempt, target=config.target, clock=self._clock, metric_labels=labels)
