"""Routes."""

from conference.blueprints.program import bp  # noqa: F401
