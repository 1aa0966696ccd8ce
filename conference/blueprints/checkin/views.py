"""Check-in pages: the scanner (camera, typed code or name search, in one of three
modes), walk-ins at the desk, the offline list and its sync, and the dashboard.

Every view requires ``checkin.scan`` on the event of the address (organizers and
check-in staff). The scanner page works without JavaScript (a code form and a name
search that answer with a page); ``static/js/checkin.js`` makes it scan with the
camera, answer in place, and carry on offline. The JSON endpoints answer through
``common.json_answer``: ``{"ok": false, "error": code, "message": text}`` with a 4xx
status when refused.
"""

from __future__ import annotations

import json
from datetime import date

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError

from conference.blueprints.checkin import bp
from conference.blueprints.checkin.forms import (
    CodeForm,
    PickPayload,
    QueuedPayload,
    ScanPayload,
    SyncPayload,
    WalkInForm,
)
from conference.blueprints.common import authorize, event_or_404, form_errors_from, json_answer
from conference.enums import ScanAction
from conference.extensions import db
from conference.models import Event
from conference.realtime.schemas import explain
from conference.services import ServiceError
from conference.services import checkin as service
from conference.services import registrations as registrations_service


def _event(slug: str) -> Event:
    event = event_or_404(slug)
    authorize("checkin.scan", event)
    return event


def _mode_labels() -> dict[ScanAction, str]:
    return {
        ScanAction.check_in: _("Entrance check-in"),
        ScanAction.check_out: _("Check-out"),
        ScanAction.attend: _("Session attendance"),
    }


def _mode(event: Event, source) -> tuple[ScanAction, object]:
    """The scanner's mode and session from the query or form (entrance by default)."""
    try:
        action = ScanAction(source.get("action", ScanAction.check_in.value))
    except ValueError:
        action = ScanAction.check_in
    session = service.session_of(event, source.get("session", type=int))
    return action, session


def _json_session(event: Event, session_id: int | None):
    session = service.session_of(event, session_id)
    if session_id is not None and session is None:
        raise ServiceError("not_found", _("This session is not part of this event."))
    return session


def _scanner_page(event: Event, *, result=None, form=None, status: int = 200):
    action, session = _mode(event, request.values)
    query = request.args.get("q", "").strip()
    found = service.search(event, query) if query else []
    return render_template(
        "checkin/scanner.html",
        event=event,
        action=action,
        session=session,
        sessions=service.sessions_for_attendance(event),
        modes=_mode_labels(),
        query=query,
        found=found,
        result=result,
        status_label=registrations_service.status_label,
        form=form
        or CodeForm(formdata=None, action=action.value, session=session.id if session else ""),
    ), status


@bp.get("/")
@login_required
def scanner(slug: str):
    return _scanner_page(_event(slug))


@bp.post("/scan")
@login_required
def scan(slug: str):
    """A code read by the camera (JSON) or typed into the page's form."""
    event = _event(slug)
    if request.is_json:

        def run():
            data = ScanPayload.model_validate_json(request.get_data())
            return service.scan(
                event,
                current_user,
                data.payload,
                data.action,
                session=_json_session(event, data.session_id),
                client_scan_id=data.client_scan_id,
            )

        return json_answer(lambda: run().as_json())
    form = CodeForm()
    action, session = _mode(event, request.form)
    if not form.validate_on_submit():
        return _scanner_page(event, form=form, status=400)
    try:
        result = service.scan(event, current_user, form.code.data, action, session=session)
    except ServiceError as exc:
        db.session.rollback()
        form_errors_from(exc, form)
        return _scanner_page(event, form=form, status=400)
    db.session.commit()
    return _scanner_page(event, result=result)


