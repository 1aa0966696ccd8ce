"""Search over an event's program: session titles, abstracts and speaker names.

The index is the table ``program_search`` (one row per session: its event and
the folded text of its title, abstract and speakers' names), created by a
hand-written migration because each database indexes it its own way:

- SQLite: an FTS5 table ``program_search_fts`` over it (external content,
  kept in step by triggers), tokenizer ``unicode61 remove_diacritics 2``;
- PostgreSQL: a generated, weighted ``tsvector`` column with a GIN index.

A search is split into words. Words in scripts written without spaces
(Japanese, Chinese, Korean, Thai) cannot be found by a word index, so they
match as substrings of the folded text (``LIKE``); every other word matches
the beginning of a word through the full-text index (``secur`` finds
"Security"). A session matches when all words do.

The index follows the sessions by itself: an ``after_flush`` listener
re-indexes every session added, changed (title, abstract, speakers) or
deleted through the ORM, and the sessions of a speaker whose name changed; a
``do_orm_execute`` listener does the same for statements run through the
session on ``session_speakers`` (speakers written in order with SQL). Code
that writes sessions with bulk SQL of its own (``sa.insert(ProgramSession)``
rows, a connection outside the session) calls ``reindex_sessions`` or
``reindex_event`` afterwards.

The index tables are not models (no ORM mapping describes a virtual table or
a generated ``tsvector``); ``include_name`` tells Alembic's autogenerate to
leave them alone.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import nh3
import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy import event as sa_event
from sqlalchemy.orm import ORMExecuteState, Session, contains_eager

from conference.extensions import db
from conference.models import Event, ProgramSession, Room, Track, User, session_speakers
from conference.services.agenda import Speaker, Topic, speakers_of, topics_of
from conference.services.directory import LIKE_ESCAPE, like_pattern
from conference.services.text import render_markdown

#: Tables (and FTS5 shadow tables, by prefix) that belong to the search index.
SEARCH_TABLES = frozenset({"program_search", "program_search_fts"})
_SEARCH_TABLE_PREFIX = "program_search_fts_"

#: At most this many words of a search are used; each at most ``MAX_WORD_LENGTH`` long.
MAX_WORDS = 8
MAX_WORD_LENGTH = 100
#: Relative weight of a match in the title, the speakers' names and the abstract.
SQLITE_WEIGHTS = "10.0, 1.0, 5.0"  # bm25() takes them in column order: title, abstract, speakers

_index_meta = sa.MetaData()
#: The index table, described for queries only (the migration creates it).
search_table = sa.Table(
    "program_search",
    _index_meta,
    sa.Column("session_id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("abstract", sa.Text, nullable=False),
    sa.Column("speakers", sa.Text, nullable=False),
)

_WORD = re.compile(r"[^\W_]+")
#: Scripts written without spaces between words.
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f]"
)


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic hook: False for the search index's tables, which no model describes."""
    if type_ == "table" and name is not None:
        return name not in SEARCH_TABLES and not name.startswith(_SEARCH_TABLE_PREFIX)
    return True


# --- folding -------------------------------------------------------------------------


def _is_latin(ch: str) -> bool:
    code = ord(ch)
    return code < 0x0250 or 0x1E00 <= code <= 0x1EFF


