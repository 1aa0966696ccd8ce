"""Sponsors: the participants' sponsor pages and booths, and each sponsor's own pages
for its staff (team, booth, leads, scanning, questions, dashboard, announcement).

Every view looks the sponsor up inside the event of the address and asks
``conference.permissions`` before anything else.
"""

from flask import Blueprint

bp = Blueprint("sponsors", __name__)

from conference.blueprints.sponsors import (  # noqa: E402,F401
    booths,
    leads,
    scan,
    team,
)
