"""Discussions: the event's threads, threads about sessions and materials, posts,
replies, mentions, following, locking, and the organizers' posting-rights page."""

from flask import Blueprint

bp = Blueprint("discussions", __name__)

from conference.blueprints.discussions import views  # noqa: E402,F401  (routes attach to bp)
