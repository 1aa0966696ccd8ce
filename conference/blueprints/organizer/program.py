"""The organizer's program pages: the session list, the session form (with the sponsor
presenting a session, within its package's sponsored sessions), rooms, tracks and the
CSV import.

Every view loads the event, requires ``program.manage``, calls the program
services, commits once and redirects (post/redirect/get); on a refusal it rolls
back and shows the form again with the message next to its field and what was
typed. A session, room or track id from another event is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference.blueprints.common import attachment, form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import (
    event_row_or_404,
    managed_event,
    posted_direction,
    posted_row_or_404,
)
from conference.blueprints.organizer.program_forms import (
    ImportCommitForm,
    ImportUploadForm,
    RoomForm,
    SessionForm,
    TrackForm,
)
from conference.enums import SessionFormat
from conference.extensions import db
from conference.models import Event, ProgramSession, Room, Track, User
from conference.services import ServiceError
from conference.services import program as service
from conference.services import program_import as import_service
from conference.services import sponsors as sponsors_service

#: How long a checked CSV file may wait for "Import" after the dry run.
IMPORT_TOKEN_MAX_AGE = 3600
_IMPORT_SALT = "program-import"


def _common(event: Event) -> dict:
    """What every program page's template needs besides its own data."""
    return {
        "event": event,
        "clock": partial(service.clock, event),
        "format_labels": service.FORMAT_LABELS,
    }


# --- the session list ------------------------------------------------------------


@dataclass(frozen=True)
class _ListArgs:
    filters: service.ProgramFilters
    #: The query string as given (for links that keep the filters).
    args: dict[str, str]


def _list_args(event: Event, tracks: list[Track], rooms: list[Room]) -> _ListArgs:
    """The list's filters from the query string; values that mean nothing are ignored."""
    args: dict[str, str] = {}
    day = _parse_day(request.args.get("day", ""))
    if day in service.event_days(event):
        args["day"] = day.isoformat()
    else:
        day = None
    chosen: dict[str, tuple[int | None, bool]] = {}
    for name, items in (("track", tracks), ("room", rooms)):
        value = request.args.get(name, "")
        if value == "none":
            chosen[name], args[name] = (None, True), value
        elif value.isdigit() and int(value) in {item.id for item in items}:
            chosen[name], args[name] = (int(value), False), value
        else:
            chosen[name] = (None, False)
    published = {"published": True, "draft": False}.get(request.args.get("status", ""))
    if published is not None:
        args["status"] = request.args["status"]
    return _ListArgs(
        service.ProgramFilters(
            day=day,
            track_id=chosen["track"][0],
            no_track=chosen["track"][1],
            room_id=chosen["room"][0],
            no_room=chosen["room"][1],
            published=published,
        ),
        args,
    )


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.get("/program/")
@login_required
def program(slug: str):
    event = managed_event(slug, "program.manage")
    tracks, rooms = service.tracks_of(event), service.rooms_of(event)
    chosen = _list_args(event, tracks, rooms)
    sessions = service.program_sessions(event, chosen.filters)
    by_day: dict[date, list[ProgramSession]] = {}
    for session in sessions:
        by_day.setdefault(service.utc_to_local(event, session.starts_at).date(), []).append(session)
    counts = service.program_counts(event)
    return render_template(
        "organizer/program.html",
        **_common(event),
        days=service.event_days(event),
        by_day=by_day,
        counts=counts,
        tracks=tracks,
        rooms=rooms,
        filters=chosen.filters,
        filter_args=chosen.args,
        bookmarks=service.bookmark_counts(event),
    )


# --- the session form --------------------------------------------------------------


def _session_form(event: Event, session: ProgramSession | None = None) -> SessionForm:
    """The session form: as posted, empty for a new session, or with ``session``'s values."""
    rooms, tracks = service.rooms_of(event), service.tracks_of(event)
    start = service.utc_to_local(event, session.starts_at) if session is not None else None
    extra_day = start.date() if start is not None else None
    sponsors = sponsors_service.session_sponsors(event)
    current = sponsors_service.sponsor_in(event, session.sponsor_id if session else None)
    if current is not None and current not in sponsors:
        sponsors.append(current)
    if request.method == "POST":
        return SessionForm.for_event(event, rooms, tracks, extra_day=extra_day, sponsors=sponsors)
    if session is None:
        day = _parse_day(request.args.get("day", ""))
        return SessionForm.for_event(
            event, rooms, tracks, sponsors=sponsors, data={"day": day or event.starts_on}
        )
    end = service.utc_to_local(event, session.ends_at)
    return SessionForm.for_event(
        event,
        rooms,
        tracks,
        extra_day=extra_day,
        sponsors=sponsors,
        data={
            "title": session.title,
            "format": session.format.value,
            "abstract": session.abstract,
            "day": start.date(),
            "start": start.time(),
            "end": end.time(),
            "room": session.room_id,
            "track": session.track_id,
            "topics": [t.id for t in session.topics],
            "speakers": "\n".join(u.email for u in session.speakers),
            "capacity": session.capacity,
            "published": session.published,
            "sponsor": session.sponsor_id,
        },
    )


