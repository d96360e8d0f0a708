"""Prometheus relabelling (``relabel_configs``, ``metric_relabel_configs``) as a pure function.

Semantics follow Prometheus's ``model/relabel/relabel.go``: regexes are RE2,
anchored at both ends; ``$1``, ``${1}`` and ``$name`` expand like Go's
``Regexp.Expand``; setting a label to "" deletes it; ``labelmap``,
``labeldrop`` and ``labelkeep`` walk a snapshot of the labels as they were
when the rule started. Label names are checked against the legacy charset
(``[a-zA-Z_][a-zA-Z0-9_]*``), as Vigil does not store UTF-8 names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator

from promql.labels import Labels
from promql.matchers import InvalidRegexError, compile_regex
from store.configfile import ConfigModel

Action = Literal[
    "replace", "keep", "drop", "keepequal", "dropequal", "hashmod",
    "labelmap", "labeldrop", "labelkeep", "lowercase", "uppercase",
]  # fmt: skip
ACTIONS: tuple[str, ...] = get_args(Action)
DEFAULT_REGEX = "(.*)"
DEFAULT_REPLACEMENT = "$1"

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Prometheus's relabelTargetLegacy, rewritten without nested quantifiers (same language):
# a letter, "_" or a $var first, then word characters and $vars.
_VAR = r"\$(?:\{[0-9A-Za-z_]+\}|[0-9A-Za-z_]+)"
_TEMPLATED_LABEL_NAME = re.compile(rf"(?:[a-zA-Z_]|{_VAR})(?:[0-9A-Za-z_]|{_VAR})*")
_TARGET_REQUIRED = frozenset(
    ("replace", "hashmod", "lowercase", "uppercase", "keepequal", "dropequal")
)


def is_label_name(name: str) -> bool:
    return _LABEL_NAME.fullmatch(name) is not None


def _action(value: object) -> object:
    if isinstance(value, str):
        action = value.lower()
        if action not in ACTIONS:
            raise ValueError(f'unknown relabel action "{value}"')
        return action
    return value


def _regex(value: object) -> object:
    return "" if value is None else value


class RelabelConfig(ConfigModel):
    """One relabelling rule, validated as Prometheus validates it."""

    source_labels: tuple[str, ...] = ()
    separator: str = ";"
    target_label: str = ""
    regex: Annotated[str, BeforeValidator(_regex)] = DEFAULT_REGEX
    modulus: int = Field(default=0, ge=0, lt=2**64)
    replacement: str = DEFAULT_REPLACEMENT
    action: Annotated[Action, BeforeValidator(_action)] = "replace"
    _pattern: re.Pattern[str] = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        self._pattern = compile_regex(self.regex)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled regex; use ``fullmatch`` (the regex is anchored)."""
        return self._pattern

    @field_validator("source_labels")
    @classmethod
    def _valid_names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not is_label_name(name):
                raise ValueError(f'"{name}" is not a valid label name')
        return names

    @field_validator("regex")
    @classmethod
    def _compiles(cls, regex: str) -> str:
        try:
            compile_regex(regex)
        except InvalidRegexError as error:
            raise ValueError(str(error)) from None
        return regex

    @model_validator(mode="after")
    def _fits_the_action(self) -> RelabelConfig:
        problem = _config_problem(self)
        if problem:
            raise ValueError(problem)
        return self


def _config_problem(config: RelabelConfig) -> str | None:
    action, target = config.action, config.target_label
    if action == "hashmod" and config.modulus == 0:
        return "relabel configuration for hashmod requires non-zero modulus"
    if action in _TARGET_REQUIRED and not target:
        return f"relabel configuration for {action} action requires 'target_label' value"
    templated = "$" in target
    if action == "replace" and not (
        _TEMPLATED_LABEL_NAME.fullmatch(target) if templated else is_label_name(target)
    ):
        return f"\"{target}\" is invalid 'target_label' for {action} action"
    fixed_target = ("lowercase", "uppercase", "keepequal", "dropequal", "hashmod")
    if action in fixed_target and not is_label_name(target):
        return f"\"{target}\" is invalid 'target_label' for {action} action"
    if action in fixed_target[:4] and config.replacement != DEFAULT_REPLACEMENT:
        return f"'replacement' can not be set for {action} action"
    if action == "labelmap" and not _TEMPLATED_LABEL_NAME.fullmatch(config.replacement):
        return f"\"{config.replacement}\" is invalid 'replacement' for {action} action"
    if action in ("keepequal", "dropequal") and (
        "regex" in config.model_fields_set
        or config.modulus
        or config.separator != ";"
        or config.replacement != DEFAULT_REPLACEMENT
    ):
        return (
            f"{action} action requires only 'source_labels' and `target_label`, and no other fields"
        )
    if action in ("labeldrop", "labelkeep") and (
        "source_labels" in config.model_fields_set
        or target
        or config.modulus
        or config.separator != ";"
        or config.replacement != DEFAULT_REPLACEMENT
    ):
        return f"{action} action requires only 'regex', and no other fields"
    return None


