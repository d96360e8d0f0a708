"""Facts about a peer's TLS certificate that probes report: when it expires.

Python 3.11's ``ssl`` hands out only the leaf certificate of a connection, so
``probe_ssl_earliest_cert_expiry`` is the leaf's ``notAfter`` (blackbox_exporter
takes the earliest in the chain; the leaf is nearly always that one).
"""

from __future__ import annotations

SECONDS_PER_DAY = 86400.0


def certificate_expiry(der: bytes) -> float:
    """The ``notAfter`` of a DER certificate, as Unix seconds."""
    from cryptography import x509  # only when a certificate is read: a heavy import

    return x509.load_der_x509_certificate(der).not_valid_after_utc.timestamp()


def days_left(expiry: float, now: float) -> float:
    return (expiry - now) / SECONDS_PER_DAY
