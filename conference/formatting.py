"""Template filters: times in the event's zone, per locale, and safe Markdown."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime
from markupsafe import Markup

from conference.services.text import render_markdown

#: The interface's languages in their own names (``LANGUAGES`` in the settings).
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "ja": "日本語"}


def event_datetime(value: datetime | None, event, fmt: str = "medium") -> str:
    """A UTC datetime shown in the event's own time zone, formatted for the locale."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
    return format_datetime(local, fmt, rebase=False)


def date_range(start: date, end: date) -> str:
    if start == end:
        return format_date(start, "long")
    return f"{format_date(start, 'medium')} \u2013 {format_date(end, 'medium')}"


def markdown(value: str | None) -> Markup:
    return Markup(render_markdown(value or ""))


def initials(name: str) -> str:
    parts = [p for p in (name or "").split() if p]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()


FILTERS = {
    "event_datetime": event_datetime,
    "date_range": date_range,
    "markdown": markdown,
    "initials": initials,
    "format_date": format_date,
}