def _session_fields(event: Event, form: SessionForm, session_id: int | None = None) -> dict | None:
    """The service's fields from a valid form: times to UTC, speakers' emails to people.

    When the times or the speakers are refused, every message goes next to its
    field (with the clashes too, when the times are right, so the organizer sees
    everything at once) and the answer is None.
    """
    refusals: list[ServiceError] = []
    span: tuple | None = None
    speakers: list[User] = []
    try:
        span = service.local_span(event, form.day.data, form.start.data, form.end.data)
    except ServiceError as exc:
        refusals.append(exc)
    try:
        speakers = service.speakers_by_email(event, service.split_emails(form.speakers.data))
    except ServiceError as exc:
        refusals.append(exc)
    if refusals:
        for exc in refusals:
            form_errors_from(exc, form)
        if span is not None:
            clashes = service.find_clashes(
                event, *span, form.room.data, [u.id for u in speakers], session_id
            )
            _show_clashes(event, form, clashes)
        return None
    return {
        "title": form.title.data,
        "abstract": form.abstract.data or "",
        "format": SessionFormat(form.format.data),
        "starts_at": span[0],
        "ends_at": span[1],
        "room_id": form.room.data,
        "track_id": form.track.data,
        "topic_ids": form.topics.data or [],
        "speaker_ids": [u.id for u in speakers],
        "capacity": form.capacity.data,
        "published": form.published.data,
    }


def _show_clashes(event: Event, form: SessionForm, clashes: list[service.Clash]) -> None:
    """Each clash next to the room or speakers field, one line per clash."""
    for clash in clashes:
        field = getattr(form, clash.field)
        field.errors = [*field.errors, clash.describe(event)]


def _show_refusal(event: Event, exc: ServiceError, form: SessionForm) -> None:
    if isinstance(exc, service.ClashError):
        _show_clashes(event, form, exc.clashes)
    else:
        form_errors_from(exc, form)


def _render_session_form(event: Event, form: SessionForm, session: ProgramSession | None):
    emails = service.split_emails(form.speakers.data)[: service.SPEAKERS_MAX]
    people = service.users_by_email(emails)
    return render_template(
        "organizer/program_session.html",
        **_common(event),
        form=form,
        session=session,
        typed_speakers=[(email, people.get(email)) for email in emails],
        suggestions=service.speaker_suggestions(event, exclude=emails),
        usage=service.session_usage(session) if session is not None else None,
        delete_form=ButtonForm(),
    )


def _back_to_day(event: Event, session: ProgramSession):
    day = service.utc_to_local(event, session.starts_at).date()
    return redirect(
        url_for("organizer.program", slug=event.slug, day=day.isoformat(), _anchor=f"s{session.id}")
    )


