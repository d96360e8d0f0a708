"""Fixtures of the check tests: a plain HTTP service and a CA with the certificates it signs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.certificates import CertFiles, make_ca, make_leaf
from tests.integration.checks.servers import http_service


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    with http_service() as address:
        yield address


@dataclass(frozen=True)
class Certificates:
    ca: CertFiles
    valid: CertFiles
    """Signed by the CA, 90 days left."""
    expiring: CertFiles
    """Signed by the CA, 10 days left."""
    expired: CertFiles
    """Signed by the CA, expired two days ago."""
    self_signed: CertFiles


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    directory: Path = tmp_path_factory.mktemp("certs")
    ca, ca_cert, ca_key = make_ca(directory)
    issuer = (ca_cert, ca_key)
    return Certificates(
        ca=ca,
        valid=make_leaf(directory, "valid", issuer=issuer, days_valid=90),
        expiring=make_leaf(directory, "expiring", issuer=issuer, days_valid=10),
        expired=make_leaf(directory, "expired", issuer=issuer, days_valid=-2, days_ago_issued=30),
        self_signed=make_leaf(directory, "self", issuer=None, days_valid=90),
    )
