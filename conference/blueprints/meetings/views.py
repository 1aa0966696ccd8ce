"""Participants' 1:1 meetings over HTTP: my meetings, requesting one from a profile, a
meeting's page with the answers allowed (accept, decline, propose another time,
reschedule, cancel).

Every page works without JavaScript: the slot picker is a day chooser (links) and a
form of radio buttons; ``static/js/meetings.js`` only greys out the places that are
full at the chosen time and refreshes the list when a ``meeting_changed`` event
arrives. A meeting of other people answers 404 to anyone but the event's organizers,
like one that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import (
    authorize_participant,
    event_or_404,
    form_errors_from,
)
from conference.blueprints.meetings import bp
from conference.blueprints.meetings.forms import (
    AcceptForm,
    ButtonForm,
    MoveForm,
    NoteForm,
    RequestForm,
)
from conference.enums import MeetingStatus
from conference.extensions import db
from conference.models import Event, Meeting, User
from conference.permissions import can
from conference.services import ServiceError, leads
from conference.services import meetings as service
from conference.services.meeting_settings import places_of
from conference.services.meetings import MESSAGE_MAX, NOTE_MAX, Slot
from conference.services.program import clock, event_zone

STATUS_LABELS = {
    MeetingStatus.pending: lambda: _("Pending"),
    MeetingStatus.accepted: lambda: _("Confirmed"),
    MeetingStatus.declined: lambda: _("Declined"),
    MeetingStatus.cancelled: lambda: _("Cancelled"),
}


@bp.app_template_global("pending_meetings")
def pending_meetings(event: Event) -> int:
    """Requests waiting for the signed-in person's answer in ``event``, for the
    navigation badge; counted once per request and event."""
    if not current_user.is_authenticated:
        return 0
    counts = g.setdefault("_pending_meetings", {})
    if event.id not in counts:
        counts[event.id] = service.pending_for(current_user._get_current_object(), event)
    return counts[event.id]


@bp.app_template_filter("meeting_status")
def meeting_status(value: MeetingStatus) -> str:
    return STATUS_LABELS[MeetingStatus(value)]()


def _me() -> User:
    return current_user._get_current_object()


def _event(slug: str) -> Event:
    """The event, if the current user may use its meetings. A participant of an event
    whose organizers switched meetings off gets 404 (there is nothing to see), anyone
    else the participants-only page."""
    event = event_or_404(slug)
    if not event.meetings_enabled and can(current_user, "event.participate", event):
        abort(404)
    authorize_participant("meetings.use", event)
    return event


def _meeting(event: Event, meeting_id: int) -> Meeting:
    meeting = service.meeting_of(event, meeting_id)
    if meeting is None or not can(current_user, "meeting.view", meeting):
        abort(404)
    return meeting


def _detail_url(meeting: Meeting) -> str:
    return url_for(".detail", slug=meeting.event.slug, meeting_id=meeting.id)


# --- the slot picker -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayChoice:
    day: date
    free: int
    url: str
    active: bool


@dataclass(frozen=True)
class SlotChoice:
    key: str
    label: str
    #: The places with room then, as space-separated ids for the page's script.
    place_ids: str


def _slot_label(event: Event, slot: Slot, with_zone: bool) -> str:
    """A slot's times in the event's zone; with ``with_zone`` the zone's abbreviation
    follows, and the slot across the moment the clocks go back names both zones."""
    start, end = clock(event, slot.starts_at), clock(event, slot.ends_at)
    if not with_zone:
        return f"{start}\u2013{end}"
    zone = event_zone(event)
    first, last = (moment.astimezone(zone).tzname() for moment in (slot.starts_at, slot.ends_at))
    if first == last:
        return f"{start}\u2013{end} {last}"
    return f"{start} {first}\u2013{end} {last}"


def _slot_picker(event: Event, form, a: User, b: User, exclude: Meeting | None, day_url) -> dict:
    """The day chooser and the chosen day's slots and places, set on ``form``.

    The day is the form's (a sent form), else the query's ``day``, else the first day
    with a free slot. On a day when the clocks change, each time carries its zone's
    abbreviation, since the same wall-clock time can come twice.
    """
    days = service.meeting_days(event)
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in service.free_slots(event, a, b, exclude_meeting=exclude):
        by_day[slot.day].append(slot)
    wanted = form.day.data if form.is_submitted() else request.args.get("day")
    try:
        chosen = date.fromisoformat(wanted or "")
    except ValueError:
        chosen = None
    if chosen not in days:
        chosen = next((day for day in days if by_day[day]), days[0] if days else None)
    form.day.data = chosen.isoformat() if chosen else ""
    slots = by_day.get(chosen, [])
    zone = event_zone(event)
    offsets = {m.astimezone(zone).utcoffset() for s in slots for m in (s.starts_at, s.ends_at)}
    with_zone = len(offsets) > 1
    choices = [
        SlotChoice(
            slot.key,
            _slot_label(event, slot, with_zone),
            " ".join(str(place_id) for place_id in sorted(slot.place_ids)),
        )
        for slot in slots
    ]
    form.slot.choices = [(choice.key, choice.label) for choice in choices]
    places = places_of(event)
    form.place.choices = [(place.id, place.name) for place in places]
    if len(places) == 1 and not form.place.data:
        form.place.data = places[0].id
    return {
        "days": [DayChoice(day, len(by_day[day]), day_url(day), day == chosen) for day in days],
        "chosen_day": chosen,
        "slot_choices": choices,
        "places": places,
    }


# --- my meetings -----------------------------------------------------------------------------


@bp.get("/")
@login_required
def mine(slug: str):
    event = _event(slug)
    me = _me()
    lists = service.my_meetings(event, me)
    return render_template(
        "meetings/mine.html",
        event=event,
        lists=lists,
        me=me,
        accept_form=ButtonForm(formdata=None),
        # Requests from a sponsor's staff are accepted on the meeting's page, where the
        # sharing box is offered.
        with_sponsor=_with_sponsor_staff(event, me, lists.awaiting_me),
    )


def _with_sponsor_staff(event: Event, me: User, meetings: list[Meeting]) -> set[int]:
    """The meetings of ``meetings`` with the staff of a sponsor collecting leads."""
    staff = leads.staff_collecting(event, me, {meeting.other_id(me.id) for meeting in meetings})
    return {meeting.id for meeting in meetings if meeting.other_id(me.id) in staff}


# --- requesting ------------------------------------------------------------------------------


@bp.route("/new/<int:user_id>", methods=["GET", "POST"])
@login_required
def new(slug: str, user_id: int):
    """Request a meeting with someone, from their profile."""
    event = _event(slug)
    person = db.session.get(User, user_id)
    if person is None or not can(current_user, "profile.view", (event, person)):
        abort(404)
    me = _me()
    profile_url = url_for("profiles.person", slug=event.slug, user_id=person.id)
    if not can(me, "meeting.request", (event, person)):
        flash(_("You can't request a meeting with %(name)s.", name=person.display_name), "warning")
        return redirect(profile_url)
    form = RequestForm()
    share_sponsor = leads.collecting_sponsor(event, me, person)
    if form.validate_on_submit():
        try:
            meeting = service.request_meeting(
                me,
                event,
                person,
                service.parse_slot_key(form.slot.data),
                form.place.data,
                form.message.data,
            )
            if form.share.data:
                leads.share_in_meeting(me, meeting, form.share_shown.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Your request is on its way to %(name)s.", name=person.display_name), "success")
            return redirect(_detail_url(meeting))
    picker = _slot_picker(
        event,
        form,
        me,
        person,
        None,
        lambda day: url_for(".new", slug=event.slug, user_id=person.id, day=day.isoformat()),
    )
    if share_sponsor is not None:
        form.share_shown.data = leads.share_text(share_sponsor)
    return render_template(
        "meetings/new.html",
        event=event,
        person=person,
        profile_url=profile_url,
        form=form,
        message_max=MESSAGE_MAX,
        share_sponsor=share_sponsor,
        **picker,
    )


# --- a meeting ---------------------------------------------------------------------------------


@bp.get("/<int:meeting_id>")
@login_required
def detail(slug: str, meeting_id: int):
    event = _event(slug)
    meeting = _meeting(event, meeting_id)
    me = _me()
    involved = meeting.involves(me.id)
    other = db.session.get(User, meeting.other_id(me.id)) if involved else None
    changed_by = db.session.get(User, meeting.changed_by_id) if meeting.changed_by_id else None
    can_respond = can(me, "meeting.respond", meeting)
    found = leads.meeting_sponsor(meeting, me) if can_respond else None
    share_sponsor = found[0] if found else None
    accept_form = AcceptForm(formdata=None)
    if share_sponsor is not None:
        accept_form.share_shown.data = leads.share_text(share_sponsor)
    return render_template(
        "meetings/detail.html",
        event=event,
        meeting=meeting,
        me=me,
        involved=involved,
        other=other,
        changed_by=changed_by,
        other_profile_url=url_for("profiles.person", slug=event.slug, user_id=other.id)
        if other is not None and can(me, "profile.view", (event, other))
        else None,
        can_respond=can_respond,
        can_change=can(me, "meeting.change", meeting),
        can_cancel=can(me, "meeting.cancel", meeting),
        is_past=meeting.ends_at <= service.now(),
        when=service.when_text(event, meeting.starts_at, meeting.ends_at),
        accept_form=accept_form,
        share_sponsor=share_sponsor,
        note_form=NoteForm(formdata=None),
        note_max=NOTE_MAX,
    )


def _answer(slug: str, meeting_id: int, form, act, done: str):
    """Run one answer (``act(me, meeting, form)``) from a meeting's button, then go back
    to the page it came from (``next``, e.g. My meetings) or the meeting, with a notice."""
    event = _event(slug)
    meeting = _meeting(event, meeting_id)
    back = safe_next(request.form.get("next")) or _detail_url(meeting)
    if not form.validate_on_submit():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        flash(errors[0] if errors else _("Please try again."), "danger")
        return redirect(back)
    try:
        act(_me(), meeting, form)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(back)


@bp.post("/<int:meeting_id>/accept")
@login_required
def accept(slug: str, meeting_id: int):
    return _answer(
        slug,
        meeting_id,
        AcceptForm(),
        _accept,
        _("The meeting is confirmed. It is in your agenda."),
    )


def _accept(me: User, meeting: Meeting, form: AcceptForm) -> None:
    """Accept; with the box ticked, share one's details with the sponsor of the other
    person in the same transaction."""
    service.accept(me, meeting)
    if form.share.data:
        leads.share_in_meeting(me, meeting, form.share_shown.data)


@bp.post("/<int:meeting_id>/decline")
@login_required
def decline(slug: str, meeting_id: int):
    return _answer(
        slug,
        meeting_id,
        NoteForm(),
        lambda me, meeting, form: service.decline(me, meeting, form.note.data),
        _("You declined the request."),
    )


@bp.post("/<int:meeting_id>/cancel")
@login_required
def cancel(slug: str, meeting_id: int):
    return _answer(
        slug,
        meeting_id,
        NoteForm(),
        lambda me, meeting, form: service.cancel(me, meeting, form.note.data),
        _("The meeting is cancelled."),
    )


@bp.route("/<int:meeting_id>/change", methods=["GET", "POST"])
@login_required
def change(slug: str, meeting_id: int):
    """Another time or place: a proposal from the person the request waits for, a
    reschedule from either person otherwise."""
    event = _event(slug)
    meeting = _meeting(event, meeting_id)
    me = _me()
    proposing = can(me, "meeting.respond", meeting)
    if not proposing and not can(me, "meeting.change", meeting):
        flash(_("This meeting can no longer be changed."), "warning")
        return redirect(_detail_url(meeting))
    form = MoveForm()
    if form.validate_on_submit():
        move = service.propose if proposing else service.reschedule
        try:
            move(
                me,
                meeting,
                service.parse_slot_key(form.slot.data),
                form.place.data,
                form.note.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            other = db.session.get(User, meeting.other_id(me.id))
            flash(
                _("%(name)s is asked to confirm the new time.", name=other.display_name),
                "success",
            )
            return redirect(_detail_url(meeting))
    other = db.session.get(User, meeting.other_id(me.id))
    requester = db.session.get(User, meeting.requester_id)
    invitee = db.session.get(User, meeting.invitee_id)
    picker = _slot_picker(
        event,
        form,
        requester,
        invitee,
        meeting,
        lambda day: url_for(".change", slug=event.slug, meeting_id=meeting.id, day=day.isoformat()),
    )
    return render_template(
        "meetings/change.html",
        event=event,
        meeting=meeting,
        other=other,
        proposing=proposing,
        form=form,
        when=service.when_text(event, meeting.starts_at, meeting.ends_at),
        note_max=NOTE_MAX,
        **picker,
    )