@bp.route("/program/new", methods=["GET", "POST"])
@login_required
def session_new(slug: str):
    event = managed_event(slug, "program.manage")
    form = _session_form(event)
    if form.validate_on_submit() and (fields := _session_fields(event, form)) is not None:
        try:
            session = service.create_session(current_user, event, **fields)
            sponsors_service.set_session_sponsor(session, form.sponsor.data)
        except ServiceError as exc:
            db.session.rollback()
            _show_refusal(event, exc, form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is added to the program.", title=session.title), "success")
            if request.form.get("then") == "another":
                return redirect(
                    url_for(
                        "organizer.session_new",
                        slug=event.slug,
                        day=service.utc_to_local(event, session.starts_at).date().isoformat(),
                    )
                )
            return _back_to_day(event, session)
    return _render_session_form(event, form, None)


@bp.route("/program/<int:session_id>", methods=["GET", "POST"])
@login_required
def session_edit(slug: str, session_id: int):
    event = managed_event(slug, "program.manage")
    session = event_row_or_404(ProgramSession, event, session_id)
    form = _session_form(event, session)
    if (
        form.validate_on_submit()
        and (fields := _session_fields(event, form, session.id)) is not None
    ):
        try:
            service.update_session(current_user, session, **fields)
            sponsors_service.set_session_sponsor(session, form.sponsor.data)
        except ServiceError as exc:
            db.session.rollback()
            session = event_row_or_404(ProgramSession, event, session_id)
            _show_refusal(event, exc, form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is saved.", title=session.title), "success")
            return _back_to_day(event, session)
    return _render_session_form(event, form, session)


@bp.post("/program/<int:session_id>/delete")
@login_required
def session_delete(slug: str, session_id: int):
    event = managed_event(slug, "program.manage")
    session = event_row_or_404(ProgramSession, event, session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = session.title
    day = service.utc_to_local(event, session.starts_at).date()
    service.delete_session(current_user, session)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("organizer.program", slug=event.slug, day=day.isoformat()))


# --- rooms and tracks ------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalogue:
    """Rooms or tracks: a list of the event the organizer adds to, edits, reorders and
    deletes from; deleting one that sessions use asks first, and the sessions stay."""

    model: type[Room] | type[Track]
    form: type[RoomForm] | type[TrackForm]
    #: The posted field naming the row.
    id_field: str
    endpoint: str
    template: str
    #: The template's name for the rows.
    rows_name: str
    rows: Callable[[Event], list]
    usages: Callable[[Event], dict[int, int]]
    add: Callable
    update: Callable
    move: Callable
    delete: Callable
    added: Callable[[str], str]
    saved: Callable[[str], str]
    deleted: Callable[[str, int], str]


def _catalogue_page(event: Event, catalogue: _Catalogue, add_form, **context):
    """The page of ``catalogue``: GET shows it (``?edit=<id>`` opens a row's form), POST
    does the posted ``action`` (add, update, up, down, delete) and redirects back."""
    editing = None
    edit_form = None
    confirm: tuple[Room | Track, int] | None = None

    def back():
        return redirect(url_for(catalogue.endpoint, slug=event.slug))

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = event_row_or_404(catalogue.model, event, edit_id)
        edit_form = catalogue.form(prefix="edit", formdata=None, obj=editing)

    if request.method == "POST":
        action = request.form.get("action")
        form = None
        try:
            if action == "add":
                form = add_form = catalogue.form(prefix="new")
                if form.validate_on_submit():
                    row = catalogue.add(current_user, event, **form.service_fields())
                    db.session.commit()
                    flash(catalogue.added(row.name), "success")
                    return back()
            elif action == "update":
                editing = posted_row_or_404(catalogue.model, event, catalogue.id_field)
                form = edit_form = catalogue.form(prefix="edit")
                if form.validate_on_submit():
                    catalogue.update(current_user, editing, **form.service_fields())
                    db.session.commit()
                    flash(catalogue.saved(editing.name), "success")
                    return back()
            elif action in ("up", "down"):
                row = posted_row_or_404(catalogue.model, event, catalogue.id_field)
                catalogue.move(current_user, row, posted_direction())
                db.session.commit()
                return back()
            elif action == "delete":
                row = posted_row_or_404(catalogue.model, event, catalogue.id_field)
                used = catalogue.usages(event).get(row.id, 0)
                if used and request.form.get("confirm") != "yes":
                    confirm = (row, used)
                else:
                    name = row.name
                    affected = catalogue.delete(current_user, row)
                    db.session.commit()
                    flash(catalogue.deleted(name, affected), "success")
                    return back()
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        catalogue.template,
        **_common(event),
        **{catalogue.rows_name: catalogue.rows(event)},
        usage=catalogue.usages(event),
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        confirm=confirm,
        button_form=ButtonForm(),
        **context,
    )


def _room_deleted_message(name: str, affected: int) -> str:
    if not affected:
        return _("Room “%(name)s” is deleted.", name=name)
    return ngettext(
        "Room “%(name)s” is deleted; %(num)d session no longer has a room.",
        "Room “%(name)s” is deleted; %(num)d sessions no longer have a room.",
        affected,
        name=name,
    )


def _track_deleted_message(name: str, affected: int) -> str:
    if not affected:
        return _("Track “%(name)s” is deleted.", name=name)
    return ngettext(
        "Track “%(name)s” is deleted; %(num)d session no longer has a track.",
        "Track “%(name)s” is deleted; %(num)d sessions no longer have a track.",
        affected,
        name=name,
    )


_ROOMS = _Catalogue(
    model=Room,
    form=RoomForm,
    id_field="room_id",
    endpoint="organizer.rooms",
    template="organizer/rooms.html",
    rows_name="rooms",
    rows=service.rooms_of,
    usages=service.room_usages,
    add=service.add_room,
    update=service.update_room,
    move=service.move_room,
    delete=service.delete_room,
    added=lambda name: _("Room “%(name)s” is added.", name=name),
    saved=lambda name: _("Room “%(name)s” is saved.", name=name),
    deleted=_room_deleted_message,
)

_TRACKS = _Catalogue(
    model=Track,
    form=TrackForm,
    id_field="track_id",
    endpoint="organizer.tracks",
    template="organizer/tracks.html",
    rows_name="tracks",
    rows=service.tracks_of,
    usages=service.track_usages,
    add=service.add_track,
    update=service.update_track,
    move=service.move_track,
    delete=service.delete_track,
    added=lambda name: _("Track “%(name)s” is added.", name=name),
    saved=lambda name: _("Track “%(name)s” is saved.", name=name),
    deleted=_track_deleted_message,
)


@bp.route("/program/rooms", methods=["GET", "POST"])
@login_required
def rooms(slug: str):
    event = managed_event(slug, "program.manage")
    return _catalogue_page(event, _ROOMS, RoomForm(prefix="new", formdata=None))


@bp.route("/program/tracks", methods=["GET", "POST"])
@login_required
def tracks(slug: str):
    event = managed_event(slug, "program.manage")
    used_colors = {t.color for t in service.tracks_of(event)}
    free = [c for c in service.TRACK_COLORS if c not in used_colors]
    add_form = TrackForm(
        prefix="new", formdata=None, data={"color": free[0] if free else service.TRACK_COLORS[0]}
    )
    return _catalogue_page(event, _TRACKS, add_form, color_labels=service.TRACK_COLOR_LABELS)


# --- CSV import ------------------------------------------------------------------------


def _import_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_IMPORT_SALT)


