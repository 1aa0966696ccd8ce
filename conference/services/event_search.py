"""One search box per event: sessions, people, discussions, news and materials' titles,
each limited to what the searcher may see.

- Sessions go through the program's full-text index (``program_search.search_program``).
- People through the directory (``directory.search_directory``): listed people only,
  organizers also hidden ones, exactly as the directory shows them.
- Discussions: threads whose title, or one of whose visible posts, contains every word;
  only threads about the event or about sessions and materials the searcher may see,
  and never through a held or hidden post (a thread whose opening post is not visible
  is not found at all: its title is that post's).
- News: visible items containing every word in title or body; participants find the
  whole feed, anyone else the public items of a public event.
- Materials: titles of materials the searcher may open.

Discussions, news and materials have no index of their own: a word matches as a
substring of the text folded the same way in Python and in SQL (NFKC, then lower case,
in any script): PostgreSQL folds with ``lower(normalize(..., NFKC))``, SQLite with a
function of the same name registered on the connection (``_fold``), since its own
``lower`` knows ASCII only. The searches are bounded by the event and by ``limit``;
every row found is checked once more with the permission rule before it is shown.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from markupsafe import Markup

from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import (
    Event,
    Material,
    NewsPost,
    Post,
    ProgramSession,
    Thread,
    session_speakers,
)
from conference.permissions import can, standing
from conference.services import directory, program_search
from conference.services.directory import LIKE_ESCAPE, like_pattern

#: At most this many words of a search are used; each at most ``MAX_WORD_LENGTH`` long.
MAX_WORDS = 8
MAX_WORD_LENGTH = 100
#: Results per group.
GROUP_LIMIT = 20
#: The name of the folding function registered on SQLite connections.
_FOLD_FUNCTION = "conference_fold"


def fold(text: str | None) -> str | None:
    """Text as searches compare it: NFKC (full-width forms), then lower case."""
    if text is None:
        return None
    return unicodedata.normalize("NFKC", text).lower()


def search_words(query: str | None) -> list[str]:
    words: list[str] = []
    for raw in (query or "").split():
        word = fold(raw)[:MAX_WORD_LENGTH]
        if word and word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def _folded(column):
    """SQL for ``fold(column)`` on the session's database."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.connection.driver_connection.create_function(
            _FOLD_FUNCTION, 1, fold, deterministic=True
        )
        return sa.func.conference_fold(column)
    return sa.func.lower(sa.func.normalize(column, sa.literal_column("NFKC")))


def _contains_all(column, words: list[str]) -> sa.ColumnElement[bool]:
    folded = _folded(column)
    return sa.and_(*(folded.like(like_pattern(word), escape=LIKE_ESCAPE) for word in words))


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadHit:
    thread: Thread
    #: What the thread is about: a session or a material, or None for the event.
    subject_title: str | None
    #: A highlighted extract of the first matching visible post; empty when only the
    #: title matched.
    snippet: Markup


@dataclass(frozen=True)
class NewsHit:
    item: NewsPost
    snippet: Markup


@dataclass(frozen=True)
class MaterialHit:
    material: Material
    session: ProgramSession


@dataclass
class Results:
    query: str
    sessions: list = field(default_factory=list)
    #: ``DirectoryEntry`` rows; ``people_total`` counts all matches, beyond the page.
    people: list = field(default_factory=list)
    people_total: int = 0
    threads: list[ThreadHit] = field(default_factory=list)
    news: list[NewsHit] = field(default_factory=list)
    materials: list[MaterialHit] = field(default_factory=list)
    #: Which groups the searcher may search at all (the others are not shown).
    groups: tuple[str, ...] = ()

    @property
    def total(self) -> int:
        return (
            len(self.sessions)
            + self.people_total
            + len(self.threads)
            + len(self.news)
            + len(self.materials)
        )


def searchable_groups(event: Event, viewer) -> tuple[str, ...]:
    """The groups ``viewer`` may search in ``event``, in the page's order."""
    groups = []
    if can(viewer, "program.view", event):
        groups.append("sessions")
    if can(viewer, "directory.view", event):
        groups.append("people")
    if can(viewer, "discussions.view", event):
        groups.append("discussions")
    if can(viewer, "news.view", event) or can(viewer, "news.public", event):
        groups.append("news")
    if can(viewer, "program.view", event):
        groups.append("materials")
    return tuple(groups)


def search_event(event: Event, viewer, query: str, limit: int = GROUP_LIMIT) -> Results:
    """What ``viewer`` may see of ``event`` that matches ``query``, per group.

    Every word must occur (sessions: the beginning of a word, as the program search
    matches; the rest: anywhere, in any script and case). An empty query finds nothing.
    """
    groups = searchable_groups(event, viewer)
    results = Results(query=query, groups=groups)
    words = search_words(query)
    if not words:
        return results
    highlight_words = program_search.search_words(query)
    if "sessions" in groups:
        results.sessions = _sessions(event, viewer, query, limit)
    if "people" in groups:
        page = directory.search_directory(
            event, standing(viewer, event).is_organizer, q=query, per_page=limit
        )
        results.people, results.people_total = page.items, page.total
    if "discussions" in groups:
        results.threads = _threads(event, viewer, words, highlight_words, limit)
    if "news" in groups:
        results.news = _news(event, viewer, words, highlight_words, limit)
    if "materials" in groups:
        results.materials = _materials(event, viewer, words, limit)
    return results


def _signed_in(viewer) -> bool:
    return bool(getattr(viewer, "is_authenticated", False))


