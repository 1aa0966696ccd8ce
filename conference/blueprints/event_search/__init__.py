"""The event's one search box across sessions, people, discussions, news and materials."""

from flask import Blueprint

bp = Blueprint("event_search", __name__)

from conference.blueprints.event_search import views  # noqa: E402,F401
