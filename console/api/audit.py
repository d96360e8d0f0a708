"""``GET /api/v1/audit``: the audit log for admins, newest first, paged by ``before``."""

from __future__ import annotations

from flask import Blueprint, Response

from console.api.envelope import success
from console.api.params import MAX_ID, int_param
from console.auth import Role, requires
from console.context import current
from store.audit import recent

blueprint = Blueprint("audit_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 1000


@blueprint.route("/audit", methods=["GET"])
@requires(Role.ADMIN)
def audit() -> Response:
    limit = int_param("limit", 100, 1, MAX_LIMIT)
    before = int_param("before", MAX_ID, 1, MAX_ID)
    with current().database.connect() as connection:
        entries = recent(connection, limit=limit, before_id=before)
    return success(
        [
            {
                "id": entry.id,
                "time": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "target": entry.target,
                "detail": entry.detail,
                "source": entry.source,
            }
            for entry in entries
        ]
    )
