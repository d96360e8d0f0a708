"""Alertmanager's silence API under ``/api/v2``: list, get, create or update, expire.

As ``postSilencesHandler`` and ``silence.Set``: a POST without ``id``
creates, with one updates (or expires and replaces, as the store decides),
and the same checks give the same errors (``silence_body`` binds the body
as go-swagger does first). The console's
silence form saves through ``save_silence`` so both say the same thing.
Silence annotations are accepted but not kept: the store has no column for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import Connection

from alerts.matchers import MatcherError, format_matchers, matcher_from_json, matcher_to_json
from alerts.silences import ACTIVE as SILENCE_ACTIVE
from alerts.silences import (
    EXPIRED,
    PENDING,
    Silence,
    SilenceError,
    SilenceNotFound,
    create_silence,
    expire_silence,
    get_silence,
    list_silences,
    update_silence,
)
from console import audit
from console.api.alertmanager import am_time, bool_param, filter_param, no_store
from console.api.alertmanager_errors import Invalid, Rejected, invalid_type
from console.api.silence_body import bind_silence
from console.auth import Role, current_caller, requires
from console.context import current
from promql.matchers import Matcher
from store.db import write_transaction

blueprint = Blueprint("alertmanager_silences_api", __name__, url_prefix="/api/v2")
_UUID = re.compile(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


blueprint.after_request(no_store)


@blueprint.errorhandler(Rejected)
@blueprint.errorhandler(Invalid)
def _refused(error: Rejected | Invalid) -> Response:
    return error.response()


def silence_author(claimed: str) -> str:
    """Who a new silence is recorded as created by: the account making the request.

    The client's ``createdBy`` (amtool sends $USER) is only used when the
    caller has no account, which the editor role rules out today; an empty
    one stays empty, so the request is refused as Alertmanager refuses it.
    """
    caller = current_caller()
    return claimed if caller.is_anonymous or not claimed.strip() else caller.name


def note_saved(saved: Silence, *, replaced: str) -> None:
    """For the audit log: which silence, over what, until when, and why."""
    audit.note(
        "silence.update" if replaced == saved.id else "silence.create",
        target=saved.id,
        detail=f"{format_matchers(saved.matchers)} until {am_time(saved.ends_at)}: "
        f"{saved.comment}",
    )


def api_silence(silence: Silence, now: float) -> dict[str, Any]:
    return {
        "id": silence.id,
        "status": {"state": silence.state(now)},
        "updatedAt": am_time(silence.updated_at),
        "comment": silence.comment,
        "createdBy": silence.created_by,
        "endsAt": am_time(silence.ends_at),
        "matchers": [matcher_to_json(m) for m in silence.matchers],
        "startsAt": am_time(silence.starts_at),
    }


def _silence_order(silence: Silence, now: float) -> tuple[int, float]:
    """SortSilences: active by soonest end, pending by soonest start, expired latest first."""
    state = silence.state(now)
    if state == SILENCE_ACTIVE:
        return 0, silence.ends_at
    if state == PENDING:
        return 1, silence.starts_at
    return 2, -silence.ends_at


def _lists_filter(silence: Silence, matchers: Sequence[Matcher]) -> bool:
    """A filter matcher selects silences holding the very same matcher (name, type, value)."""
    return all(f in silence.matchers for f in matchers)


@blueprint.route("/silences", methods=["GET"])
@requires(Role.VIEWER)
def silences() -> Response:
    now, matchers = current().clock(), filter_param()
    wanted = {
        state
        for state, param in ((SILENCE_ACTIVE, "active"), (EXPIRED, "expired"), (PENDING, "pending"))
        if bool_param(param)
    }
    with current().database.connect() as connection:
        found = [s for s in list_silences(connection, now, wanted) if _lists_filter(s, matchers)]
    found.sort(key=lambda s: _silence_order(s, now))
    return jsonify([api_silence(s, now) for s in found])


def _empty(status: int) -> Response:
    """A response without a body, and so (as go-swagger's) without a Content-Type."""
    response = Response(status=status)
    del response.headers["Content-Type"]
    return response


def _check_uuid(silence_id: str) -> None:
    """The path parameter is a ``strfmt.UUID``: go-swagger refuses anything else (422)."""
    if _UUID.fullmatch(silence_id) is None:
        raise invalid_type("silenceID", "path", "strfmt.UUID", silence_id)


def _matchers(items: Sequence[dict[str, Any] | None]) -> list[Matcher]:
    matchers = []
    for index, item in enumerate(items):
        try:
            if item is None:
                raise MatcherError("the matcher is null")
            matchers.append(matcher_from_json(item))
        except MatcherError as error:
            raise Rejected(
                f"invalid silence: invalid label matcher {index} in set 0: {error}"
            ) from None
    return matchers


def save_silence(
    connection: Connection,
    *,
    silence_id: str,
    matchers: Sequence[Matcher],
    starts_at: float,
    ends_at: float,
    created_by: str,
    comment: str,
    now: float,
) -> Silence:
    """postSilencesHandler's checks and messages, then create (no ID) or update the silence."""
    if starts_at >= ends_at:
        raise Rejected("Failed to create silence: start time must be before end time")
    if ends_at < now:
        raise Rejected("Failed to create silence: end time can't be in the past")
    if all(m.matches("") for m in matchers):
        raise Rejected(
            "invalid silence: matcher set 0: at least one matcher must not match the empty string"
        )
    try:
        if not silence_id:
            return create_silence(
                connection,
                matchers=matchers,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=created_by,
                comment=comment,
                now=now,
            )
        return update_silence(
            connection,
            silence_id,
            matchers=matchers,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by,
            comment=comment,
            now=now,
        )
    except SilenceNotFound:
        raise Rejected("silence not found", 404) from None
    except SilenceError as error:
        raise Rejected(f"invalid silence: {error}") from None


@blueprint.route("/silences", methods=["POST"])
@requires(Role.EDITOR)
def post_silence() -> Response:
    body = bind_silence(request.get_data())
    matchers = _matchers(body.matchers)
    context = current()
    with write_transaction(context.database) as connection:
        saved = save_silence(
            connection,
            silence_id=body.id,
            matchers=matchers,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            created_by=silence_author(body.created_by),
            comment=body.comment,
            now=context.clock(),
        )
    note_saved(saved, replaced=body.id)
    return jsonify({"silenceID": saved.id})


@blueprint.route("/silence/<silence_id>", methods=["GET"])
@requires(Role.VIEWER)
def get_one_silence(silence_id: str) -> Response:
    _check_uuid(silence_id)
    context = current()
    with context.database.connect() as connection:
        silence = get_silence(connection, silence_id)
    if silence is None:
        return _empty(404)
    return jsonify(api_silence(silence, context.clock()))


@blueprint.route("/silence/<silence_id>", methods=["DELETE"])
@requires(Role.EDITOR)
def delete_silence(silence_id: str) -> Response:
    _check_uuid(silence_id)
    context = current()
    try:
        with write_transaction(context.database) as connection:
            expire_silence(connection, silence_id, context.clock())
    except SilenceNotFound:
        return _empty(404)
    return _empty(200)
