"""The program for participants: agenda, session pages, my agenda, search and materials."""

from flask import Blueprint

bp = Blueprint("program", __name__, url_prefix="/e/<slug>")

# The route modules attach their views to bp.
from conference.blueprints.program import agenda, materials  # noqa: E402,F401
