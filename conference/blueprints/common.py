"""Helpers every blueprint uses: load an event, authorize, commit at the boundary."""

from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, send_file
from flask_login import current_user
from pydantic import ValidationError

from conference.enums import MaterialKind
from conference.extensions import db
from conference.models import Event
from conference.permissions import can
from conference.realtime.schemas import explain
from conference.services import ServiceError
from conference.services import materials as material_service


class ParticipantsOnly(Exception):
    """Rendered as the "visible to registered participants only" page (403)."""

    def __init__(self, event: Event):
        super().__init__(event.slug)
        self.event = event


def event_or_404(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        abort(404)
    return event


def authorize(action: str, obj=None) -> None:
    """Abort with 403 unless the current user may do ``action`` on ``obj``."""
    if not can(current_user, action, obj):
        abort(403)


def authorize_participant(action: str, event: Event, obj=None) -> None:
    """Like ``authorize``, but a refusal shows the participants-only page of ``event``."""
    if not can(current_user, action, event if obj is None else obj):
        raise ParticipantsOnly(event)


def form_errors_from(exc: ServiceError, form) -> None:
    """Show a service refusal next to its field when it names one, else as a flash."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "danger")


def material_file(material) -> Path | None:
    """The stored file of a session or booth material (404 when it is gone); None for
    a link."""
    if material.kind != MaterialKind.file:
        return None
    try:
        path = material_service.material_path(material)
    except ValueError:
        abort(404)
    if not path.is_file():
        current_app.logger.error("material %s has no file at %s", material.id, path)
        abort(404)
    return path


def material_response(material, path: Path | None):
    """The file at ``path`` (from ``material_file``) with the type found at upload,
    ``nosniff`` and the sanitized original name, or a redirect to a link; never cached."""
    if path is None:
        response = redirect(material.url)
    else:
        response = send_file(
            path,
            mimetype=material.content_type,
            as_attachment=not material_service.shows_inline(material),
            download_name=material.original_name,
            conditional=True,
            etag=False,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


#: The HTTP status of a service's refusal in a JSON answer; 400 for any other code.
REFUSAL_STATUS = {"forbidden": 403}


def json_refusal(code: str, message: str, status: int = 400, **extra):
    """A JSON endpoint's refusal: ``{"ok": false, "error", "message", ...}``."""
    return jsonify({"ok": False, "error": code, "message": message, **extra}), status


def json_answer(run, statuses: dict[str, int] = REFUSAL_STATUS):
    """Answer a JSON endpoint with ``run()``, which validates the payload (a pydantic
    schema) and calls a service: its dict as ``{"ok": true, ...}`` once committed; a
    payload that does not validate is a 400 naming its fields, a service's refusal the
    status ``statuses`` gives its code (400 otherwise); either is rolled back."""
    try:
        answer = run()
    except ValidationError as exc:
        db.session.rollback()
        message, fields = explain(exc)
        return json_refusal("invalid", message, fields=fields)
    except ServiceError as exc:
        db.session.rollback()
        status = statuses.get(exc.code, 400)
        return json_refusal(exc.code, exc.message, status, field=exc.field)
    db.session.commit()
    return jsonify({"ok": True, **answer})


def attachment(data: bytes, mimetype: str, filename: str):
    """``data`` as a download named ``filename`` (RFC 5987 for names in other scripts),
    never kept by a cache: exports hold participants' data."""
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
