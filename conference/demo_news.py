"""The demo's news, written by ``seed_demo`` through ``seed_demo_news``.

The organizers of the Berlin summit have posted news over the past week: two public
items (on the landing page and in the Atom feed), one about a topic, one about a track
and one for participants only. The Platinum package includes news posts, and its
sponsor posted one item. Alex (the demo attendee) follows the event's feed and one
topic; a share of the crowd follows the event's feed.
"""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import ContentStatus, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Event,
    FeedFollow,
    NewsPost,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorPackage,
    TaxonomyTerm,
    Track,
    User,
)
from conference.models.types import utcnow

#: The share of Berlin's participants who follow the event's feed.
FOLLOWING_SHARE = 0.3


def _person(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _first(model, event: Event, *conditions):
    return db.session.scalar(
        sa.select(model)
        .where(model.event_id == event.id, *conditions)
        .order_by(model.position, model.id)
        .limit(1)
    )


def seed_demo_news() -> bool:
    """Write Berlin's news and who follows which feed, unless it has news already; True
    if it wrote anything.

    Side effects: writes news items, turns on news posts for the Platinum package,
    writes feed follows. Flushes.
    """
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    organizer = _person("organizer@demo.test")
    attendee = _person("attendee@demo.test")
    if berlin is None or organizer is None or attendee is None:
        return False
    if db.session.scalar(sa.select(NewsPost.id).where(NewsPost.event_id == berlin.id).limit(1)):
        return False
    topic = _first(TaxonomyTerm, berlin, TaxonomyTerm.kind == TaxonomyKind.topic)
    track = _first(Track, berlin)
    now = utcnow()

    def item(days_ago: float, title: str, body: str, **fields) -> None:
        db.session.add(
            NewsPost(
                event_id=berlin.id,
                author_id=fields.pop("author_id", organizer.id),
                title=title,
                body=body,
                status=ContentStatus.visible,
                created_at=now - timedelta(days=days_ago),
                **fields,
            )
        )

    item(
        6,
        "Registration is open",
        "The summit's registration is open. **Early tickets** include the evening "
        "reception; see the program for the talks announced so far.",
        is_public=True,
    )
    item(
        3,
        "Speakers' dinner and the evening reception",
        "The reception on the first evening starts at *19:00* on the roof terrace. "
        "Bring your badge.",
        is_public=True,
    )
    if topic is not None:
        item(
            2,
            f"More on {topic.name}: a second workshop",
            f"Because the first one filled up, there is a second workshop on {topic.name} "
            "on the afternoon of day two. Bookmark it on the agenda to keep a seat.",
            topic_id=topic.id,
            is_public=True,
        )
    if track is not None:
        item(
            1,
            f"{track.name}: room change",
            f"The {track.name} sessions of day one move to the larger hall next door.",
            track_id=track.id,
        )
    item(
        0.2,
        "Wi-Fi and the participants' app",
        "Network **Summit-Guest**, password on the back of your badge. Questions go to "
        "the help desk at the entrance.",
    )
    platinum = db.session.scalar(
        sa.select(SponsorPackage).where(
            SponsorPackage.event_id == berlin.id, SponsorPackage.name == "Platinum"
        )
    )
    if platinum is not None:
        platinum.news_posts = True
        sponsor = db.session.scalar(sa.select(Sponsor).where(Sponsor.package_id == platinum.id))
        admin = (
            db.session.scalar(
                sa.select(SponsorMember.user_id).where(
                    SponsorMember.sponsor_id == sponsor.id, SponsorMember.is_admin.is_(True)
                )
            )
            if sponsor is not None
            else None
        )
        if sponsor is not None and admin is not None:
            item(
                0.5,
                f"Meet {sponsor.name} at the booth",
                "Live demos every hour on the hour, and a quiz with a prize at the end of "
                "each day.",
                author_id=admin,
                sponsor_id=sponsor.id,
                is_public=True,
            )
    follows = [(attendee.id, "event")]
    if topic is not None:
        follows.append((attendee.id, f"topic:{topic.id}"))
    crowd = db.session.scalars(
        sa.select(Registration.user_id)
        .where(
            Registration.event_id == berlin.id,
            Registration.status == RegistrationStatus.approved,
            Registration.user_id != attendee.id,
        )
        .order_by(Registration.id)
    ).all()
    rng = random.Random(11)
    follows += [(user_id, "event") for user_id in crowd if rng.random() < FOLLOWING_SHARE]
    db.session.add_all(
        FeedFollow(user_id=user_id, event_id=berlin.id, feed=feed) for user_id, feed in follows
    )
    db.session.flush()
    return True
