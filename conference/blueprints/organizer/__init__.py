"""Organizers' pages: event settings, taxonomy, ticket types, team, invitations, registrations."""

from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/e/<slug>/manage")

# The route modules attach their views to bp.
from conference.blueprints.organizer import (  # noqa: E402,F401
    badges,
    contacts,
    integrations,
    mailings,
    meetings,
    program,
    registrations,
    reports,
    reports_topics,
    sponsors,
    views,
    webhooks,
)
