"""Discussions: threads about the event, one of its sessions or one of its materials.

Who may read and write is decided by the rules (``thread.view``, ``thread.create``,
``thread.post``, ``post.edit``, ``thread.lock``, ``thread.subscribe``); views check them
before calling here. This module keeps the data right:

- **Visibility of content.** A post is ``visible``, ``held`` (the event's word filter
  caught it; it waits for a moderator) or ``hidden`` (a moderator took it down). Only
  visible posts reach others; their author sees their own held or hidden posts with a
  note, moderators see everything. A thread whose opening post is not visible is listed
  only for its author and moderators (its title may be what the filter caught).
- **Mentions.** ``@[Name](user:123)`` in a body (the page script inserts it from the
  suggestion list) names a participant by id; it is shown with their current name as a
  link to their profile, and notifies them (kind ``discussion``) when they may see the
  thread and neither blocked the other (a block also keeps followers from hearing of
  the blocked person's posts).
- **Following.** Whoever opens a thread, replies in it or is mentioned in it follows it,
  unless they stopped following (``ThreadSubscription.following`` False remembers that).
  Followers get one ``discussion`` notification per thread, updated in place while
  unread (``group_key`` ``thread:<id>``).
- **Held posts** notify nobody; ``published`` does it once a moderator approves one.
  A post edited into "held" had been announced already: approving it tells only the
  people it newly mentions.
- Every post written records ``ActivityKind.post_written``; lock and unlock are logged
  as ``ModerationAction`` (``target`` None, ``target_id`` the thread's id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext
from markupsafe import Markup

from conference.enums import (
    ActivityKind,
    ContentStatus,
    ModerationActionKind,
    NotificationKind,
    ReportTarget,
)
from conference.extensions import db
from conference.models import (
    Block,
    Event,
    Material,
    ModerationAction,
    Notification,
    Post,
    ProgramSession,
    Thread,
    ThreadSubscription,
    User,
)
from conference.models.types import utcnow
from conference.permissions import POST_EDIT_WINDOW, can, moderates
from conference.services import ServiceError, activity, mail, notifications
from conference.services import moderation as word_filter
from conference.services.text import render_markdown

TITLE_MAX = 200
BODY_MAX = 10_000
#: Threads per page of the event's list.
PAGE_SIZE = 30
#: Threads shown in a session's discussion box.
BOX_THREADS = 5
#: A mention as stored in a post's body: ``@[Name](user:123)``.
MENTION = re.compile(r"@\[([^\]\n]{1,120})\]\(user:(\d{1,12})\)")
#: Markdown's ASCII punctuation, escaped in a mentioned name put into a link text.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&])")


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadRow:
    """A thread as lists show it: what it is about and how many posts the viewer sees."""

    thread: Thread
    posts: int
    subject: ProgramSession | Material | None
    #: The opening post is held or hidden (only its author and moderators see the row).
    withheld: bool


def _opening_status():
    """The status of each thread's first post, as a correlated subquery."""
    return (
        sa.select(Post.status)
        .where(Post.thread_id == Thread.id)
        .order_by(Post.id)
        .limit(1)
        .correlate(Thread)
        .scalar_subquery()
    )


def _shown_posts(viewer: User | None, event: Event, post=Post) -> sa.ColumnElement[bool]:
    """Posts ``viewer`` may read: visible ones, their own, or all for moderators."""
    if viewer is not None and moderates(viewer, event):
        return sa.true()
    viewer_id = getattr(viewer, "id", None)
    return sa.or_(post.status == ContentStatus.visible, post.author_id == viewer_id)


def _row_query(viewer: User, event: Event):
    counted = sa.orm.aliased(Post)
    post_count = (
        sa.select(sa.func.count())
        .where(counted.thread_id == Thread.id, _shown_posts(viewer, event, counted))
        .correlate(Thread)
        .scalar_subquery()
    )
    return sa.select(Thread, post_count.label("posts"), _opening_status().label("opening")).where(
        Thread.event_id == event.id
    )