class _Builder:
    """Prometheus's labels.Builder: a set label moves to the end, as in Go's ``add`` list."""

    def __init__(self, labels: Iterable[tuple[str, str]]) -> None:
        self.labels = {name: value for name, value in sorted(labels) if value != ""}
        self._touched: set[str] = set()

    def get(self, name: str) -> str:
        return self.labels.get(name, "")

    def set(self, name: str, value: str) -> None:
        if value == "":
            self.delete(name)
        elif name in self._touched:
            self.labels[name] = value
        else:
            self.labels.pop(name, None)
            self.labels[name] = value
            self._touched.add(name)

    def delete(self, name: str) -> None:
        self.labels.pop(name, None)
        self._touched.discard(name)


def relabel(labels: Mapping[str, str] | Labels, configs: Sequence[RelabelConfig]) -> Labels | None:
    """Apply the rules in order; None when one of them drops the label set."""
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    builder = _Builder(pairs)
    for config in configs:
        if not _apply(config, builder):
            return None
    return tuple(sorted(builder.labels.items()))


def _apply(config: RelabelConfig, builder: _Builder) -> bool:
    action = config.action
    value = config.separator.join(builder.get(name) for name in config.source_labels)
    pattern = config.pattern
    if action == "drop":
        return pattern.fullmatch(value) is None
    if action == "keep":
        return pattern.fullmatch(value) is not None
    if action == "dropequal":
        return builder.get(config.target_label) != value
    if action == "keepequal":
        return builder.get(config.target_label) == value
    if action == "replace":
        match = pattern.fullmatch(value)
        if match is not None:
            target = expand(config.target_label, match)
            if is_label_name(target):
                builder.set(target, expand(config.replacement, match))
    elif action == "lowercase":
        builder.set(config.target_label, value.lower())
    elif action == "uppercase":
        builder.set(config.target_label, value.upper())
    elif action == "hashmod":
        digest = hashlib.md5(value.encode(), usedforsecurity=False).digest()
        builder.set(config.target_label, str(int.from_bytes(digest[8:], "big") % config.modulus))
    elif action == "labelmap":
        for name, label_value in list(builder.labels.items()):
            match = pattern.fullmatch(name)
            if match is not None:
                builder.set(expand(config.replacement, match), label_value)
    elif action in ("labeldrop", "labelkeep"):
        drop_matching = action == "labeldrop"
        for name in list(builder.labels):
            if (pattern.fullmatch(name) is not None) == drop_matching:
                builder.delete(name)
    return True


def expand(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``; ``$$`` is ``$``.

    A reference to a group that does not exist or did not take part is "";
    a ``$`` that starts no valid reference stays as it is.
    """
    if "$" not in template:
        return template
    out: list[str] = []
    rest = template
    while True:
        before, dollar, rest = rest.partition("$")
        out.append(before)
        if not dollar:
            return "".join(out)
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        reference = _reference(rest)
        if reference is None:
            out.append("$")
            continue
        name, rest = reference
        out.append(_group(match, name))


def _reference(text: str) -> tuple[str, str] | None:
    """The name after a ``$`` and the text after it, or None when malformed."""
    brace = text.startswith("{")
    body = text[1:] if brace else text
    end = 0
    while end < len(body) and (body[end].isalpha() or body[end].isdecimal() or body[end] == "_"):
        end += 1
    if end == 0:
        return None
    if brace:
        if not body.startswith("}", end):
            return None
        return body[:end], body[end + 1 :]
    return body[:end], body[end:]


def _group(match: re.Match[str], name: str) -> str:
    if name.isascii() and name.isdigit():
        if (len(name) > 1 and name[0] == "0") or len(name) > 8:
            return ""
        index = int(name)
        if index > (match.re.groups or 0):
            return ""
        return match.group(index) or ""
    if name in match.re.groupindex:
        return match.group(name) or ""
    return ""
