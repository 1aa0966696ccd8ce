"""The person's privacy page for sponsors (/me/privacy): per event, their answers to the
scan question and to the organizer-contact question (whether the organizers may keep
them in their client base) and the sponsors' announcements opt-in; the sponsors'
requests waiting for an answer (accept, showing the exact words agreed to, or ignore);
and every sponsor that holds their details, since when and why, with Withdraw.

Also the menu's sponsor parts (a context processor): the count of requests waiting,
linking here, and the "My sponsor" link of a sponsor's staff in an event.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from conference.blueprints.common import form_errors_from
from conference.blueprints.profiles import bp, my_data
from conference.blueprints.sponsors.common import workspace_nav
from conference.enums import EventRoleKind, LeadSource, RegistrationStatus
from conference.extensions import db
from conference.models import Event, Lead, LeadConsentRequest, Registration, User
from conference.permissions import can, sponsor_membership, standing
from conference.services import ServiceError, contacts
from conference.services import leads as service

#: Why a sponsor holds the person's details, in the person's words.
WHY = {
    LeadSource.scan: _l("Their staff scanned your badge; you had agreed to badge scans."),
    LeadSource.scan_request: _l("Their staff scanned your badge and you accepted their request."),
    LeadSource.booth: _l("You shared your details on their booth."),
    LeadSource.meeting: _l("You shared your details when arranging a meeting with them."),
    LeadSource.material: _l("You shared your details to download one of their materials."),
}

SCAN_ANSWERS = (("yes", _l("Yes")), ("no", _l("No")))


class EventPrivacyForm(FlaskForm):
    """One event's answers; the questions are the event's, shown above the choices."""

    scan_consent = RadioField(
        choices=[SelectChoice(value, label) for value, label in SCAN_ANSWERS],
        validators=[Optional()],
    )
    #: The question as the page showed it, compared with the current one by the service.
    shown = HiddenField()
    organizer_contact = RadioField(
        choices=[SelectChoice(value, label) for value, label in SCAN_ANSWERS],
        validators=[Optional()],
    )
    #: The organizer-contact question as the page showed it.
    contact_shown = HiddenField()
    sponsor_offers = BooleanField(
        _l("Send me the announcements sponsors make through the organizers"),
        description=_l(
            "Each sponsor may send one announcement. The organizers send it: sponsors "
            "never see who receives it."
        ),
    )


class AnswerForm(FlaskForm):
    """Accept (with the words shown) or ignore a sponsor's request."""

    shown = HiddenField()


class WithdrawForm(FlaskForm):
    """The confirmation of withdrawing (CSRF only)."""


@dataclass
class EventPrivacy:
    event: Event
    registration: Registration
    question: str
    contact_question: str
    form: EventPrivacyForm


def _me() -> User:
    return current_user._get_current_object()


def _registrations(person: User) -> list[Registration]:
    """The person's registrations that are not cancelled or declined, newest event first."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.user_id == person.id,
                Registration.status.in_([RegistrationStatus.approved, RegistrationStatus.pending]),
            )
            .order_by(Event.starts_on.desc(), Event.id)
        )
    )


def _answer_value(answer: bool, answered_at) -> str | None:
    """The answer as the form's value ("yes" or "no"), or None when never answered."""
    if answered_at is None and not answer:
        return None
    return "yes" if answer else "no"


def _event_form(registration: Registration, posted: bool = False):
    form = EventPrivacyForm(
        prefix=f"r{registration.id}",
        formdata=None if not posted else request.form,
        data=None
        if posted
        else {
            "scan_consent": _answer_value(
                registration.sponsor_scan_consent, registration.sponsor_scan_consent_at
            ),
            "organizer_contact": _answer_value(
                registration.organizer_contact, registration.organizer_contact_at
            ),
            "sponsor_offers": registration.sponsor_offers,
        },
    )
    if not posted:
        _show_questions(form, registration)
    return form


def _show_questions(form: EventPrivacyForm, registration: Registration) -> None:
    """Put the event's current questions in the form's hidden fields."""
    form.shown.data = service.scan_consent_question(registration.event)
    form.contact_shown.data = contacts.contact_question(registration.event)


