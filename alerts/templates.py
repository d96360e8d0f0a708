"""A small subset of Prometheus's alert templates (Go text/template), checked at load time.

Supported: text, ``{{ $labels.name }}``, ``{{ $externalLabels.name }}``,
``{{ $value }}``, ``{{ $externalURL }}`` (and their ``.Labels``/``$.Labels``
spellings), string and number literals, pipelines into the functions in
``FUNCTIONS`` (``{{ $value | humanize }}`` or ``{{ humanize $value }}``), trim
markers ``{{-``/``-}}`` and comments. Anything else (``if``, ``range``,
``printf``, ``query``...) is a ``TemplateError`` from ``parse_template`` so a
rule file using it is rejected by ``vigil check rules`` rather than rendering
garbage at 3 a.m. Output matches Go's formatting (``1e+06``, ``<no value>``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from alerts import AlertsError

NO_VALUE = "<no value>"


class TemplateError(AlertsError):
    """A template that cannot be parsed, or a value a function cannot handle."""


@dataclass(frozen=True)
class TemplateData:
    """What an alert template can see, as Prometheus's ``AlertTemplateData``."""

    labels: Mapping[str, str] = field(default_factory=dict)
    value: float = 0.0
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""


Value = str | float | Mapping[str, str] | None


def format_go_float(value: float) -> str:
    """Go's ``%v`` for a float64: shortest digits, exponent when < 1e-4 or >= 1e6."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    digits = list(digit_tuple)
    while len(digits) > 1 and digits[-1] == 0:
        digits.pop()
        exponent += 1
    text = "".join(str(d) for d in digits)
    point = len(digits) + exponent  # position of the decimal point in ``text``
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def _go_g4(value: float, suffix: str = "") -> str:
    if math.isnan(value) or math.isinf(value):
        return format_go_float(value) + suffix
    return f"{value:.4g}{suffix}"


def _to_float(value: Value) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise TemplateError(f"strconv.ParseFloat: parsing {value!r}: invalid syntax") from None
    raise TemplateError(f"cannot convert {_kind(value)} to a number")


def humanize(value: Value) -> str:
    """Prometheus ``humanize``: SI prefixes, four significant digits."""
    number = _to_float(value)
    if number == 0 or math.isnan(number) or math.isinf(number):
        return _go_g4(number)
    prefix = ""
    if abs(number) >= 1:
        for candidate in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(number) < 1000:
                break
            prefix, number = candidate, number / 1000
        return _go_g4(number, prefix)
    for candidate in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(number) >= 1:
            break
        prefix, number = candidate, number * 1000
    return _go_g4(number, prefix)


def humanize1024(value: Value) -> str:
    """Prometheus ``humanize1024``: binary prefixes (``ki``, ``Mi``...)."""
    number = _to_float(value)
    if abs(number) <= 1 or math.isnan(number) or math.isinf(number):
        return _go_g4(number)
    prefix = ""
    for candidate in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(number) < 1024:
            break
        prefix, number = candidate, number / 1024
    return _go_g4(number, prefix)


def humanize_percentage(value: Value) -> str:
    return _go_g4(_to_float(value) * 100, "%")


def _string_function(operation: Callable[[str], str]) -> Callable[[Value], str]:
    def apply(value: Value) -> str:
        if not isinstance(value, str):
            raise TemplateError(f"expected a string, got {_kind(value)}")
        return operation(value)

    return apply


FUNCTIONS: dict[str, Callable[[Value], str]] = {
    "humanize": humanize,
    "humanize1024": humanize1024,
    "humanizePercentage": humanize_percentage,
    "toUpper": _string_function(str.upper),
    "toLower": _string_function(str.lower),
}
"""Template functions by name; each takes the piped value. Add new ones here."""

_ROOTS: dict[str, str] = {
    "$labels": "labels",
    ".Labels": "labels",
    "$externalLabels": "external_labels",
    ".ExternalLabels": "external_labels",
    "$value": "value",
    ".Value": "value",
    "$externalURL": "external_url",
    ".ExternalURL": "external_url",
}
_MAPS = ("labels", "external_labels")
_KEYWORDS = frozenset(
    {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
)
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<raw>`[^`]*`)
    | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<pipe>\|)
    | (?P<path>\$?[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*|\$(?:\.[A-Za-z_]\w*)+|(?:\.[A-Za-z_]\w*)+|\$|\.)
    | (?P<other>\S)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Operand:
    root: str  # a key of TemplateData, or "literal"
    key: str | None = None  # the label name for map lookups
    literal: str | float | None = None


@dataclass(frozen=True)
class _Command:
    function: str | None
    args: tuple[_Operand, ...]


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and pipelines, ready to render many times."""

    source: str
    parts: tuple[str | tuple[_Command, ...], ...]

    def render(self, data: TemplateData) -> str:
        """Expand the template; a function failing on its input raises TemplateError."""
        out: list[str] = []
        for part in self.parts:
            out.append(part if isinstance(part, str) else _print(_run(part, data)))
        return "".join(out)


