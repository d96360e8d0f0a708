"""The Silences pages: active, pending and expired tabs, the create/edit form, expiring.

The form takes matchers in Alertmanager's syntax (``{a="b", c=~"x|y"}``)
and either a duration or an end time, and saves through the API's
``save_silence`` so a rejected silence reads the same as amtool reports it.
Times typed in the form are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from alerts.matchers import MatcherError, format_matchers, parse_matchers
from alerts.silences import ACTIVE, EXPIRED, PENDING, SilenceNotFound, get_silence, list_silences
from alerts.silences import expire_silence as store_expire
from console.api.alertmanager_errors import Rejected
from console.api.alertmanager_silences import note_saved, save_silence, silence_author
from console.api.silence_body import parse_time
from console.auth import Role, current_caller, requires
from console.context import current
from console.pages_alerts import can_edit, notice
from promql.durations import DurationError, parse_duration
from store.db import write_transaction

blueprint = Blueprint("silence_pages", __name__)
TABS = (ACTIVE, PENDING, EXPIRED)
DEFAULT_DURATION = "2h"


@dataclass
class SilenceForm:
    """What the form shows: the fields as typed, so a rejected form comes back as it was."""

    id: str = ""
    matchers: str = ""
    starts_at: str = ""
    duration: str = DEFAULT_DURATION
    ends_at: str = ""
    created_by: str = ""
    comment: str = ""


def form_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _time(text: str, what: str, default: float) -> float:
    if not text.strip():
        return default
    try:
        return parse_time(text.strip())
    except ValueError:
        raise Rejected(f"{what}: {text!r} is not a time like 2024-05-01T14:30 (UTC)") from None


@blueprint.route("/silences")
@requires(Role.VIEWER)
def silences() -> str:
    tab = request.args.get("state", ACTIVE)
    tab = tab if tab in TABS else ACTIVE
    now = current().clock()
    with current().database.connect() as connection:
        found = list_silences(connection, now)
    counts = {state: sum(1 for s in found if s.state(now) == state) for state in TABS}
    shown = [s for s in found if s.state(now) == tab]
    return render_template(
        "silences.html",
        silences=shown,
        tab=tab,
        tabs=TABS,
        counts=counts,
        now=now,
        format_matchers=format_matchers,
        notice=notice(),
        can_edit=can_edit(),
    )


@blueprint.route("/silences/new")
@requires(Role.VIEWER)
def silence_form() -> str | tuple[str, int]:
    """An empty form, one prefilled from an alert (``?matchers=``), or an existing silence's."""
    caller = current_caller()
    form = SilenceForm(
        matchers=request.args.get("matchers", ""),
        created_by="" if caller.is_anonymous else caller.name,
    )
    silence_id = request.args.get("id", "")
    if silence_id:
        with current().database.connect() as connection:
            silence = get_silence(connection, silence_id)
        if silence is None:
            return _render_form(form, f"Silence {silence_id} does not exist."), 404
        form = SilenceForm(
            id=silence.id,
            matchers=format_matchers(silence.matchers),
            starts_at=form_time(silence.starts_at),
            duration="",
            ends_at=form_time(silence.ends_at),
            created_by=silence.created_by,
            comment=silence.comment,
        )
    return _render_form(form)


def _render_form(form: SilenceForm, error: str = "") -> str:
    return render_template(
        "silence_form.html", form=form, error=error, can_edit=can_edit(), now=current().clock()
    )


@blueprint.route("/silences", methods=["POST"])
@requires(Role.EDITOR)
def save() -> BaseResponse | tuple[str, int]:
    fields = request.form
    form = SilenceForm(**{name: fields.get(name, "") for name in SilenceForm.__dataclass_fields__})
    context = current()
    now = context.clock()
    try:
        try:
            matchers = parse_matchers(form.matchers)
        except MatcherError as error:
            raise Rejected(f"Matchers: {error}") from None
        if not form.matchers.strip("{} "):
            raise Rejected('Matchers: at least one is needed, like {alertname="Down"}')
        starts_at = _time(form.starts_at, "Start", now)
        if form.ends_at.strip():
            ends_at = _time(form.ends_at, "End", now)
        else:
            try:
                ends_at = starts_at + parse_duration(form.duration.strip() or DEFAULT_DURATION)
            except DurationError as error:
                raise Rejected(f"Duration: {error}") from None
        if not form.created_by.strip():
            raise Rejected("Creator: say who is creating the silence")
        with write_transaction(context.database) as connection:
            saved = save_silence(
                connection,
                silence_id=form.id,
                matchers=matchers,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=silence_author(form.created_by.strip()),
                comment=form.comment,
                now=now,
            )
    except Rejected as error:
        return _render_form(form, error.message), error.status
    note_saved(saved, replaced=form.id)
    return redirect(url_for("silence_pages.silences", notice="created", id=saved.id))


@blueprint.route("/silences/<silence_id>/expire", methods=["POST"])
@requires(Role.EDITOR)
def expire(silence_id: str) -> BaseResponse | tuple[str, int]:
    context = current()
    try:
        with write_transaction(context.database) as connection:
            store_expire(connection, silence_id, context.clock())
    except SilenceNotFound:
        return "Silence not found\n", 404
    return redirect(url_for("silence_pages.silences", notice="expired", id=silence_id))
