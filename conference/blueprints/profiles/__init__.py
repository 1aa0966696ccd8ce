"""Profiles and the participants' directory of each event."""

from flask import Blueprint

bp = Blueprint("profiles", __name__)

from conference.blueprints.profiles import my_data, privacy, views  # noqa: E402,F401  (routes attach to bp)