def _visible_rows(viewer: User, event: Event, raw) -> list[ThreadRow]:
    """Rows the viewer may see: the opening post shown to them, and ``thread.view``.

    ``thread.view`` is decided here as the rule does (taking part in the event, then
    ``session.view`` or ``material.view`` of the subject), once per distinct subject,
    with the subjects loaded in two queries: a list's cost does not grow with the
    number of sessions and materials in it."""
    if not can(viewer, "discussions.view", event):
        return []
    mod = moderates(viewer, event)
    kept = []
    for thread, posts, opening in raw:
        withheld = opening is not None and opening != ContentStatus.visible
        if withheld and not mod and thread.author_id != viewer.id:
            continue
        kept.append((thread, posts, withheld))
    sessions, materials = _subjects([thread for thread, _, _ in kept])
    allowed: dict[tuple[str, int], bool] = {}
    rows = []
    for thread, posts, withheld in kept:
        if thread.session_id is not None:
            key, subject = ("session.view", thread.session_id), sessions.get(thread.session_id)
        elif thread.material_id is not None:
            key, subject = ("material.view", thread.material_id), materials.get(thread.material_id)
        else:
            rows.append(ThreadRow(thread, posts, None, withheld))
            continue
        if subject is None:
            continue
        if key not in allowed:
            allowed[key] = can(viewer, key[0], subject)
        if allowed[key]:
            rows.append(ThreadRow(thread, posts, subject, withheld))
    return rows


def _subjects(
    threads: list[Thread],
) -> tuple[dict[int, ProgramSession], dict[int, Material]]:
    """The sessions and the materials (with their sessions) the threads are about, by
    id, in one query each."""
    session_ids = {t.session_id for t in threads if t.session_id is not None}
    material_ids = {t.material_id for t in threads if t.material_id is not None}
    sessions: dict[int, ProgramSession] = {}
    materials: dict[int, Material] = {}
    if session_ids:
        found = db.session.scalars(
            sa.select(ProgramSession).where(ProgramSession.id.in_(session_ids))
        )
        sessions = {session.id: session for session in found}
    if material_ids:
        found = db.session.scalars(
            sa.select(Material)
            .where(Material.id.in_(material_ids))
            .options(sa.orm.joinedload(Material.session))
        )
        materials = {material.id: material for material in found}
    return sessions, materials


def subject_of(thread: Thread) -> ProgramSession | Material | None:
    if thread.session_id is not None:
        return db.session.get(ProgramSession, thread.session_id)
    if thread.material_id is not None:
        return db.session.get(Material, thread.material_id)
    return None


