"""Routes."""

from conference.blueprints.organizer import bp  # noqa: F401
