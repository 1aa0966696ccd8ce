"""A participant's own badge, and one badge printed or reissued at the desk.

- ``/e/<slug>/badge``: the phone page with the QR code big, for the entrance (its
  first view issues the person's code); a pending registration sees that the badge
  comes once approved; anyone else gets the participants-only page (``badge.mine``);
- ``/e/<slug>/badge.pdf``: the same badge as a PDF to print at home (not recorded
  as a print: only the organizers' and the desk's prints are);
- ``/e/<slug>/badges/<registration_id>.pdf``: one badge for the desk printer, shown
  inline so the browser's PDF viewer offers its print dialog (``badge.print``;
  recorded as a print; printing is not checking in);
- ``POST /e/<slug>/badges/<registration_id>/reissue``: a lost badge; the old QR code
  stops working at once (``badge.print``). Answers JSON to a client asking for it
  (the check-in page), else redirects back with a message.
"""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.badges.render import qr_svg
from conference.blueprints.badges import bp
from conference.blueprints.common import ParticipantsOnly, authorize, event_or_404
from conference.blueprints.organizer.badge_forms import ReissueForm
from conference.blueprints.organizer.lookups import event_row_or_404
from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import Event, Registration
from conference.permissions import can
from conference.services import badges as service
from conference.services.profiles import registration_in


def _pdf(data: bytes, filename: str, disposition: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _own_badge(event: Event) -> Registration | None:
    """The signed-in person's registration when they may have its badge; None while it
    waits for approval; the participants-only page for anyone else."""
    registration = registration_in(event, current_user) if current_user.is_authenticated else None
    if registration is not None and can(current_user, "badge.mine", registration):
        return registration
    if registration is not None and registration.status == RegistrationStatus.pending:
        return None
    raise ParticipantsOnly(event)


@bp.get("/badge")
def mine(slug: str):
    event = event_or_404(slug)
    registration = _own_badge(event)
    if registration is None:
        return render_template("badge_pages/pending.html", event=event)
    code = service.live_code(registration)
    db.session.commit()
    profile = registration.user.profile
    return render_template(
        "badge_pages/mine.html",
        event=event,
        registration=registration,
        person=registration.user,
        profile=profile,
        qr=qr_svg(code.qr_payload),
        payload=code.qr_payload,
    )


@bp.get("/badge.pdf")
def mine_pdf(slug: str):
    event = event_or_404(slug)
    registration = _own_badge(event)
    if registration is None:
        raise ParticipantsOnly(event)
    data = service.registration_badge_pdf(registration, current_user, record_print=False)
    db.session.commit()
    return _pdf(data, f"{event.slug}-badge.pdf", "attachment")


@bp.get("/badges/<int:registration_id>.pdf")
@login_required
def print_one(slug: str, registration_id: int):
    """The badge, inline so the browser's viewer prints it, recorded as printed.

    A link from another site (``Sec-Fetch-Site: cross-site``) still gets the PDF but
    records nothing, so no page elsewhere can mark badges printed behind the desk's back.
    """
    event = event_or_404(slug)
    registration = event_row_or_404(Registration, event, registration_id)
    authorize("badge.print", registration)
    from_here = request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
    data = service.registration_badge_pdf(registration, current_user, record_print=from_here)
    db.session.commit()
    return _pdf(data, f"{event.slug}-badge-{registration.id}.pdf", "inline")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _back(event: Event, registration: Registration) -> str:
    """Where to go after a reissue: the posted ``next`` when it is a page of this event,
    else the registration's page for organizers, else the event's page."""
    target = request.form.get("next", "")
    base = f"/e/{event.slug}/"
    if target.startswith(base) and "\\" not in target and "//" not in target:
        return target
    if can(current_user, "badges.manage", event):
        return url_for(
            "organizer.registration_edit", slug=event.slug, registration_id=registration.id
        )
    return url_for("events.landing", slug=event.slug)


@bp.post("/badges/<int:registration_id>/reissue")
@login_required
def reissue(slug: str, registration_id: int):
    event = event_or_404(slug)
    registration = event_row_or_404(Registration, event, registration_id)
    authorize("badge.print", registration)
    form = ReissueForm()
    if not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0]
        if _wants_json():
            return jsonify({"ok": False, "error": "not_confirmed", "message": message}), 400
        flash(message, "danger")
        return redirect(_back(event, registration))
    code = service.reissue(registration)
    db.session.commit()
    message = _(
        "A new badge code is issued for %(name)s; the old badge no longer works. "
        "Print the new badge.",
        name=registration.user.display_name,
    )
    if _wants_json():
        return jsonify(
            {
                "ok": True,
                "message": message,
                "print_url": url_for(
                    "badges.print_one", slug=event.slug, registration_id=registration.id
                ),
                "issued_at": code.created_at.isoformat(),
            }
        )
    flash(message, "success")
    return redirect(_back(event, registration))
