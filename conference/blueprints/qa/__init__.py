"""Live Q&A of a program session: the box on the session page, its form fallbacks and
the presenter view for the room's screen."""

from flask import Blueprint

bp = Blueprint("qa", __name__, url_prefix="/e/<slug>/program/<int:session_id>/qa")

from conference.blueprints.qa import views  # noqa: E402,F401
