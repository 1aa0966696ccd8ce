"""The API's endpoints: authenticate the token, check its scope, call a service, dump.

The rate limit counts per token (by its hash, so before any database look-up), and per
address for requests without one. Every error raised in these views, by the limiter or
by webargs' parameter parsing is answered as ``{"ok": false, "error", "message"}``.
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from conference.blueprints.api import api, bp
from conference.blueprints.api.schemas import (
    AttendancePage,
    ErrorSchema,
    EventSchema,
    PagingArgs,
    RegistrationPage,
    SessionPage,
    TopicsReportArgs,
    TopicsReportSchema,
)
from conference.blueprints.common import json_refusal
from conference.enums import ApiScope, TaxonomyKind
from conference.extensions import db, limiter
from conference.models import ApiToken, Event
from conference.permissions import token_allows
from conference.services import ServiceError, reports
from conference.services import api_tokens as service
from conference.services.program import tracks_of

#: What the API's error codes are, per HTTP status (anything else: its number).
ERROR_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "rate_limited",
}
ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    404: _l("There is nothing at this address."),
    405: _l("That method is not allowed here."),
    429: _l("Too many requests for this token. Wait a minute and try again."),
    500: _l("Something went wrong on our side. It has been logged; please try again."),
}


class ApiRefusal(Exception):
    """An answer other than 200, raised anywhere in a view."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def _bearer() -> str | None:
    kind, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" and value.strip() else None


def _live_token() -> ApiToken | None:
    """The request's live token, looked up once: the rate limit and the view both ask."""
    if "api_live_token" not in g:
        g.api_live_token = service.live_token(_bearer())
    return g.api_live_token


def _rate_key() -> str:
    """A live token's own budget; everything else (no token, a made-up or revoked one)
    shares its address's, so inventing tokens buys no extra requests."""
    token = _live_token()
    if token is None:
        return "api-address:" + get_remote_address()
    return f"api-token:{token.id}"


def _rate() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter.limit(_rate, key_func=_rate_key)(bp)


@bp.after_request
def _not_stored(response):
    """Participants' data: no cache on the way may keep a copy."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiRefusal)
def _refused(exc: ApiRefusal):
    db.session.rollback()
    response, status = json_refusal(exc.code, exc.message, exc.status, field=exc.field)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response, status


@bp.errorhandler(ServiceError)
def _service_refused(exc: ServiceError):
    db.session.rollback()
    return json_refusal(exc.code, exc.message, 400, field=exc.field)


def _http_error(exc: HTTPException):
    """Limiter, routing and parameter errors; a parameter error names the parameters
    at fault (webargs' messages per location)."""
    db.session.rollback()
    status = exc.code or 500
    extra = {}
    messages = getattr(exc, "data", None) and exc.data.get("messages")
    if messages:
        fields = {
            name: errors for location in messages.values() for name, errors in location.items()
        }
        extra["fields"] = fields
        message = _("Check the parameters: %(names)s.", names=", ".join(sorted(fields)))
    else:
        message = str(ERROR_MESSAGES.get(status, ERROR_MESSAGES[500]))
    return json_refusal(ERROR_CODES.get(status, str(status)), message, status, **extra)


# By code too: Flask prefers the app's handler of a code to a blueprint's of a class.
for _code in (HTTPException, *ERROR_CODES):
    bp.register_error_handler(_code, _http_error)


def _token() -> ApiToken:
    token = _live_token()
    if token is None:
        raise ApiRefusal(
            401,
            "unauthorized",
            _("Send a live API token of the event: Authorization: Bearer <token>."),
        )
    if "api_token_used" not in g:
        service.note_use(token)
        db.session.commit()
        g.api_token_used = True
    return token


def _event_for(scope: ApiScope) -> Event:
    """The token's event, when the token may read ``scope`` of it."""
    token = _token()
    if not token_allows(token, token.event, scope):
        raise ApiRefusal(
            403, "scope", _("This token may not read %(scope)s.", scope=scope.value), "scope"
        )
    return token.event


def _errors(*statuses: int):
    """Document the error answers ``statuses`` of a view."""

    def decorate(func):
        for status in statuses:
            func = bp.alt_response(status, schema=ErrorSchema, description=_error_text(status))(
                func
            )
        return func

    return decorate


def _error_text(status: int) -> str:
    return {
        401: "No token, or an unknown or revoked one.",
        403: "The token lacks the scope.",
        429: "Too many requests for this token.",
    }[status]


def _after(args: dict) -> int:
    return int(args["cursor"] or 0)


@bp.route("/event")
@_errors(401, 403, 429)
@bp.response(200, EventSchema)
def event():
    """The token's event, with the ids of its taxonomy, ticket types and tracks."""
    event = _event_for(ApiScope.events)
    terms = {kind: [t for t in event.terms if t.kind == kind] for kind in TaxonomyKind}
    return {
        "id": event.id,
        "slug": event.slug,
        "name": event.name,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "timezone": event.timezone,
        "venue": event.venue,
        "city": event.city,
        "country": event.country,
        "industries": terms[TaxonomyKind.industry],
        "regions": terms[TaxonomyKind.region],
        "job_roles": terms[TaxonomyKind.job_role],
        "topics": terms[TaxonomyKind.topic],
        "ticket_types": event.ticket_types,
        "tracks": tracks_of(event),
    }


@bp.route("/registrations")
@_errors(401, 403, 429)
@bp.arguments(PagingArgs, location="query", error_status_code=400)
@bp.response(200, RegistrationPage)
def registrations(args: dict):
    """Registrations of every status, oldest first, with profile basics and taxonomy."""
    event = _event_for(ApiScope.registrations)
    page = service.registrations_page(event, _after(args), args["limit"])
    return {"data": page.items, "next_cursor": page.next_cursor}


@bp.route("/sessions")
@_errors(401, 403, 429)
@bp.arguments(PagingArgs, location="query", error_status_code=400)
@bp.response(200, SessionPage)
def sessions(args: dict):
    """Sessions, drafts included; times in UTC and in the event's zone."""
    event = _event_for(ApiScope.sessions)
    page = service.sessions_page(event, _after(args), args["limit"])
    return {"data": page.items, "next_cursor": page.next_cursor}


@bp.route("/attendance")
@_errors(401, 403, 429)
@bp.arguments(PagingArgs, location="query", error_status_code=400)
@bp.response(200, AttendancePage)
def attendance(args: dict):
    """Per registration that came: its check-in at the entrance and the sessions it was
    scanned into."""
    event = _event_for(ApiScope.attendance)
    page = service.attendance_page(event, _after(args), args["limit"])
    return {"data": page.items, "next_cursor": page.next_cursor}


@bp.route("/reports/topics")
@_errors(401, 403, 429)
@bp.arguments(TopicsReportArgs, location="query", error_status_code=400)
@bp.response(200, TopicsReportSchema)
def report_topics(args: dict):
    """Topic popularity as the organizer's report page shows it: figures about fewer
    than k people are left out (``value`` null, ``display`` "< k")."""
    event = _event_for(ApiScope.reports)
    query = reports.parse_query(event, request.args)
    return {
        "crosstab": reports.crosstab(event, query),
        "top_topics": reports.top_topics(event, query),
    }


def openapi():
    """The OpenAPI 3 document of this API (no token needed)."""
    return jsonify(api.spec.to_dict())


# Served through Flask's own add_url_rule: flask-smorest would list the document in itself.
super(type(bp), bp).add_url_rule("/openapi.json", "openapi", openapi)
