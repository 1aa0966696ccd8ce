"""Registering for an event, and a participant's own registration."""

from flask import Blueprint

bp = Blueprint("registration", __name__)

from conference.blueprints.registration import views  # noqa: E402,F401  (routes attach to bp)
