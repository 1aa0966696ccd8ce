"""Domain logic: plain functions over the database session.

Services take the acting user as an argument, never read ``request`` or
``current_user``, and flush rather than commit: the HTTP or socket boundary
commits once, or rolls back on error.
"""


class ServiceError(Exception):
    """A rule refused the change; ``code`` is stable, ``message`` is for people."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
