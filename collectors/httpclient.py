"""Turn an ``HttpClientConfig`` into a requests session and per-request auth headers.

Secret files are read at every request, as Prometheus does, so a rotated
token is picked up without a reload. The session ignores proxy and ``.netrc``
settings from the environment: Prometheus does not use them by default either.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from collectors.http_config import HttpClientConfig
from collectors.httpfetch import FetchError

ReadFile = Callable[[str], str]


def read_secret_file(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


class _ServerNameAdapter(HTTPAdapter):
    """Sends ``server_name`` as SNI and checks the certificate against it."""

    def __init__(self, server_name: str) -> None:
        self._server_name = server_name
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._server_name
        kwargs["assert_hostname"] = self._server_name
        super().init_poolmanager(*args, **kwargs)


def client_session(config: HttpClientConfig | None) -> requests.Session:
    """A session that verifies, presents certificates and names the server as configured."""
    session = requests.Session()
    session.trust_env = False
    if config is None:
        return session
    tls = config.tls_config
    if tls.insecure_skip_verify:
        session.verify = False
        # The user asked for it in the configuration; one warning per request is noise.
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    elif tls.ca_file:
        session.verify = tls.ca_file
    if tls.cert_file and tls.key_file:
        session.cert = (tls.cert_file, tls.key_file)
    if tls.server_name:
        session.mount("https://", _ServerNameAdapter(tls.server_name))
    return session


def auth_headers(
    config: HttpClientConfig | None, read_file: ReadFile = read_secret_file
) -> Mapping[str, str]:
    """The ``Authorization`` header the config asks for (empty when none); raises FetchError."""
    if config is None:
        return {}
    if config.basic_auth is not None:
        basic = config.basic_auth
        username = _read(read_file, basic.username_file, "basic auth username")
        password = _read(read_file, basic.password_file, "basic auth password")
        if username is None:
            username = basic.username
        if password is None:
            password = basic.password.get_secret_value() if basic.password else ""
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}
    if config.authorization is not None:
        authorization = config.authorization
        credentials = _read(read_file, authorization.credentials_file, "authorization credentials")
        if credentials is None:
            secret = authorization.credentials
            credentials = secret.get_secret_value() if secret else ""
        return {"Authorization": f"{authorization.type} {credentials}"}
    return {}


def _read(read_file: ReadFile, path: str | None, what: str) -> str | None:
    if not path:
        return None
    try:
        return read_file(path)
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise FetchError(f"unable to read {what} file {path}: {reason}") from None
