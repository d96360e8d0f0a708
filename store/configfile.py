"""Load YAML files into typed, frozen models, reporting every problem at file:line: key.

Every file Vigil reads (vigil.yml, rule files, dashboards, file_sd targets)
goes through here so that a user always sees the same kind of error:
``vigil.yml:14: scrape_configs[0].scrape_interval: "5x" is not a duration``.
PyYAML composes the node tree (which knows its lines), pydantic does the typing.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, ValidationError

from promql.durations import DurationError, format_duration, parse_duration

PathKey = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)

_ENV_REFERENCE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigModel(BaseModel):
    """Base for every configuration model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


def _to_seconds(value: object) -> object:
    if isinstance(value, str):
        try:
            return parse_duration(value)
        except DurationError as error:
            raise ValueError(str(error)) from None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    return value


Duration = Annotated[
    float,
    BeforeValidator(_to_seconds),
    PlainSerializer(format_duration, return_type=str),
]
"""Seconds, written in YAML as a Prometheus duration (``15s``, ``1h30m``)."""


_SIZE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$")
_SIZE_UNITS: dict[str | None, int] = {None: 1, "B": 1}
for _power, _prefix in enumerate(("K", "M", "G", "T"), start=1):
    _SIZE_UNITS[f"{_prefix}B"] = _SIZE_UNITS[f"{_prefix}iB"] = 1024**_power


def _to_bytes(value: object) -> object:
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match is None:
            raise ValueError(f'"{value}" is not a size (like 10MB; units are powers of 1024)')
        return int(match.group(1)) * _SIZE_UNITS[match.group(2)]
    return value


ByteSize = Annotated[int, BeforeValidator(_to_bytes)]
"""Bytes, written as a number or with a unit as Prometheus does (``10MB`` = 10 MiB)."""


def format_path(path: Sequence[str | int]) -> str:
    """Render a key path as users write it: ``scrape_configs[0].static_configs``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{location}: {self.path}: {self.message}"
            if self.path
            else (f"{location}: {self.message}")
        )


class ConfigError(Exception):
    """A file (or several) that cannot be used; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class YamlDocument:
    """Plain data from a YAML file plus the line of every key path in it."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    """Problems found while reading (undefined variables, duplicate keys)."""

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest part of ``path`` that exists in the file."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        return Problem(self.file, self.line_of(path), format_path(path), message)


def read_yaml(
    path: str | Path, *, environ: Mapping[str, str] | None = None, text: str | None = None
) -> YamlDocument:
    """Parse a YAML file, interpolating ``${VAR}`` from the environment in string values.

    ``$$`` stands for a literal ``$``. An undefined variable is an error at its line.
    """
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError([Problem(name, None, "", error.strerror or str(error))]) from None
        except UnicodeDecodeError as error:
            raise ConfigError([Problem(name, None, "", f"not UTF-8 text: {error}")]) from None
    builder = _DocumentBuilder(name, os.environ if environ is None else environ)
    document = YamlDocument(name, None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:  # building meets tags (!!python/...) and merges it cannot construct
            document.data = builder.build(node, (), document.lines)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise ConfigError([Problem(name, line, "", f"invalid YAML: {error.problem}")]) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(name, None, "", f"invalid YAML: {error}")]) from None
    except RecursionError:
        raise ConfigError([Problem(name, None, "", "invalid YAML: nested too deeply")]) from None
    document.problems.extend(builder.problems)
    return document


def validate_model(document: YamlDocument, model: type[ModelT]) -> ModelT:
    """Type the document's data; raise every reading and typing problem at once."""
    data = {} if document.data is None else document.data
    problems = list(document.problems)
    try:
        typed = model.model_validate(data)
    except ValidationError as error:
        problems.extend(_problems_from_validation(document, error))
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return typed


def _problems_from_validation(document: YamlDocument, error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        path = _data_path(document, detail["loc"])
        message = _friendly_message(detail)
        problems.append(document.problem(path, message))
    return problems


def _data_path(document: YamlDocument, loc: tuple[int | str, ...]) -> list[str | int]:
    """Drop the parts of a pydantic location that are union tags, not keys in the file."""
    path: list[str | int] = []
    node: Any = document.data
    for part in loc:
        if _has_key(node, part):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict | list):
            # A tag inserted by pydantic (a union member's name): skip it; a missing
            # or unknown key still names its own path.
            if isinstance(part, str) and not _is_union_tag(part):
                path.append(part)
                node = None
        else:
            break
    return path


def _has_key(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _is_union_tag(part: str) -> bool:
    return part.startswith(("function-", "tagged-union[")) or "[" in part


def _friendly_message(detail: Any) -> str:
    kind = detail["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "is required"
    message = str(detail["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    value = detail.get("input")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return f"{_quote(value)}: {message[0].lower()}{message[1:]}"
    return message[0].lower() + message[1:]


def _quote(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 128:  # repr() refuses past 4300 digits
        return f"a {value.bit_length()}-bit number"
    return f'"{value}"' if isinstance(value, str) else repr(value)


class _DocumentBuilder:
    """Turns a composed YAML node tree into plain data, remembering lines."""

    def __init__(self, file: str, environ: Mapping[str, str]) -> None:
        self.file = file
        self.environ = environ
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def build(self, node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> Any:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self._constructor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self._construct(key_node)
                if not isinstance(key, str | int | float | bool) or key is None:
                    self._report(key_node, path, "mapping keys must be scalars")
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in result:
                    self._report(key_node, (*path, key), "duplicate key")
                    continue
                result[key] = self.build(value_node, (*path, key), lines)
                lines[(*path, key)] = key_node.start_mark.line + 1
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, index), lines) for index, item in enumerate(node.value)
            ]
        value = self._construct(node)
        if isinstance(value, str):
            return self._interpolate(value, node, path)
        return value

    def _construct(self, node: yaml.Node) -> Any:
        """A scalar's value; PyYAML's constructors raise plain ValueErrors on bad
        timestamps (2001-99-14), floats (!!float abc) or 5000-digit integers."""
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as error:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r:.40}: {error}", node.start_mark
            ) from None

    def _interpolate(self, value: str, node: yaml.Node, path: PathKey) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name is None:
                return "$"
            if name not in self.environ:
                self._report(node, path, f"environment variable {name} is not set")
                return ""
            return self.environ[name]

        return _ENV_REFERENCE.sub(replace, value)

    def _report(self, node: yaml.Node, path: PathKey, message: str) -> None:
        self.problems.append(
            Problem(self.file, node.start_mark.line + 1, format_path(path), message)
        )
