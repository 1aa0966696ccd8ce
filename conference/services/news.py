"""Event news: items organizers (and sponsors whose package includes it) post to the
event's feed, the feeds participants follow, live delivery and the public Atom feeds.

An item belongs to the event's feed and, when it names one, to a topic's feed (a
taxonomy term of kind topic) or a track's feed. Public items (``is_public``) of a
public event are on its landing page and in its Atom feeds; the others only for the
event's participants.

New text goes through the event's word filter (``moderation.is_held``): a match is
stored ``held`` and shows to its author as waiting for a moderator, to nobody else,
until a moderator approves it. Only visible items reach followers.

Delivery: once the item is committed, the job ``deliver`` tells every follower of the
event feed or of the item's topic or track feed (who may still read it; never its
author) with a ``news`` notification (``notify``: at once or in the digest as each
chose) and emits ``news`` to their open pages. The notification's ``group_key``
(``news:<id>``) makes the job idempotent: whoever already has it is skipped.
A moderator's approval of a held item (or restoring a hidden one) delivers it then,
through ``moderation.on_status_change``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext

from conference import jobs
from conference.enums import (
    ActivityKind,
    ContentStatus,
    NotificationKind,
    ReportTarget,
    TaxonomyKind,
)
from conference.extensions import db, socketio
from conference.models import (
    Event,
    FeedFollow,
    NewsPost,
    Notification,
    Sponsor,
    TaxonomyTerm,
    Track,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, activity, aftercommit, mail, messaging, moderation
from conference.services.notifications import notify
from conference.services.text import render_markdown

TITLE_MAX = 200
BODY_MAX = 20_000
#: Items per page of the feed, and in an Atom document.
PAGE_SIZE = 20
ATOM_SIZE = 50
#: Public items on the event's landing page.
LANDING_SIZE = 3
EVENT_FEED = "event"
_ATOM_NS = "http://www.w3.org/2005/Atom"


# --- feeds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """One followable stream of an event: the whole feed, a topic's or a track's."""

    key: str
    name: str
    topic_id: int | None = None
    track_id: int | None = None


def topics_of(event: Event) -> list[TaxonomyTerm]:
    return list(
        db.session.scalars(
            sa.select(TaxonomyTerm)
            .where(TaxonomyTerm.event_id == event.id, TaxonomyTerm.kind == TaxonomyKind.topic)
            .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
        )
    )


def tracks_of(event: Event) -> list[Track]:
    return list(
        db.session.scalars(
            sa.select(Track).where(Track.event_id == event.id).order_by(Track.position, Track.name)
        )
    )


def feed_of(event: Event, key: str) -> Feed:
    """The feed ``key`` names (``"event"``, ``"topic:<id>"``, ``"track:<id>"``) in
    ``event``; a ServiceError for anything else or another event's topic or track."""
    if key == EVENT_FEED:
        return Feed(EVENT_FEED, gettext("All news of %(event)s", event=event.name))
    kind, _, raw = (key or "").partition(":")
    if raw.isdigit():
        if kind == "topic":
            term = db.session.get(TaxonomyTerm, int(raw))
            if term is not None and term.event_id == event.id and term.kind == TaxonomyKind.topic:
                return Feed(key, term.name, topic_id=term.id)
        elif kind == "track":
            track = db.session.get(Track, int(raw))
            if track is not None and track.event_id == event.id:
                return Feed(key, track.name, track_id=track.id)
    raise ServiceError("no_such_feed", gettext("There is no such news feed."), "feed")


def feeds_of(event: Event) -> list[Feed]:
    """Every feed of the event, the whole feed first, then topics, then tracks."""
    return [
        feed_of(event, EVENT_FEED),
        *(Feed(f"topic:{t.id}", t.name, topic_id=t.id) for t in topics_of(event)),
        *(Feed(f"track:{t.id}", t.name, track_id=t.id) for t in tracks_of(event)),
    ]


def followed(user: User, event: Event) -> set[str]:
    """The keys of the feeds of ``event`` that ``user`` follows."""
    return set(
        db.session.scalars(
            sa.select(FeedFollow.feed).where(
                FeedFollow.user_id == user.id, FeedFollow.event_id == event.id
            )
        )
    )


