"""The platform admin's pages: accounts, who may create events, suspensions."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from conference.blueprints.admin import views  # noqa: E402,F401  (routes attach to bp)
