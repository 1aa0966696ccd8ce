"""Public pages: the home page, event landing pages and the sitemap; creating events."""

from flask import Blueprint

bp = Blueprint("events", __name__)

from conference.blueprints.events import views  # noqa: E402,F401  (routes attach to bp)
