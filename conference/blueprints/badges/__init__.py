"""A participant's own badge (phone page and PDF), and one badge printed or reissued
at the desk."""

from flask import Blueprint

bp = Blueprint("badges", __name__, url_prefix="/e/<slug>")

from conference.blueprints.badges import views  # noqa: E402,F401