def follow(user: User, event: Event, key: str) -> Feed:
    """Follow a feed (again: nothing changes). Flushes."""
    feed = feed_of(event, key)
    if db.session.get(FeedFollow, (user.id, event.id, feed.key)) is None:
        db.session.add(FeedFollow(user_id=user.id, event_id=event.id, feed=feed.key))
        db.session.flush()
    return feed


def unfollow(user: User, event: Event, key: str) -> Feed:
    """Stop following a feed (not following it: nothing changes). Flushes."""
    feed = feed_of(event, key)
    db.session.execute(
        sa.delete(FeedFollow).where(
            FeedFollow.user_id == user.id,
            FeedFollow.event_id == event.id,
            FeedFollow.feed == feed.key,
        )
    )
    db.session.flush()
    return feed


# --- reading -------------------------------------------------------------------------------


def _shown_to(viewer: User | None):
    """Visible items, and the viewer's own held ones (marked as waiting)."""
    shown = NewsPost.status == ContentStatus.visible
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        shown = shown | (
            (NewsPost.status == ContentStatus.held) & (NewsPost.author_id == viewer.id)
        )
    return shown


def items(
    event: Event,
    viewer: User | None,
    *,
    feed: Feed | None = None,
    public_only: bool = False,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> list[NewsPost]:
    """The event's items ``viewer`` may read, newest first: visible ones (only public
    ones with ``public_only``) and the viewer's own held ones; of one ``feed``'s topic
    or track when given; older than ``before_id`` for the next page."""
    query = sa.select(NewsPost).where(NewsPost.event_id == event.id, _shown_to(viewer))
    if public_only:
        query = query.where(NewsPost.is_public.is_(True), NewsPost.status == ContentStatus.visible)
    if feed is not None and feed.topic_id is not None:
        query = query.where(NewsPost.topic_id == feed.topic_id)
    if feed is not None and feed.track_id is not None:
        query = query.where(NewsPost.track_id == feed.track_id)
    if before_id is not None:
        query = query.where(NewsPost.id < before_id)
    return list(db.session.scalars(query.order_by(NewsPost.id.desc()).limit(limit)))


def item_in(event: Event, news_id: int) -> NewsPost | None:
    item = db.session.get(NewsPost, news_id)
    return item if item is not None and item.event_id == event.id else None


def readable(viewer: User | None, item: NewsPost) -> bool:
    """Whether ``viewer`` may read ``item``: a participant (or, for a public item of a
    public event, anyone) when it shows; its author while it is held."""
    event = db.session.get(Event, item.event_id)
    if item.status == ContentStatus.hidden:
        return False
    if item.status == ContentStatus.held:
        return viewer is not None and getattr(viewer, "id", None) == item.author_id
    if can(viewer, "news.view", event):
        return True
    return item.is_public and can(viewer, "news.public", event)


def landing_items(event: Event) -> list[NewsPost]:
    """The newest public items for the landing page of a public event."""
    if not can(None, "news.public", event):
        return []
    return items(event, None, public_only=True, limit=LANDING_SIZE)


def by_sponsor(sponsor: Sponsor) -> list[NewsPost]:
    """What was posted for ``sponsor`` (any status), newest first: its staff's list."""
    return list(
        db.session.scalars(
            sa.select(NewsPost)
            .where(NewsPost.sponsor_id == sponsor.id)
            .order_by(NewsPost.id.desc())
            .limit(100)
        )
    )


def by_organizers(event: Event) -> list[NewsPost]:
    """The event's items not posted for a sponsor (any status), newest first."""
    return list(
        db.session.scalars(
            sa.select(NewsPost)
            .where(NewsPost.event_id == event.id, NewsPost.sponsor_id.is_(None))
            .order_by(NewsPost.id.desc())
            .limit(100)
        )
    )


def labels(event: Event) -> dict[str, dict[int, str]]:
    """Topic and track names by id, for showing what items are about."""
    return {
        "topics": {t.id: t.name for t in topics_of(event)},
        "tracks": {t.id: t.name for t in tracks_of(event)},
    }


def sponsor_names(event: Event) -> dict[int, str]:
    query = sa.select(Sponsor.id, Sponsor.name).where(Sponsor.event_id == event.id)
    return {row.id: row.name for row in db.session.execute(query)}


# --- writing -------------------------------------------------------------------------------


def _clean(event: Event, title: str, body: str, topic_id, track_id) -> dict:
    title = " ".join((title or "").split())
    body = (body or "").strip()
    if not title:
        raise ServiceError("title_missing", gettext("Give the news a title."), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=TITLE_MAX), "title"
        )
    if not body:
        raise ServiceError("body_missing", gettext("Write the news."), "body")
    if len(body) > BODY_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=BODY_MAX), "body"
        )
    if topic_id is not None:
        feed_of(event, f"topic:{topic_id}")
    if track_id is not None:
        feed_of(event, f"track:{track_id}")
    return {"title": title, "body": body, "topic_id": topic_id, "track_id": track_id}


