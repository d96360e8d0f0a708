"""Scraping over HTTPS with a self-signed certificate, basic auth and bearer tokens."""

from __future__ import annotations

import base64
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from collectors.config import ScrapeConfig
from collectors.scrape import RequestsFetcher, ScrapeResult, scrape_target
from collectors.targets import targets_from_config

SERVER_NAME = "metrics.internal"  # the certificate is for this name, not for 127.0.0.1
BASIC = "Basic " + base64.b64encode(b"vigil:s3cret-pw").decode()
BEARER = "Bearer t0ken-value"


class Guarded(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        wanted = {"/basic": BASIC, "/bearer": BEARER}.get(self.path)
        if wanted is not None and self.headers.get("Authorization") != wanted:
            body, status = b"unauthorized", 401
        else:
            body, status = b"secured 1\n", 200
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={SERVER_NAME}",
         "-addext", f"subjectAltName=DNS:{SERVER_NAME}",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def https_server(certificate: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Guarded)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def scrape(address: str, base_dir: Path, path: str = "/metrics", **options: Any) -> ScrapeResult:
    config = ScrapeConfig.model_validate(
        {"job_name": "secure", "scheme": "https", "metrics_path": path,
         "scrape_interval": "2s", "scrape_timeout": "2s",
         "static_configs": [{"targets": [address]}], **options}
    )  # fmt: skip
    (target,) = targets_from_config(config, 15.0, 10.0, base_dir=base_dir)
    fetcher = RequestsFetcher(client=target.http_client)
    try:
        return scrape_target(target, fetcher, 1.0)
    finally:
        fetcher.close()


def test_a_self_signed_certificate_is_refused_without_its_ca(
    https_server: str, certificate: Path
) -> None:
    result = scrape(https_server, certificate)
    assert result.error is not None and "CERTIFICATE_VERIFY_FAILED" in result.error


def test_the_ca_file_and_server_name_make_the_certificate_trusted(
    https_server: str, certificate: Path
) -> None:
    tls = {"ca_file": "cert.pem"}  # relative to the configuration file's folder
    mismatch = scrape(https_server, certificate, tls_config=tls)
    assert mismatch.error is not None and "CERTIFICATE_VERIFY_FAILED" in mismatch.error
    trusted = scrape(https_server, certificate, tls_config={**tls, "server_name": SERVER_NAME})
    assert trusted.error is None
    assert any(dict(labels)["__name__"] == "secured" for labels, _, _ in trusted.samples)


def test_insecure_skip_verify_accepts_any_certificate(https_server: str, certificate: Path) -> None:
    result = scrape(https_server, certificate, tls_config={"insecure_skip_verify": True})
    assert result.error is None


def test_basic_auth_with_a_password_file_and_bearer_credentials_reach_the_server(
    https_server: str, certificate: Path
) -> None:
    (certificate / "password").write_text("s3cret-pw\n")
    tls = {"insecure_skip_verify": True}
    basic = {"username": "vigil", "password_file": "password"}
    assert scrape(https_server, certificate, "/basic", tls_config=tls, basic_auth=basic).up
    wrong = scrape(https_server, certificate, "/basic", tls_config=tls,
                   basic_auth={"username": "vigil", "password": "nope"})  # fmt: skip
    assert wrong.error == "server returned HTTP status 401 Unauthorized"
    bearer = {"credentials": "t0ken-value"}
    assert scrape(https_server, certificate, "/bearer", tls_config=tls, authorization=bearer).up
    assert not scrape(https_server, certificate, "/bearer", tls_config=tls).up


def test_a_missing_secret_file_fails_the_scrape_naming_the_file(
    https_server: str, certificate: Path
) -> None:
    result = scrape(https_server, certificate, "/bearer", tls_config={"insecure_skip_verify": True},
                    authorization={"credentials_file": "absent"})  # fmt: skip
    assert result.error is not None
    assert f"unable to read authorization credentials file {certificate / 'absent'}" in result.error


def test_secrets_never_show_in_repr_str_dumps_or_errors() -> None:
    config = ScrapeConfig.model_validate(
        {"job_name": "j", "basic_auth": {"username": "u", "password": "hunter2-secret"}}
    )
    assert "hunter2-secret" not in repr(config) + str(config) + config.model_dump_json()
    assert "hunter2-secret" not in repr(config.http_client())
    for bad in (
        {"basic_auth": {"password": ["hunter2-secret"]}},
        {"basic_auth": {"password": "hunter2-secret", "password_file": "f"}},
        {"authorization": {"credentials": "hunter2-secret", "type": "Basic"}},
    ):
        with pytest.raises(ValidationError) as caught:
            ScrapeConfig.model_validate({"job_name": "j", **bad})
        assert "hunter2-secret" not in str(caught.value)
