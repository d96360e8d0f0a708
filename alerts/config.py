"""The `alerting:` section of vigil.yml, in Alertmanager's configuration format.

Routes, inhibit rules and time intervals are typed and checked here, so a
mistake (a bad matcher, an unknown time interval, a zero repeat_interval) is
reported at its line when the file is loaded. Receiver names are checked
across sections by ``console.config``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from alerts.matchers import MatcherLine
from alerts.timeintervals import NamedTimeInterval, TimeInterval
from promql.matchers import InvalidRegexError, compile_regex
from store.configfile import ConfigModel, Duration

GROUP_BY_ALL = "..."

Path = tuple[str | int, ...]


class WebhookConfig(ConfigModel):
    url: str = Field(min_length=1)
    send_resolved: bool = True
    max_alerts: int = Field(default=0, ge=0)
    timeout: Duration = Field(default=10.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)
    hmac_secret: SecretStr | None = None
    """Signs each body (X-Vigil-Signature); see docs/webhooks.md."""
    hmac_secret_file: str | None = None
    """The same, read from a file on every delivery so a rotated secret takes effect."""

    @model_validator(mode="after")
    def _one_secret(self) -> WebhookConfig:
        if self.hmac_secret is not None and self.hmac_secret_file is not None:
            raise ValueError("at most one of hmac_secret and hmac_secret_file")
        return self


class ReceiverConfig(ConfigModel):
    name: str = Field(min_length=1)
    webhook_configs: list[WebhookConfig] = Field(default_factory=list)


def _check_regexes(value: dict[str, str]) -> dict[str, str]:
    for pattern in value.values():
        try:
            compile_regex(pattern)
        except InvalidRegexError as error:
            raise ValueError(str(error)) from None
    return value


class RouteConfig(ConfigModel):
    """A node of the routing tree; unset options are inherited from the parent."""

    receiver: str | None = None
    group_by: list[str] | None = None
    group_wait: Duration | None = Field(default=None, ge=0)
    group_interval: Duration | None = Field(default=None, gt=0)
    repeat_interval: Duration | None = Field(default=None, gt=0)
    matchers: list[MatcherLine] = Field(default_factory=list)
    match: dict[str, str] = Field(default_factory=dict)
    """Deprecated in Alertmanager (equality matchers); accepted for existing configs."""
    match_re: dict[str, str] = Field(default_factory=dict)
    """Deprecated in Alertmanager (anchored regex matchers)."""
    mute_time_intervals: list[str] = Field(default_factory=list)
    active_time_intervals: list[str] = Field(default_factory=list)
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteConfig] = Field(default_factory=list)

    _check_match_re = field_validator("match_re")(_check_regexes)

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if GROUP_BY_ALL in value and len(value) > 1:
            raise ValueError("cannot have wildcard group_by (`...`) and other labels together")
        for index, name in enumerate(value):
            if name in value[:index]:
                raise ValueError(f'duplicated label "{name}" in group_by')
        return value


class InhibitRuleConfig(ConfigModel):
    """Mute target alerts while a source alert fires with the same ``equal`` labels."""

    name: str = ""
    source_matchers: list[MatcherLine] = Field(default_factory=list)
    target_matchers: list[MatcherLine] = Field(default_factory=list)
    source_match: dict[str, str] = Field(default_factory=dict)
    source_match_re: dict[str, str] = Field(default_factory=dict)
    target_match: dict[str, str] = Field(default_factory=dict)
    target_match_re: dict[str, str] = Field(default_factory=dict)
    equal: list[str] = Field(default_factory=list)

    _check_res = field_validator("source_match_re", "target_match_re")(_check_regexes)


def _problem(path: Path, message: str) -> InitErrorDetails:
    return InitErrorDetails(
        type=PydanticCustomError("alerting_reference", message), loc=path, input=None
    )


def _route_problems(route: RouteConfig, names: set[str], path: Path) -> Iterator[InitErrorDetails]:
    for key in ("mute_time_intervals", "active_time_intervals"):
        for index, name in enumerate(getattr(route, key)):
            if name not in names:
                yield _problem((*path, key, index), f'time interval "{name}" is not defined')
    for index, child in enumerate(route.routes):
        yield from _route_problems(child, names, (*path, "routes", index))


class AlertingConfig(ConfigModel):
    route: RouteConfig = Field(default_factory=RouteConfig)
    receivers: list[ReceiverConfig] = Field(default_factory=list)
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list)
    time_intervals: list[NamedTimeInterval] = Field(default_factory=list)
    mute_time_intervals: list[NamedTimeInterval] = Field(default_factory=list)
    """Alertmanager's older name for ``time_intervals``; both may be used."""
    delivery_attempts: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _references(self) -> AlertingConfig:
        """Names that must exist or be unique, each reported at its own path."""
        problems: list[InitErrorDetails] = []
        seen: set[str] = set()
        for key in ("time_intervals", "mute_time_intervals"):
            for index, interval in enumerate(getattr(self, key)):
                if interval.name in seen:
                    message = f'time interval "{interval.name}" is not unique'
                    problems.append(_problem((key, index, "name"), message))
                seen.add(interval.name)
        receivers: set[str] = set()
        for index, receiver in enumerate(self.receivers):
            if receiver.name in receivers:
                message = f'receiver "{receiver.name}" is not unique'
                problems.append(_problem(("receivers", index, "name"), message))
            receivers.add(receiver.name)
        root = self.route
        for key in ("matchers", "match", "match_re"):
            if getattr(root, key):
                problems.append(_problem(("route", key), "the root route must not have matchers"))
        for key in ("mute_time_intervals", "active_time_intervals"):
            if getattr(root, key):
                problems.append(_problem(("route", key), f"the root route must not have {key}"))
        problems.extend(_route_problems(root, seen, ("route",)))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def named_time_intervals(self) -> dict[str, list[TimeInterval]]:
        """Every named interval, both spellings together (names are unique)."""
        return {n.name: n.time_intervals for n in [*self.time_intervals, *self.mute_time_intervals]}
