"""The participants' program: the agenda by day, session pages, bookmarks, my agenda
and search.

The agenda and session pages follow the event: public events show them to
everyone, invitation-only ones to their participants (others get the
participants-only page). Bookmarks and one's own agenda are for participants.

"Now" and "next" are computed from ``app.config["CLOCK"]`` when it is set (a
function returning an aware UTC datetime, for tests and demos), else from the
real clock.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_skeleton
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import authorize_participant, event_or_404
from conference.blueprints.program import bp
from conference.blueprints.program.forms import AgendaFilterForm, BookmarkForm, SearchForm
from conference.enums import NetworkPhase, SessionFormat
from conference.extensions import db
from conference.models import Event, ProgramSession
from conference.models.types import utcnow
from conference.permissions import can, network_phase
from conference.services import ServiceError, placements
from conference.services.agenda import (
    agenda_day,
    agenda_filters,
    bookmark_count,
    by_day,
    default_day,
    is_bookmarked,
    live_state,
    my_agenda,
    next_start,
    record_session_view,
    toggle_bookmark,
    with_meetings,
)
from conference.services.materials import visible_materials
from conference.services.meetings import meetings_of
from conference.services.program import (
    FORMAT_LABELS,
    clock,
    event_days,
    session_of,
    utc_to_local,
)
from conference.services.program_search import highlight as highlight_words
from conference.services.program_search import search_program, search_words, snippet


def now_utc() -> datetime:
    """The moment "now / next" is computed for (see the module docstring)."""
    return current_app.config.get("CLOCK", utcnow)()


@bp.app_template_filter("session_clock")
def session_clock(value: datetime, event: Event) -> str:
    """A UTC moment as a time of day in the event's zone ("14:30", "2:30 PM")."""
    return clock(event, value)


@bp.app_template_filter("local_day")
def local_day(value: datetime, event: Event) -> date:
    """The day a UTC moment falls on in the event's zone."""
    return utc_to_local(event, value).date()


@bp.app_template_filter("day_label")
def day_label(value: date) -> str:
    """A short day for tabs, in the locale's order ("Tue, Nov 24", "24 нояб., вт")."""
    return format_skeleton("MMMEd", value, locale=get_locale())


@bp.app_template_filter("session_format")
def session_format(value: SessionFormat) -> str:
    return str(FORMAT_LABELS.get(SessionFormat(value), value))


def session_or_404(event: Event, session_id: int) -> ProgramSession:
    """The session ``session_id`` of ``event`` (drafts included), else 404."""
    session = session_of(event, session_id)
    if session is None:
        abort(404)
    return session


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


# --- the agenda --------------------------------------------------------------------


def _filter_form(event: Event, include_drafts: bool) -> AgendaFilterForm:
    form = AgendaFilterForm(formdata=request.args)
    options = agenda_filters(event, include_drafts=include_drafts)
    form.track.choices = [("", _("All tracks"))] + [(t.id, t.name) for t in options.tracks]
    form.topic.choices = [("", _("All topics"))] + [(t.id, t.name) for t in options.topics]
    form.speaker.choices = [("", _("All speakers"))] + [
        (person.id, person.display_name) for person in options.speakers
    ]
    return form


def _chosen_day(event: Event, now: datetime) -> date:
    """The day asked for in the query string if it is one of the event's, else the default."""
    try:
        wanted = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return default_day(event, now)
    return wanted if wanted in event_days(event) else default_day(event, now)


def _agenda_url(event: Event, drop: str | None = None, **replace) -> str:
    """The agenda's address with the current query, without one filter or with others set."""
    args = {key: value for key, value in request.args.items() if value}
    if drop:
        args.pop(drop, None)
    args.update({key: str(value) for key, value in replace.items()})
    return url_for("program.agenda", slug=event.slug, **args)


@bp.route("/program/")
def agenda(slug: str):
    event = event_or_404(slug)
    authorize_participant("program.view", event)
    organizer = can(current_user, "program.manage", event)
    now = now_utc()
    form = _filter_form(event, include_drafts=organizer)
    day = _chosen_day(event, now)
    result = agenda_day(
        event,
        day,
        track_ids=form.chosen("track"),
        topic_ids=form.chosen("topic"),
        speaker_ids=form.chosen("speaker"),
        viewer=_viewer(),
        include_drafts=organizer,
        now=now,
        with_counts=organizer,
    )
    viewer = _viewer()
    active = []
    for name in form.FILTERS:
        labels = {str(value): label for value, label in getattr(form, name).choices}
        for value in form.chosen(name):
            if str(value) in labels:
                active.append((labels[str(value)], _agenda_url(event, drop=name)))
    return render_template(
        "program/agenda.html",
        event=event,
        form=form,
        agenda=result,
        organizer=organizer,
        can_bookmark=can(current_user, "event.participate", event)
        and network_phase(event) != NetworkPhase.closed,
        today=utc_to_local(event, now).date(),
        day_url=lambda d: _agenda_url(event, day=d.isoformat()),
        active_filters=active,
        clear_url=url_for("program.agenda", slug=event.slug, day=day.isoformat()),
        search_form=SearchForm(formdata=None),
        strip=placements.agenda_sponsors(viewer, event),
        session_sponsors=placements.session_sponsors(
            viewer, [item.session for item in result.items]
        ),
    )


