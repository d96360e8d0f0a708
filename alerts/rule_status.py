"""Rule evaluation status and configuration reloads, shared through the ``rule_status`` table.

The agent evaluates rules and reloads its configuration; the console (another
process, maybe on another host) serves ``/api/v1/rules`` and
``/api/v1/status/reload`` and asks the agent to reload. The store is what the
two share, so each side writes its half here: the agent the health of every
group and rule after each evaluation and the outcome of each reload, the
console a reload request that the agent's ``ReloadWatcher`` picks up within a
second. The watcher also reloads when a rule file changes (polling mtimes).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, insert, select

from store.db import write_transaction
from store.models import RuleStatus

OK, ERR, UNKNOWN = "ok", "err", "unknown"
GROUP, RULE, RELOAD, RELOAD_REQUEST = "group", "rule", "reload", "reload_request"
_MAX_KEY = 512


@dataclass(frozen=True)
class EvaluationStatus:
    """Prometheus's rule (or group) health fields."""

    health: str = UNKNOWN
    last_error: str = ""
    evaluation_seconds: float = 0.0
    last_evaluation: float | None = None


@dataclass(frozen=True)
class ReloadStatus:
    successful: bool
    at: float
    error: str = ""


def bounded_key(key: str) -> str:
    """Keys longer than the column keep a prefix and gain a hash of the whole."""
    if len(key) <= _MAX_KEY:
        return key
    return key[: _MAX_KEY - 65] + ";" + hashlib.sha256(key.encode()).hexdigest()


def save_group_status(
    connection: Connection,
    group_key: str,
    group: EvaluationStatus,
    rules: Mapping[str, EvaluationStatus],
) -> None:
    """Replace the group's status rows (inside the caller's write transaction)."""
    key = bounded_key(group_key)
    connection.execute(
        delete(RuleStatus).where(RuleStatus.kind.in_([GROUP, RULE]), RuleStatus.group_key == key)
    )
    rows = [_row(GROUP, key, "", group)]
    rows.extend(_row(RULE, key, bounded_key(rule_key), s) for rule_key, s in rules.items())
    connection.execute(insert(RuleStatus), rows)


def _row(kind: str, group_key: str, rule_key: str, status: EvaluationStatus) -> dict[str, object]:
    return {
        "kind": kind,
        "group_key": group_key,
        "rule_key": rule_key,
        "health": status.health,
        "last_error": status.last_error,
        "evaluation_seconds": status.evaluation_seconds,
        "last_evaluation": status.last_evaluation,
    }


def load_statuses(
    engine: Engine,
) -> tuple[dict[str, EvaluationStatus], dict[str, EvaluationStatus]]:
    """(group key -> status, rule key -> status) as last written by the agent."""
    groups: dict[str, EvaluationStatus] = {}
    rules: dict[str, EvaluationStatus] = {}
    with engine.connect() as connection:
        rows = connection.execute(select(RuleStatus).where(RuleStatus.kind.in_([GROUP, RULE])))
        for row in rows:
            status = EvaluationStatus(
                row.health, row.last_error, row.evaluation_seconds, row.last_evaluation
            )
            if row.kind == GROUP:
                groups[row.group_key] = status
            else:
                rules[row.rule_key] = status
    return groups, rules


def prune_statuses(connection: Connection, groups: Collection[str], rules: Collection[str]) -> None:
    """Forget groups and rules that are no longer configured (after a reload)."""
    keep_groups = {bounded_key(key) for key in groups}
    keep_rules = {bounded_key(key) for key in rules}
    rows = connection.execute(
        select(RuleStatus.id, RuleStatus.kind, RuleStatus.group_key, RuleStatus.rule_key).where(
            RuleStatus.kind.in_([GROUP, RULE])
        )
    ).all()
    gone = [
        row.id
        for row in rows
        if row.group_key not in keep_groups or (row.kind == RULE and row.rule_key not in keep_rules)
    ]
    if gone:
        connection.execute(delete(RuleStatus).where(RuleStatus.id.in_(gone)))


def replace_single(connection: Connection, kind: str, **values: object) -> None:
    """Replace the one row of ``kind`` (a reload, a reload request, the rule definitions)."""
    connection.execute(delete(RuleStatus).where(RuleStatus.kind == kind))
    connection.execute(insert(RuleStatus).values(kind=kind, group_key="", rule_key="", **values))


def _put_single(engine: Engine, kind: str, health: str, error: str, at: float) -> None:
    with write_transaction(engine) as connection:
        replace_single(
            connection,
            kind,
            health=health,
            last_error=error,
            evaluation_seconds=0.0,
            last_evaluation=at,
        )


def _get_single(engine: Engine, kind: str) -> RuleStatus | None:
    with engine.connect() as connection:
        row = connection.execute(select(RuleStatus).where(RuleStatus.kind == kind)).first()
    return row  # type: ignore[return-value]


def record_reload(engine: Engine, successful: bool, at: float, error: str = "") -> None:
    """The agent's last reload, for ``/api/v1/status/reload``."""
    _put_single(engine, RELOAD, OK if successful else ERR, error, at)


def reload_status(engine: Engine) -> ReloadStatus | None:
    row = _get_single(engine, RELOAD)
    if row is None or row.last_evaluation is None:
        return None
    return ReloadStatus(row.health == OK, row.last_evaluation, row.last_error)


def request_reload(engine: Engine, at: float) -> None:
    """Ask the agent to reload (the console's ``POST /-/reload``)."""
    _put_single(engine, RELOAD_REQUEST, UNKNOWN, "", at)


def reload_requested_at(engine: Engine) -> float | None:
    row = _get_single(engine, RELOAD_REQUEST)
    return None if row is None else row.last_evaluation


FileState = tuple[int, int] | None


class ReloadWatcher:
    """Calls ``reload`` when the console asked for it or a rule file changed.

    Each change triggers one attempt: a broken file is not retried every
    second, only when it changes again (or a reload is requested).
    """

    def __init__(
        self,
        database: Engine,
        paths: Callable[[], Sequence[str]],
        reload: Callable[[], object],
        *,
        stat: Callable[[str], os.stat_result] = os.stat,
    ) -> None:
        self._database = database
        self._paths = paths
        self._reload = reload
        self._stat = stat
        self._request = reload_requested_at(database)
        self._files = self._snapshot()

    def _snapshot(self) -> dict[str, FileState]:
        files: dict[str, FileState] = {}
        for path in self._paths():
            try:
                result = self._stat(path)
                files[path] = (result.st_mtime_ns, result.st_size)
            except OSError:
                files[path] = None
        return files

    def check(self) -> bool:
        """Reload if something changed since the last check; True when it did."""
        request = reload_requested_at(self._database)
        files = self._snapshot()
        if request == self._request and files == self._files:
            return False
        self._request, self._files = request, files
        self._reload()
        return True
