"""News: posting (and the word filter), feeds and following, delivery to followers
(notifications, live ``news`` events, idempotent), editing, approval by a moderator and
the public Atom feeds."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import (
    ActivityKind,
    ContentStatus,
    EventVisibility,
    NotificationKind,
    ReportTarget,
)
from conference.extensions import db
from conference.models import Activity, FeedFollow, NewsPost, Notification, Track
from conference.services import ServiceError, moderation
from conference.services import news as service
from tests import factories
from tests.realtime.test_sockets import Socket, log_in

ATOM = "{http://www.w3.org/2005/Atom}"


def _topic(event, name="AI"):
    return factories.term(event, "topic", name)


def _track(event, name="Main stage") -> Track:
    track = Track(event_id=event.id, name=name)
    db.session.add(track)
    db.session.commit()
    return track


def _post(author, event, **fields) -> NewsPost:
    values = {"title": "Doors open at nine", "body": "Coffee in **hall A**.", **fields}
    item = service.post(author, event, **values)
    db.session.commit()
    return item


def _told(item) -> dict[int, Notification]:
    rows = db.session.scalars(
        sa.select(Notification).where(Notification.group_key == f"news:{item.id}")
    )
    return {row.user_id: row for row in rows}


def test_a_post_reaches_the_followers_of_its_feeds_and_nobody_else(
    event, organizer, attendee, speaker, sponsor_staff
):
    ai = _topic(event)
    service.follow(attendee, event, "event")
    service.follow(speaker, event, f"topic:{ai.id}")
    service.follow(organizer, event, "event")  # the author: not told of their own item
    db.session.commit()

    item = _post(organizer, event, topic_id=ai.id)
    jobs.run_pending()

    told = _told(item)
    assert set(told) == {attendee.id, speaker.id}
    assert told[attendee.id].kind == NotificationKind.news
    assert told[attendee.id].text == "News from Northwind Summit: Doors open at nine"
    assert told[attendee.id].url == f"/e/{event.slug}/news/{item.id}"
    assert sponsor_staff.id not in told


def test_delivery_is_idempotent(event, organizer, attendee):
    service.follow(attendee, event, "event")
    db.session.commit()
    item = _post(organizer, event)
    jobs.run_pending()

    assert service.deliver.call_local(item.id) == 0

    assert _told(item)[attendee.id].count == 1


def test_followers_who_no_longer_take_part_are_not_told(event, organizer, attendee):
    service.follow(attendee, event, "event")
    db.session.commit()
    factories.registration_of(event, attendee).status = "cancelled"
    db.session.commit()

    item = _post(organizer, event)
    jobs.run_pending()

    assert _told(item) == {}


def test_other_topics_and_tracks_followers_are_not_told(event, organizer, attendee, speaker):
    ai, payments = _topic(event, "AI"), _topic(event, "Payments")
    main, side = _track(event, "Main"), _track(event, "Side")
    service.follow(attendee, event, f"topic:{payments.id}")
    service.follow(speaker, event, f"track:{main.id}")
    db.session.commit()

    first = _post(organizer, event, topic_id=ai.id, track_id=side.id)
    second = _post(organizer, event, title="Keynote moved", track_id=main.id)
    jobs.run_pending()

    assert _told(first) == {}
    assert set(_told(second)) == {speaker.id}


def test_followers_open_pages_hear_news_live(app, event, organizer, attendee, speaker):
    service.follow(attendee, event, "event")
    db.session.commit()
    anna_http, sam_http = app.test_client(), app.test_client()
    log_in(anna_http, attendee)
    log_in(sam_http, speaker)
    anna, sam = Socket(app, anna_http), Socket(app, sam_http)
    anna.received(), sam.received()

    item = _post(organizer, event)
    jobs.run_pending()

    heard = anna.received("news")
    assert [payload for _, payload in heard] == [
        {
            "event": event.slug,
            "id": item.id,
            "topic_id": None,
            "track_id": None,
            "url": f"/e/{event.slug}/news/{item.id}",
        }
    ]
    assert sam.received("news") == []
    anna.close(), sam.close()


def test_posting_records_activity(event, organizer, sponsor, sponsor_staff):
    _post(sponsor_staff, event, sponsor=sponsor)

    row = db.session.scalar(sa.select(Activity).where(Activity.user_id == sponsor_staff.id))
    assert row.kind == ActivityKind.post_written
    assert row.sponsor_id == sponsor.id


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, "title_missing"),
        ({"body": ""}, "body_missing"),
        ({"title": "x" * (service.TITLE_MAX + 1)}, "too_long"),
        ({"topic_id": 999_999}, "no_such_feed"),
    ],
)
def test_refusals(event, organizer, fields, code):
    with pytest.raises(ServiceError) as refused:
        service.post(organizer, event, **{"title": "T", "body": "B", **fields})

    assert refused.value.code == code


def test_another_events_topic_is_refused(event, other_event, organizer):
    theirs = _topic(other_event)

    with pytest.raises(ServiceError):
        service.post(organizer, event, title="T", body="B", topic_id=theirs.id)
    with pytest.raises(ServiceError):
        service.feed_of(event, f"topic:{theirs.id}")
    with pytest.raises(ServiceError):
        service.feed_of(event, "topic:abc")


def test_the_word_filter_holds_a_post_until_a_moderator_approves(
    event, organizer, attendee, speaker
):
    event.held_words = "casino"
    service.follow(attendee, event, "event")
    db.session.commit()

    item = _post(speaker, event, body="Win big at the Casino tonight")
    jobs.run_pending()

    assert item.status == ContentStatus.held
    assert _told(item) == {}
    assert service.items(event, attendee) == []
    assert [row.id for row in service.items(event, speaker)] == [item.id]

    moderation.approve(organizer, event, ReportTarget.news, item.id)
    db.session.commit()
    jobs.run_pending()

    assert item.status == ContentStatus.visible
    assert set(_told(item)) == {attendee.id}


def test_editing_marks_it_edited_and_the_filter_holds_new_words(event, organizer):
    event.held_words = "casino"
    item = _post(organizer, event)
    assert item.edited_at is None

    service.edit(organizer, item, title="Doors open at ten", body="Casino night")
    db.session.commit()

    assert item.title == "Doors open at ten"
    assert item.edited_at is not None
    assert item.status == ContentStatus.held


def test_items_filter_by_feed_and_public_only(event, organizer):
    ai = _topic(event)
    public = _post(organizer, event, title="Public", is_public=True)
    about_ai = _post(organizer, event, title="AI", topic_id=ai.id)
    hidden = _post(organizer, event, title="Hidden", is_public=True)
    hidden.status = ContentStatus.hidden
    db.session.commit()

    assert [i.id for i in service.items(event, organizer)] == [about_ai.id, public.id]
    assert [i.id for i in service.items(event, None, public_only=True)] == [public.id]
    feed = service.feed_of(event, f"topic:{ai.id}")
    assert [i.id for i in service.items(event, organizer, feed=feed)] == [about_ai.id]
    assert [i.id for i in service.landing_items(event)] == [public.id]


def test_following_is_idempotent_and_unfollowing_ends_it(event, attendee):
    service.follow(attendee, event, "event")
    service.follow(attendee, event, "event")
    db.session.commit()
    assert service.followed(attendee, event) == {"event"}

    service.unfollow(attendee, event, "event")
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedFollow)) == 0


def test_deleting_removes_the_item_and_its_notifications(event, organizer, attendee):
    service.follow(attendee, event, "event")
    db.session.commit()
    item = _post(organizer, event)
    jobs.run_pending()
    item_id = item.id

    service.delete(item)
    db.session.commit()

    assert db.session.get(NewsPost, item_id) is None
    assert _told_by_key(item_id) == 0


def _told_by_key(item_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.group_key == f"news:{item_id}")
    )


def _atom(event, feed_key="event") -> ET.Element:
    body = service.atom(
        event,
        service.feed_of(event, feed_key),
        self_url="https://conf.test/e/x/news.atom",
        page_url="https://conf.test/e/x/news/",
        item_url=lambda item: f"https://conf.test/e/x/news/{item.id}",
    )
    assert body.startswith(b"<?xml")
    return ET.fromstring(body)


def test_the_atom_feed_has_only_public_visible_items(event, organizer, sponsor, sponsor_staff):
    public = _post(organizer, event, title="Public <news>", is_public=True)
    _post(organizer, event, title="Participants only")
    by_sponsor = _post(sponsor_staff, event, title="Booth quiz", sponsor=sponsor, is_public=True)
    held = _post(organizer, event, title="Held", is_public=True)
    held.status = ContentStatus.held
    db.session.commit()

    root = _atom(event)

    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}id") == "https://conf.test/e/x/news.atom"
    assert root.findtext(f"{ATOM}title") == "Northwind Summit"
    assert root.findtext(f"{ATOM}updated")
    assert root.find(f"{ATOM}author/{ATOM}name").text == "Northwind Summit"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links == {
        "self": "https://conf.test/e/x/news.atom",
        "alternate": "https://conf.test/e/x/news/",
    }
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Booth quiz", "Public <news>"]
    first = entries[1]
    assert first.findtext(f"{ATOM}id") == f"https://conf.test/e/x/news/{public.id}"
    assert first.find(f"{ATOM}link").get("href") == f"https://conf.test/e/x/news/{public.id}"
    assert first.findtext(f"{ATOM}updated").endswith("Z")
    assert first.find(f"{ATOM}content").get("type") == "html"
    assert "<strong>hall A</strong>" in first.findtext(f"{ATOM}content")
    assert entries[0].find(f"{ATOM}author/{ATOM}name").text == "Acme Corp"
    assert by_sponsor.id != public.id


def test_a_topic_atom_feed_has_only_that_topic(event, organizer):
    ai = _topic(event)
    _post(organizer, event, title="General", is_public=True)
    _post(organizer, event, title="About AI", is_public=True, topic_id=ai.id)

    root = _atom(event, f"topic:{ai.id}")

    assert root.findtext(f"{ATOM}title") == "Northwind Summit: AI"
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == ["About AI"]


def test_an_invitation_only_event_has_no_public_feed(event, organizer):
    event.visibility = EventVisibility.invitation
    _post(organizer, event, is_public=True)

    with pytest.raises(ValueError):
        _atom(event)
    assert service.landing_items(event) == []