def fold(text: str) -> str:
    """Text as the index stores and compares it, in any script.

    NFKC folds full-width and half-width forms; accents are dropped from Latin
    letters only (``Zoë`` is found by ``zoe``, while Japanese voiced kana and
    Cyrillic ``й`` keep their marks); ``casefold`` lowercases every script;
    Russian "yo" is read as "ye" (``\u0451`` as ``\u0435``), as people type it.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    kept = []
    latin_base = False
    for ch in decomposed:
        if unicodedata.combining(ch):
            if latin_base:
                continue
        else:
            latin_base = _is_latin(ch)
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).casefold().replace("\u0451", "\u0435")


@dataclass(frozen=True)
class SearchWords:
    """The words of a search box, split by how each is matched."""

    #: Matched at the start of a word, through the full-text index.
    indexed: tuple[str, ...]
    #: Matched anywhere in the folded text (scripts without spaces).
    substrings: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return self.indexed + self.substrings

    def __bool__(self) -> bool:
        return bool(self.indexed or self.substrings)


def search_words(query: str | None) -> SearchWords:
    indexed: list[str] = []
    substrings: list[str] = []
    for word in _WORD.findall(fold(query or "")):
        word = word[:MAX_WORD_LENGTH]
        target = substrings if _UNSPACED.search(word) else indexed
        if word not in indexed and word not in substrings:
            target.append(word)
        if len(indexed) + len(substrings) >= MAX_WORDS:
            break
    return SearchWords(tuple(indexed), tuple(substrings))


def _word_matches(word: str, folded: str) -> bool:
    if _UNSPACED.search(word):
        return word in folded
    return any(token.startswith(word) for token in _WORD.findall(folded))


# --- keeping the index ----------------------------------------------------------------------


def _rows_for(connection: sa.Connection, session_ids: Collection[int]) -> list[dict]:
    sessions = connection.execute(
        sa.select(
            ProgramSession.id,
            ProgramSession.event_id,
            ProgramSession.title,
            ProgramSession.abstract,
        ).where(ProgramSession.id.in_(session_ids))
    ).all()
    names: dict[int, list[str]] = {}
    for session_id, name in connection.execute(
        sa.select(session_speakers.c.session_id, User.display_name)
        .join(User, User.id == session_speakers.c.user_id)
        .where(session_speakers.c.session_id.in_(session_ids))
        .order_by(session_speakers.c.session_id, session_speakers.c.position, User.id)
    ):
        names.setdefault(session_id, []).append(name)
    return [
        {
            "session_id": row.id,
            "event_id": row.event_id,
            "title": fold(row.title),
            "abstract": fold(row.abstract or ""),
            "speakers": fold(" ".join(names.get(row.id, []))),
        }
        for row in sessions
    ]


def _reindex(connection: sa.Connection, session_ids: Collection[int]) -> None:
    ids = sorted(set(session_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(sa.delete(search_table).where(search_table.c.session_id.in_(chunk)))
        rows = _rows_for(connection, chunk)
        if rows:
            connection.execute(sa.insert(search_table), rows)


def reindex_sessions(session_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these sessions (after bulk SQL that bypassed the ORM).

    Side effects: deletes and writes ``program_search`` rows (and, on SQLite,
    through its triggers, the FTS5 index).
    """
    db.session.flush()
    _reindex(db.session.connection(), list(session_ids))


def reindex_session(session: ProgramSession) -> None:
    """Rewrite the index row of one session. Changes made through the ORM need not
    call this: the flush listener does it. Side effects: see ``reindex_sessions``."""
    reindex_sessions([session.id])


def reindex_event(event: Event | int) -> None:
    """Rebuild the whole index of an event. Side effects: see ``reindex_sessions``."""
    event_id = event if isinstance(event, int) else event.id
    db.session.flush()
    connection = db.session.connection()
    connection.execute(sa.delete(search_table).where(search_table.c.event_id == event_id))
    _reindex(
        connection,
        connection.scalars(
            sa.select(ProgramSession.id).where(ProgramSession.event_id == event_id)
        ).all(),
    )


_INDEXED_ATTRIBUTES = ("title", "abstract", "speakers", "event_id")


