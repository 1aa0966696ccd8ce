"""Column types and helpers shared by the model modules."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no time zones, so values are stored naive in UTC and given
    ``tzinfo=UTC`` again when read; PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum: type[StrEnum]) -> sa.Enum:
    """A portable enum stored as its string value (no native type to migrate)."""
    return sa.Enum(
        enum,
        native_enum=False,
        length=max(len(m.value) for m in enum),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def search_key(*parts: str | None) -> str:
    """Text normalized for substring search in any script.

    NFKC folds full-width and compatibility forms (common in Japanese input),
    ``casefold`` lowercases Latin and Cyrillic beyond ASCII, which SQLite's
    ``LIKE`` cannot do by itself.
    """
    text = " ".join(p for p in parts if p)
    return unicodedata.normalize("NFKC", text).casefold()


def render_migration_item(type_, obj, autogen_context):
    """Let autogenerate write ``UTCDateTime`` as a plain timezone-aware DateTime.

    Migrations then never import application code, which may change later.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
