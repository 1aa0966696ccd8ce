"""Organizer: meeting hours, slot length and places; every meeting of the event.

Every view loads the event and requires ``meetings.manage``. A change that would
leave booked meetings without a fitting time or place is not saved at once: the
page shows those meetings (``preview_*`` of the service) and saves only when the
organizer confirms that very list (``apply_*`` with the confirmed ids); when the
list changed meanwhile, the page says so, shows the new list and asks again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference.blueprints.common import form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import (
    event_row_or_404,
    managed_event,
    posted_direction,
    posted_row_or_404,
)
from conference.blueprints.organizer.meeting_forms import MeetingSettingsForm, PlaceForm
from conference.extensions import db
from conference.models import Event, MeetingPlace
from conference.services import ServiceError
from conference.services import meeting_settings as service
from conference.services import program as program_service


def _common(event: Event) -> dict:
    """What every meetings page's template needs besides its own data."""
    return {
        "event": event,
        "clock": partial(program_service.clock, event),
        "local_day": lambda value: program_service.utc_to_local(event, value).date(),
    }


class _Confirm(Exception):
    """The change affects booked meetings: show them and ask before saving."""

    def __init__(self, affected: list):
        super().__init__("confirm")
        self.affected = affected


def _preview_or_apply(
    preview: Callable[[], list], apply: Callable[[list[int]], object], *, ask_anyway: bool = False
):
    """Apply the change when the organizer confirmed a list (the posted ``confirmed`` ids)
    or when it affects no meeting (and ``ask_anyway`` is false); else raise ``_Confirm``.

    ``apply`` may raise ``ServiceError("changed_meanwhile")``; the caller rolls back and
    asks again with a fresh preview.
    """
    if request.form.get("confirm") == "yes":
        return apply(request.form.getlist("confirmed", type=int))
    affected = preview()
    if affected or ask_anyway:
        raise _Confirm(affected)
    return apply([])


def _asked_to_reschedule(affected: list) -> None:
    if affected:
        flash(
            ngettext(
                "%(num)d meeting is marked for rescheduling; both people are told.",
                "%(num)d meetings are marked for rescheduling; both people of each are told.",
                len(affected),
            ),
            "info",
        )


# --- settings: on/off, slot length, hours ------------------------------------------------


@bp.route("/meetings", methods=["GET", "POST"])
@login_required
def meetings(slug: str):
    event = managed_event(slug, "meetings.manage")
    days = program_service.event_days(event)
    preview: list | None = None
    turning_off = False
    if request.method == "GET":
        form = MeetingSettingsForm.for_event(event, days, service.hours_of(event))
    else:
        form = MeetingSettingsForm()
        valid = form.validate_on_submit()
        hours = form.posted_hours(days)
        if hours is None:
            flash(_("The event's dates changed while you were editing. Check the hours again."))
            return redirect(url_for("organizer.meetings", slug=event.slug))
        if valid and _hours_valid(event, form, hours):
            turning_off = event.meetings_enabled and not form.enabled.data
            try:
                affected = _preview_or_apply(
                    partial(service.preview_settings, event, hours),
                    partial(_apply_settings, event, form, hours),
                    ask_anyway=turning_off and service.upcoming_count(event) > 0,
                )
            except _Confirm as ask:
                preview = ask.affected
            except ServiceError as exc:
                db.session.rollback()
                if exc.code != "changed_meanwhile":
                    raise
                flash(exc.message, "warning")
                preview = service.preview_settings(event, hours)
            else:
                db.session.commit()
                flash(_("Meeting settings are saved."), "success")
                _asked_to_reschedule(affected)
                return redirect(url_for("organizer.meetings", slug=event.slug))
    return render_template(
        "organizer/meetings.html",
        **_common(event),
        form=form,
        rows=list(zip(days, form.hours, strict=False)),
        hours_errors=any(row.starts_at.errors or row.ends_at.errors for row in form.hours),
        clock_changes=_clock_change_days(event, days),
        slot_count=partial(service.slot_count, event),
        preview=preview,
        turning_off=turning_off,
        upcoming=service.upcoming_count(event),
        counts=service.meeting_counts(event, service.MeetingFilters()),
        places=service.places_of(event),
    )


def _clock_change_days(event: Event, days: list[date]) -> set[date]:
    """The days on which the clocks change in the event's zone (not 24 hours long)."""
    changes = set()
    for day in days:
        starts, ends = program_service.local_day_bounds(event, day)
        if ends - starts != timedelta(days=1):
            changes.add(day)
    return changes


def _hours_valid(event: Event, form: MeetingSettingsForm, hours: dict) -> bool:
    """Check every day's hours, each refusal next to its row's field; True when all pass."""
    valid = True
    for row in form.hours:
        day = date.fromisoformat(row.day.data)
        try:
            service.check_day_hours(event, day, *hours[day])
        except ServiceError as exc:
            valid = False
            form_errors_from(exc, row.form)
    return valid


def _apply_settings(event: Event, form: MeetingSettingsForm, hours: dict, confirmed: list[int]):
    return service.apply_settings(
        current_user,
        event,
        enabled=form.enabled.data,
        slot_minutes=form.slot_minutes.data,
        hours=hours,
        confirmed_ids=confirmed,
    )