def _changed(obj, names: Iterable[str]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@sa_event.listens_for(Session, "after_flush")
def _follow_changes(session: Session, _context) -> None:
    """Re-index sessions whose indexed text changed in this flush (see the module docstring)."""
    changed: set[int] = set()
    speakers: set[int] = set()
    for obj in session.new:
        if isinstance(obj, ProgramSession):
            changed.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, ProgramSession) and _changed(obj, _INDEXED_ATTRIBUTES):
            changed.add(obj.id)
        elif isinstance(obj, User) and _changed(obj, ("display_name",)):
            speakers.add(obj.id)
    gone = {obj.id for obj in session.deleted if isinstance(obj, ProgramSession)}
    if not (changed or speakers or gone):
        return
    connection = session.connection()
    if gone:
        connection.execute(sa.delete(search_table).where(search_table.c.session_id.in_(gone)))
    if speakers:
        changed.update(
            connection.scalars(
                sa.select(session_speakers.c.session_id).where(
                    session_speakers.c.user_id.in_(speakers)
                )
            )
        )
    if changed - gone:
        _reindex(connection, changed - gone)


def _affected_sessions(state: ORMExecuteState) -> set[int]:
    """Ids of the sessions whose speakers a statement on ``session_speakers`` changes."""
    statement = state.statement
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params or {}]
        return {row["session_id"] for row in rows if row.get("session_id") is not None}
    query = sa.select(session_speakers.c.session_id)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    params = state.parameters
    batches = params if isinstance(params, list) else [params or {}]
    connection = state.session.connection()
    return {sid for batch in batches for sid in connection.scalars(query, batch)}


@sa_event.listens_for(Session, "do_orm_execute")
def _follow_speaker_writes(state: ORMExecuteState):
    """Re-index the sessions whose speakers were written with SQL statements
    (``session.execute(session_speakers.insert(), ...)``), which no flush sees."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    if getattr(state.statement, "table", None) is not session_speakers:
        return None
    before = _affected_sessions(state) if not state.is_insert else set()
    result = state.invoke_statement()
    after = _affected_sessions(state) if state.is_insert or state.is_update else set()
    if before | after:
        _reindex(state.session.connection(), before | after)
    return result


# --- searching ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramHit:
    """A session found by a search, with the speakers whose names matched."""

    session: ProgramSession
    #: Higher is better; 0 when only substring words were searched.
    score: float
    #: The session's speakers whose names match the search, in the session's order.
    speakers: list[Speaker]
    #: All the session's speakers, in order.
    lineup: list[Speaker]
    topics: list[Topic]


def _match_expression(dialect: str, words: SearchWords):
    """(WHERE condition, score column) of the full-text part of a search."""
    if dialect == "sqlite":
        match = " ".join(f'"{word}"*' for word in words.indexed)
        condition = sa.text("program_search_fts MATCH :fts_query").bindparams(fts_query=match)
        score = sa.literal_column(f"-bm25(program_search_fts, {SQLITE_WEIGHTS})")
        return condition, score
    tsquery = sa.func.to_tsquery(
        sa.literal_column("'simple'"), " & ".join(f"{word}:*" for word in words.indexed)
    )
    document = sa.literal_column("program_search.document")
    return document.op("@@")(tsquery), sa.func.ts_rank(document, tsquery)


def _hit_query(
    dialect: str, event_id: int, words: SearchWords, include_drafts: bool, limit: int
) -> sa.Select:
    """The matching sessions with their room and track, and their scores, best first."""
    ps = search_table
    conditions = [ps.c.event_id == event_id]
    if not include_drafts:
        conditions.append(ProgramSession.published.is_(True))
    text = ps.c.title + "\n" + ps.c.speakers + "\n" + ps.c.abstract
    conditions.extend(
        text.like(like_pattern(word), escape=LIKE_ESCAPE) for word in words.substrings
    )
    if words.indexed:
        condition, score = _match_expression(dialect, words)
        conditions.append(condition)
    else:
        score = sa.literal(0.0)
    query = sa.select(ProgramSession, score.label("score"))
    if words.indexed and dialect == "sqlite":
        fts = sa.table("program_search_fts", sa.column("rowid"))
        query = query.select_from(fts).join(ps, ps.c.session_id == fts.c.rowid)
    else:
        query = query.select_from(ps)
    return (
        query.join(ProgramSession, ProgramSession.id == ps.c.session_id)
        .outerjoin(Room, Room.id == ProgramSession.room_id)
        .outerjoin(Track, Track.id == ProgramSession.track_id)
        .options(contains_eager(ProgramSession.room), contains_eager(ProgramSession.track))
        .where(*conditions)
        .order_by(sa.desc("score"), ProgramSession.starts_at, ProgramSession.id)
        .limit(limit)
    )


def search_program(
    event: Event, query: str, *, include_drafts: bool = False, limit: int = 50
) -> list[ProgramHit]:
    """Sessions of ``event`` whose title, abstract or speakers' names match ``query``.

    Best matches first (a match in the title counts most, then the speakers,
    then the abstract), then in time order. Drafts only with
    ``include_drafts``. An empty search finds nothing.

    Cost: one query for the hits with their sessions, rooms and tracks, one for
    their speakers and one for their topics (as value objects, like the agenda).
    """
    words = search_words(query)
    if not words:
        return []
    dialect = db.session.get_bind().dialect.name
    found = db.session.execute(_hit_query(dialect, event.id, words, include_drafts, limit)).all()
    ids = [row.ProgramSession.id for row in found]
    speakers = speakers_of(ids)
    topics = topics_of(ids)
    return [
        ProgramHit(
            session=row.ProgramSession,
            score=float(row.score or 0.0),
            speakers=matching_speakers(speakers.get(row.ProgramSession.id, []), words),
            lineup=speakers.get(row.ProgramSession.id, []),
            topics=topics.get(row.ProgramSession.id, []),
        )
        for row in found
    ]


def matching_speakers(speakers: Iterable[Speaker], words: SearchWords) -> list[Speaker]:
    """The speakers whose name contains one of the words (as ``search_program`` matches)."""
    return [
        person
        for person in speakers
        if any(_word_matches(word, fold(person.display_name)) for word in words.all)
    ]


# --- showing matches --------------------------------------------------------------------


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` character by character, with each folded character's index in ``text``."""
    parts: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        folded = fold(ch)
        parts.append(folded)
        origin.extend([index] * len(folded))
    return "".join(parts), origin


