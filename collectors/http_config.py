"""HTTP client settings of a scrape job, as in Prometheus's common ``http_config.go``.

``basic_auth``, ``authorization`` and ``tls_config`` are validated the way
Prometheus validates them. Secrets are ``SecretStr``: they print as
``**********`` in ``repr``, ``str`` and JSON dumps, and validation errors
never quote them, because the console shows the configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, SecretStr, model_validator

from store.configfile import ConfigModel


def _secret_text(value: object) -> object:
    """YAML may read a numeric password as a number; never echo it in an error."""
    if isinstance(value, SecretStr | str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError("must be a string")


Secret = Annotated[SecretStr, BeforeValidator(_secret_text)]


class _SecretModel(ConfigModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, hide_input_in_errors=True
    )


class BasicAuth(_SecretModel):
    username: str = ""
    username_file: str | None = None
    password: Secret | None = None
    password_file: str | None = None

    @model_validator(mode="after")
    def _one_source_each(self) -> BasicAuth:
        if self.username and self.username_file:
            raise ValueError(
                "at most one of basic_auth username, username_file & username_ref "
                "must be configured"
            )
        if self.password is not None and self.password.get_secret_value() and self.password_file:
            raise ValueError(
                "at most one of basic_auth password, password_file & password_ref "
                "must be configured"
            )
        return self


class Authorization(_SecretModel):
    type: str = "Bearer"
    credentials: Secret | None = None
    credentials_file: str | None = None

    @model_validator(mode="after")
    def _checked(self) -> Authorization:
        if self.credentials is not None and self.credentials_file:
            raise ValueError(
                "at most one of authorization credentials & credentials_file must be configured"
            )
        kind = self.type.strip() or "Bearer"
        if kind.lower() == "basic":
            raise ValueError(
                'authorization type cannot be set to "basic", use "basic_auth" instead'
            )
        object.__setattr__(self, "type", kind)
        return self


class TLSConfig(ConfigModel):
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    insecure_skip_verify: bool = False

    @model_validator(mode="after")
    def _cert_with_key(self) -> TLSConfig:
        if self.cert_file and not self.key_file:
            raise ValueError(
                "exactly one of key or key_file must be configured when a client "
                "certificate is configured"
            )
        if self.key_file and not self.cert_file:
            raise ValueError(
                "exactly one of cert or cert_file must be configured when a client key "
                "is configured"
            )
        return self


class HttpClientConfig(ConfigModel):
    """What a fetcher needs to reach a target: auth, TLS, redirects."""

    basic_auth: BasicAuth | None = None
    authorization: Authorization | None = None
    tls_config: TLSConfig = TLSConfig()
    follow_redirects: bool = True

    @model_validator(mode="after")
    def _one_auth(self) -> HttpClientConfig:
        if self.basic_auth is not None and self.authorization is not None:
            raise ValueError("at most one of basic_auth, oauth2 & authorization must be configured")
        return self

    def with_base_dir(self, base_dir: Path | None) -> HttpClientConfig:
        """A copy whose relative file names are relative to ``base_dir`` (the config file's)."""
        if base_dir is None:
            return self

        def join(name: str | None) -> str | None:
            return str(base_dir / name) if name and not Path(name).is_absolute() else name

        tls = self.tls_config.model_copy(
            update={
                "ca_file": join(self.tls_config.ca_file),
                "cert_file": join(self.tls_config.cert_file),
                "key_file": join(self.tls_config.key_file),
            }
        )
        basic = self.basic_auth
        if basic is not None:
            basic = basic.model_copy(
                update={
                    "password_file": join(basic.password_file),
                    "username_file": join(basic.username_file),
                }
            )
        authorization = self.authorization
        if authorization is not None:
            authorization = authorization.model_copy(
                update={"credentials_file": join(authorization.credentials_file)}
            )
        return self.model_copy(
            update={"tls_config": tls, "basic_auth": basic, "authorization": authorization}
        )
