"""The news pages over HTTP: the feed and its items per identity, following, the
organizers' and sponsors' posting pages, editing, the Atom feeds, the landing page's
public items and the Report button."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import ContentStatus, EventVisibility, ReportTarget
from conference.extensions import db
from conference.models import ContentReport, FeedFollow, NewsPost
from conference.services import news as service
from tests import factories

ATOM = "{http://www.w3.org/2005/Atom}"


def _post(author, event, **fields) -> NewsPost:
    values = {"title": "Doors open at nine", "body": "Coffee in **hall A**.", **fields}
    item = service.post(author, event, **values)
    db.session.commit()
    return item


@pytest.fixture
def items(event, organizer):
    """A public item and a participants-only one."""
    return (
        _post(organizer, event, title="Public news", is_public=True),
        _post(organizer, event, title="Insider news"),
    )


# --- the feed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity", ["attendee", "speaker", "sponsor_staff", "checkin_staff", "organizer"]
)
def test_participants_read_every_item(client, as_identity, event, items, identity):
    as_identity(identity)

    body = client.get(f"/e/{event.slug}/news/").get_data(as_text=True)

    assert "Public news" in body
    assert "Insider news" in body
    assert "<strong>hall A</strong>" in body


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant", "pending"])
def test_others_read_only_the_public_items_of_a_public_event(
    client, as_identity, event, items, identity
):
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/news/")

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Public news" in body
    assert "Insider news" not in body
    assert 'action="/e/northwind/news/follow"' not in body


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant", "pending"])
def test_others_get_the_participants_only_page_of_an_invitation_event(
    client, as_identity, event, items, identity
):
    event.visibility = EventVisibility.invitation
    db.session.commit()
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/news/")

    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "visible to registered participants only" in body
    assert "Public news" not in body


def test_the_feed_filters_by_topic(client, login, event, organizer, attendee):
    ai = factories.term(event, "topic", "AI")
    _post(organizer, event, title="General")
    _post(organizer, event, title="About AI", topic_id=ai.id)
    login(attendee)

    body = client.get(f"/e/{event.slug}/news/?feed=topic:{ai.id}").get_data(as_text=True)

    assert "About AI" in body
    assert "General" not in body
    assert client.get(f"/e/{event.slug}/news/?feed=topic:999999").status_code == 404


def test_held_and_hidden_items_show_to_nobody_else(client, login, event, organizer, attendee):
    event.held_words = "casino"
    held = _post(organizer, event, title="Casino night")
    hidden = _post(organizer, event, title="Taken down")
    hidden.status = ContentStatus.hidden
    db.session.commit()

    login(attendee)
    assert "Casino night" not in client.get(f"/e/{event.slug}/news/").get_data(as_text=True)
    assert client.get(f"/e/{event.slug}/news/{held.id}").status_code == 404
    assert client.get(f"/e/{event.slug}/news/{hidden.id}").status_code == 404

    login(organizer)
    body = client.get(f"/e/{event.slug}/news/").get_data(as_text=True)
    assert "Casino night" in body
    assert "Waiting for a moderator" in body
    assert "Taken down" not in body


# --- one item ------------------------------------------------------------------------------


def test_an_items_page_and_its_card(client, login, event, items, attendee):
    _, insider = items
    login(attendee)

    page = client.get(f"/e/{event.slug}/news/{insider.id}")
    card = client.get(f"/e/{event.slug}/news/{insider.id}?partial=card")

    assert page.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert card.status_code == 200
    assert "<html" not in card.get_data(as_text=True)
    assert f'id="news-{insider.id}"' in card.get_data(as_text=True)


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant", "pending"])
def test_participants_only_items_are_refused_to_others(client, as_identity, event, items, identity):
    public, insider = items
    as_identity(identity)

    assert client.get(f"/e/{event.slug}/news/{public.id}").status_code == 200
    refused = client.get(f"/e/{event.slug}/news/{insider.id}")
    assert refused.status_code == 403
    assert "Insider news" not in refused.get_data(as_text=True)
    assert client.get(f"/e/{event.slug}/news/{insider.id}?partial=card").status_code == 403


def test_another_events_item_is_not_found(client, login, event, other_event, organizer, attendee):
    theirs = _post(factories.organizer(other_event), other_event, is_public=True)
    login(attendee)

    assert client.get(f"/e/{event.slug}/news/{theirs.id}").status_code == 404


# --- following -----------------------------------------------------------------------------


def test_following_and_unfollowing_a_feed(client, login, event, attendee):
    ai = factories.term(event, "topic", "AI")
    login(attendee)

    followed = client.post(
        f"/e/{event.slug}/news/follow", data={"feed": f"topic:{ai.id}", "action": "follow"}
    )
    assert followed.status_code == 302
    assert service.followed(attendee, event) == {f"topic:{ai.id}"}
    body = client.get(followed.location).get_data(as_text=True)
    assert "You follow AI." in body
    assert 'aria-pressed="true"' in body

    answer = client.post(
        f"/e/{event.slug}/news/follow",
        data={"feed": f"topic:{ai.id}", "action": "unfollow"},
        headers={"Accept": "application/json"},
    )
    assert answer.get_json() == {
        "ok": True,
        "feed": f"topic:{ai.id}",
        "following": False,
        "message": "You no longer follow AI.",
    }
    assert service.followed(attendee, event) == set()


@pytest.mark.parametrize("identity", ["outsider", "other_participant", "pending"])
def test_non_participants_cannot_follow(client, as_identity, event, identity):
    as_identity(identity)

    response = client.post(
        f"/e/{event.slug}/news/follow",
        data={"feed": "event", "action": "follow"},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedFollow)) == 0


def test_following_an_unknown_feed_is_refused(client, login, event, attendee):
    login(attendee)

    response = client.post(
        f"/e/{event.slug}/news/follow", data={"feed": "topic:999999", "action": "follow"}
    )

    assert response.status_code == 404


# --- posting -------------------------------------------------------------------------------


def test_an_organizer_posts_news_that_followers_hear_of(client, login, event, organizer, attendee):
    service.follow(attendee, event, "event")
    db.session.commit()
    login(organizer)

    assert client.get(f"/e/{event.slug}/manage/news").status_code == 200
    response = client.post(
        f"/e/{event.slug}/manage/news",
        data={"title": "Lunch", "body": "At *noon*.", "topic_id": "", "track_id": ""},
    )

    assert response.status_code == 302
    item = db.session.scalar(sa.select(NewsPost))
    assert (item.title, item.author_id, item.sponsor_id, item.is_public) == (
        "Lunch",
        organizer.id,
        None,
        False,
    )
    jobs.run_pending()
    assert "Your news is published." in client.get(response.location).get_data(as_text=True)
    login(attendee)
    centre = client.get("/me/notifications").get_data(as_text=True)
    assert "News from Northwind Summit: Lunch" in centre


def test_a_refused_post_keeps_what_was_typed(client, login, event, organizer):
    login(organizer)

    response = client.post(
        f"/e/{event.slug}/manage/news", data={"title": "Lunch", "body": "", "topic_id": ""}
    )

    assert response.status_code == 400
    assert 'value="Lunch"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost)) == 0


@pytest.mark.parametrize(
    ("identity", "status"),
    [("attendee", 403), ("sponsor_staff", 403), ("other_participant", 403), ("outsider", 403)],
)
def test_only_organizers_post_to_the_event(client, as_identity, event, identity, status):
    as_identity(identity)

    assert client.get(f"/e/{event.slug}/manage/news").status_code == status
    response = client.post(f"/e/{event.slug}/manage/news", data={"title": "T", "body": "B"})
    assert response.status_code == status
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NewsPost)) == 0


def test_anonymous_is_asked_to_log_in(client, event):
    response = client.get(f"/e/{event.slug}/manage/news")

    assert response.status_code == 302
    assert "/login" in response.location


def test_a_sponsor_with_news_in_its_package_posts_as_the_sponsor(
    client, login, event, sponsor, sponsor_staff
):
    factories.package(event, "Gold", news_posts=True)
    login(sponsor_staff)
    url = f"/e/{event.slug}/sponsors/{sponsor.id}/news"

    assert client.get(url).status_code == 200
    response = client.post(url, data={"title": "Booth quiz", "body": "Win a mug."})

    assert response.status_code == 302
    item = db.session.scalar(sa.select(NewsPost))
    assert item.sponsor_id == sponsor.id
    body = client.get(f"/e/{event.slug}/news/").get_data(as_text=True)
    assert "From Acme Corp" in body


@pytest.mark.parametrize("identity", ["sponsor_staff", "rival_staff", "organizer", "attendee"])
def test_without_the_entitlement_no_sponsor_posts(client, as_identity, event, sponsor, identity):
    factories.package(event, "Gold", news_posts=False)
    as_identity(identity)

    assert client.get(f"/e/{event.slug}/sponsors/{sponsor.id}/news").status_code == 403


def test_another_sponsors_staff_cannot_post_for_it(
    client, as_identity, event, sponsor, rival_staff
):
    factories.package(event, "Gold", news_posts=True)
    as_identity("rival_staff")

    response = client.post(
        f"/e/{event.slug}/sponsors/{sponsor.id}/news", data={"title": "T", "body": "B"}
    )

    assert response.status_code == 403


# --- editing -------------------------------------------------------------------------------


def test_the_organizer_edits_and_edited_shows(client, login, event, organizer, attendee, items):
    _, insider = items
    login(organizer)

    assert client.get(f"/e/{event.slug}/news/{insider.id}/edit").status_code == 200
    response = client.post(
        f"/e/{event.slug}/news/{insider.id}/edit",
        data={"title": "Insider news, updated", "body": "New text", "is_public": "y"},
    )

    assert response.status_code == 302
    assert (insider.title, insider.is_public) == ("Insider news, updated", True)
    login(attendee)
    body = client.get(f"/e/{event.slug}/news/{insider.id}").get_data(as_text=True)
    assert "edited" in body


def test_a_sponsors_staff_edit_their_sponsors_news_only(
    client, login, event, organizer, sponsor, sponsor_staff, rival_staff
):
    ours = _post(sponsor_staff, event, sponsor=sponsor)
    organizers = _post(organizer, event)

    login(sponsor_staff)
    assert client.get(f"/e/{event.slug}/news/{ours.id}/edit").status_code == 200
    assert client.get(f"/e/{event.slug}/news/{organizers.id}/edit").status_code == 403
    login(rival_staff)
    assert client.get(f"/e/{event.slug}/news/{ours.id}/edit").status_code == 403


@pytest.mark.parametrize("identity", ["attendee", "speaker", "other_participant", "outsider"])
def test_participants_cannot_edit_or_delete(client, as_identity, event, items, identity):
    _, insider = items
    as_identity(identity)

    assert client.get(f"/e/{event.slug}/news/{insider.id}/edit").status_code == 403
    assert client.post(f"/e/{event.slug}/news/{insider.id}/delete").status_code == 403
    assert db.session.get(NewsPost, insider.id) is not None


def test_the_organizer_deletes(client, login, event, organizer, items):
    _, insider = items
    login(organizer)

    response = client.post(f"/e/{event.slug}/news/{insider.id}/delete")

    assert response.status_code == 302
    assert db.session.get(NewsPost, insider.id) is None


# --- Atom and the landing page -------------------------------------------------------------


@pytest.mark.parametrize("identity", ["anonymous", "attendee"])
def test_the_atom_feed_has_the_public_items(client, as_identity, event, items, identity):
    as_identity(identity)

    response = client.get(f"/e/{event.slug}/news.atom")

    assert response.status_code == 200
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == ["Public news"]
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"] == f"http://localhost/e/{event.slug}/news.atom"
    assert links["alternate"] == f"http://localhost/e/{event.slug}/news/"
    entry_link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert entry_link == f"http://localhost/e/{event.slug}/news/{items[0].id}"


def test_topic_and_track_atom_feeds(client, event, organizer):
    ai = factories.term(event, "topic", "AI")
    _post(organizer, event, title="AI news", topic_id=ai.id, is_public=True)
    _post(organizer, event, title="Other news", is_public=True)

    root = ET.fromstring(client.get(f"/e/{event.slug}/news/topics/{ai.id}.atom").data)

    assert [e.findtext(f"{ATOM}title") for e in root.findall(f"{ATOM}entry")] == ["AI news"]
    assert client.get(f"/e/{event.slug}/news/topics/999999.atom").status_code == 404
    assert client.get(f"/e/{event.slug}/news/tracks/999999.atom").status_code == 404


def test_an_invitation_event_has_no_atom_feed(client, event, items):
    event.visibility = EventVisibility.invitation
    db.session.commit()

    assert client.get(f"/e/{event.slug}/news.atom").status_code == 404


def test_the_landing_page_shows_public_items_only(client, event, items):
    body = client.get(f"/e/{event.slug}/").get_data(as_text=True)

    assert "Public news" in body
    assert "Insider news" not in body


# --- reporting -----------------------------------------------------------------------------


def test_participants_report_an_item_to_the_moderators(
    client, login, event, organizer, attendee, items
):
    _, insider = items
    login(attendee)
    body = client.get(f"/e/{event.slug}/news/{insider.id}").get_data(as_text=True)
    assert f'action="/e/{event.slug}/report"' in body

    response = client.post(
        f"/e/{event.slug}/report",
        data={"target": "news", "target_id": insider.id, "reason": "Spam"},
        headers={"Accept": "application/json"},
    )

    assert response.get_json()["ok"] is True
    report = db.session.scalar(sa.select(ContentReport))
    assert (report.target, report.target_id, report.reporter_id) == (
        ReportTarget.news,
        insider.id,
        attendee.id,
    )


def test_no_report_button_on_ones_own_item(client, login, event, organizer, items):
    _, insider = items
    login(organizer)

    body = client.get(f"/e/{event.slug}/news/{insider.id}").get_data(as_text=True)

    assert f'action="/e/{event.slug}/report"' not in body
