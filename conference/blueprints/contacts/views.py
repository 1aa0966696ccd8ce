"""My contacts (across all events), contact requests, asking from a profile, and the
badge scanner that connects two participants.

Every page and action checks a rule: ``contacts.use`` for one's own lists and exports,
``contact.edit`` for one contact (always one's own row: contacts are looked up by the
owner and the other person's id), ``contact_request.answer``/``withdraw`` for a
request, ``contact.request`` to ask someone from an event, ``contact.scan`` for the
scanner, and ``message.send`` or ``conversation.start`` for a contact's "Message". Forms
post and redirect; ``static/js/contacts.js`` saves notes and tags in place and
``static/js/contact-scan.js`` reads badges with the camera, both through the same URLs
answering JSON.
"""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import BaseModel, ConfigDict, StringConstraints

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import (
    attachment,
    authorize,
    authorize_participant,
    event_or_404,
    form_errors_from,
    json_answer,
)
from conference.blueprints.contacts import bp
from conference.blueprints.contacts.forms import (
    AskForm,
    ButtonForm,
    CodeForm,
    ContactForm,
    split_tags,
)
from conference.extensions import db
from conference.models import Contact, ContactRequest, Conversation, Event, User
from conference.permissions import can
from conference.services import ServiceError, messaging
from conference.services import connections as service
from conference.services.checkin import PAYLOAD_MAX

#: The colour of a scan's answer: green for contacts, amber for "we asked them".
TONES = {"connected": "green", "known": "green", "asked": "amber", "already_asked": "amber"}


def _me() -> User:
    return current_user._get_current_object()


def _own_contact(person_id: int) -> Contact:
    authorize("contacts.use")
    contact = service.contact_of(_me(), person_id)
    if contact is None:
        abort(404)
    authorize("contact.edit", contact)
    return contact


def _back(default: str) -> str:
    return safe_next(request.form.get("next") or request.args.get("next")) or default


# --- my contacts --------------------------------------------------------------------------


@bp.get("/me/contacts")
@login_required
def mine():
    authorize("contacts.use")
    me = _me()
    q = (request.args.get("q") or "").strip()[:200]
    tag = (request.args.get("tag") or "").strip()[:200]
    event_id = request.args.get("event", type=int)
    rows = service.contacts_of(me, q=q or None, tag=tag or None, event_id=event_id)
    events = service.events_of(me)
    talks = _conversations_with(me, [row.person.id for row in rows])
    writable = {
        row.person.id
        for row in rows
        if _may_message(me, row.person, row.event, talks.get(row.person.id))
    }
    return render_template(
        "contacts/mine.html",
        rows=rows,
        total=service.count_of(me),
        q=q,
        tag=tag,
        event_id=event_id,
        events=events,
        tags=service.tags_of(me),
        filtered=bool(q or tag or event_id),
        received=service.received_count(me),
        button_form=ButtonForm(formdata=None),
        contact_form=ContactForm,
        talks=talks,
        writable=writable,
        here=request.full_path.rstrip("?"),
    )


class ContactPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    note: Annotated[str, StringConstraints(max_length=service.NOTE_MAX)] = ""
    tags: list[Annotated[str, StringConstraints(max_length=service.TAG_MAX)]] = []


@bp.post("/me/contacts/<int:person_id>")
@login_required
def update(person_id: int):
    """A contact's note and tags: JSON from the list's script, or the row's form."""
    contact = _own_contact(person_id)
    if request.is_json:

        def run():
            data = ContactPayload.model_validate_json(request.get_data())
            saved = service.update_contact(_me(), contact, data.note, data.tags)
            return {"note": saved.note, "tags": saved.tags}

        return json_answer(run)
    form = ContactForm()
    back = _back(url_for("contacts.mine"))
    if form.validate_on_submit():
        try:
            service.update_contact(_me(), contact, form.note.data, split_tags(form.tags.data))
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Saved for %(name)s.", name=contact.person.display_name), "success")
    else:
        for errors in form.errors.values():
            flash(" ".join(errors), "danger")
    return redirect(back)


