"""Registering for an event, one's own registration (see, change, cancel) and "My events"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import authorize, event_or_404, form_errors_from
from conference.blueprints.registration import bp
from conference.blueprints.registration.forms import CancelForm, RegistrationForm
from conference.enums import NetworkPhase
from conference.extensions import db
from conference.models import Event, Registration
from conference.permissions import network_phase
from conference.services import ServiceError, contacts, leads, network
from conference.services import registrations as service


def _initial(registration: Registration | None, code: str) -> dict:
    """What the form starts with: the profile, and earlier answers when re-registering."""
    profile = current_user.profile
    data = {"company": profile.company, "job_title": profile.job_title, "code": code}
    if registration is not None:
        data.update(
            ticket_type=registration.ticket_type_id,
            industry=registration.industry_id,
            region=registration.region_id,
            job_role=registration.job_role_id,
            interests=[term.id for term in registration.interests],
            # "I want to meet" (matchmaking): the terms split by the field offering them.
            meet_industries=[t.id for t in registration.meet_wishes if t.kind == "industry"],
            meet_regions=[t.id for t in registration.meet_wishes if t.kind == "region"],
            meet_roles=[t.id for t in registration.meet_wishes if t.kind == "job_role"],
        )
        if registration.is_active:
            data.update(
                scan_consent=registration.sponsor_scan_consent,
                sponsor_offers=registration.sponsor_offers,
                organizer_contact=registration.organizer_contact,
            )
    return data


def _own_registration(slug: str) -> tuple[Event, Registration]:
    """The event of the address and the current user's registration for it.

    Someone who never registered is sent to the register page instead.
    """
    event = event_or_404(slug)
    registration = service.registration_of(current_user, event)
    if registration is None:
        abort(redirect(url_for("registration.register", slug=event.slug)))
    return event, registration


def _render_form(event: Event, form: RegistrationForm, registration: Registration | None = None):
    """The register page, or (with an active ``registration``) the page changing it."""
    editing = registration is not None and registration.is_active
    form.scan_question_shown.data = leads.scan_consent_question(event)
    form.contact_question_shown.data = contacts.contact_question(event)
    return render_template(
        "registration/form.html",
        event=event,
        form=form,
        editing=editing,
        places_left=service.places_left(event),
        own_ticket_id=registration.ticket_type_id if editing else None,
    )


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@login_required
def register(slug: str):
    event = event_or_404(slug)
    mine = service.registration_of(current_user, event)
    if mine is not None and mine.is_active:
        return redirect(url_for("registration.detail", slug=event.slug))
    if not current_user.is_verified:
        return render_template("registration/verify_first.html", event=event), 403
    if not event.registration_open or network_phase(event) != NetworkPhase.live:
        return render_template("registration/closed.html", event=event), 403
    authorize("event.register", event)

    code = request.args.get("code", "").strip()[:32]
    form = RegistrationForm.for_event(
        event,
        ask_code=not event.is_public or bool(code) or bool(request.form.get("code")),
        data=_initial(mine, code),
    )
    if form.validate_on_submit():
        try:
            registration = service.register(
                current_user, event, **form.answers(), code=form.value("code")
            )
            leads.set_privacy_choices(
                current_user, registration, **form.privacy_choices(registration)
            )
            contacts.set_organizer_contact(
                current_user, registration, **form.contact_choice(registration)
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if event.approval_required:
                flash(_("Thank you! The organizer will review your registration."), "success")
            else:
                flash(_("You are registered. Welcome to %(event)s!", event=event.name), "success")
            return redirect(url_for("registration.detail", slug=event.slug))
    return _render_form(event, form)


@bp.route("/e/<slug>/registration")
@login_required
def detail(slug: str):
    event, registration = _own_registration(slug)
    return render_template(
        "registration/detail.html",
        event=event,
        registration=registration,
        profile=current_user.profile,
        registered_on=_local_date(registration.created_at, event),
        decided_on=_local_date(registration.decided_at, event),
    )


@bp.route("/e/<slug>/registration/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    event, registration = _own_registration(slug)
    authorize("registration.edit", registration)
    form = RegistrationForm.for_event(event, ask_code=False, data=_initial(registration, ""))
    if form.validate_on_submit():
        try:
            service.update_registration(current_user, registration, **form.answers())
            leads.set_privacy_choices(
                current_user, registration, **form.privacy_choices(registration)
            )
            contacts.set_organizer_contact(
                current_user, registration, **form.contact_choice(registration)
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Your registration is updated."), "success")
            return redirect(url_for("registration.detail", slug=event.slug))
    return _render_form(event, form, registration)


@bp.route("/e/<slug>/registration/cancel", methods=["GET", "POST"])
@login_required
def cancel(slug: str):
    """GET asks for confirmation; POST cancels."""
    event, registration = _own_registration(slug)
    authorize("registration.cancel", registration)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            service.cancel_registration(current_user, registration)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Your registration is cancelled."), "info")
        return redirect(url_for("registration.detail", slug=event.slug))
    return render_template(
        "registration/cancel.html", event=event, registration=registration, form=form
    )


@bp.route("/me/events")
@login_required
def mine():
    """Upcoming events, then past ones (most recent first) with what I did there and
    where their network stands."""
    authorize("account.use")
    items = service.my_events(current_user)
    upcoming = [item for item in items if not _is_past(item.event)]
    past = [item for item in reversed(items) if _is_past(item.event)]
    return render_template(
        "registration/mine.html",
        upcoming=upcoming,
        past=past,
        summaries=network.past_summaries(current_user, [item.event.id for item in past]),
        network_status={item.event.id: network.status_line(item.event) for item in past},
    )


def _local_date(moment: datetime | None, event: Event) -> date | None:
    """The day ``moment`` (UTC) falls on in the event's time zone."""
    return moment.astimezone(ZoneInfo(event.timezone)).date() if moment else None


def _is_past(event: Event) -> bool:
    return network_phase(event) != NetworkPhase.live