@bp.post("/pick")
@login_required
def pick(slug: str):
    """A person picked from the name search (JSON, or the page's button)."""
    event = _event(slug)
    if request.is_json:

        def run():
            data = PickPayload.model_validate_json(request.get_data())
            return service.pick(
                event,
                current_user,
                data.registration_id,
                data.action,
                session=_json_session(event, data.session_id),
                client_scan_id=data.client_scan_id,
            )

        return json_answer(lambda: run().as_json())
    action, session = _mode(event, request.form)
    registration_id = request.form.get("registration_id", type=int)
    if registration_id is None:
        abort(400)
    try:
        result = service.pick(event, current_user, registration_id, action, session=session)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _scanner_page(event, status=400)
    db.session.commit()
    return _scanner_page(event, result=result)


@bp.get("/search.json")
@login_required
def search_json(slug: str):
    event = _event(slug)
    query = request.args.get("q", "")
    return jsonify(
        {
            "ok": True,
            "results": [
                service.found_json(event, current_user, found)
                for found in service.search(event, query)
            ],
        }
    )


@bp.get("/snapshot.json")
@login_required
def snapshot(slug: str):
    """The list a device scans against offline; ``If-None-Match`` with the version it
    has answers 304 when nothing changed."""
    event = _event(slug)
    data = service.snapshot(event)
    etag = f'"{data["version"]}"'
    if request.headers.get("If-None-Match") == etag:
        response = jsonify()
        response.status_code = 304
    else:
        response = jsonify(data)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/sync")
@login_required
def sync(slug: str):
    """Settle a device's queue of offline scans; per scan the answer and whether it
    differs from what the device showed."""
    event = _event(slug)

    def run():
        data = SyncPayload.model_validate_json(request.get_data())
        queued, refused = [], []
        for raw in data.scans:
            try:
                # Each scan as JSON again: the schemas are strict, and JSON is what they read.
                item = QueuedPayload.model_validate_json(json.dumps(raw))
                queued.append(service.QueuedScan(**item.model_dump()))
            except ValidationError as exc:
                refused.append(service.refused_queued_scan(raw, explain(exc)[0]))
        return {"answers": [*service.sync(event, current_user, queued), *refused]}

    return json_answer(run)


@bp.route("/walk-in", methods=["GET", "POST"])
@login_required
def walk_in(slug: str):
    """Find or register someone at the desk; then print their badge or check them in."""
    event = _event(slug)
    form = WalkInForm.for_event(event)
    if form.validate_on_submit():
        try:
            made = service.walk_in(
                current_user,
                event,
                name=form.name.data,
                email=form.email.data,
                ticket_type_id=form.ticket_type.data if "ticket_type" in form else None,
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            person = made.registration.user.display_name
            if made.created:
                flash(_("%(name)s is registered and approved.", name=person), "success")
            else:
                flash(_("%(name)s was already registered.", name=person), "info")
            return redirect(
                url_for(
                    "checkin.walk_in_done",
                    slug=event.slug,
                    registration_id=made.registration.id,
                )
            )
    return render_template("checkin/walk_in.html", event=event, form=form), (
        400 if form.errors else 200
    )


@bp.get("/walk-in/<int:registration_id>")
@login_required
def walk_in_done(slug: str, registration_id: int):
    """The person just found or registered: print their badge, or check them in."""
    event = _event(slug)
    found = service.found_one(event, registration_id)
    if found is None:
        abort(404)
    return render_template("checkin/walk_in_done.html", event=event, found=found)


def _day_asked() -> date | None:
    """The ``?day=YYYY-MM-DD`` of a dashboard request; anything else means the default."""
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


@bp.get("/dashboard")
@login_required
def dashboard(slug: str):
    event = _event(slug)
    data = service.dashboard(event, _day_asked())
    return render_template("checkin/dashboard.html", event=event, data=data)


@bp.get("/dashboard.json")
@login_required
def dashboard_json(slug: str):
    event = _event(slug)
    response = jsonify({"ok": True, **service.dashboard(event, _day_asked())})
    response.headers["Cache-Control"] = "no-store"
    return response
