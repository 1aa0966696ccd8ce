"""Who to meet: a participant's suggested people in an event, with dismiss and
"more like this"."""

from flask import Blueprint

bp = Blueprint("matchmaking", __name__, url_prefix="/e/<slug>/people/suggested")

from conference.blueprints.matchmaking import views  # noqa: E402,F401