def _spans(text: str, words: SearchWords) -> list[tuple[int, int]]:
    folded, origin = _folded_with_origin(text)
    spans: list[tuple[int, int]] = []
    for word in words.all:
        pattern = re.escape(word) if _UNSPACED.search(word) else rf"(?<![^\W_]){re.escape(word)}"
        for found in re.finditer(pattern, folded):
            if found.end() > found.start():
                spans.append((origin[found.start()], origin[found.end() - 1] + 1))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, words: SearchWords) -> Markup:
    """``text`` escaped, with what the words matched wrapped in ``<mark>``."""
    out = Markup()
    last = 0
    for start, end in _spans(text, words):
        out += escape(text[last:start]) + Markup("<mark>") + escape(text[start:end])
        out += Markup("</mark>")
        last = end
    return out + escape(text[last:])


_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre)>")


def plain_text(markdown_text: str) -> str:
    """What a reader sees of some Markdown, as one line of plain text (blocks such as
    paragraphs and list items separated by a middle dot)."""
    blocks = _BLOCK_END.sub(" \u00b7 ", render_markdown(markdown_text or ""))
    text = " ".join(html.unescape(nh3.clean(blocks, tags=set())).split())
    return text.strip(" \u00b7")


def snippet(markdown_text: str, words: SearchWords, width: int = 220) -> Markup:
    """A highlighted extract of an abstract around its first match (or its beginning)."""
    text = plain_text(markdown_text)
    spans = _spans(text, words)
    start = 0
    if spans and spans[0][0] > width // 3:
        start = spans[0][0] - width // 3
        start = text.find(" ", start) + 1 or start
    end = start + width
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    out = Markup("… ") if start > 0 else Markup()
    out += highlight(text[start:end], words)
    return out + (Markup(" …") if end < len(text) else Markup())
