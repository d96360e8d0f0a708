"""A ``POST /api/v2/silences`` body, bound and validated as go-swagger does before the handler.

Alertmanager decodes the body into ``models.PostableSilence`` (a body that is
not JSON, a value of the wrong JSON type or a time that is not a date-time
fails there: 400, code 400), then validates it (required fields in the
generated order ``comment``, ``createdBy``, ``endsAt``, ``matchers``,
``startsAt``; at least one matcher; each matcher's ``isRegex``, ``name``,
``value``: 422 with codes 602 and 612), and serves the first error found.
What the handler itself checks (times in order, a matcher that parses, one
that does not match everything) stays in ``alertmanager_silences``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from console.api.alertmanager_errors import TOO_FEW_ITEMS, Invalid, parse_failed, required

_TIME = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d+))?)?(Z|z|[+-]\d\d:?\d\d)?$"
)
_FIELDS: dict[str, tuple[type, str]] = {
    "id": (str, "string"),
    "comment": (str, "string"),
    "createdBy": (str, "string"),
    "startsAt": (str, "strfmt.DateTime"),
    "endsAt": (str, "strfmt.DateTime"),
    "matchers": (list, "models.Matchers"),
}
_MATCHER_FIELDS: dict[str, tuple[type, str]] = {
    "name": (str, "string"),
    "value": (str, "string"),
    "isRegex": (bool, "bool"),
    "isEqual": (bool, "bool"),
}


@dataclass(frozen=True)
class PostableSilence:
    id: str
    comment: str
    created_by: str
    starts_at: float
    ends_at: float
    matchers: list[dict[str, Any]]
    """As sent, each with ``name``, ``value`` and ``isRegex`` (``alerts.matchers`` reads them)."""


def parse_time(text: str) -> float:
    """A time as strfmt.ParseDateTime takes it: RFC 3339, seconds optional, no zone is UTC.

    Raises ValueError.
    """
    found = _TIME.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a date-time")
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    offset = timedelta()
    if zone and zone not in "Zz":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    moment = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
        tzinfo=timezone(offset),
    )  # fmt: skip
    return moment.timestamp() + (float("0." + fraction) if fraction else 0.0)


def bind_silence(raw: bytes) -> PostableSilence:
    """The silence in ``raw``, or ``Invalid`` with the error go-swagger would serve first."""
    if not raw.strip():
        raise required("silence")
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise parse_failed("silence", "body", f"invalid JSON: {error}") from None
    if body is None:
        raise required("silence")  # go-swagger reads a JSON null as no body at all
    _check_type(body, dict, "models.PostableSilence", "")
    for field, (kind, go_type) in _FIELDS.items():
        _check_type(body.get(field), kind, go_type, field)
    matchers = body.get("matchers")
    for index, item in enumerate(matchers or []):
        _check_type(item, dict, "models.Matcher", f"matchers.{index}")
        for field, (kind, go_type) in _MATCHER_FIELDS.items():
            _check_type((item or {}).get(field), kind, go_type, f"matchers.{index}.{field}")
    times = {field: _time(body.get(field), field) for field in ("startsAt", "endsAt")}
    _validate(body, matchers)
    return PostableSilence(
        id=body.get("id") or "",
        comment=body["comment"],
        created_by=body["createdBy"],
        starts_at=times["startsAt"],
        ends_at=times["endsAt"],
        matchers=matchers,
    )


def _check_type(value: object, kind: type, go_type: str, where: str) -> None:
    """What Go's JSON decoding refuses: a value of another JSON type (null is always fine)."""
    if value is None or isinstance(value, kind):
        return
    field = f" field PostableSilence.{where}" if where else ""
    raise parse_failed(
        "silence",
        "body",
        f"json: cannot unmarshal {_json_type(value)} into Go{field or ' value'} of type {go_type}",
    )


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _time(text: object, field: str) -> float:
    if text is None:
        return 0.0  # reported as required by _validate
    assert isinstance(text, str)
    try:
        return parse_time(text)
    except ValueError:
        raise parse_failed(
            "silence", "body", f"parsing time {json.dumps(text)}: not a date-time ({field})"
        ) from None


def _validate(body: dict[str, Any], matchers: list[Any] | None) -> None:
    for field in ("comment", "createdBy", "endsAt"):
        if body.get(field) is None:
            raise required(field)
    if matchers is None:
        raise required("matchers")
    if not matchers:
        raise Invalid(TOO_FEW_ITEMS, "matchers in body should have at least 1 items")
    for index, item in enumerate(matchers):
        for field in ("isRegex", "name", "value"):
            if item is not None and item.get(field) is None:
                raise required(f"matchers.{index}.{field}")
    if body.get("startsAt") is None:
        raise required("startsAt")