def event_threads(
    viewer: User, event: Event, *, about: str = "all", page: int = 1
) -> tuple[list[ThreadRow], bool]:
    """One page of the event's threads ``viewer`` may see, latest activity first, and
    whether there are more. ``about``: "all", "event" (event-wide only), "sessions",
    "materials"."""
    query = _row_query(viewer, event)
    if about == "event":
        query = query.where(Thread.session_id.is_(None), Thread.material_id.is_(None))
    elif about == "sessions":
        query = query.where(Thread.session_id.is_not(None))
    elif about == "materials":
        query = query.where(Thread.material_id.is_not(None))
    # Sessions and materials the viewer may not see are dropped after the query: pages
    # then hold fewer rows, never someone else's.
    page = max(1, page)
    query = (
        query.order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    raw = db.session.execute(query).all()
    return _visible_rows(viewer, event, raw[:PAGE_SIZE]), len(raw) > PAGE_SIZE


def threads_about(
    viewer: User, event: Event, subject: ProgramSession | Material, limit: int | None = None
) -> list[ThreadRow]:
    """The threads about one session or one material that ``viewer`` may see."""
    column = Thread.session_id if isinstance(subject, ProgramSession) else Thread.material_id
    query = (
        _row_query(viewer, event)
        .where(column == subject.id)
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return _visible_rows(viewer, event, db.session.execute(query).all())


def material_threads(
    viewer: User, event: Event, material_ids: list[int]
) -> dict[int, tuple[int, int]]:
    """For the materials' "Discuss" links, in one grouped query: per material with
    threads, how many the viewer sees (opening post shown to them) and the id of the
    first. The caller checks ``discussions.view`` and ``material.view``."""
    if not material_ids:
        return {}
    query = sa.select(Thread.material_id, sa.func.count(), sa.func.min(Thread.id)).where(
        Thread.event_id == event.id, Thread.material_id.in_(material_ids)
    )
    if not moderates(viewer, event):
        query = query.where(
            sa.or_(_opening_status() == ContentStatus.visible, Thread.author_id == viewer.id)
        )
    rows = db.session.execute(query.group_by(Thread.material_id))
    return {material_id: (count, first) for material_id, count, first in rows}


def thread_shown_to(viewer: User, thread: Thread) -> bool:
    """Whether ``viewer`` sees this thread at all: ``thread.view`` and, unless they wrote
    it or moderate, a visible opening post."""
    if not can(viewer, "thread.view", thread):
        return False
    event = db.session.get(Event, thread.event_id)
    if thread.author_id == viewer.id or moderates(viewer, event):
        return True
    opening = db.session.scalar(
        sa.select(Post.status).where(Post.thread_id == thread.id).order_by(Post.id).limit(1)
    )
    return opening == ContentStatus.visible


def posts_of(viewer: User, thread: Thread) -> list[Post]:
    """The thread's posts ``viewer`` may read, oldest first, with their authors."""
    event = db.session.get(Event, thread.event_id)
    return list(
        db.session.scalars(
            sa.select(Post)
            .where(Post.thread_id == thread.id, _shown_posts(viewer, event))
            .order_by(Post.id)
            .options(sa.orm.selectinload(Post.author))
        )
    )


def post_shown_to(viewer: User, post: Post) -> bool:
    if post.status == ContentStatus.visible or post.author_id == viewer.id:
        return True
    return moderates(viewer, db.session.get(Event, post.event_id))


def following(user: User, thread: Thread) -> bool:
    row = db.session.get(ThreadSubscription, (thread.id, user.id))
    return row is not None and row.following


def edited_recently(post: Post, now: datetime | None = None) -> bool:
    """Whether the post is still within its edit window (for showing "Edit")."""
    return (now or utcnow()) - post.created_at <= POST_EDIT_WINDOW


# --- mentions ---------------------------------------------------------------------------


def mentioned_ids(body: str) -> list[int]:
    """Ids mentioned in ``body``, first mention first, each once."""
    seen: list[int] = []
    for match in MENTION.finditer(body or ""):
        user_id = int(match.group(2))
        if user_id not in seen:
            seen.append(user_id)
    return seen


def _participants_among(event: Event, ids: list[int]) -> dict[int, User]:
    """The mentioned people who take part in ``event`` (others stay plain text)."""
    if not ids:
        return {}
    people = db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    return {
        person.id: person
        for person in people
        if not person.is_deleted and can(person, "event.participate", event)
    }


def render_body(event: Event, body: str, people: dict[int, User] | None = None) -> Markup:
    """A post's body as safe HTML: Markdown, sanitized, mentions as links to profiles
    (with the person's current name), unknown mentions as the plain name typed."""
    if people is None:
        people = _participants_among(event, mentioned_ids(body))

    def replace(match: re.Match) -> str:
        person = people.get(int(match.group(2)))
        if person is None:
            return "@" + _MARKDOWN_PUNCTUATION.sub(r"\\\1", match.group(1))
        name = _MARKDOWN_PUNCTUATION.sub(r"\\\1", person.display_name)
        href = url_for("profiles.person", slug=event.slug, user_id=person.id)
        return f"[@{name}]({href})"

    return Markup(render_markdown(MENTION.sub(replace, body or "")))


def render_posts(event: Event, posts: list[Post]) -> dict[int, Markup]:
    """Bodies of ``posts`` rendered, by post id, looking the mentioned people up once."""
    ids = sorted({i for post in posts for i in mentioned_ids(post.body)})
    people = _participants_among(event, ids)
    return {post.id: render_body(event, post.body, people) for post in posts}


def plain_excerpt(body: str, limit: int = 160) -> str:
    """The start of a body as plain text (mentions as names), for quotes and lists."""
    text = MENTION.sub(lambda m: "@" + m.group(1), body or "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- writing ----------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError("empty", gettext("Write something first."), field="body")
    if len(body) > BODY_MAX:
        raise ServiceError(
            "too_long",
            gettext("At most %(max)d characters, please.", max=BODY_MAX),
            field="body",
        )
    return body


def _follow(user: User, thread: Thread) -> None:
    """Follow ``thread`` unless the person once stopped following it."""
    if db.session.get(ThreadSubscription, (thread.id, user.id)) is None:
        db.session.add(ThreadSubscription(thread_id=thread.id, user_id=user.id, following=True))


def create_thread(
    actor: User,
    event: Event,
    title: str,
    body: str,
    *,
    subject: ProgramSession | Material | None = None,
) -> Thread:
    """Open a thread about ``event`` or ``subject`` with its first post.

    Side effects: a thread, its opening post (held when the word filter matches the title
    or body), the author's subscription, an activity row; mentions notified when the
    post is visible. Flushes."""
    title = " ".join((title or "").split())
    if not title:
        raise ServiceError("empty", gettext("Give the thread a title."), field="title")
    if len(title) > TITLE_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=TITLE_MAX), "title"
        )
    body = _clean_body(body)
    now = utcnow()
    thread = Thread(
        event_id=event.id,
        session_id=subject.id if isinstance(subject, ProgramSession) else None,
        material_id=subject.id if isinstance(subject, Material) else None,
        title=title,
        author_id=actor.id,
        created_at=now,
        last_post_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    post = _write(actor, event, thread, body, None, held=word_filter.is_held(event, title, body))
    _follow(actor, thread)
    db.session.flush()
    if post.status == ContentStatus.visible:
        _announce(post, thread, event)
    return thread


def reply(actor: User, thread: Thread, body: str, reply_to: Post | None = None) -> Post:
    """Post in ``thread``, optionally quoting ``reply_to`` (a post of the same thread the
    actor can read).

    Side effects: the post (held when the word filter matches), the thread's
    ``last_post_at`` when it shows, the actor follows unless they stopped, an activity
    row, notifications to followers and the mentioned when it shows. Flushes."""
    event = db.session.get(Event, thread.event_id)
    if thread.locked_at is not None:
        raise ServiceError("locked", gettext("This thread is locked."))
    if reply_to is not None and (
        reply_to.thread_id != thread.id or not post_shown_to(actor, reply_to)
    ):
        raise ServiceError("invalid", gettext("That post is not in this thread."))
    body = _clean_body(body)
    post = _write(actor, event, thread, body, reply_to, held=word_filter.is_held(event, body))
    _follow(actor, thread)
    db.session.flush()
    if post.status == ContentStatus.visible:
        thread.last_post_at = post.created_at
        _announce(post, thread, event)
    return post


def _write(
    actor: User, event: Event, thread: Thread, body: str, reply_to: Post | None, *, held: bool
) -> Post:
    post = Post(
        thread_id=thread.id,
        event_id=event.id,
        author_id=actor.id,
        reply_to_id=reply_to.id if reply_to is not None else None,
        body=body,
        status=ContentStatus.held if held else ContentStatus.visible,
        created_at=utcnow(),
    )
    db.session.add(post)
    db.session.flush()
    activity.record(actor, event, ActivityKind.post_written, session=_session_of(thread))
    return post


def _session_of(thread: Thread) -> ProgramSession | None:
    subject = subject_of(thread)
    if isinstance(subject, Material):
        return subject.session
    return subject


def edit_post(actor: User, post: Post, body: str) -> Post:
    """Change a post's text (the rule ``post.edit`` keeps it to its author within
    ``POST_EDIT_WINDOW``); it is marked edited (unless nobody else has seen it yet),
    held again when the word filter now matches, and people newly mentioned are
    notified. Flushes."""
    if post.author_id != actor.id:
        raise ServiceError("forbidden", gettext("Only its author may edit a post."))
    if not edited_recently(post):
        raise ServiceError("too_late", gettext("Posts can only be edited for a short while."))
    body = _clean_body(body)
    if body == post.body:
        return post
    thread = db.session.get(Thread, post.thread_id)
    event = db.session.get(Event, post.event_id)
    before = set(mentioned_ids(post.body))
    post.body = body
    # "Edited" tells readers the text changed since they saw it; a post nobody else has
    # seen yet (held since it was written) is not marked. ``published`` relies on this:
    # an edited post that a moderator approves was announced before.
    if post.status == ContentStatus.visible or post.edited_at is not None:
        post.edited_at = utcnow()
    texts = (thread.title, body) if _is_opening(post) else (body,)
    if post.status == ContentStatus.visible and word_filter.is_held(event, *texts):
        post.status = ContentStatus.held
    db.session.flush()
    if post.status == ContentStatus.visible:
        _notify_mentions(post, thread, event, exclude=before)
    return post


def _is_opening(post: Post) -> bool:
    first = db.session.scalar(
        sa.select(sa.func.min(Post.id)).where(Post.thread_id == post.thread_id)
    )
    return first == post.id


def set_locked(actor: User, thread: Thread, locked: bool, reason: str = "") -> bool:
    """Lock (no new posts) or unlock a thread; logged as a moderation action. Returns
    whether anything changed. Raises ``ServiceError`` (field ``reason``) for too long a
    reason. Flushes."""
    if (thread.locked_at is not None) == locked:
        return False
    word_filter.log_action(
        actor,
        db.session.get(Event, thread.event_id),
        ModerationActionKind.lock if locked else ModerationActionKind.unlock,
        target_id=thread.id,
        subject_id=thread.author_id,
        reason=reason,
    )
    thread.locked_at = utcnow() if locked else None
    db.session.flush()
    return True


def set_following(user: User, thread: Thread, follow: bool) -> None:
    """Follow or stop following; stopping is remembered so posting again does not
    re-subscribe. Flushes."""
    row = db.session.get(ThreadSubscription, (thread.id, user.id))
    if row is None:
        db.session.add(ThreadSubscription(thread_id=thread.id, user_id=user.id, following=follow))
    else:
        row.following = follow
    db.session.flush()


# --- notifications ----------------------------------------------------------------------


def thread_url(thread: Thread, event: Event, post: Post | None = None) -> str:
    anchor = f"post-{post.id}" if post is not None else None
    return url_for("discussions.thread", slug=event.slug, thread_id=thread.id, _anchor=anchor)


def published(post: Post) -> None:
    """Tell followers and the mentioned about a post that has just become visible (a
    moderator approved a held one). Flushes.

    A post that was edited had been visible and announced before the edit held it
    (``edit_post`` marks only posts others have seen): followers are not told again,
    only the people it mentions who have not yet been told about this post (those
    mentioned since it was last visible)."""
    thread = db.session.get(Thread, post.thread_id)
    event = db.session.get(Event, post.event_id)
    if post.created_at > thread.last_post_at:
        thread.last_post_at = post.created_at
    if post.edited_at is None:
        _announce(post, thread, event)
        return
    told = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.group_key == _mention_key(post),
                Notification.kind == NotificationKind.discussion,
            )
        )
    )
    _notify_mentions(post, thread, event, exclude=told)


