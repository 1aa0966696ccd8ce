"""The read-only REST API under ``/api/v1/``, for an organizer's own systems.

Every request carries an event's API token (``Authorization: Bearer ct_...``); the
token names the event, so there is no event in the address and a token of one event
reads nothing of another. flask-smorest builds the OpenAPI 3 document from the views'
marshmallow schemas; it is served at ``/api/v1/openapi.json``. Errors are JSON in the
app's usual shape (``{"ok": false, "error", "message"}``), never HTML pages.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api, Blueprint

from conference.blueprints.api.schemas import ErrorSchema
from conference.extensions import csrf

API_VERSION = "1.0.0"


class _Api(Api):
    """flask-smorest's Api, documenting the app's error shape and leaving the app's own
    error pages alone (its stock handler would answer every HTML page's error in JSON);
    the API blueprint handles its errors itself."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


api = _Api(
    spec_kwargs={
        "title": "Conference API",
        "version": API_VERSION,
        "openapi_version": "3.0.3",
        "info": {
            "description": "Read-only access to one event's data with an API token the "
            "event's organizers create. Lists page by cursor: pass a page's "
            "`next_cursor` as `cursor` for the next one."
        },
        "security": [{"bearer": []}],
    }
)

bp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="One event's data, read with its token."
)

# The views attach themselves to bp.
from conference.blueprints.api import views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Bind the API to ``app`` and register its blueprint (documented by flask-smorest)."""
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "description": "An event's API token."}
    )
    api.register_blueprint(bp)
    csrf.exempt(bp)