def post(
    author: User,
    event: Event,
    *,
    title: str,
    body: str,
    topic_id: int | None = None,
    track_id: int | None = None,
    is_public: bool = False,
    sponsor: Sponsor | None = None,
) -> NewsPost:
    """Post an item to ``event``'s feed (for ``sponsor`` when given). The caller checked
    ``news.post`` or ``news.post_sponsor``.

    Side effects: writes the item (held when the word filter matches) and a
    ``post_written`` activity row; once committed, a visible item is delivered to its
    followers (``deliver``). Flushes.
    """
    if sponsor is not None and sponsor.event_id != event.id:
        raise ValueError("the sponsor belongs to another event")
    fields = _clean(event, title, body, topic_id, track_id)
    item = NewsPost(
        event_id=event.id,
        author_id=author.id,
        sponsor_id=sponsor.id if sponsor is not None else None,
        is_public=bool(is_public),
        status=ContentStatus.held
        if moderation.is_held(event, fields["title"], fields["body"])
        else ContentStatus.visible,
        created_at=utcnow(),
        **fields,
    )
    db.session.add(item)
    db.session.flush()
    activity.record(author, event, ActivityKind.post_written, sponsor=sponsor)
    if item.status == ContentStatus.visible:
        delivered(item)
    return item


def edit(
    editor: User,
    item: NewsPost,
    *,
    title: str,
    body: str,
    topic_id: int | None = None,
    track_id: int | None = None,
    is_public: bool = False,
) -> NewsPost:
    """Change an item (the caller checked ``news.edit``); "edited" shows from then on.
    A visible item whose new text matches the word filter is held; a held one stays
    held until a moderator approves it. Followers are not told again.

    Side effects: updates the item. Flushes.
    """
    event = db.session.get(Event, item.event_id)
    fields = _clean(event, title, body, topic_id, track_id)
    for key, value in fields.items():
        setattr(item, key, value)
    item.is_public = bool(is_public)
    item.edited_at = utcnow()
    if item.status == ContentStatus.visible and moderation.is_held(event, item.title, item.body):
        item.status = ContentStatus.held
    db.session.flush()
    return item


def delete(item: NewsPost) -> None:
    """Take an item down for good (the caller checked ``news.edit``). Flushes."""
    db.session.execute(sa.delete(Notification).where(Notification.group_key == f"news:{item.id}"))
    db.session.delete(item)
    db.session.flush()


# --- delivery ------------------------------------------------------------------------------


def delivered(item: NewsPost) -> None:
    """Deliver ``item`` to its followers once the current transaction commits: for a
    new visible item, and for a held one a moderator approved."""
    jobs.enqueue_after_commit(deliver, item.id)


def followers(item: NewsPost) -> list[int]:
    """Who follows the event's feed or the item's topic or track feed, but its author."""
    keys = [EVENT_FEED]
    if item.topic_id is not None:
        keys.append(f"topic:{item.topic_id}")
    if item.track_id is not None:
        keys.append(f"track:{item.track_id}")
    query = sa.select(FeedFollow.user_id).where(
        FeedFollow.event_id == item.event_id, FeedFollow.feed.in_(keys)
    )
    if item.author_id is not None:
        query = query.where(FeedFollow.user_id != item.author_id)
    return sorted(set(db.session.scalars(query.distinct())))


