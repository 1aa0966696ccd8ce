"""News and feeds: the event's news feed and its items, following feeds, the public
Atom feeds, and the organizers' and sponsors' pages for posting news."""

from flask import Blueprint

bp = Blueprint("news", __name__)

from conference.blueprints.news import views  # noqa: E402,F401
