"""Participants' 1:1 meetings: request from a profile, answer, reschedule, cancel."""

from flask import Blueprint

bp = Blueprint("meetings", __name__, url_prefix="/e/<slug>/meetings")

from conference.blueprints.meetings import views  # noqa: E402,F401