def _mention_key(post: Post) -> str:
    return f"mention:{post.id}"


def blocked_either_way(user_id: int) -> set[int]:
    """The people ``user_id`` blocked and those who blocked them: they neither mention
    nor notify each other."""
    rows = db.session.execute(
        sa.select(Block.blocker_id, Block.blocked_id).where(
            sa.or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
        )
    )
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


def _announce(post: Post, thread: Thread, event: Event) -> None:
    author = db.session.get(User, post.author_id) if post.author_id else None
    blocked = blocked_either_way(post.author_id) if post.author_id else set()
    mentioned = _notify_mentions(post, thread, event, exclude=set(), blocked=blocked)
    skipped = mentioned | blocked
    followers = db.session.scalars(
        sa.select(User)
        .join(ThreadSubscription, ThreadSubscription.user_id == User.id)
        .where(
            ThreadSubscription.thread_id == thread.id,
            ThreadSubscription.following == sa.true(),
            User.id != post.author_id,
            User.id.not_in(skipped) if skipped else sa.true(),
        )
    ).all()
    url = thread_url(thread, event, post)
    name = author.display_name if author else ""
    for person in followers:
        if person.is_deleted or not thread_shown_to(person, thread):
            continue
        with mail.in_language(person.locale):
            text = gettext("%(name)s wrote in “%(title)s”", name=name, title=thread.title)
        notifications.notify(
            person.id,
            NotificationKind.discussion,
            text,
            url=url,
            event_id=event.id,
            actor_id=post.author_id,
            group_key=f"thread:{thread.id}",
        )


