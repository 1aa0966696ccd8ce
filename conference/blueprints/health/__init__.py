"""Probes and metrics for the machines that run the site: ``/healthz``, ``/readyz``,
``/metrics``. No login, no session, nothing about the installation's addresses."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from conference.blueprints.health import views  # noqa: E402,F401
