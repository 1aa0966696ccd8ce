"""Discussions: threads and posts, who sees them, the word filter, mentions, following,
edits within the window, locking, and posting rights."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.enums import (
    ActivityKind,
    ContentStatus,
    ModerationActionKind,
    NotificationKind,
    ReportTarget,
)
from conference.extensions import db
from conference.models import (
    Activity,
    ModerationAction,
    Notification,
    Post,
    ThreadSubscription,
)
from conference.permissions import POST_EDIT_WINDOW, can
from conference.services import ServiceError, materials, messaging, moderation
from conference.services import discussions as service
from tests import factories
from tests.program_helpers import session as program_session
from tests.queries import count_statements


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


def discussion_notes(person) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == person.id,
                Notification.kind == NotificationKind.discussion,
            )
            .order_by(Notification.id)
        )
    )


def start(person, event, title="Coffee?", body="Who wants coffee?", subject=None):
    thread = service.create_thread(person, event, title, body, subject=subject)
    db.session.commit()
    return thread


def test_opening_a_thread_writes_its_first_post_subscription_and_activity(event, attendee, talk):
    thread = start(attendee, event, "  Slides   please ", "Where are the **slides**?", talk)

    assert thread.title == "Slides please"
    assert thread.session_id == talk.id
    (post,) = db.session.scalars(sa.select(Post).where(Post.thread_id == thread.id))
    assert post.status == ContentStatus.visible and post.author_id == attendee.id
    assert service.following(attendee, thread)
    kinds = db.session.scalars(
        sa.select(Activity.kind).where(Activity.user_id == attendee.id)
    ).all()
    assert kinds.count(ActivityKind.post_written) == 1
    row = db.session.scalar(
        sa.select(Activity).where(
            Activity.user_id == attendee.id, Activity.kind == ActivityKind.post_written
        )
    )
    assert row.session_id == talk.id


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [("", "body", "title"), ("x" * 201, "body", "title"), ("Title", "   ", "body")],
)
def test_thread_needs_a_title_and_a_body(event, attendee, title, body, field):
    with pytest.raises(ServiceError) as refused:
        service.create_thread(attendee, event, title, body)
    assert refused.value.field == field


def test_held_words_keep_a_thread_from_everyone_but_its_author_and_moderators(
    event, attendee, bob, moderator
):
    event.held_words = "crypto scam"
    db.session.commit()
    thread = start(attendee, event, "Great CRYPTO   scam inside", "Join now")

    assert db.session.scalar(sa.select(Post.status).where(Post.thread_id == thread.id)) == (
        ContentStatus.held
    )
    assert [r.thread.id for r in service.event_threads(attendee, event)[0]] == [thread.id]
    assert service.event_threads(attendee, event)[0][0].withheld
    assert service.event_threads(bob, event)[0] == []
    assert [r.thread.id for r in service.event_threads(moderator, event)[0]] == [thread.id]
    assert not service.thread_shown_to(bob, thread)
    assert service.thread_shown_to(moderator, thread)


def test_a_held_reply_is_shown_to_its_author_only_and_notifies_nobody(event, attendee, bob):
    thread = start(attendee, event)
    event.held_words = "spam"
    db.session.commit()

    post = service.reply(bob, thread, "Buy my spam")
    db.session.commit()

    assert post.status == ContentStatus.held
    assert post not in service.posts_of(attendee, thread)
    assert post in service.posts_of(bob, thread)
    assert discussion_notes(attendee) == []


def test_approving_a_held_post_tells_the_followers(event, attendee, bob, moderator):
    thread = start(attendee, event)
    event.held_words = "spam"
    db.session.commit()
    post = service.reply(bob, thread, "Not really spam")
    db.session.commit()

    moderation.approve(moderator, event, ReportTarget.post, post.id)
    db.session.commit()

    (note,) = discussion_notes(attendee)
    assert "Bob Builder" in note.text and "Coffee?" in note.text
    assert note.url.endswith(f"#post-{post.id}")
    assert post in service.posts_of(attendee, thread)


def test_followers_get_one_notification_per_thread_counting_new_posts(event, attendee, bob):
    thread = start(attendee, event)

    service.reply(bob, thread, "Me!")
    service.reply(bob, thread, "Me again")
    db.session.commit()

    (note,) = discussion_notes(attendee)
    assert note.count == 2
    assert note.group_key == f"thread:{thread.id}"
    assert discussion_notes(bob) == []  # never about one's own posts
    assert service.following(bob, thread)  # a replier follows


def test_who_stopped_following_is_not_resubscribed_by_posting(event, attendee, bob):
    thread = start(attendee, event)
    service.set_following(attendee, thread, False)
    db.session.commit()

    service.reply(attendee, thread, "Back again")
    service.reply(bob, thread, "Hello")
    db.session.commit()

    assert not service.following(attendee, thread)
    assert discussion_notes(attendee) == []
    row = db.session.get(ThreadSubscription, (thread.id, attendee.id))
    assert row.following is False


def test_followers_who_lost_access_are_not_told(event, attendee, bob, speaker, draft, organizer):
    thread = start(speaker, event, subject=draft)
    db.session.add(ThreadSubscription(thread_id=thread.id, user_id=attendee.id))
    db.session.commit()

    service.reply(organizer, thread, "Keep it quiet")
    db.session.commit()

    assert discussion_notes(attendee) == []
    assert len(discussion_notes(speaker)) == 1


def test_mentions_notify_people_who_may_see_the_thread_and_make_them_follow(
    event, attendee, bob, outsider
):
    thread = start(attendee, event)

    post = service.reply(
        attendee,
        thread,
        f"Ask @[Bob](user:{bob.id}) or @[Otto](user:{outsider.id})",
    )
    db.session.commit()

    (note,) = discussion_notes(bob)
    assert note.group_key == f"mention:{post.id}"
    assert "Anna Attendee mentioned you" in note.text
    assert service.following(bob, thread)
    assert discussion_notes(outsider) == []


def test_mentions_in_a_draft_sessions_thread_do_not_reach_attendees(
    event, speaker, attendee, draft
):
    thread = start(speaker, event, subject=draft)

    service.reply(speaker, thread, f"cc @[Anna](user:{attendee.id})")
    db.session.commit()

    assert discussion_notes(attendee) == []


@pytest.mark.parametrize("who_blocks", ["mentioned", "author"])
def test_a_block_either_way_stops_mentions_and_follower_notifications(
    event, attendee, bob, who_blocks
):
    carol = factories.participant(event, name="Carol Crowd")
    thread = start(attendee, event)
    service.set_following(carol, thread, True)
    if who_blocks == "mentioned":
        messaging.block(attendee, bob)
        messaging.block(carol, bob)
    else:
        messaging.block(bob, attendee)
        messaging.block(bob, carol)
    db.session.commit()

    service.reply(bob, thread, f"Hey @[Anna](user:{attendee.id}) and @[Carol](user:{carol.id})")
    db.session.commit()

    assert discussion_notes(attendee) == []
    assert discussion_notes(carol) == []
    dave = factories.participant(event, name="Dave Other")
    service.reply(dave, thread, "Unrelated")
    db.session.commit()
    assert len(discussion_notes(attendee)) == 1  # others still reach them
    assert len(discussion_notes(carol)) == 1


def test_a_body_is_sanitized_markdown_with_mentions_as_profile_links(event, attendee, bob):
    html = str(
        service.render_body(
            event,
            f"**Hi** @[Whoever typed](user:{bob.id}) and @[Ghost](user:999999) "
            "<script>alert(1)</script> [x](javascript:alert(1))",
        )
    )

    assert "<strong>Hi</strong>" in html
    assert f'/e/{event.slug}/people/{bob.id}" rel="nofollow noopener noreferrer">' in html
    assert "@Bob Builder</a>" in html  # the current name, not what was typed
    assert "Whoever typed" not in html
    assert "@Ghost" in html and "999999" not in html
    assert "<script>" not in html
    assert 'href="javascript' not in html


def test_a_name_with_markdown_characters_stays_text(event, attendee):
    odd = factories.participant(event, name="*Star* [Link](x)")
    html = str(service.render_body(event, f"@[x](user:{odd.id})"))
    assert "*Star* [Link](x)</a>" in html
    assert "<em>" not in html


def test_posts_are_edited_within_the_window_and_marked(event, attendee, bob):
    thread = start(attendee, event)
    post = service.reply(attendee, thread, "Frist")
    db.session.commit()

    service.edit_post(attendee, post, f"First, cc @[Bob](user:{bob.id})")
    db.session.commit()
    assert post.body.startswith("First") and post.edited_at is not None
    assert len(discussion_notes(bob)) == 1

    service.edit_post(attendee, post, f"First! cc @[Bob](user:{bob.id})")
    db.session.commit()
    assert len(discussion_notes(bob)) == 1  # mentioned before: not told twice

    post.created_at -= POST_EDIT_WINDOW + timedelta(seconds=1)
    db.session.commit()
    assert not can(attendee, "post.edit", post)
    with pytest.raises(ServiceError) as refused:
        service.edit_post(attendee, post, "Too late")
    assert refused.value.code == "too_late"


def test_only_the_author_edits(event, attendee, bob):
    thread = start(attendee, event)
    post = db.session.scalar(sa.select(Post).where(Post.thread_id == thread.id))
    assert not can(bob, "post.edit", post)
    with pytest.raises(ServiceError):
        service.edit_post(bob, post, "Mine now")


def test_an_edit_with_a_held_word_is_held(event, attendee, bob):
    thread = start(attendee, event)
    post = service.reply(attendee, thread, "Fine")
    event.held_words = "rude"
    db.session.commit()

    service.edit_post(attendee, post, "Something rude")
    db.session.commit()

    assert post.status == ContentStatus.held
    assert post not in service.posts_of(bob, thread)


def test_approving_a_post_edited_into_held_tells_only_the_newly_mentioned(
    event, attendee, bob, moderator
):
    carol = factories.participant(event, name="Carol Crowd")
    dave = factories.participant(event, name="Dave Other")
    thread = start(attendee, event)
    post = service.reply(bob, thread, f"Ask @[Carol](user:{carol.id})")
    event.held_words = "rude"
    db.session.commit()
    assert len(discussion_notes(attendee)) == 1 and len(discussion_notes(carol)) == 1

    service.edit_post(bob, post, f"Rude, ask @[Carol](user:{carol.id}) or @[Dave](user:{dave.id})")
    db.session.commit()
    assert post.status == ContentStatus.held and discussion_notes(dave) == []
    db.session.execute(sa.update(Notification).values(read_at=sa.func.now()))
    db.session.commit()

    moderation.approve(moderator, event, ReportTarget.post, post.id)
    db.session.commit()

    (follower_note,) = discussion_notes(attendee)
    assert follower_note.read_at is not None and follower_note.count == 1  # not again
    (carol_note,) = discussion_notes(carol)
    assert carol_note.read_at is not None  # told when it first showed
    (dave_note,) = discussion_notes(dave)
    assert dave_note.group_key == f"mention:{post.id}" and dave_note.read_at is None


def test_a_post_held_from_the_start_and_edited_is_announced_on_approval(
    event, attendee, bob, moderator
):
    carol = factories.participant(event, name="Carol Crowd")
    thread = start(attendee, event)
    event.held_words = "rude"
    db.session.commit()
    post = service.reply(bob, thread, "Rude")
    db.session.commit()
    service.edit_post(bob, post, f"Rude? ask @[Carol](user:{carol.id})")
    db.session.commit()
    assert post.edited_at is None  # nobody else saw it: not marked edited

    moderation.approve(moderator, event, ReportTarget.post, post.id)
    db.session.commit()

    assert len(discussion_notes(attendee)) == 1
    assert len(discussion_notes(carol)) == 1


def test_lock_is_logged_and_stops_replies(event, attendee, moderator):
    thread = start(attendee, event)

    assert service.set_locked(moderator, thread, True, "Off topic")
    assert not service.set_locked(moderator, thread, True)
    db.session.commit()

    action = db.session.scalar(sa.select(ModerationAction))
    assert action.action == ModerationActionKind.lock
    assert (action.target, action.target_id, action.subject_id) == (None, thread.id, attendee.id)
    assert action.moderator_id == moderator.id and action.reason == "Off topic"
    assert not can(attendee, "thread.post", thread)
    with pytest.raises(ServiceError):
        service.reply(attendee, thread, "Hello?")

    service.set_locked(moderator, thread, False)
    db.session.commit()
    assert can(attendee, "thread.post", thread)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModerationAction)) == 2


def test_a_reply_quotes_only_a_post_of_the_same_thread(event, attendee, bob):
    first = start(attendee, event)
    other = start(bob, event, "Other", "Other body")
    quoted = db.session.scalar(sa.select(Post).where(Post.thread_id == other.id))

    with pytest.raises(ServiceError):
        service.reply(attendee, first, "Quoting", quoted)

    own = db.session.scalar(sa.select(Post).where(Post.thread_id == first.id))
    post = service.reply(bob, first, "Quoting", own)
    assert post.reply_to_id == own.id


def test_hidden_posts_show_to_their_author_and_moderators_only(event, attendee, bob, moderator):
    thread = start(attendee, event)
    post = service.reply(bob, thread, "Rude words")
    db.session.commit()
    moderation.hide(moderator, event, ReportTarget.post, post.id, "Be kind")
    db.session.commit()

    assert post not in service.posts_of(attendee, thread)
    assert post in service.posts_of(bob, thread)
    assert post in service.posts_of(moderator, thread)
    (row,) = service.event_threads(attendee, event)[0]
    assert row.posts == 1


def test_threads_follow_the_visibility_of_their_session_and_material(
    event, attendee, speaker, organizer, outsider, talk, draft
):
    event.visibility = "public"
    db.session.commit()
    public_link = materials.add_link(speaker, talk, title="Deck", url="https://example.test/d")
    draft_link = materials.add_link(speaker, draft, title="Draft deck", url="https://e.test/x")
    db.session.commit()
    on_talk = start(attendee, event, "Talk", "t", talk)
    on_draft = start(speaker, event, "Draft", "d", draft)
    on_material = start(attendee, event, "Deck", "m", public_link)
    on_draft_material = start(speaker, event, "Draft deck", "dm", draft_link)

    def seen(person, **kwargs):
        return {row.thread.id for row in service.event_threads(person, event, **kwargs)[0]}

    everything = {on_talk.id, on_draft.id, on_material.id, on_draft_material.id}
    assert seen(attendee) == {on_talk.id, on_material.id}
    assert seen(speaker) == everything
    assert seen(organizer) == everything
    assert seen(attendee, about="materials") == {on_material.id}
    assert seen(organizer, about="sessions") == {on_talk.id, on_draft.id}
    # The session and its material are open to an outsider of a public event; their
    # discussions are for participants.
    assert can(outsider, "session.view", talk)
    assert not can(outsider, "thread.view", on_talk)
    assert not can(outsider, "thread.view", on_material)
    assert not can(attendee, "thread.view", on_draft_material)
    assert [r.thread.id for r in service.threads_about(attendee, event, public_link)] == [
        on_material.id
    ]


def test_the_thread_list_costs_the_same_for_two_or_ten_sessions(event, attendee, speaker):
    def add_threads(first: int, n: int) -> None:
        for i in range(first, first + n):
            talk = program_session(event, f"Talk {i}", speakers=[speaker])
            deck = materials.add_link(speaker, talk, title=f"Deck {i}", url="https://e.test/d")
            db.session.commit()
            start(attendee, event, f"About talk {i}", "t", talk)
            start(attendee, event, f"About deck {i}", "d", deck)

    def counted() -> tuple[int, int]:
        service.event_threads(attendee, event)  # the viewer's standing is cached
        db.session.expire_all()
        (rows, _more), queries = count_statements(lambda: service.event_threads(attendee, event))
        return len(rows), queries

    add_threads(0, 2)
    few_rows, few = counted()
    add_threads(2, 8)
    many_rows, many = counted()

    assert (few_rows, many_rows) == (4, 20)
    assert many == few


def test_posting_rights_follow_the_events_settings(event, attendee, bob, speaker, moderator):
    vip = factories.ticket(event, "VIP")
    service.update_settings(event, [vip.id], ["speaker"], "")
    db.session.commit()

    assert not can(attendee, "thread.create", (event, None))
    assert can(bob, "thread.create", (event, None))
    assert can(speaker, "thread.create", (event, None))
    assert can(moderator, "thread.create", (event, None))
    thread = start(bob, event)
    assert can(attendee, "thread.view", thread)
    assert not can(attendee, "thread.post", thread)


def test_settings_keep_the_words_tidy_and_refuse_foreign_tickets(event, other_event):
    service.update_settings(event, [], [], "  spam \n\nScam  artist\nspam\n")
    assert event.held_words == "Scam artist\nspam"
    foreign = factories.ticket(other_event, "Standard")
    with pytest.raises(ServiceError) as refused:
        service.update_settings(event, [foreign.id], [], "")
    assert refused.value.field == "tickets"


def test_suspended_people_cannot_post(event, attendee, moderator):
    thread = start(attendee, event)
    moderation.suspend(moderator, event, attendee, "posting", "day", "Calm down", None, None)
    db.session.commit()

    assert not can(attendee, "thread.post", thread)
    assert not can(attendee, "thread.create", (event, None))
    assert can(attendee, "thread.view", thread)