def _notify_mentions(
    post: Post,
    thread: Thread,
    event: Event,
    *,
    exclude: set[int],
    blocked: set[int] | None = None,
) -> set[int]:
    """Notify the people ``post`` mentions (besides ``exclude``, its author and who
    blocked or was blocked by its author: ``blocked``, looked up when None) who may see
    the thread; they follow it unless they stopped. Returns their ids."""
    wanted = [i for i in mentioned_ids(post.body) if i not in exclude and i != post.author_id]
    if wanted and post.author_id:
        if blocked is None:
            blocked = blocked_either_way(post.author_id)
        wanted = [i for i in wanted if i not in blocked]
    people = _participants_among(event, wanted)
    author = db.session.get(User, post.author_id) if post.author_id else None
    told: set[int] = set()
    for person in people.values():
        if not thread_shown_to(person, thread):
            continue
        _follow(person, thread)
        with mail.in_language(person.locale):
            text = gettext(
                "%(name)s mentioned you in “%(title)s”",
                name=author.display_name if author else "",
                title=thread.title,
            )
        notifications.notify(
            person.id,
            NotificationKind.discussion,
            text,
            url=thread_url(thread, event, post),
            event_id=event.id,
            actor_id=post.author_id,
            group_key=_mention_key(post),
        )
        told.add(person.id)
    db.session.flush()
    return told


