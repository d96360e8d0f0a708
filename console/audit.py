"""Every state-changing request is written to the audit log, by one after-request hook.

Views add what the request alone does not say (the silence a POST created,
the role a user was given) with ``note``; without a note the entry names the
endpoint and its URL arguments. Successful requests are recorded; a view may
ask for a refused one to be recorded too (failed logins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request

from console.auth import SAFE_METHODS, actor_name, required_scope
from console.context import current
from store import audit as audit_log
from store.db import write_transaction

ACTIONS = {
    "ops.reload": "config.reload",
    "notifications_api.retry_one": "notification.retry",
    "alert_pages.retry_notification": "notification.retry",
    "alertmanager_silences_api.delete_silence": "silence.expire",
    "silence_pages.expire": "silence.expire",
    "login_pages.logout": "logout",
}
"""Names for endpoints whose URL says everything; others ``note`` what they did."""


@dataclass
class AuditNote:
    action: str = ""
    target: str = ""
    detail: str = ""
    always: bool = False
    actor: str = ""


def note(
    action: str = "", target: str = "", detail: str = "", *, always: bool = False, actor: str = ""
) -> None:
    """Say what this request changed; ``always`` records it even if the response is an error."""
    g.audit_note = AuditNote(action, target, detail, always, actor)


def _should_record(response: Response, found: AuditNote | None) -> bool:
    if request.method in SAFE_METHODS or request.endpoint is None:
        return False
    view = current_app.view_functions.get(request.endpoint)
    if view is None or required_scope(view) is not None:
        return False  # pushes are data, not changes: counted, not audited
    return response.status_code < 400 or (found is not None and found.always)


def _url_arguments() -> str:
    arguments = request.view_args or {}
    return json.dumps(arguments, sort_keys=True, default=str) if arguments else ""


def install(app: Flask) -> None:
    @app.after_request
    def _record(response: Response) -> Response:
        found: AuditNote | None = g.get("audit_note")
        if not _should_record(response, found):
            return response
        found = found or AuditNote()
        context = current()
        with write_transaction(context.database) as connection:
            audit_log.record(
                connection,
                at=context.clock(),
                actor=found.actor or actor_name(),
                action=found.action or ACTIONS.get(str(request.endpoint), str(request.endpoint)),
                target=found.target or _url_arguments(),
                detail=found.detail or f"{request.method} {request.path} -> {response.status_code}",
                source=request.remote_addr or "",
            )
        return response
