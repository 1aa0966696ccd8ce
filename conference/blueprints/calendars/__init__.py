"""iCalendar downloads (my agenda, a session, a meeting) and the personal calendar feed."""

from flask import Blueprint

bp = Blueprint("calendars", __name__)

from conference.blueprints.calendars import views  # noqa: E402,F401
