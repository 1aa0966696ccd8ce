"""Person-to-person contacts: my contacts across events, requests, badge scans to connect."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from conference.blueprints.contacts import views  # noqa: E402,F401  (routes attach to bp)
