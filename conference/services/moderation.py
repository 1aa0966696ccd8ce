"""Moderation: the event's word filter, reports, the queue, hiding and restoring,
warnings, suspensions and the log of every action.

``is_held`` is what every place people write (questions, discussion posts, news) asks
before showing new text: a match with one of the event's held words keeps it back as
``ContentStatus.held`` until a moderator approves it.

The contract for the places people write (Q&A, discussions, news):

- ``report(actor, event, target, target_id, reason)`` stores a participant's report
  (``ContentReport``; a message's goes to ``messaging.report``). Refuses one's own
  content and content the reporter cannot see; reporting again returns the first report.
  The route is ``POST /e/<slug>/report`` (``moderation.report``), form fields ``target``,
  ``target_id``, ``reason``; it answers JSON when asked for JSON, else redirects back
  with a flash.
- ``hide``, ``restore`` and ``approve(actor, event, target, target_id, reason="")`` change
  a question's, post's or news item's ``status`` (a message: ``hide`` only, through
  ``messaging.hide_message``), resolve its open reports, write a ``ModerationAction`` and
  tell the author the outcome (kind ``moderation``) without naming any reporter. The
  caller checks its own rule (e.g. ``question.moderate``). They return the action.
- ``on_status_change(target, callback)``: the owner of a kind of content registers
  ``callback(item, action)``, called after the status changed (before commit), to emit
  its live updates after commit or tell followers of a newly approved item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy.dialects import postgresql, sqlite

from conference.enums import ContentStatus, ModerationActionKind, NotificationKind, ReportTarget
from conference.extensions import db
from conference.models import (
    ContentReport,
    Event,
    Message,
    MessageReport,
    MessagingSuspension,
    ModerationAction,
    NewsPost,
    Post,
    PostingSuspension,
    Question,
    Thread,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can, messaging_suspended, posting_suspended
from conference.services import ServiceError, mail, messaging, notifications


def _unspaced(char: str) -> bool:
    """Scripts written without spaces between words (CJK, kana): match inside text."""
    return unicodedata.name(char, "").startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL"))


def _alternative(term: str) -> str:
    """A term as a whole word or phrase; in scripts without spaces, anywhere."""
    body = r"\s+".join(re.escape(part) for part in term.split())
    start = "" if _unspaced(term[0]) else r"(?<!\w)"
    end = "" if _unspaced(term[-1]) else r"(?!\w)"
    return f"{start}{body}{end}"


@lru_cache(maxsize=256)
def _pattern(words: str) -> re.Pattern | None:
    terms = sorted({line.strip().casefold() for line in words.splitlines() if line.strip()})
    if not terms:
        return None
    return re.compile("|".join(_alternative(term) for term in terms), re.IGNORECASE)


def held_word_list(event: Event) -> list[str]:
    """The event's held words, one per line as the organizer typed them, cleaned."""
    return sorted({line.strip() for line in event.held_words.splitlines() if line.strip()})


def is_held(event: Event, *texts: str) -> bool:
    """Whether any of ``texts`` contains one of the event's held words (whole words or
    phrases, ignoring case in any script)."""
    pattern = _pattern(event.held_words or "")
    return pattern is not None and any(pattern.search(text.casefold()) for text in texts if text)