# --- a session ----------------------------------------------------------------------


@bp.route("/program/<int:session_id>")
def session(slug: str, session_id: int):
    event = event_or_404(slug)
    program_session = session_or_404(event, session_id)
    authorize_participant("session.view", event, program_session)
    organizer = can(current_user, "program.manage", event)
    now = now_utc()
    viewer = _viewer()
    if viewer is not None and can(viewer, "event.participate", event):
        record_session_view(viewer, program_session)
        db.session.commit()
    live = live_state(program_session, now, next_start(event, now, include_drafts=organizer))
    speakers = [
        (person, can(current_user, "profile.view", (event, person)))
        for person in program_session.speakers
    ]
    return render_template(
        "program/session.html",
        event=event,
        session=program_session,
        day=utc_to_local(event, program_session.starts_at).date(),
        speakers=speakers,
        live=live,
        organizer=organizer,
        can_bookmark=can(current_user, "session.bookmark", program_session),
        bookmarked=viewer is not None and is_bookmarked(viewer, program_session),
        bookmarks=bookmark_count(program_session) if organizer else None,
        materials=visible_materials(current_user, program_session),
        can_upload=can(current_user, "material.upload", program_session),
        sponsor=placements.session_sponsors(viewer, [program_session]).get(
            program_session.sponsor_id
        ),
    )


# --- bookmarks ------------------------------------------------------------------------


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("/program/<int:session_id>/bookmark", methods=["POST"])
@login_required
def bookmark(slug: str, session_id: int):
    event = event_or_404(slug)
    program_session = session_or_404(event, session_id)
    if _wants_json() and not can(current_user, "session.bookmark", program_session):
        message = _("Only participants of the event can build an agenda.")
        return {"ok": False, "error": "forbidden", "message": message}, 403
    authorize_participant("session.bookmark", event, program_session)
    form = BookmarkForm()
    if not form.validate_on_submit():
        if _wants_json():
            return {"ok": False, "error": "bad_request", "message": _("Bad request")}, 400
        abort(400)
    wanted = form.on.data == "1"
    try:
        state = toggle_bookmark(current_user._get_current_object(), program_session, wanted)
    except ServiceError as exc:
        db.session.rollback()
        if _wants_json():
            return {"ok": False, "error": exc.code, "message": exc.message}, 409
        flash(exc.message, "danger")
    else:
        db.session.commit()
        if _wants_json():
            return {"ok": True, "bookmarked": state.bookmarked, "count": state.count}
        if state.changed:
            message = (
                _("“%(title)s” is on your agenda.", title=program_session.title)
                if wanted
                else _("“%(title)s” is off your agenda.", title=program_session.title)
            )
            flash(message, "success")
    back = safe_next(form.next.data) or url_for(
        "program.session", slug=event.slug, session_id=program_session.id
    )
    return redirect(back)


# --- my agenda ------------------------------------------------------------------------


@bp.route("/program/mine")
def mine(slug: str):
    event = event_or_404(slug)
    authorize_participant("agenda.mine", event)
    user = current_user._get_current_object()
    items = my_agenda(event, user)
    meetings = meetings_of(event, user) if can(user, "meetings.use", event) else []
    return render_template(
        "program/mine.html",
        event=event,
        days=by_day(with_meetings(event, user, items, meetings)),
        count=len(items),
        meeting_count=len(meetings),
        clashes=sum(1 for item in items if item.overlaps),
        long_day=lambda d: format_date(d, "full"),
    )


# --- search ----------------------------------------------------------------------------


@bp.route("/program/search")
def search(slug: str):
    event = event_or_404(slug)
    authorize_participant("program.view", event)
    organizer = can(current_user, "program.manage", event)
    form = SearchForm(formdata=request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    hits = search_program(event, query, include_drafts=organizer) if query else []
    words = search_words(query)
    speakers = {}
    for hit in hits:
        for person in hit.speakers:
            speakers.setdefault(person.id, person)
    return render_template(
        "program/search.html",
        event=event,
        form=form,
        query=query,
        hits=hits,
        speakers=list(speakers.values()),
        highlight=lambda text: highlight_words(text or "", words),
        snippet=lambda text: snippet(text or "", words),
        can_bookmark=can(current_user, "event.participate", event)
        and network_phase(event) != NetworkPhase.closed,
    )
