"""Certificates made in the test: a CA, leaves it signs (valid or expired), a self-signed one."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_NOW = datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class CertFiles:
    cert_file: Path
    key_file: Path
    not_after: datetime.datetime


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(
    directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> CertFiles:
    cert_file, key_file = directory / f"{stem}.crt", directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return CertFiles(cert_file, key_file, cert.not_valid_after_utc)


def make_ca(directory: Path) -> tuple[CertFiles, x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Vigil test CA"))
        .issuer_name(_name("Vigil test CA"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - datetime.timedelta(days=30))
        .not_valid_after(_NOW + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return _write(directory, "ca", cert, key), cert, key


def make_leaf(
    directory: Path,
    stem: str,
    *,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    days_valid: float,
    days_ago_issued: float = 1.0,
) -> CertFiles:
    """A certificate for localhost and 127.0.0.1; self-signed when ``issuer`` is None.

    A negative ``days_valid`` makes it already expired.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name = issuer[0].subject if issuer else _name("localhost")
    signing_key = issuer[1] if issuer else key
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOW - datetime.timedelta(days=days_ago_issued))
        .not_valid_after(_NOW + datetime.timedelta(days=days_valid))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(signing_key, hashes.SHA256())
    )
    return _write(directory, stem, cert, key)