# --- posting rights ---------------------------------------------------------------------


def update_settings(
    event: Event, ticket_type_ids: list[int], roles: list[str], held_words: str
) -> None:
    """Who may post (ticket types and roles of the event; none chosen: everybody) and the
    word filter's list (one word or phrase per line). Flushes."""
    own_tickets = {ticket.id for ticket in event.ticket_types}
    unknown = [i for i in ticket_type_ids if i not in own_tickets]
    if unknown:
        raise ServiceError("invalid", gettext("Choose ticket types of this event."), "tickets")
    lines = [" ".join(line.split()) for line in (held_words or "").splitlines()]
    words = sorted({line for line in lines if line}, key=str.casefold)
    if any(len(word) > 100 for word in words):
        raise ServiceError(
            "too_long", gettext("Keep each held word under 100 characters."), "held_words"
        )
    event.discussion_ticket_type_ids = sorted(set(ticket_type_ids))
    event.discussion_roles = sorted(set(roles))
    event.held_words = "\n".join(words)
    db.session.flush()


def _on_status_change(post: Post, action: ModerationAction) -> None:
    """A moderator approved a held post: followers and the mentioned hear of it now."""
    if action.action == ModerationActionKind.approve and post.status == ContentStatus.visible:
        published(post)


word_filter.on_status_change(ReportTarget.post, _on_status_change)