@bp.post("/me/contacts/<int:person_id>/remove")
@login_required
def remove(person_id: int):
    contact = _own_contact(person_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name = contact.person.display_name
    service.remove_contact(_me(), contact)
    db.session.commit()
    flash(_("%(name)s and you are no longer contacts.", name=name), "success")
    return redirect(_back(url_for("contacts.mine")))


def _conversations_with(me: User, person_ids: list[int]) -> dict[int, Conversation]:
    """``me``'s conversations with these people, by the other person's id (one query)."""
    if not person_ids:
        return {}
    found = db.session.scalars(
        sa.select(Conversation).where(
            sa.or_(
                sa.and_(
                    Conversation.user_low_id == me.id, Conversation.user_high_id.in_(person_ids)
                ),
                sa.and_(
                    Conversation.user_high_id == me.id, Conversation.user_low_id.in_(person_ids)
                ),
            )
        )
    )
    return {conversation.other_id(me.id): conversation for conversation in found}


def _may_message(
    me: User, person: User, event: Event | None, conversation: Conversation | None
) -> bool:
    """Whether a contact's "Message" is offered: writing on in the conversation they have
    (``message.send``), else starting one from the event where they met
    (``conversation.start``, which lets contacts write whatever became of its network).
    A contact whose event was deleted and who has no conversation yet cannot be written
    to from here: a conversation is started from an event."""
    if conversation is not None:
        return can(me, "message.send", conversation)
    return event is not None and can(me, "conversation.start", (event, person))


@bp.post("/me/contacts/<int:person_id>/message")
@login_required
def message(person_id: int):
    """A contact's "Message": their conversation with ``me``, started if need be."""
    contact = _own_contact(person_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    me = _me()
    person = contact.person
    event = db.session.get(Event, contact.event_id) if contact.event_id else None
    conversation = _conversations_with(me, [person.id]).get(person.id)
    if not _may_message(me, person, event, conversation):
        flash(
            _("You can't start a conversation with %(name)s.", name=person.display_name), "warning"
        )
        return redirect(_back(url_for("contacts.mine")))
    if conversation is None:
        try:
            conversation = messaging.get_or_create_conversation(me, event, person)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
            return redirect(_back(url_for("contacts.mine")))
        db.session.commit()
    return redirect(url_for("messages.conversation", conversation_id=conversation.id))


def _filename(stem: str, extension: str) -> str:
    cleaned = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in stem).strip()
    return f"{cleaned or 'contact'}.{extension}"


@bp.get("/me/contacts/<int:person_id>.vcf")
@login_required
def vcard(person_id: int):
    contact = _own_contact(person_id)
    data = service.vcard_of(contact).encode("utf-8")
    return attachment(data, "text/vcard", _filename(contact.person.display_name, "vcf"))


@bp.get("/me/contacts.vcf")
@login_required
def vcards():
    authorize("contacts.use")
    data = service.all_vcards(_me()).encode("utf-8")
    return attachment(data, "text/vcard", _filename(_("contacts"), "vcf"))


@bp.get("/me/contacts.csv")
@login_required
def csv():
    authorize("contacts.use")
    data = service.contacts_csv(_me())
    return attachment(data, "text/csv", _filename(_("contacts"), "csv"))


# --- requests -----------------------------------------------------------------------------


@bp.get("/me/contacts/requests")
@login_required
def requests():
    authorize("contacts.use")
    return render_template(
        "contacts/requests.html",
        lists=service.requests_of(_me()),
        button_form=ButtonForm(formdata=None),
    )


def _request_or_404(request_id: int) -> ContactRequest:
    authorize("contacts.use")
    found = db.session.get(ContactRequest, request_id)
    me = _me()
    if found is None or me.id not in (found.requester_id, found.recipient_id):
        abort(404)
    return found


def _decide(request_id: int, action: str, run, done: str):
    """Answer or withdraw one request from a button, back to where it was pressed."""
    found = _request_or_404(request_id)
    back = _back(url_for("contacts.requests"))
    if not ButtonForm().validate_on_submit():
        abort(400)
    if not can(current_user, action, found):
        flash(_("This request is no longer open."), "warning")
        return redirect(back)
    name = (found.requester if action == "contact_request.answer" else found.recipient).display_name
    run(_me(), found)
    db.session.commit()
    flash(done % {"name": name}, "success")
    return redirect(back)


@bp.post("/me/contacts/requests/<int:request_id>/accept")
@login_required
def accept(request_id: int):
    return _decide(
        request_id,
        "contact_request.answer",
        service.accept_request,
        _("%(name)s is now among your contacts."),
    )


@bp.post("/me/contacts/requests/<int:request_id>/decline")
@login_required
def decline(request_id: int):
    return _decide(
        request_id,
        "contact_request.answer",
        service.decline_request,
        _("You declined the request of %(name)s. They are not told."),
    )


@bp.post("/me/contacts/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    return _decide(
        request_id,
        "contact_request.withdraw",
        service.withdraw_request,
        _("Your request to %(name)s is withdrawn."),
    )


# --- asking from a profile ------------------------------------------------------------------


@bp.route("/e/<slug>/people/<int:user_id>/connect", methods=["GET", "POST"])
@login_required
def ask(slug: str, user_id: int):
    """Ask someone met at ``slug`` to become contacts, with an optional note."""
    event = event_or_404(slug)
    authorize_participant("event.participate", event)
    person = db.session.get(User, user_id)
    if person is None or not can(current_user, "profile.view", (event, person)):
        abort(404)
    me = _me()
    profile_url = url_for("profiles.person", slug=event.slug, user_id=person.id)
    state = service.state_between(me, person, event)
    if state.kind != "can_ask":
        if state.kind == "contact":
            flash(_("%(name)s is already among your contacts.", name=person.display_name), "info")
        elif state.kind == "sent":
            flash(
                _(
                    "You asked %(name)s already. They have not answered yet.",
                    name=person.display_name,
                ),
                "info",
            )
        elif state.kind == "received":
            flash(
                _(
                    "%(name)s asked you first: accept their request below.",
                    name=person.display_name,
                ),
                "info",
            )
        else:
            flash(
                _("You can't add %(name)s to your contacts.", name=person.display_name), "warning"
            )
        return redirect(profile_url)
    form = AskForm()
    if form.validate_on_submit():
        try:
            asked = service.request_contact(me, person, event, form.message.data or "")
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if asked.outcome == "connected":
                flash(
                    _("%(name)s is now among your contacts.", name=person.display_name), "success"
                )
            else:
                flash(
                    _("Request sent. %(name)s will be told.", name=person.display_name), "success"
                )
            return redirect(profile_url)
    return render_template(
        "contacts/ask.html",
        event=event,
        person=person,
        profile=person.profile,
        form=form,
        profile_url=profile_url,
    ), (400 if form.errors else 200)


# --- the badge scanner ----------------------------------------------------------------------


def _scanning(slug: str) -> Event:
    event = event_or_404(slug)
    authorize_participant("event.participate", event)
    authorize("contact.scan", event)
    return event


def _person_json(person: User | None) -> dict | None:
    if person is None:
        return None
    profile = person.profile
    return {
        "name": person.display_name,
        "company": profile.company if profile else "",
        "job_title": profile.job_title if profile else "",
    }


def _scanner_page(event: Event, *, result=None, form: CodeForm | None = None, status=200):
    return render_template(
        "contacts/scan.html",
        event=event,
        result=result,
        tone=TONES.get(result.outcome, "red") if result is not None else None,
        form=form or CodeForm(formdata=None),
        payload_max=PAYLOAD_MAX,
        consents=bool(current_user.profile and current_user.profile.contact_on_badge_scan),
    ), status


@bp.route("/e/<slug>/connect/scan", methods=["GET", "POST"])
@login_required
def scan(slug: str):
    """The scanner; POST is its code form, for phones without JavaScript."""
    event = _scanning(slug)
    if request.method == "GET":
        return _scanner_page(event)
    form = CodeForm()
    if not form.validate_on_submit():
        return _scanner_page(event, form=form, status=400)
    try:
        result = service.scan_badge(_me(), event, form.code.data)
    except ServiceError as exc:
        db.session.rollback()
        form_errors_from(exc, form)
        return _scanner_page(event, form=form, status=400)
    db.session.commit()
    return _scanner_page(event, result=result)


class ScanPayload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    payload: Annotated[str, StringConstraints(max_length=PAYLOAD_MAX)]


@bp.post("/e/<slug>/connect/scan.json")
@login_required
def scan_json(slug: str):
    """A code read by the camera or typed on the page: the answer as JSON."""
    event = _scanning(slug)

    def run():
        data = ScanPayload.model_validate_json(request.get_data())
        result = service.scan_badge(_me(), event, data.payload)
        return {
            "outcome": result.outcome,
            "tone": TONES.get(result.outcome, "red"),
            "message": result.message,
            "person": _person_json(result.person),
        }

    return json_answer(run)
