"""Check-in at the entrance and at sessions by scanning badges or searching names,
walk-ins at the desk, and the live check-in dashboard."""

from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/e/<slug>/checkin")

from conference.blueprints.checkin import views  # noqa: E402,F401
