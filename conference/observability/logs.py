"""Logging: one line per record, JSON in production or plain text on a laptop, each
carrying the id of the request (or of the request that queued the job) it belongs to.

The request id comes from the ``X-Request-ID`` header when a proxy sent a sane one,
else it is made here; it lives in a context variable, so every log line written while
the request (or its jobs, see ``conference.jobs``) runs has it, whichever logger wrote it.

What goes into a line is what the code logs; nothing here adds request data beyond the
id and, for the access line, the route's pattern (``/e/<slug>/invite/<token>``, never
the real path or its query string), the method, the status and the duration. Names,
email addresses, message text, passwords and tokens must not be logged by callers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

#: The header a proxy may set and that every answer carries back.
HEADER = "X-Request-ID"

_request_id: ContextVar[str | None] = ContextVar("conference_request_id", default=None)

#: What a request id from outside may look like; anything else is replaced by our own.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

#: Attributes every ``LogRecord`` has; anything else on a record came from ``extra=``.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}

#: Marks the handler ``configure`` installs, so a second call replaces it.
_OURS = "_conference_handler"


def current() -> str | None:
    """The request id of the work in progress, or None outside requests and jobs."""
    return _request_id.get()


def accept(header_value: str | None) -> str:
    """The request id to use for a request that came with ``header_value``."""
    if header_value and _SANE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def bind(request_id: str | None) -> None:
    """Make ``request_id`` the current one (None clears it)."""
    _request_id.set(request_id)


@contextmanager
def bound(request_id: str | None) -> Iterator[None]:
    """The current request id is ``request_id`` inside the block (a job's run)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


def _install_record_factory() -> None:
    """Give every record a ``request_id`` attribute, whichever handler reads it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "_conference", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    factory._conference = True
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, the
    record's ``extra=`` fields and, for exceptions, the traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if request_id := getattr(record, "request_id", None):
            line["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The readable line for ``make run``: time, level, logger, [request id] message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        return super().format(record)


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT must be json or text, not {kind!r}")


def configure(kind: str, level: str, stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in format ``kind`` at ``level``.

    Called by every ``create_app``; a second call replaces the handler of the first.
    Werkzeug's own access lines (full path and query string, client address) are
    turned off: ``conference.access`` writes one without them. WeasyPrint's progress
    lines are too.
    """
    _install_record_factory()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind))
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # A line per step of every badge PDF rendered.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return handler
