"""Direct messages: the inbox, conversations, reports, blocks and the moderation queue."""

from flask import Blueprint

bp = Blueprint("messages", __name__)

from conference.blueprints.messages import views  # noqa: E402,F401  (routes attach to bp)
