"""Accounts: sign up, verify email, log in and out, reset and change password and email."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from conference.blueprints.auth import views  # noqa: E402,F401  (routes attach to bp)