def parse_template(text: str) -> Template:
    """Parse ``text``, raising TemplateError for syntax this subset does not support."""
    parts: list[str | tuple[_Command, ...]] = []
    position = 0
    trim_next = False
    while True:
        start = text.find("{{", position)
        literal = text[position:] if start < 0 else text[position:start]
        if trim_next:
            literal = literal.lstrip()
        if start < 0:
            parts.append(literal)
            break
        inner_start = start + 2
        trim_left = text.startswith("- ", inner_start) or (
            text[inner_start : inner_start + 1] == "-"
            and text[inner_start + 1 : inner_start + 2] in ("\t", "\n", "\r")
        )
        if trim_left:
            literal = literal.rstrip()
            inner_start += 1
        parts.append(literal)
        end = _find_close(text, inner_start)
        inner = text[inner_start:end]
        trim_next = inner.endswith((" -", "\t-", "\n-", "\r-"))
        if trim_next:
            inner = inner[:-1]
        position = end + 2
        stripped = inner.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                raise TemplateError("unclosed comment")
            continue
        parts.append(_parse_pipeline(stripped))
    return Template(text, tuple(part for part in parts if part != ""))


def _find_close(text: str, start: int) -> int:
    quote: str | None = None
    index = start
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in '"`':
            quote = char
        elif text.startswith("}}", index):
            return index
        index += 1
    raise TemplateError("unclosed action: missing }}")


def _parse_pipeline(action: str) -> tuple[_Command, ...]:
    if not action:
        raise TemplateError("missing value for command")
    commands: list[_Command] = []
    words: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(action):
        kind = match.lastgroup
        assert kind is not None
        token = match.group(kind)
        if kind == "pipe":
            commands.append(_parse_command(words, first=not commands))
            words = []
        elif kind == "other":
            raise TemplateError(f"unsupported syntax {token!r} in {{{{ {action} }}}}")
        else:
            words.append((kind, token))
    commands.append(_parse_command(words, first=not commands))
    return tuple(commands)


def _parse_command(words: list[tuple[str, str]], *, first: bool) -> _Command:
    if not words:
        raise TemplateError("missing command in pipeline")
    kind, token = words[0]
    if kind == "path" and token[0] not in "$.":
        if token in _KEYWORDS:
            raise TemplateError(f'"{token}" is not supported yet')
        if token not in FUNCTIONS:
            raise TemplateError(f'function "{token}" not defined')
        args = tuple(_parse_operand(k, t) for k, t in words[1:])
        expected = 1 if first else 0
        if len(args) != expected:
            raise TemplateError(
                f"wrong number of args for {token}: want 1 got {len(args) + 1 - expected}"
            )
        return _Command(token, args)
    if not first:
        raise TemplateError(f"non executable command in pipeline stage 2: {token}")
    if len(words) > 1:
        raise TemplateError(f"can't give argument to non-function {token}")
    return _Command(None, (_parse_operand(kind, token),))


def _parse_operand(kind: str, token: str) -> _Operand:
    if kind == "string":
        return _Operand("literal", literal=_unquote(token))
    if kind == "raw":
        return _Operand("literal", literal=token[1:-1])
    if kind == "number":
        return _Operand("literal", literal=float(token))
    path = token[1:] if token.startswith("$.") else token
    for prefix, root in _ROOTS.items():
        if path == prefix or path.startswith(prefix + "."):
            rest = path[len(prefix) + 1 :].split(".") if path != prefix else []
            if root in _MAPS and len(rest) <= 1:
                return _Operand(root, key=rest[0] if rest else None)
            if not rest:
                return _Operand(root)
            field_name = rest[1] if root in _MAPS else rest[0]
            raise TemplateError(f"can't evaluate field {field_name} in {token}")
    if token.startswith("$") and token not in ("$",) and not token.startswith("$."):
        raise TemplateError(f"undefined variable: {token.split('.')[0]}")
    raise TemplateError(f"{token} is not supported yet")


def _unquote(token: str) -> str:
    body = token[1:-1]
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            index += 1
            if index >= len(body) or body[index] not in escapes:
                raise TemplateError(f"unsupported escape in {token}")
            char = escapes[body[index]]
        out.append(char)
        index += 1
    return "".join(out)


def _resolve(operand: _Operand, data: TemplateData) -> Value:
    if operand.root == "literal":
        return operand.literal
    if operand.root == "value":
        return float(data.value)
    if operand.root == "external_url":
        return data.external_url
    mapping = data.labels if operand.root == "labels" else data.external_labels
    return mapping if operand.key is None else mapping.get(operand.key)


def _run(commands: tuple[_Command, ...], data: TemplateData) -> Value:
    value: Value = None
    for index, command in enumerate(commands):
        args = [_resolve(arg, data) for arg in command.args]
        if command.function is None:
            value = args[0]
            continue
        if index > 0:
            args.append(value)
        value = FUNCTIONS[command.function](args[0])
    return value


def _print(value: Value) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, float):
        return format_go_float(value)
    if isinstance(value, str):
        return value
    return "map[" + " ".join(f"{key}:{value[key]}" for key in sorted(value)) + "]"


def _kind(value: Value) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, float):
        return "float64"
    return "string" if isinstance(value, str) else "map[string]string"


def expand(template: Template, data: TemplateData) -> str:
    """Render as Prometheus does at evaluation time: a failure becomes the text."""
    try:
        return template.render(data)
    except TemplateError as error:
        return f"<error expanding template: {error}>"
