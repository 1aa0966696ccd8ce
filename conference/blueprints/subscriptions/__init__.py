"""Unsubscribing from an event's announcements through the link in each one."""

from flask import Blueprint

bp = Blueprint("subscriptions", __name__)

from conference.blueprints.subscriptions import views  # noqa: E402,F401
