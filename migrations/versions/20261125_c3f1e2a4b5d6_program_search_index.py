"""program search index: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL

Written by hand: neither an FTS5 virtual table nor a generated tsvector column
is described by a model, so autogenerate leaves these objects alone (see
``conference.services.program_search.include_name``).

``program_search`` holds one row per session with the folded text of its
title, abstract and speakers' names (``program_search.fold``); the row goes
when its session or event goes (ON DELETE CASCADE). Existing sessions are
indexed here, with a copy of the folding rule, so the migration does not
import application code.

Revision ID: c3f1e2a4b5d6
Revises: 534cb6a56897
Create Date: 2026-11-25 16:00:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1e2a4b5d6'
down_revision = '534cb6a56897'
branch_labels = None
depends_on = None


SQLITE_UPGRADE = [
    """
    CREATE TABLE program_search (
        session_id INTEGER NOT NULL PRIMARY KEY
            REFERENCES program_sessions (id) ON DELETE CASCADE,
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        abstract TEXT NOT NULL,
        speakers TEXT NOT NULL
    )
    """,
    "CREATE INDEX ix_program_search_event_id ON program_search (event_id)",
    """
    CREATE VIRTUAL TABLE program_search_fts USING fts5(
        title, abstract, speakers,
        content='program_search', content_rowid='session_id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER program_search_ai AFTER INSERT ON program_search BEGIN
        INSERT INTO program_search_fts (rowid, title, abstract, speakers)
        VALUES (new.session_id, new.title, new.abstract, new.speakers);
    END
    """,
    """
    CREATE TRIGGER program_search_ad AFTER DELETE ON program_search BEGIN
        INSERT INTO program_search_fts (program_search_fts, rowid, title, abstract, speakers)
        VALUES ('delete', old.session_id, old.title, old.abstract, old.speakers);
    END
    """,
    """
    CREATE TRIGGER program_search_au AFTER UPDATE ON program_search BEGIN
        INSERT INTO program_search_fts (program_search_fts, rowid, title, abstract, speakers)
        VALUES ('delete', old.session_id, old.title, old.abstract, old.speakers);
        INSERT INTO program_search_fts (rowid, title, abstract, speakers)
        VALUES (new.session_id, new.title, new.abstract, new.speakers);
    END
    """,
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER program_search_au",
    "DROP TRIGGER program_search_ad",
    "DROP TRIGGER program_search_ai",
    "DROP TABLE program_search_fts",
    "DROP INDEX ix_program_search_event_id",
    "DROP TABLE program_search",
]

POSTGRESQL_UPGRADE = [
    """
    CREATE TABLE program_search (
        session_id INTEGER NOT NULL PRIMARY KEY
            REFERENCES program_sessions (id) ON DELETE CASCADE,
        event_id INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        abstract TEXT NOT NULL,
        speakers TEXT NOT NULL,
        document tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple', title), 'A')
            || setweight(to_tsvector('simple', speakers), 'B')
            || setweight(to_tsvector('simple', abstract), 'C')
        ) STORED
    )
    """,
    "CREATE INDEX ix_program_search_event_id ON program_search (event_id)",
    "CREATE INDEX ix_program_search_document ON program_search USING gin (document)",
]

POSTGRESQL_DOWNGRADE = [
    "DROP INDEX ix_program_search_document",
    "DROP INDEX ix_program_search_event_id",
    "DROP TABLE program_search",
]


def _fold(text):
    """Copy of ``conference.services.program_search.fold`` as of this revision."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    kept = []
    latin_base = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if latin_base:
                continue
        else:
            code = ord(ch)
            latin_base = code < 0x0250 or 0x1E00 <= code <= 0x1EFF
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).casefold().replace("ё", "е")


def _index_existing_sessions():
    connection = op.get_bind()
    names = {}
    for session_id, name in connection.execute(
        sa.text(
            "SELECT ss.session_id, u.display_name FROM session_speakers ss"
            " JOIN users u ON u.id = ss.user_id ORDER BY ss.session_id, ss.position, u.id"
        )
    ):
        names.setdefault(session_id, []).append(name)
    rows = [
        {
            "session_id": row.id,
            "event_id": row.event_id,
            "title": _fold(row.title),
            "abstract": _fold(row.abstract or ""),
            "speakers": _fold(" ".join(names.get(row.id, []))),
        }
        for row in connection.execute(
            sa.text("SELECT id, event_id, title, abstract FROM program_sessions")
        )
    ]
    if rows:
        connection.execute(
            sa.text(
                "INSERT INTO program_search (session_id, event_id, title, abstract, speakers)"
                " VALUES (:session_id, :event_id, :title, :abstract, :speakers)"
            ),
            rows,
        )


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UPGRADE)
    elif dialect == "postgresql":
        _run(POSTGRESQL_UPGRADE)
    else:
        raise NotImplementedError(f"no program search index for {dialect}")
    _index_existing_sessions()


def downgrade():
    dialect = op.get_bind().dialect.name
    _run(SQLITE_DOWNGRADE if dialect == "sqlite" else POSTGRESQL_DOWNGRADE)
