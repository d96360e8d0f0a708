"""The audit log: who changed what, when, and from where."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from store.models import AuditEntry, table_of

AUDIT = table_of(AuditEntry)


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: str
    source: str


def record(
    connection: Connection,
    *,
    at: float,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    source: str = "",
) -> None:
    connection.execute(
        insert(AUDIT).values(
            at=at,
            actor=actor[:255],
            action=action[:64],
            target=target,
            detail=detail,
            source=source[:64],
        )
    )


def recent(
    connection: Connection, *, limit: int = 100, before_id: int | None = None
) -> list[AuditRecord]:
    """Newest first; ``before_id`` pages back."""
    query = select(
        AUDIT.c.id,
        AUDIT.c.at,
        AUDIT.c.actor,
        AUDIT.c.action,
        AUDIT.c.target,
        AUDIT.c.detail,
        AUDIT.c.source,
    )
    if before_id is not None:
        query = query.where(AUDIT.c.id < before_id)
    rows = connection.execute(query.order_by(AUDIT.c.id.desc()).limit(limit))
    return [AuditRecord(*row) for row in rows]
