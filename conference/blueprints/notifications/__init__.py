"""The notification centre (/me/notifications), delivery choices, announcements as the
centre shows them, and the one-click unsubscribe link of notification emails."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from conference.blueprints.notifications import views  # noqa: E402,F401
