"""Organizer: the CRM export of the participants who agreed to hear from the organizer.

``/contacts`` shows how many approved participants agreed, the words they agreed to, what
the file holds and the log of every export; posting to ``/contacts.csv`` downloads the
file and records the download (a POST with the form's CSRF token, so a link prefetcher or
another site cannot add entries to the log). Both require ``contacts.export`` on the
event of the address.
"""

from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_login import current_user, login_required

from conference.blueprints.common import attachment
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import managed_event
from conference.extensions import db
from conference.services import contacts as service


@bp.get("/contacts")
@login_required
def contacts_export(slug: str):
    event = managed_event(slug, "contacts.export")
    response = make_response(
        render_template(
            "organizer/contacts.html",
            event=event,
            active="registrations",
            counts=service.consent_counts(event),
            question=service.contact_question(event),
            wordings=service.wordings(event),
            page=service.exports_page(event, request.args.get("page", 1, type=int)),
            download_form=ButtonForm(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/contacts.csv")
@login_required
def contacts_export_csv(slug: str):
    """The file; each download is recorded (who, when, how many people)."""
    event = managed_event(slug, "contacts.export")
    if not ButtonForm().validate_on_submit():
        abort(400)
    file = service.export(current_user, event)
    db.session.commit()
    return attachment(file.data, file.content_type, file.filename)