def _already_told(item: NewsPost) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.group_key == f"news:{item.id}")
        )
    )


def _emit_after_commit(user_id: int, data: dict) -> None:
    aftercommit.on_commit(lambda: socketio.emit("news", data, to=messaging.user_room(user_id)))


@jobs.job(retries=3, retry_delay=60)
def deliver(news_id: int) -> int:
    """Tell the followers of a visible item who may read it and were not told yet: a
    ``news`` notification in each one's language and a ``news`` socket event. Returns
    how many were told.

    Side effects: writes notifications (which mail at once or wait for the digest as
    each chose), commits, then emits.
    """
    item = db.session.get(NewsPost, news_id)
    if item is None or item.status != ContentStatus.visible:
        return 0
    event = db.session.get(Event, item.event_id)
    told = _already_told(item)
    url = url_for("news.item", slug=event.slug, news_id=item.id, _external=False)
    data = {
        "event": event.slug,
        "id": item.id,
        "topic_id": item.topic_id,
        "track_id": item.track_id,
        "url": url,
    }
    count = 0
    for user_id in followers(item):
        person = db.session.get(User, user_id)
        if user_id in told or person is None or not person.is_active:
            continue
        if not can(person, "news.view", event):
            continue
        with mail.in_language(person.locale):
            text = gettext("News from %(event)s: %(title)s", event=event.name, title=item.title)
        notify(
            user_id,
            NotificationKind.news,
            text,
            url=url,
            event_id=event.id,
            actor_id=item.author_id,
            group_key=f"news:{item.id}",
        )
        _emit_after_commit(user_id, data)
        count += 1
    db.session.commit()
    return count


# --- Atom ----------------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _element(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    node = ET.SubElement(parent, f"{{{_ATOM_NS}}}{tag}", attributes)
    if text is not None:
        node.text = text
    return node


def atom(event: Event, feed: Feed, *, self_url: str, page_url: str, item_url) -> bytes:
    """The Atom document (RFC 4287) of ``feed``'s public, visible items of a public
    event; ``item_url(item)`` gives each item's absolute address. Items are written
    by the event or a sponsor, never named after the person who typed them."""
    if not event.is_public:
        raise ValueError("only public events have public feeds")
    entries = items(event, None, feed=feed, public_only=True, limit=ATOM_SIZE)
    names = sponsor_names(event)
    ET.register_namespace("", _ATOM_NS)
    root = ET.Element(f"{{{_ATOM_NS}}}feed")
    _element(root, "id", self_url)
    title = event.name if feed.key == EVENT_FEED else f"{event.name}: {feed.name}"
    _element(root, "title", title)
    _element(root, "link", rel="self", type="application/atom+xml", href=self_url)
    _element(root, "link", rel="alternate", type="text/html", href=page_url)
    newest = max(
        (entry.edited_at or entry.created_at for entry in entries),
        default=event.created_at,
    )
    _element(root, "updated", _stamp(newest))
    _element(_element(root, "author"), "name", event.name)
    for entry in entries:
        node = _element(root, "entry")
        href = item_url(entry)
        _element(node, "id", href)
        _element(node, "title", entry.title)
        _element(node, "link", rel="alternate", type="text/html", href=href)
        _element(node, "published", _stamp(entry.created_at))
        _element(node, "updated", _stamp(entry.edited_at or entry.created_at))
        author = names.get(entry.sponsor_id) if entry.sponsor_id else event.name
        _element(_element(node, "author"), "name", author or event.name)
        _element(node, "content", render_markdown(entry.body), type="html")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- moderation ----------------------------------------------------------------------------


def _status_changed(item: NewsPost, _action) -> None:
    """A moderator approved a held item or restored a hidden one: its followers who were
    not told yet are told now (``deliver`` skips whoever was)."""
    if item.status == ContentStatus.visible:
        delivered(item)


moderation.on_status_change(ReportTarget.news, _status_changed)
