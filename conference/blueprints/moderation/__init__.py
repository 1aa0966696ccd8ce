"""Moderation: reports from participants, the event's one moderation queue, the log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from conference.blueprints.moderation import views  # noqa: E402,F401  (routes attach to bp)
