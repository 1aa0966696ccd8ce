"""Discussion pages over HTTP: who reads and writes (anonymous, another event, pending,
attendee, speaker, moderator, organizer, a ticket type not allowed to post), threads
about draft sessions and materials, held and hidden posts, edits, locking, following,
mentions, reports, the session page's box and the organizers' settings."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.enums import ContentStatus, ModerationActionKind, ReportTarget
from conference.extensions import db
from conference.models import ContentReport, ModerationAction, Post, Thread
from conference.permissions import POST_EDIT_WINDOW
from conference.services import discussions as service
from conference.services import materials, messaging, moderation
from tests import factories
from tests.program_helpers import session as program_session
from tests.queries import count_queries

READERS = ["attendee", "speaker", "moderator", "organizer"]
STRANGERS = ["anonymous", "outsider", "other_participant", "pending"]


@pytest.fixture
def moderator(event):
    return factories.participant(event, name="Mo Moderator", roles=["moderator"])


@pytest.fixture
def bob(event):
    return factories.participant(event, name="Bob Builder", ticket_type="VIP")


@pytest.fixture
def talk(event, speaker):
    return program_session(event, "Payments at scale", speakers=[speaker])


@pytest.fixture
def draft(event, speaker):
    return program_session(event, "Secret keynote", speakers=[speaker], published=False)


@pytest.fixture
def thread(event, attendee):
    made = service.create_thread(attendee, event, "Coffee after the keynote", "Who is in?")
    db.session.commit()
    return made


def opening(thread) -> Post:
    return db.session.scalar(sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id))


def posts_in(thread) -> list[Post]:
    return list(
        db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
    )


def thread_url(event, thread) -> str:
    return f"/e/{event.slug}/discussions/{thread.id}"


# --- reading ----------------------------------------------------------------------------


@pytest.mark.parametrize("identity", READERS)
def test_participants_read_the_list_and_the_thread(client, as_identity, event, thread, identity):
    as_identity(identity)

    listing = client.get(f"/e/{event.slug}/discussions/")
    page = client.get(thread_url(event, thread))

    assert listing.status_code == 200
    assert "Coffee after the keynote" in listing.get_data(as_text=True)
    assert page.status_code == 200
    assert "Who is in?" in page.get_data(as_text=True)


@pytest.mark.parametrize("identity", STRANGERS)
def test_others_get_the_participants_only_page(client, as_identity, event, thread, identity):
    as_identity(identity)

    for url in (f"/e/{event.slug}/discussions/", thread_url(event, thread)):
        response = client.get(url)
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert "visible to registered participants only" in body
        assert "Coffee after the keynote" not in body


def test_a_thread_of_another_event_is_not_found(client, login, event, other_event, thread):
    other = factories.participant(other_event, name="Oscar Other")
    login(other)
    assert client.get(f"/e/{other_event.slug}/discussions/{thread.id}").status_code == 404


@pytest.mark.parametrize(
    ("identity", "status"),
    [("attendee", 404), ("speaker", 200), ("organizer", 200), ("moderator", 404)],
)
def test_a_draft_sessions_thread_is_for_who_sees_the_session(
    client, as_identity, event, speaker, draft, identity, status
):
    made = service.create_thread(speaker, event, "Rehearsal notes", "Slides v3", subject=draft)
    db.session.commit()
    as_identity(identity)

    assert client.get(thread_url(event, made)).status_code == status
    listing = client.get(f"/e/{event.slug}/discussions/").get_data(as_text=True)
    assert ("Rehearsal notes" in listing) == (status == 200)
    new = client.get(f"/e/{event.slug}/discussions/new?session={draft.id}")
    assert new.status_code == (200 if status == 200 else 404)


def test_a_material_of_a_draft_session_has_no_discussion_for_attendees(
    client, login, event, speaker, attendee, draft, talk
):
    hidden = materials.add_link(speaker, draft, title="Draft deck", url="https://e.test/a")
    shown = materials.add_link(speaker, talk, title="Deck", url="https://e.test/b")
    db.session.commit()
    made = service.create_thread(speaker, event, "About the deck", "Typos?", subject=hidden)
    db.session.commit()
    login(attendee)

    assert client.get(thread_url(event, made)).status_code == 404
    assert client.get(f"/e/{event.slug}/discussions/new?material={hidden.id}").status_code == 404
    assert client.get(f"/e/{event.slug}/discussions/new?material={shown.id}").status_code == 200


def test_anonymous_on_a_public_event_sees_the_session_without_its_discussion(
    client, event, attendee, talk
):
    event.visibility = "public"
    db.session.commit()
    service.create_thread(attendee, event, "Loved it", "Great talk", subject=talk)
    db.session.commit()

    body = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)

    assert "Payments at scale" in body
    assert 'id="discussion-heading"' not in body
    assert "Loved it" not in body


# --- writing ----------------------------------------------------------------------------


def test_an_attendee_opens_a_thread_about_a_session_from_its_page(
    client, login, event, attendee, talk
):
    login(attendee)
    session_page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert 'id="discussion-heading"' in session_page
    new_url = f"/e/{event.slug}/discussions/new?session={talk.id}"
    assert new_url.replace("&", "&amp;") in session_page or new_url in session_page

    response = client.post(
        new_url,
        data={
            "title": "Questions after",
            "body": "What about *refunds*?",
        },
    )

    assert response.status_code == 302
    made = db.session.scalar(sa.select(Thread).where(Thread.title == "Questions after"))
    assert made.session_id == talk.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<em>refunds</em>" in page
    again = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert "Questions after" in again


def test_an_empty_thread_keeps_what_was_typed(client, login, event, attendee):
    login(attendee)
    url = f"/e/{event.slug}/discussions/new"
    response = client.post(url, data={"title": "Half done", "body": ""})
    assert response.status_code == 200
    assert 'value="Half done"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 0


@pytest.mark.parametrize("identity", READERS)
def test_participants_reply(client, as_identity, event, thread, identity):
    as_identity(identity)
    url = thread_url(event, thread)
    response = client.post(f"{url}/posts", data={"body": f"Reply by {identity}"})
    assert response.status_code == 302
    assert posts_in(thread)[-1].body == f"Reply by {identity}"


@pytest.mark.parametrize("identity", STRANGERS)
def test_strangers_cannot_reply_or_open_threads(client, as_identity, event, thread, identity):
    as_identity(identity)
    reply = client.post(f"{thread_url(event, thread)}/posts", data={"body": "Sneaky"})
    new = client.post(f"/e/{event.slug}/discussions/new", data={"title": "x", "body": "y"})
    assert reply.status_code in (302, 403) and new.status_code in (302, 403)
    if identity == "anonymous":
        assert "/login" in reply.headers["Location"]
    assert len(posts_in(thread)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Thread)) == 1


def test_a_ticket_type_not_allowed_to_post_reads_but_cannot_write(
    client, login, event, thread, attendee, bob
):
    vip = factories.ticket(event, "VIP")
    service.update_settings(event, [vip.id], [], "")
    db.session.commit()

    login(attendee)  # a Standard ticket
    page = client.get(thread_url(event, thread))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="reply-heading"' not in body
    assert "posting is open to some participants only" in body
    refused = client.post(f"{thread_url(event, thread)}/posts", data={"body": "Let me in"})
    assert refused.status_code == 403
    assert client.get(f"/e/{event.slug}/discussions/new").status_code == 403

    client.get("/logout")
    login(bob)
    url = thread_url(event, thread)
    ok = client.post(f"{url}/posts", data={"body": "VIP here"})
    assert ok.status_code == 302


def test_a_reply_quotes_the_post_it_answers(client, login, event, thread, bob):
    login(bob)
    first = opening(thread)
    url = f"{thread_url(event, thread)}?reply={first.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'name="reply_to" value="{first.id}"' in form

    client.post(
        f"{thread_url(event, thread)}/posts",
        data={"body": "Me!", "reply_to": first.id},
    )

    reply = posts_in(thread)[-1]
    assert reply.reply_to_id == first.id
    page = client.get(thread_url(event, thread)).get_data(as_text=True)
    assert f'href="#post-{first.id}">Anna Attendee wrote:</a>' in page


def test_posts_are_sanitized(client, login, event, thread, bob):
    login(bob)
    url = thread_url(event, thread)
    client.post(
        f"{url}/posts",
        data={
            "body": "<script>alert(1)</script><img src=x onerror=alert(2)>",
        },
    )
    page = client.get(url).get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


# --- held and hidden --------------------------------------------------------------------


def test_a_held_post_waits_for_a_moderator(client, login, event, thread, bob, attendee, moderator):
    event.held_words = "casino"
    db.session.commit()
    login(bob)
    url = thread_url(event, thread)

    response = client.post(
        f"{url}/posts",
        data={"body": "Visit my casino"},
        follow_redirects=True,
    )

    body = response.get_data(as_text=True)
    assert "Your post waits for a moderator" in body
    assert "Visit my casino" in body and "Waiting for a moderator" in body
    client.get("/logout")
    login(attendee)
    assert "Visit my casino" not in client.get(url).get_data(as_text=True)
    client.get("/logout")
    login(moderator)
    assert "Visit my casino" in client.get(url).get_data(as_text=True)


def test_hidden_posts_are_never_rendered_for_others(
    client, login, event, thread, bob, attendee, moderator
):
    post = service.reply(bob, thread, "Something nasty")
    db.session.commit()
    moderation.hide(moderator, event, ReportTarget.post, post.id, "No")
    db.session.commit()

    login(attendee)
    page = client.get(thread_url(event, thread)).get_data(as_text=True)
    assert "Something nasty" not in page
    client.get("/logout")
    login(bob)
    page = client.get(thread_url(event, thread)).get_data(as_text=True)
    assert "Something nasty" in page and "Hidden by a moderator" in page


def test_report_on_a_post_reaches_the_moderators(client, login, event, thread, bob, attendee):
    post = service.reply(bob, thread, "Questionable")
    db.session.commit()
    login(attendee)
    url = thread_url(event, thread)
    page = client.get(url).get_data(as_text=True)
    assert f'action="/e/{event.slug}/report"' in page
    assert f'name="target_id" value="{post.id}"' in page

    response = client.post(
        f"/e/{event.slug}/report",
        data={
            "target": "post",
            "target_id": post.id,
            "reason": "Rude",
            "next": f"{url}#post-{post.id}",
        },
    )

    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{url}#post-{post.id}"
    )
    report = db.session.scalar(sa.select(ContentReport))
    assert (report.target, report.target_id, report.subject_id) == (
        ReportTarget.post,
        post.id,
        bob.id,
    )
    # No report button on one's own posts.
    assert f'name="target_id" value="{opening(thread).id}"' not in page


# --- editing, locking, following --------------------------------------------------------


def test_the_author_edits_within_the_window_and_others_see_edited(
    client, login, event, thread, attendee, bob
):
    post = opening(thread)
    login(attendee)
    edit_url = f"/e/{event.slug}/discussions/posts/{post.id}/edit"
    form = client.get(edit_url)
    assert form.status_code == 200 and "Who is in?" in form.get_data(as_text=True)

    response = client.post(edit_url, data={"body": "Who is in? 10:30"})

    assert response.status_code == 302
    assert post.body == "Who is in? 10:30" and post.edited_at is not None
    client.get("/logout")
    login(bob)
    page = client.get(thread_url(event, thread)).get_data(as_text=True)
    assert "Who is in? 10:30" in page and "edited" in page
    assert client.get(edit_url).status_code == 403


def test_no_edit_after_the_window(client, login, event, thread, attendee):
    post = opening(thread)
    post.created_at -= POST_EDIT_WINDOW + timedelta(minutes=1)
    db.session.commit()
    login(attendee)
    edit_url = f"/e/{event.slug}/discussions/posts/{post.id}/edit"
    assert client.get(edit_url).status_code == 403
    assert edit_url not in client.get(thread_url(event, thread)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("identity", "allowed"),
    [("attendee", False), ("speaker", False), ("moderator", True), ("organizer", True)],
)
def test_moderators_lock_threads(client, as_identity, event, thread, identity, allowed):
    as_identity(identity)
    url = thread_url(event, thread)

    response = client.post(f"{url}/lock", data={"locked": "1", "reason": "Done"})

    assert response.status_code == (302 if allowed else 403)
    assert (thread.locked_at is not None) == allowed
    logged = db.session.scalar(sa.select(ModerationAction))
    if allowed:
        assert logged.action == ModerationActionKind.lock and logged.reason == "Done"
    else:
        assert logged is None


def test_a_locked_thread_takes_no_posts(client, login, event, thread, attendee, moderator):
    service.set_locked(moderator, thread, True)
    db.session.commit()
    login(attendee)
    url = thread_url(event, thread)
    page = client.get(url).get_data(as_text=True)
    assert "A moderator locked this thread" in page and 'id="reply-heading"' not in page

    response = client.post(f"{url}/posts", data={"body": "Hello?"})

    assert response.status_code == 403
    assert len(posts_in(thread)) == 1


def test_follow_and_unfollow(client, login, event, thread, attendee, bob):
    login(bob)
    url = thread_url(event, thread)
    client.post(f"{url}/follow", data={"follow": "1"})
    assert service.following(bob, thread)
    assert "Stop following" in client.get(url).get_data(as_text=True)

    client.post(f"{url}/follow", data={"follow": "0"})
    assert not service.following(bob, thread)


# --- mentions ---------------------------------------------------------------------------


def test_mention_suggestions_follow_the_directory(client, login, event, attendee, bob, organizer):
    hidden = factories.participant(event, name="Bobby Hidden")
    hidden.profile.directory_visible = False
    registration = factories.registration_of(event, hidden)
    registration.directory_visible = False
    db.session.commit()
    login(attendee)

    answer = client.get(f"/e/{event.slug}/discussions/people?q=bob").get_json()

    assert [p["name"] for p in answer["people"]] == ["Bob Builder"]
    assert answer["people"][0]["id"] == bob.id
    client.get("/logout")
    login(organizer)
    names = [
        p["name"]
        for p in client.get(f"/e/{event.slug}/discussions/people?q=bob").get_json()["people"]
    ]
    assert sorted(names) == ["Bob Builder", "Bobby Hidden"]


def test_mention_suggestions_leave_out_blocks_either_way(client, login, event, attendee, bob):
    bobby = factories.participant(event, name="Bobby Blocker")
    bobo = factories.participant(event, name="Bobo Blocked")
    messaging.block(bobby, attendee)
    messaging.block(attendee, bobo)
    db.session.commit()
    login(attendee)

    answer = client.get(f"/e/{event.slug}/discussions/people?q=bob").get_json()

    assert [p["name"] for p in answer["people"]] == ["Bob Builder"]


@pytest.mark.parametrize("identity", STRANGERS)
def test_mention_suggestions_are_for_participants(client, as_identity, event, bob, identity):
    as_identity(identity)
    response = client.get(f"/e/{event.slug}/discussions/people?q=bob")
    assert response.status_code in (302, 403)
    assert b"Bob Builder" not in response.data


def test_a_mention_links_to_the_profile(client, login, event, thread, bob):
    login(bob)
    url = thread_url(event, thread)
    client.post(
        f"{url}/posts",
        data={"body": f"Ask @[Anna](user:{thread.author_id})"},
    )
    page = client.get(url).get_data(as_text=True)
    assert f'href="/e/{event.slug}/people/{thread.author_id}"' in page
    assert "@Anna Attendee</a>" in page


# --- the session's materials ------------------------------------------------------------


def test_a_material_offers_its_discussion(client, login, event, speaker, attendee, talk):
    link = materials.add_link(speaker, talk, title="Deck", url="https://example.test/deck")
    db.session.commit()
    login(attendee)
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert f"/e/{event.slug}/discussions/new?material={link.id}" in page

    made = service.create_thread(attendee, event, "Deck typo", "Slide 3", subject=link)
    db.session.commit()
    page = client.get(f"/e/{event.slug}/program/{talk.id}").get_data(as_text=True)
    assert f"/e/{event.slug}/discussions/{made.id}" in page


def test_the_session_page_costs_the_same_for_one_or_five_materials(
    client, login, event, speaker, attendee, bob, talk
):
    def add(first: int, n: int) -> None:
        for i in range(first, first + n):
            deck = materials.add_link(speaker, talk, title=f"Deck {i}", url="https://e.test/d")
            db.session.commit()
            service.create_thread(bob, event, f"About deck {i}", "d", subject=deck)
            db.session.commit()

    login(attendee)
    url = f"/e/{event.slug}/program/{talk.id}"
    add(0, 1)
    client.get(url)  # first visits write what later ones only read
    few = count_queries(client, url)
    add(1, 4)
    client.get(url)
    many = count_queries(client, url)

    assert many == few
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="small material-discuss"') == 5


# --- the organizers' settings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("identity", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("other_participant", 403),
        ("attendee", 403),
        ("moderator", 403),
        ("organizer", 200),
    ],
)
def test_settings_are_for_organizers(client, as_identity, event, identity, status):
    as_identity(identity)
    assert client.get(f"/e/{event.slug}/manage/discussions").status_code == status


def test_organizers_choose_who_posts_and_the_held_words(client, login, event, organizer):
    login(organizer)
    url = f"/e/{event.slug}/manage/discussions"
    vip = factories.ticket(event, "VIP")

    response = client.post(
        url,
        data={
            "tickets": [str(vip.id)],
            "roles": ["speaker"],
            "held_words": "casino\n  cheap  pills \n",
        },
    )

    assert response.status_code == 302
    assert event.discussion_ticket_type_ids == [vip.id]
    assert event.discussion_roles == ["speaker"]
    assert event.held_words == "casino\ncheap pills"
    page = client.get(url).get_data(as_text=True)
    assert "2 words or phrases are held" in page
    assert "cheap pills" in page


def test_held_word_changes_apply_to_new_posts(event, attendee, thread):
    event.held_words = "casino"
    db.session.commit()
    post = service.reply(attendee, thread, "A casino night?")
    assert post.status == ContentStatus.held


# --- every GET page for every identity (the rows proposed for the permission matrix) ----

PARTICIPANT_NAMES = {"attendee", "speaker", "sponsor_staff", "rival_staff", "checkin_staff"}


def _expected(endpoint: str, identity: str) -> int | str:
    participant = identity in PARTICIPANT_NAMES or identity == "organizer"
    if endpoint == "settings":
        return "login" if identity == "anonymous" else (200 if identity == "organizer" else 403)
    if endpoint == "index":
        return 200 if participant else "participants-only"
    if identity == "anonymous":
        return "login"
    if endpoint == "new":
        return 200 if participant else "participants-only"
    return 200 if participant else 403  # people


@pytest.mark.parametrize(
    "identity",
    [
        "anonymous",
        "outsider",
        "other_participant",
        "pending",
        "attendee",
        "speaker",
        "sponsor_staff",
        "rival_staff",
        "checkin_staff",
        "organizer",
    ],
)
@pytest.mark.parametrize(
    ("endpoint", "path"),
    [
        ("index", "/e/{slug}/discussions/"),
        ("new", "/e/{slug}/discussions/new"),
        ("people", "/e/{slug}/discussions/people"),
        ("settings", "/e/{slug}/manage/discussions"),
    ],
)
def test_each_page_answers_each_identity(
    client, as_identity, event, attendee, organizer, endpoint, path, identity
):
    as_identity(identity)

    response = client.get(path.format(slug=event.slug))

    want = _expected(endpoint, identity)
    if want == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif want == "participants-only":
        assert response.status_code == 403
        assert "visible to registered participants only" in response.get_data(as_text=True)
    else:
        assert response.status_code == want