def _sign_import(event: Event, text: str) -> str:
    """The checked file, compressed and signed for this event and this organizer, so the
    page can carry it to the import without the server keeping it or trusting the client."""
    token = _import_serializer().dumps({"e": event.id, "u": current_user.id, "csv": text})
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if limit is not None and len(token) > limit - 10_000:
        raise ServiceError(
            "file_too_large", _("The file is too large for one import; split it in two."), "file"
        )
    return token


def _unsign_import(event: Event, token: str) -> str:
    try:
        data = _import_serializer().loads(token, max_age=IMPORT_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise ServiceError(
            "import_expired",
            _("The checked file expired after an hour. Upload it again."),
            "file",
        ) from None
    except BadSignature:
        data = None
    if (
        not isinstance(data, dict)
        or data.get("e") != event.id
        or data.get("u") != current_user.id
        or not isinstance(data.get("csv"), str)
    ):
        raise ServiceError(
            "import_invalid_token",
            _("The checked file was not recognised. Upload it again."),
            "file",
        )
    return data["csv"]


@bp.route("/program/import", methods=["GET", "POST"])
@login_required
def program_import(slug: str):
    """Upload → dry run (every row's problems, or what would be created) → import."""
    event = managed_event(slug, "program.manage")
    upload = ImportUploadForm()
    plan: import_service.ImportPlan | None = None
    commit_form: ImportCommitForm | None = None
    filename = ""
    if request.method == "POST" and request.form.get("action") == "import":
        if not ImportCommitForm().validate_on_submit():
            abort(400)
        try:
            text = _unsign_import(event, request.form.get("token", ""))
            created = import_service.run_import(current_user, event, text)
        except import_service.ImportRefused as exc:
            db.session.rollback()
            plan = exc.plan
            flash(exc.message, "danger")
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, upload)
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d session is imported.", "%(num)d sessions are imported.", len(created)
                ),
                "success",
            )
            return redirect(url_for("organizer.program", slug=event.slug))
    elif request.method == "POST" and upload.validate_on_submit():
        filename = upload.file.data.filename or ""
        try:
            text = import_service.decode(upload.file.data.read(import_service.MAX_BYTES + 1))
            plan = import_service.check_import(event, text)
            if plan.ok:
                commit_form = ImportCommitForm(
                    formdata=None, data={"token": _sign_import(event, text)}
                )
        except ServiceError as exc:
            form_errors_from(exc, upload)
    return render_template(
        "organizer/program_import.html",
        **_common(event),
        upload=upload,
        plan=plan,
        commit_form=commit_form,
        filename=filename,
        columns=import_service.COLUMNS,
        max_rows=import_service.MAX_ROWS,
        max_kb=import_service.MAX_BYTES // 1000,
    )


@bp.get("/program/import/template.csv")
@login_required
def program_template(slug: str):
    event = managed_event(slug, "program.manage")
    body = ("\ufeff" + import_service.template_csv(event)).encode("utf-8")
    return attachment(body, "text/csv", f"{event.slug}-program-template.csv")
