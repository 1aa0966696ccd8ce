"""The organizer's program pages: the session list, the session form, rooms,
tracks and the CSV import.

Every view loads the event, requires ``program.manage``, calls the program
services, commits once and redirects (post/redirect/get); on a refusal it rolls
back and shows the form again with the message next to its field and what was
typed. A session, room or track id from another event is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference.blueprints.common import authorize, event_or_404, form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
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

#: How long a checked CSV file may wait for "Import" after the dry run.
IMPORT_TOKEN_MAX_AGE = 3600
_IMPORT_SALT = "program-import"


def _program_event(slug: str) -> Event:
    event = event_or_404(slug)
    authorize("program.manage", event)
    return event


def _session_of(event: Event, session_id: int) -> ProgramSession:
    session = service.session_of(event, session_id)
    if session is None:
        abort(404)
    return session


def _posted_item(model, event: Event, name: str):
    """The row of ``model`` whose id is posted as ``name``; it must belong to ``event``."""
    item_id = request.form.get(name, type=int)
    item = db.session.get(model, item_id) if item_id is not None else None
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def _direction() -> int:
    return -1 if request.form.get("action") == "up" else 1


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
    event = _program_event(slug)
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
    if request.method == "POST":
        return SessionForm.for_event(event, rooms, tracks, extra_day=extra_day)
    if session is None:
        day = _parse_day(request.args.get("day", ""))
        return SessionForm.for_event(event, rooms, tracks, data={"day": day or event.starts_on})
    end = service.utc_to_local(event, session.ends_at)
    return SessionForm.for_event(
        event,
        rooms,
        tracks,
        extra_day=extra_day,
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
    event = _program_event(slug)
    form = _session_form(event)
    if form.validate_on_submit() and (fields := _session_fields(event, form)) is not None:
        try:
            session = service.create_session(current_user, event, **fields)
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
    event = _program_event(slug)
    session = _session_of(event, session_id)
    form = _session_form(event, session)
    if (
        form.validate_on_submit()
        and (fields := _session_fields(event, form, session.id)) is not None
    ):
        try:
            service.update_session(current_user, session, **fields)
        except ServiceError as exc:
            db.session.rollback()
            session = _session_of(event, session_id)
            _show_refusal(event, exc, form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is saved.", title=session.title), "success")
            return _back_to_day(event, session)
    return _render_session_form(event, form, session)


@bp.post("/program/<int:session_id>/delete")
@login_required
def session_delete(slug: str, session_id: int):
    event = _program_event(slug)
    session = _session_of(event, session_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    title = session.title
    day = service.utc_to_local(event, session.starts_at).date()
    service.delete_session(current_user, session)
    db.session.commit()
    flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for("organizer.program", slug=event.slug, day=day.isoformat()))


# --- rooms and tracks ------------------------------------------------------------------


@bp.route("/program/rooms", methods=["GET", "POST"])
@login_required
def rooms(slug: str):
    event = _program_event(slug)
    add_form = RoomForm(prefix="new", formdata=None)
    editing: Room | None = None
    edit_form: RoomForm | None = None
    confirm: tuple[Room, int] | None = None

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = db.session.get(Room, edit_id)
        if editing is None or editing.event_id != event.id:
            abort(404)
        edit_form = RoomForm(prefix="edit", formdata=None, obj=editing)

    if request.method == "POST":
        action = request.form.get("action")
        form: RoomForm | None = None
        try:
            if action == "add":
                form = add_form = RoomForm(prefix="new")
                if form.validate_on_submit():
                    room = service.add_room(current_user, event, form.name.data, form.capacity.data)
                    db.session.commit()
                    flash(_("Room “%(name)s” is added.", name=room.name), "success")
                    return redirect(url_for("organizer.rooms", slug=event.slug))
            elif action == "update":
                editing = _posted_item(Room, event, "room_id")
                form = edit_form = RoomForm(prefix="edit")
                if form.validate_on_submit():
                    service.update_room(current_user, editing, form.name.data, form.capacity.data)
                    db.session.commit()
                    flash(_("Room “%(name)s” is saved.", name=editing.name), "success")
                    return redirect(url_for("organizer.rooms", slug=event.slug))
            elif action in ("up", "down"):
                service.move_room(current_user, _posted_item(Room, event, "room_id"), _direction())
                db.session.commit()
                return redirect(url_for("organizer.rooms", slug=event.slug))
            elif action == "delete":
                room = _posted_item(Room, event, "room_id")
                used = service.room_usages(event).get(room.id, 0)
                if used and request.form.get("confirm") != "yes":
                    confirm = (room, used)
                else:
                    name = room.name
                    affected = service.delete_room(current_user, room)
                    db.session.commit()
                    flash(_room_deleted_message(name, affected), "success")
                    return redirect(url_for("organizer.rooms", slug=event.slug))
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        "organizer/rooms.html",
        **_common(event),
        rooms=service.rooms_of(event),
        usage=service.room_usages(event),
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        confirm=confirm,
        button_form=ButtonForm(),
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


@bp.route("/program/tracks", methods=["GET", "POST"])
@login_required
def tracks(slug: str):
    event = _program_event(slug)
    existing = service.tracks_of(event)
    used_colors = {t.color for t in existing}
    free = [c for c in service.TRACK_COLORS if c not in used_colors]
    add_form = TrackForm(
        prefix="new", formdata=None, data={"color": free[0] if free else service.TRACK_COLORS[0]}
    )
    editing: Track | None = None
    edit_form: TrackForm | None = None
    confirm: tuple[Track, int] | None = None

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = db.session.get(Track, edit_id)
        if editing is None or editing.event_id != event.id:
            abort(404)
        edit_form = TrackForm(prefix="edit", formdata=None, obj=editing)

    if request.method == "POST":
        action = request.form.get("action")
        form: TrackForm | None = None
        try:
            if action == "add":
                form = add_form = TrackForm(prefix="new")
                if form.validate_on_submit():
                    track = service.add_track(
                        current_user,
                        event,
                        form.name.data,
                        form.color.data,
                        form.description.data or "",
                    )
                    db.session.commit()
                    flash(_("Track “%(name)s” is added.", name=track.name), "success")
                    return redirect(url_for("organizer.tracks", slug=event.slug))
            elif action == "update":
                editing = _posted_item(Track, event, "track_id")
                form = edit_form = TrackForm(prefix="edit")
                if form.validate_on_submit():
                    service.update_track(
                        current_user,
                        editing,
                        form.name.data,
                        form.color.data,
                        form.description.data or "",
                    )
                    db.session.commit()
                    flash(_("Track “%(name)s” is saved.", name=editing.name), "success")
                    return redirect(url_for("organizer.tracks", slug=event.slug))
            elif action in ("up", "down"):
                service.move_track(
                    current_user, _posted_item(Track, event, "track_id"), _direction()
                )
                db.session.commit()
                return redirect(url_for("organizer.tracks", slug=event.slug))
            elif action == "delete":
                track = _posted_item(Track, event, "track_id")
                used = service.track_usages(event).get(track.id, 0)
                if used and request.form.get("confirm") != "yes":
                    confirm = (track, used)
                else:
                    name = track.name
                    affected = service.delete_track(current_user, track)
                    db.session.commit()
                    flash(_track_deleted_message(name, affected), "success")
                    return redirect(url_for("organizer.tracks", slug=event.slug))
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        "organizer/tracks.html",
        **_common(event),
        tracks=service.tracks_of(event),
        usage=service.track_usages(event),
        color_labels=service.TRACK_COLOR_LABELS,
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        confirm=confirm,
        button_form=ButtonForm(),
    )


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
    event = _program_event(slug)
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
    event = _program_event(slug)
    body = "\ufeff" + import_service.template_csv(event)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{event.slug}-program-template.csv"',
            "Cache-Control": "no-store",
        },
    )