# --- places ----------------------------------------------------------------------------------


def _live_place(event: Event) -> MeetingPlace:
    """The posted place (``place_id``) of ``event``; a removed one is gone (404)."""
    place = posted_row_or_404(MeetingPlace, event, "place_id")
    if place.retired:
        abort(404)
    return place


@bp.route("/meetings/places", methods=["GET", "POST"])
@login_required
def meeting_places(slug: str):
    """GET shows the places (``?edit=<id>`` opens a place's form); POST does the posted
    ``action``: add, update, up, down or delete. Lowering a capacity or deleting a place
    that booked meetings use shows them first and needs ``confirm``."""
    event = managed_event(slug, "meetings.manage")
    add_form = PlaceForm(prefix="new", formdata=None)
    editing: MeetingPlace | None = None
    edit_form: PlaceForm | None = None
    confirm: dict | None = None

    def back():
        return redirect(url_for("organizer.meeting_places", slug=event.slug))

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = event_row_or_404(MeetingPlace, event, edit_id)
        if editing.retired:
            abort(404)
        edit_form = PlaceForm(prefix="edit", formdata=None, obj=editing)

    action = request.form.get("action") if request.method == "POST" else None
    if action == "add":
        add_form = PlaceForm(prefix="new")
        if add_form.validate_on_submit():
            try:
                place = service.add_place(current_user, event, **add_form.service_fields())
            except ServiceError as exc:
                db.session.rollback()
                form_errors_from(exc, add_form)
            else:
                db.session.commit()
                flash(_("Place “%(name)s” is added.", name=place.name), "success")
                return back()
    elif action == "update":
        editing = _live_place(event)
        edit_form = PlaceForm(prefix="edit")
        if edit_form.validate_on_submit():
            fields = edit_form.service_fields()
            try:
                service.check_place(event, fields["name"], fields["capacity"], editing)
                affected = _preview_or_apply(
                    partial(service.preview_place_update, editing, fields["capacity"]),
                    lambda confirmed: service.apply_place_update(
                        current_user, editing, fields["name"], fields["capacity"], confirmed
                    ),
                )
            except _Confirm as ask:
                confirm = {"action": "update", "place": editing, "affected": ask.affected}
            except ServiceError as exc:
                db.session.rollback()
                editing = _live_place(event)
                if exc.code == "changed_meanwhile":
                    flash(exc.message, "warning")
                    confirm = {
                        "action": "update",
                        "place": editing,
                        "affected": service.preview_place_update(editing, fields["capacity"]),
                    }
                else:
                    form_errors_from(exc, edit_form)
            else:
                db.session.commit()
                flash(_("Place “%(name)s” is saved.", name=editing.name), "success")
                _asked_to_reschedule(affected)
                return back()
    elif action in ("up", "down"):
        service.move_place(current_user, _live_place(event), posted_direction())
        db.session.commit()
        return back()
    elif action == "delete":
        place = _live_place(event)
        name = place.name
        try:
            affected = service.preview_place_removal(place)
            retired = _preview_or_apply(
                lambda: affected,
                partial(service.apply_place_removal, current_user, place),
            )
        except _Confirm as ask:
            confirm = {"action": "delete", "place": place, "affected": ask.affected}
        except ServiceError as exc:
            db.session.rollback()
            if exc.code != "changed_meanwhile":
                raise
            flash(exc.message, "warning")
            place = _live_place(event)
            confirm = {
                "action": "delete",
                "place": place,
                "affected": service.preview_place_removal(place),
            }
        else:
            db.session.commit()
            if retired:
                flash(
                    _("Place “%(name)s” is removed; its meetings keep its name.", name=name),
                    "success",
                )
            else:
                flash(_("Place “%(name)s” is deleted.", name=name), "success")
            _asked_to_reschedule(affected)
            return back()
    elif request.method == "POST":
        abort(400)

    return render_template(
        "organizer/meetings_places.html",
        **_common(event),
        places=service.places_of(event),
        retired=[p for p in service.places_of(event, include_retired=True) if p.retired],
        usage=service.place_usages(event),
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        confirm=confirm,
        button_form=ButtonForm(),
    )


# --- every meeting ------------------------------------------------------------------------


@bp.get("/meetings/all")
@login_required
def meetings_all(slug: str):
    """Every meeting of the event, filtered by status and day: who, when, where and how
    it stands. Message texts are the two people's own and are not shown."""
    event = managed_event(slug, "meetings.manage")
    days = program_service.event_days(event)
    filter_args: dict[str, str] = {}
    status = request.args.get("status", "")
    if status in service.STATUS_FILTERS:
        filter_args["status"] = status
    else:
        status = None
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = None
    if day is not None and day in days:
        filter_args["day"] = day.isoformat()
    else:
        day = None
    filters = service.MeetingFilters(status=status, day=day)
    return render_template(
        "organizer/meetings_all.html",
        **_common(event),
        days=days,
        filters=filters,
        filter_args=filter_args,
        day_args={k: v for k, v in filter_args.items() if k == "day"},
        counts=service.meeting_counts(event, filters),
        page=service.meetings_page(event, filters, request.args.get("page", 1, type=int)),
    )
