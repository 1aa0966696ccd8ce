"""Engagement points: the organizers' values and caps, the leaderboard, and each
participant's own points."""

from flask import Blueprint

bp = Blueprint("points", __name__)

from conference.blueprints.points import views  # noqa: E402,F401