def _visible_sessions(event: Event, viewer) -> sa.ColumnElement[bool]:
    return _visible_for(event, viewer, ProgramSession)


def _sessions(event: Event, viewer, query: str, limit: int) -> list:
    drafts = _signed_in(viewer) and db.session.scalar(
        sa.select(
            sa.exists().where(
                ProgramSession.event_id == event.id,
                ProgramSession.published.is_(False),
                _visible_sessions(event, viewer),
            )
        )
    )
    hits = program_search.search_program(event, query, include_drafts=bool(drafts), limit=limit)
    return [hit for hit in hits if can(viewer, "session.view", hit.session)]


def _materials(event: Event, viewer, words: list[str], limit: int) -> list[MaterialHit]:
    conditions = [
        Material.event_id == event.id,
        _contains_all(Material.title, words),
        _visible_sessions(event, viewer),
    ]
    if not can(viewer, "event.participate", event):
        conditions.append(Material.is_public.is_(True))
    rows = db.session.execute(
        sa.select(Material, ProgramSession)
        .join(ProgramSession, ProgramSession.id == Material.session_id)
        .where(*conditions)
        .order_by(Material.title, Material.id)
        .limit(limit)
    ).all()
    return [
        MaterialHit(material, session)
        for material, session in rows
        if can(viewer, "material.view", material)
    ]


def _opening_post_visible():
    """The thread's first post (which carries its title) shows to everyone."""
    opening, earliest = sa.orm.aliased(Post), sa.orm.aliased(Post)
    first = (
        sa.select(sa.func.min(earliest.id))
        .where(earliest.thread_id == Thread.id)
        .correlate(Thread)
        .scalar_subquery()
    )
    return (
        sa.select(opening.status).where(opening.id == first).correlate(Thread).scalar_subquery()
        == ContentStatus.visible
    )


def _threads(event: Event, viewer, words, highlight_words, limit: int) -> list[ThreadHit]:
    subject_session = sa.orm.aliased(ProgramSession)
    material_session = sa.orm.aliased(ProgramSession)
    matching_post = sa.exists().where(
        Post.thread_id == Thread.id,
        Post.status == ContentStatus.visible,
        _contains_all(Post.body, words),
    )
    rows = db.session.execute(
        sa.select(Thread, subject_session.title, Material.title)
        .outerjoin(subject_session, subject_session.id == Thread.session_id)
        .outerjoin(Material, Material.id == Thread.material_id)
        .outerjoin(material_session, material_session.id == Material.session_id)
        .where(
            Thread.event_id == event.id,
            sa.or_(
                sa.and_(Thread.session_id.is_(None), Thread.material_id.is_(None)),
                sa.and_(
                    Thread.session_id.is_not(None),
                    _visible_for(event, viewer, subject_session),
                ),
                sa.and_(
                    Thread.material_id.is_not(None),
                    _visible_for(event, viewer, material_session),
                ),
            ),
            _opening_post_visible(),
            sa.or_(_contains_all(Thread.title, words), matching_post),
        )
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(limit)
    ).all()
    found = [
        (thread, session_title or material_title)
        for thread, session_title, material_title in rows
        if can(viewer, "thread.view", thread)
    ]
    bodies = _first_matching_posts([thread.id for thread, _ in found], words)
    return [
        ThreadHit(
            thread,
            subject,
            program_search.snippet(bodies[thread.id], highlight_words)
            if thread.id in bodies
            else Markup(),
        )
        for thread, subject in found
    ]


def _visible_for(event: Event, viewer, session_alias) -> sa.ColumnElement[bool]:
    """A condition on ``session_alias`` (``ProgramSession`` or an alias) close to
    ``session.view`` within a program the viewer may see: published sessions, drafts
    for organizers and for the drafts' own speakers."""
    if standing(viewer, event).is_organizer:
        return sa.true()
    if not _signed_in(viewer):
        return session_alias.published.is_(True)
    return sa.or_(
        session_alias.published.is_(True),
        sa.exists().where(
            session_speakers.c.session_id == session_alias.id,
            session_speakers.c.user_id == viewer.id,
        ),
    )


def _first_matching_posts(thread_ids: list[int], words: list[str]) -> dict[int, str]:
    """Per thread, the body of its first visible post containing every word."""
    if not thread_ids:
        return {}
    first = (
        sa.select(Post.thread_id, sa.func.min(Post.id).label("post_id"))
        .where(
            Post.thread_id.in_(thread_ids),
            Post.status == ContentStatus.visible,
            _contains_all(Post.body, words),
        )
        .group_by(Post.thread_id)
        .subquery()
    )
    return dict(
        db.session.execute(
            sa.select(Post.thread_id, Post.body).join(first, first.c.post_id == Post.id)
        ).all()
    )


def _news(event: Event, viewer, words, highlight_words, limit: int) -> list[NewsHit]:
    conditions = [
        NewsPost.event_id == event.id,
        NewsPost.status == ContentStatus.visible,
        sa.or_(_contains_all(NewsPost.title, words), _contains_all(NewsPost.body, words)),
    ]
    if not can(viewer, "news.view", event):
        conditions.append(NewsPost.is_public.is_(True))
    items = db.session.scalars(
        sa.select(NewsPost)
        .where(*conditions)
        .order_by(NewsPost.created_at.desc(), NewsPost.id.desc())
        .limit(limit)
    ).all()
    return [NewsHit(item, program_search.snippet(item.body, highlight_words)) for item in items]
