"""``GET /api/v1/audit``: the audit log for admins, newest first, paged by ``before``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from console.api.envelope import bad_data, success
from console.auth import Role, requires
from console.context import current
from store.audit import recent

blueprint = Blueprint("audit_api", __name__, url_prefix="/api/v1")
MAX_LIMIT = 1000


@blueprint.route("/audit", methods=["GET"])
@requires(Role.ADMIN)
def audit() -> Response:
    limit = request.args.get("limit", 100, type=int)
    before = request.args.get("before", None, type=int)
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_data(f'invalid parameter "limit": must be between 1 and {MAX_LIMIT}')
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
