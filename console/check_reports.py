"""What the API and the pages show of a health check: state, uptime, history, response time.

Built once here so ``/api/v1/checks``, the console pages and the public status
page agree; the public view is a separate, smaller shape that leaves out the
target and the error text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from store.checks import CheckEvent, CheckStatus, check_history, get_check, list_checks
from store.uptime import UPTIME_WINDOWS, uptime_ratio

HISTORY_LIMIT = 50
LONGEST_WINDOW = max(UPTIME_WINDOWS.values())


@dataclass(frozen=True)
class CheckReport:
    check: CheckStatus
    uptime: dict[str, float | None]
    """By window name (``24h``, ``7d``, ``30d``); None when the status was never known."""
    history: list[CheckEvent]
    """Status changes in the longest window (and the one before it), oldest first."""


def response_time_query(name: str) -> str:
    """PromQL for a check's response time (a JSON string is a valid PromQL string literal)."""
    return f"probe_duration_seconds{{check={json.dumps(name)}}}"


def _report(connection: Any, check: CheckStatus, now: float) -> CheckReport:
    history = check_history(connection, check.name, since=now - LONGEST_WINDOW)
    uptime = {
        window: uptime_ratio(history, now - seconds, now)
        for window, seconds in UPTIME_WINDOWS.items()
    }
    return CheckReport(check, uptime, history)


def check_reports(database: Engine, now: float) -> list[CheckReport]:
    checks = list_checks(database)
    with database.connect() as connection:
        return [_report(connection, check, now) for check in checks]


def check_report(database: Engine, name: str, now: float) -> CheckReport | None:
    with database.connect() as connection:
        check = get_check(connection, name)
        return _report(connection, check, now) if check is not None else None


def _event_json(event: CheckEvent) -> dict[str, Any]:
    return {"at": event.at, "status": event.status, "error": event.error}


def report_json(report: CheckReport, *, with_history: bool) -> dict[str, Any]:
    check = report.check
    data: dict[str, Any] = {
        "name": check.name,
        "type": check.type,
        "target": check.target,
        "labels": check.labels,
        "status": check.status,
        "last_error": check.last_error,
        "last_check": check.last_check,
        "last_duration_seconds": check.last_duration_seconds,
        "consecutive_failures": check.consecutive_failures,
        "uptime": report.uptime,
        "response_time_query": response_time_query(check.name),
    }
    if with_history:
        data["history"] = [_event_json(event) for event in report.history[-HISTORY_LIMIT:]]
    return data


def public_json(report: CheckReport) -> dict[str, Any]:
    """What a shared status page may show: no target, no error text, no other labels."""
    check = report.check
    return {
        "name": check.name,
        "service": check.labels.get("service", ""),
        "status": check.status,
        "last_check": check.last_check,
        "uptime": report.uptime,
        "history": [
            {"at": event.at, "status": event.status} for event in report.history[-HISTORY_LIMIT:]
        ],
    }


def in_group(report: CheckReport, group: str) -> bool:
    return report.check.labels.get("group") == group