def _page(posted: EventPrivacyForm | None = None, posted_id: int | None = None, status=200):
    me = _me()
    events = []
    for registration in _registrations(me):
        form = (
            posted
            if registration.id == posted_id and posted is not None
            else _event_form(registration)
        )
        events.append(
            EventPrivacy(
                registration.event,
                registration,
                service.scan_consent_question(registration.event),
                contacts.contact_question(registration.event),
                form,
            )
        )
    return render_template(
        "profiles/privacy.html",
        events=events,
        requests=service.pending_requests(me),
        holders=service.holders(me),
        why=WHY,
        share_text=service.share_text,
        answer_form=AnswerForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None),
        **my_data.page_context(me),
    ), status


@bp.route("/me/privacy", methods=["GET", "POST"])
@login_required
def privacy():
    """The page; POST saves one event's answers (``registration`` names which)."""
    if request.method == "GET":
        return _page()
    registration = db.session.get(Registration, request.form.get("registration", type=int) or 0)
    if registration is None or registration.user_id != current_user.id:
        abort(404)
    form = _event_form(registration, posted=True)
    if form.validate_on_submit():
        answers = {"yes": True, "no": False}
        try:
            service.set_privacy_choices(
                _me(),
                registration,
                scan_consent=answers.get(form.scan_consent.data),
                shown=form.shown.data,
                sponsor_offers=form.sponsor_offers.data,
            )
            contacts.set_organizer_contact(
                _me(),
                registration,
                answers.get(form.organizer_contact.data),
                form.contact_shown.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(
                _("Your choices for %(event)s are saved.", event=registration.event.name), "success"
            )
            return redirect(url_for("profiles.privacy", _anchor=f"event-{registration.event_id}"))
    _show_questions(form, registration)
    return _page(form, registration.id, status=400)


@bp.post("/me/privacy/requests/<int:request_id>")
@login_required
def privacy_request(request_id: int):
    """Accept (``answer=accept``, with the words shown) or ignore a sponsor's request."""
    consent_request = db.session.get(LeadConsentRequest, request_id)
    if consent_request is None or consent_request.user_id != current_user.id:
        abort(404)
    form = AnswerForm()
    accept = request.form.get("answer") == "accept"
    if not form.validate_on_submit():
        flash(_("Please try again."), "danger")
        return redirect(url_for("profiles.privacy"))
    sponsor_name = consent_request.sponsor.name
    try:
        service.answer_request(_me(), consent_request, accept, form.shown.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _page(status=400)
    db.session.commit()
    if accept:
        flash(_("%(sponsor)s now has your contact details.", sponsor=sponsor_name), "success")
    else:
        flash(_("Ignored: %(sponsor)s is not told.", sponsor=sponsor_name), "info")
    return redirect(url_for("profiles.privacy"))


@bp.post("/me/privacy/leads/<int:lead_id>/withdraw")
@login_required
def privacy_withdraw(lead_id: int):
    """Take one's details back from a sponsor (confirmed on the page)."""
    lead = db.session.get(Lead, lead_id)
    if lead is None or lead.user_id != current_user.id:
        abort(404)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Please try again."), "danger")
        return redirect(url_for("profiles.privacy"))
    sponsor_name = lead.sponsor.name
    try:
        service.withdraw(_me(), lead)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("profiles.privacy"))
    db.session.commit()
    flash(
        _("%(sponsor)s no longer has your contact details.", sponsor=sponsor_name),
        "success",
    )
    return redirect(url_for("profiles.privacy"))


# --- the menu --------------------------------------------------------------------------------


def _sponsor_requests() -> int:
    """Sponsors' requests waiting for the signed-in person (counted once per request)."""
    if not current_user.is_authenticated:
        return 0
    if "_sponsor_requests" not in g:
        g._sponsor_requests = service.pending_request_count(_me())
    return g._sponsor_requests


def _my_sponsor_url(event: Event) -> str | None:
    """The first page of the person's own sponsor in ``event``, if they are its staff."""
    if EventRoleKind.sponsor_staff not in standing(current_user, event).roles:
        return None
    member = sponsor_membership(current_user, event)
    if member is None or not can(current_user, "sponsor.workspace", member.sponsor):
        return None
    tabs = workspace_nav(event, member.sponsor)["tabs"]
    return tabs[0].href if tabs else None


@bp.app_context_processor
def _privacy_menu() -> dict:
    return {"sponsor_requests": _sponsor_requests, "my_sponsor_url": _my_sponsor_url}
