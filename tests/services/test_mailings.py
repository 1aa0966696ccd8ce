"""Mailings: creating one for a segment, the sending job (exactly once per person, even
across crashes and restarts), failures and retries, pacing, previews and unsubscribing.

Mail goes to the outbox folder here; tests/test_mail_smtp.py does the same against a
real SMTP server on loopback.
"""

from __future__ import annotations

import smtplib
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import (
    DeliveryStatus,
    EventRoleKind,
    MailingKind,
    MailingStatus,
    MeetingStatus,
    SessionFormat,
)
from conference.extensions import db
from conference.models import (
    Bookmark,
    EventRole,
    Mailing,
    MailingRecipient,
    Meeting,
    Registration,
)
from conference.services import ServiceError, mail, mailings, segments
from conference.services.segments import Segment
from tests import factories, program_helpers
from tests.ics_check import check


@pytest.fixture(autouse=True)
def _empty_queue():
    jobs.huey.flush()
    yield
    jobs.huey.flush()


def send(actor, event, segment=None, *, kind="announcement", subject="Hello", body="Hi"):
    mailing = mailings.create_mailing(actor, event, kind, subject, body, segment or Segment())
    db.session.commit()
    return mailing


def statuses(mailing) -> dict[str, DeliveryStatus]:
    rows = db.session.execute(
        sa.select(MailingRecipient.email, MailingRecipient.status).where(
            MailingRecipient.mailing_id == mailing.id
        )
    )
    return {email: DeliveryStatus(status) for email, status in rows}


def recipient(mailing, user) -> MailingRecipient:
    return db.session.scalar(
        sa.select(MailingRecipient).where(
            MailingRecipient.mailing_id == mailing.id, MailingRecipient.user_id == user.id
        )
    )


def addressees(outbox) -> list[str]:
    return sorted(message["To"] for message in outbox.messages)


@pytest.fixture
def people(event, organizer):
    """Four approved participants besides the organizer."""
    return [
        factories.participant(event, name=name)
        for name in ("Alma Able", "Bert Baker", "Cleo Cook", "Dora Dean")
    ]


# --- creating ---------------------------------------------------------------------------


def test_create_mailing_writes_one_recipient_per_person_and_queues_the_job(
    event, organizer, people, outbox
):
    factories.participant(event, name="Pat Pending", status="pending")

    mailing = send(organizer, event)

    everyone = sorted([organizer.email, *(p.email for p in people)])
    assert sorted(statuses(mailing)) == everyone
    assert set(statuses(mailing).values()) == {DeliveryStatus.queued}
    assert mailing.segment == {}
    assert list(outbox.folder.glob("*.eml")) == []
    assert jobs.run_pending() == 1
    assert addressees(outbox) == everyone
    assert set(statuses(mailing).values()) == {DeliveryStatus.sent}
    db.session.refresh(mailing)
    assert mailing.status == MailingStatus.done
    assert mailing.finished_at is not None


def test_create_mailing_queues_nothing_when_rolled_back(event, organizer, people):
    mailings.create_mailing(organizer, event, "announcement", "Hi", "Text", Segment())
    db.session.rollback()
    assert jobs.run_pending() == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_create_mailing_keeps_the_segment(event, organizer, people, speaker):
    segment = Segment(roles=(EventRoleKind.speaker,))
    mailing = send(organizer, event, segment)
    assert mailing.segment == {"roles": ["speaker"]}
    assert list(statuses(mailing)) == [speaker.email]


@pytest.mark.parametrize(
    ("kind", "subject", "body", "code", "field"),
    [
        ("announcement", "  ", "Text", "subject_missing", "subject"),
        ("announcement", "x" * 201, "Text", "subject_too_long", "subject"),
        ("announcement", "Hello", "  ", "body_missing", "body"),
        ("announcement", "Hello", "x" * 20_001, "body_too_long", "body"),
        ("newsletter", "Hello", "Text", "unknown_kind", "kind"),
    ],
)
def test_create_mailing_refuses_bad_input(
    event, organizer, people, kind, subject, body, code, field
):
    with pytest.raises(ServiceError) as caught:
        mailings.create_mailing(organizer, event, kind, subject, body, Segment())
    assert (caught.value.code, caught.value.field) == (code, field)


def test_create_mailing_allows_an_agenda_without_a_body(event, organizer, people):
    mailing = send(organizer, event, kind="agenda", subject="Your agenda", body="")
    assert mailing.kind == MailingKind.agenda
    assert mailing.body == ""


def test_create_mailing_refuses_a_segment_nobody_is_in(event, organizer):
    with pytest.raises(ServiceError) as caught:
        mailings.create_mailing(
            organizer,
            event,
            "announcement",
            "Hi",
            "Text",
            Segment(roles=(EventRoleKind.moderator,)),
        )
    assert (caught.value.code, caught.value.field) == ("nobody", "segment")


@pytest.mark.parametrize("who", ["attendee", "speaker", "sponsor_staff", "outsider"])
def test_create_mailing_is_for_organizers_only(request, event, people, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(ServiceError) as caught:
        mailings.create_mailing(actor, event, "announcement", "Hi", "Text", Segment())
    assert caught.value.code == "forbidden"


def test_platform_admin_may_send(event, platform_admin, people):
    mailing = send(platform_admin, event)
    assert len(statuses(mailing)) == 5


# --- the copies ---------------------------------------------------------------------------


def test_announcement_copy_has_markdown_body_and_unsubscribe(event, organizer, people, outbox):
    body = "We open at **9:00**.\n\n<script>alert(1)</script>\n\n[Map](https://example.org/map)"
    send(organizer, event, Segment(), subject="Doors open early", body=body)
    jobs.run_pending()

    message = outbox.to(people[0].email)[0]
    assert message["Subject"] == "Doors open early"
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<http://localhost/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = unsubscribe[1:-1]
    text = outbox.text(message)
    assert text.startswith("Hello Alma Able,\n\nWe open at **9:00**.")
    assert link in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>9:00</strong>" in html
    assert '<a href="https://example.org/map" rel="nofollow noopener noreferrer">Map</a>' in html
    assert "<script>" not in html
    assert f'href="{link}"' in html


def test_unsubscribe_links_differ_per_person_and_name_no_user(event, organizer, people, outbox):
    mailing = send(organizer, event)
    jobs.run_pending()
    links = {m["To"]: m["List-Unsubscribe"].strip()[1:-1] for m in outbox.messages}
    assert len(set(links.values())) == len(links)
    for person in people:
        token = links[person.email].rsplit("/", 1)[1]
        assert mailings.subscription_of(token).user == person
        # The token names the recipient row of this mailing, not the account.
        assert token.split(".")[0] == str(recipient(mailing, person).id)


@pytest.fixture
def program(event, people, organizer):
    """A keynote, two talks; Alma bookmarked one talk and has an accepted meeting."""
    room = program_helpers.room(event, "Hall A")
    keynote = program_helpers.session(
        event, "Opening keynote", "09:00", "09:45", room=room, format=SessionFormat.keynote
    )
    talk = program_helpers.session(event, "Payments at scale", "11:00", "11:40", room=room)
    other = program_helpers.session(event, "Zero trust", "14:00", "14:40", day=1, room=room)
    draft_keynote = program_helpers.session(
        event, "Secret keynote", "16:00", "17:00", format=SessionFormat.keynote, published=False
    )
    alma, bert = people[0], people[1]
    db.session.add(Bookmark(event_id=event.id, user_id=alma.id, session_id=talk.id))
    db.session.add(Bookmark(event_id=event.id, user_id=bert.id, session_id=other.id))
    db.session.add(Bookmark(event_id=event.id, user_id=bert.id, session_id=keynote.id))
    meeting = Meeting(
        event_id=event.id,
        requester_id=alma.id,
        invitee_id=people[2].id,
        starts_at=program_helpers.at(event, 0, "13:00"),
        ends_at=program_helpers.at(event, 0, "13:30"),
        status=MeetingStatus.accepted,
    )
    db.session.add(meeting)
    db.session.commit()
    return {
        "keynote": keynote,
        "talk": talk,
        "other": other,
        "draft": draft_keynote,
        "meeting": meeting,
    }


def test_agenda_copy_lists_own_items_and_highlights_with_ics(
    event, organizer, people, program, outbox
):
    alma = people[0]
    send(organizer, event, Segment(), kind="agenda", subject="Your agenda", body="See you *soon*.")
    jobs.run_pending()

    message = outbox.to(alma.email)[0]
    text = outbox.text(message)
    first_day = event.starts_on.strftime("%A")
    assert "See you *soon*." in text
    agenda_part = text.split("Your agenda at Northwind Summit:")[1].split(
        "Highlights of the event:"
    )[0]
    assert first_day in agenda_part
    assert "11:00\u202fAM\u201311:40\u202fAM  Payments at scale (Hall A)" in agenda_part
    assert "1:00\u202fPM\u20131:30\u202fPM  Meeting with Cleo Cook" in agenda_part
    assert "Zero trust" not in text
    highlights = text.split("Highlights of the event:")[1]
    assert "9:00\u202fAM\u20139:45\u202fAM  Opening keynote (Hall A)" in highlights
    assert "Secret keynote" not in text

    (attachment,) = [part for part in message.iter_attachments() if part.get_filename()]
    assert attachment.get_filename() == "agenda.ics"
    assert attachment.get_content_type() == "text/calendar"
    # A published agenda is no invitation: the calendar is attached, not repeated inline.
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar = check(attachment.get_payload(decode=True))
    assert calendar.method == "PUBLISH"
    assert calendar.timezones == ["Europe/Berlin"]
    uids = sorted(e.uid for e in calendar.events)
    assert uids == sorted(
        [
            f"session-{program['keynote'].id}-{event.id}@localhost",
            f"session-{program['talk'].id}-{event.id}@localhost",
            f"{program['meeting'].uid}@localhost",
        ]
    )
    assert calendar.event(f"session-{program['talk'].id}-{event.id}@localhost").starts_at == (
        program["talk"].starts_at
    )


def test_agenda_copy_does_not_repeat_a_bookmarked_highlight(
    event, organizer, people, program, outbox
):
    bert = people[1]
    send(organizer, event, Segment(), kind="agenda", subject="Your agenda", body="")
    jobs.run_pending()

    message = outbox.to(bert.email)[0]
    text = outbox.text(message)
    assert text.count("Opening keynote") == 1
    assert "Highlights of the event:" not in text
    (attachment,) = [part for part in message.iter_attachments() if part.get_filename()]
    assert len(check(attachment.get_payload(decode=True)).events) == 2


def test_agenda_copy_without_bookmarks_says_so(event, organizer, people, program, outbox):
    send(organizer, event, Segment(), kind="agenda", subject="Your agenda", body="")
    jobs.run_pending()
    text = outbox.text(outbox.to(people[3].email)[0])
    assert "Your agenda at Northwind Summit is still empty" in text
    assert "Opening keynote" in text


def test_agenda_copy_uses_the_recipients_language_for_dates(
    event, organizer, people, program, outbox
):
    alma = people[0]
    alma.locale = "ru"
    db.session.commit()
    send(organizer, event, Segment(), kind="agenda", subject="Agenda", body="")
    jobs.run_pending()
    from babel.dates import format_date

    russian_day = format_date(event.starts_on, "full", locale="ru")
    assert russian_day in outbox.text(outbox.to(alma.email)[0])
    english_day = format_date(event.starts_on, "full", locale="en")
    assert english_day in outbox.text(outbox.to(people[3].email)[0])


def test_preview_renders_a_copy_without_writing_anything(event, organizer, people, program):
    alma = people[0]
    rendered = mailings.preview(organizer, event, "agenda", "Agenda", "Intro", alma)
    assert rendered.to == alma.email
    assert "Payments at scale" in rendered.html_fragment
    assert "<html" not in rendered.html_fragment
    assert rendered.html.startswith("<!doctype html>")
    assert len(check(rendered.ics).events) == 3
    token = rendered.headers["List-Unsubscribe"][1:-1].rsplit("/", 1)[1]
    with pytest.raises(ServiceError) as caught:
        mailings.subscription_of(token)
    assert caught.value.code == "preview_token"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Mailing)) == 0


def test_preview_is_for_organizers_only(event, attendee, people):
    with pytest.raises(ServiceError) as caught:
        mailings.preview(attendee, event, "announcement", "Hi", "Text", people[0])
    assert caught.value.code == "forbidden"


# --- exactly once --------------------------------------------------------------------------


class Boom(smtplib.SMTPServerDisconnected):
    """The connection to the mail server broke."""


@contextmanager
def breaking_connection(after: int, sent: list):
    """A mail connection that delivers ``after`` messages, then breaks."""

    def deliver(message):
        if len(sent) >= after:
            raise Boom("Connection unexpectedly closed")
        sent.append(message["To"])

    yield deliver


def test_deliver_after_a_broken_connection_sends_nobody_twice(
    event, organizer, people, outbox, monkeypatch
):
    mailing = send(organizer, event)
    jobs.huey.flush()
    sent: list[str] = []
    monkeypatch.setattr(mail, "connection", lambda: breaking_connection(2, sent))

    with pytest.raises(Boom):
        mailings.deliver.call_local(mailing.id)

    states = statuses(mailing)
    assert sorted(states.values()) == sorted(
        [DeliveryStatus.sent, DeliveryStatus.sent, DeliveryStatus.failed]
        + [DeliveryStatus.queued] * 2
    )
    (broken,) = [e for e, s in states.items() if s == DeliveryStatus.failed]
    assert (
        db.session.scalar(sa.select(MailingRecipient.error).where(MailingRecipient.email == broken))
        == mailings.INTERRUPTED
    )
    untried = [e for e, s in states.items() if s == DeliveryStatus.queued]
    assert {recipient_attempts(mailing, e) for e in untried} == {0}
    db.session.refresh(mailing)
    assert mailing.status == MailingStatus.sending
    assert mailings.progress(mailing).stalled

    monkeypatch.undo()
    mailings.deliver.call_local(mailing.id)

    again = addressees(outbox)
    assert sorted(sent + again) == sorted(set(sent + again))
    assert sorted(again) == sorted(untried)
    assert statuses(mailing)[broken] == DeliveryStatus.failed
    db.session.refresh(mailing)
    assert mailing.status == MailingStatus.done

    assert mailings.retry_failed(organizer, mailing) == 1
    db.session.commit()
    assert jobs.run_pending() == 1
    assert addressees(outbox) == sorted([*again, broken])
    assert set(statuses(mailing).values()) == {DeliveryStatus.sent}
    assert recipient_attempts(mailing, broken) == 2


def recipient_attempts(mailing, email) -> int:
    return db.session.scalar(
        sa.select(MailingRecipient.attempts).where(
            MailingRecipient.mailing_id == mailing.id, MailingRecipient.email == email
        )
    )


def test_deliver_after_a_killed_run_never_resends_its_claimed_copies(
    event, organizer, people, outbox, monkeypatch
):
    """A run that died (no clean-up at all) left a claimed batch ``sending``."""
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)
    mailing = send(organizer, event)
    claimed = mailings._claim(mailing.id)
    db.session.commit()
    claimed_emails = sorted(email for _id, _user, email in claimed)

    mailings.deliver.call_local(mailing.id)

    assert sorted(set(addressees(outbox))) == addressees(outbox)
    assert not set(addressees(outbox)) & set(claimed_emails)
    assert len(addressees(outbox)) == 3
    for email in claimed_emails:
        assert statuses(mailing)[email] == DeliveryStatus.failed
    errors = db.session.scalars(
        sa.select(MailingRecipient.error).where(
            MailingRecipient.mailing_id == mailing.id,
            MailingRecipient.status == DeliveryStatus.failed,
        )
    ).all()
    assert errors == [mailings.INTERRUPTED, mailings.INTERRUPTED]

    mailings.deliver.call_local(mailing.id)
    assert len(outbox.messages) == 3


def test_deliver_twice_sends_each_copy_once(event, organizer, people, outbox):
    mailing = send(organizer, event)
    jobs.huey.flush()
    mailings.deliver.call_local(mailing.id)
    mailings.deliver.call_local(mailing.id)
    assert len(outbox.messages) == 5
    assert len(set(addressees(outbox))) == 5


def test_deliver_in_batches_sends_everyone(event, organizer, people, outbox, monkeypatch):
    monkeypatch.setattr(mailings, "BATCH_SIZE", 2)
    mailing = send(organizer, event)
    jobs.run_pending()
    assert addressees(outbox) == sorted(statuses(mailing))
    assert set(statuses(mailing).values()) == {DeliveryStatus.sent}


def test_deliver_while_another_run_sends_waits(event, organizer, people, outbox):
    from huey.exceptions import RetryTask

    mailing = send(organizer, event)
    jobs.huey.flush()
    with mailings._sending_lock(mailing.id) as mine:
        assert mine
        if db.engine.dialect.name == "sqlite":
            assert mailings.is_running(mailing.id)
            with pytest.raises(RetryTask):
                mailings.deliver.call_local(mailing.id)
            assert outbox.messages == []
    assert not mailings.is_running(mailing.id)


def test_refused_recipient_fails_alone_and_is_retried(
    event, organizer, people, outbox, monkeypatch
):
    mailing = send(organizer, event)
    jobs.huey.flush()
    refused = people[1].email
    delivered: list[str] = []

    @contextmanager
    def picky():
        def deliver(message):
            if message["To"] == refused:
                raise smtplib.SMTPRecipientsRefused({refused: (550, b"5.1.1 No such mailbox")})
            delivered.append(message["To"])

        yield deliver

    monkeypatch.setattr(mail, "connection", picky)
    mailings.deliver.call_local(mailing.id)

    assert refused not in delivered
    assert len(delivered) == 4
    row = recipient(mailing, people[1])
    assert (row.status, row.error, row.attempts) == (
        DeliveryStatus.failed,
        "550 5.1.1 No such mailbox",
        1,
    )
    progress = mailings.progress(mailing)
    assert progress.counts == {
        DeliveryStatus.queued: 0,
        DeliveryStatus.sending: 0,
        DeliveryStatus.sent: 4,
        DeliveryStatus.failed: 1,
    }
    assert [(f.email, f.error) for f in progress.failures] == [
        (refused, "550 5.1.1 No such mailbox")
    ]
    assert progress.finished

    monkeypatch.undo()
    assert mailings.retry_failed(organizer, mailing) == 1
    db.session.commit()
    jobs.run_pending()
    assert addressees(outbox) == [refused]
    assert recipient(mailing, people[1]).attempts == 2


def test_retry_failed_with_nothing_to_do_is_refused(event, organizer, people, outbox):
    mailing = send(organizer, event)
    jobs.run_pending()
    with pytest.raises(ServiceError) as caught:
        mailings.retry_failed(organizer, mailing)
    assert caught.value.code == "nothing_to_retry"


def test_retry_failed_is_for_organizers_only(event, organizer, attendee, people):
    mailing = send(organizer, event)
    with pytest.raises(ServiceError) as caught:
        mailings.retry_failed(attendee, mailing)
    assert caught.value.code == "forbidden"


def test_deliver_keeps_to_the_rate(event, organizer, people, outbox, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAILING_RATE", 40)
    mailing = send(organizer, event)
    jobs.huey.flush()
    started = time.monotonic()
    mailings.deliver.call_local(mailing.id)
    # Five messages at 40 a second: the fifth leaves 4/40 s after the first.
    assert time.monotonic() - started >= 0.1
    assert len(outbox.messages) == 5


def test_deliver_skips_people_who_unsubscribed_before_the_mailing(event, organizer, people, outbox):
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == people[2].id
        )
    )
    registration.announcements_opt_out = True
    db.session.commit()
    send(organizer, event)
    jobs.run_pending()
    assert people[2].email not in addressees(outbox)
    assert len(outbox.messages) == 4


def test_deliver_costs_the_same_queries_for_more_people(event, organizer, program, outbox):
    """Per batch a fixed number of statements, however many people it holds."""
    counted = []

    def count_statements(mailing) -> int:
        jobs.huey.flush()
        connection = db.session.connection()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(connection, "before_cursor_execute", listener)
        try:
            mailings.deliver.call_local(mailing.id)
        finally:
            sa.event.remove(connection, "before_cursor_execute", listener)
        return len(statements)

    speakers = Segment(roles=(EventRoleKind.speaker,))
    for size in (3, 12):
        crowd = [factories.participant(event, roles=["speaker"]) for _ in range(size)]
        for person in crowd:
            db.session.add(
                Bookmark(event_id=event.id, user_id=person.id, session_id=program["talk"].id)
            )
        db.session.commit()
        counted.append(count_statements(send(organizer, event, speakers, kind="agenda")))
        db.session.execute(sa.delete(EventRole).where(EventRole.event_id == event.id))
        db.session.commit()
    assert counted[0] == counted[1]


# --- unsubscribing ---------------------------------------------------------------------------


def test_unsubscribe_sets_the_opt_out_and_resubscribe_clears_it(event, organizer, people, outbox):
    mailing = send(organizer, event)
    jobs.run_pending()
    alma = people[0]
    token = outbox.to(alma.email)[0]["List-Unsubscribe"].strip()[1:-1].rsplit("/", 1)[1]

    subscription = mailings.subscription_of(token)
    assert (subscription.event, subscription.user) == (event, alma)
    assert mailings.set_announcements(subscription, wanted=False) is True
    db.session.commit()
    assert subscription.registration.announcements_opt_out is True
    assert mailings.set_announcements(subscription, wanted=False) is False
    assert alma.email not in [
        row.email for row in db.session.execute(segments.recipients(event, Segment()))
    ]

    assert mailings.set_announcements(mailings.subscription_of(token), wanted=True) is True
    db.session.commit()
    assert subscription.registration.announcements_opt_out is False
    assert recipient(mailing, alma).status == DeliveryStatus.sent


@pytest.mark.parametrize("token", ["", "abc", "1.bad-signature", "preview.x", "1.2.3"])
def test_unsubscribe_refuses_a_bad_token(app, token):
    with pytest.raises(ServiceError) as caught:
        mailings.subscription_of(token or "x")
    assert caught.value.code == "bad_token"


def test_unsubscribe_token_of_another_secret_is_refused(app, event, organizer, people, monkeypatch):
    mailing = send(organizer, event)
    row = recipient(mailing, people[0])
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    forged = mailings.unsubscribe_token(row.id)
    monkeypatch.undo()
    with pytest.raises(ServiceError) as caught:
        mailings.subscription_of(forged)
    assert caught.value.code == "bad_token"


def test_unsubscribe_without_a_registration_is_refused(event, organizer, outbox):
    keynote = factories.user(name="Kim Keynote")
    db.session.add(EventRole(event_id=event.id, user_id=keynote.id, role=EventRoleKind.speaker))
    db.session.commit()
    mailing = send(organizer, event, Segment(roles=(EventRoleKind.speaker,)))
    token = mailings.unsubscribe_token(recipient(mailing, keynote).id)
    with pytest.raises(ServiceError) as caught:
        mailings.set_announcements(mailings.subscription_of(token), wanted=False)
    assert caught.value.code == "no_registration"


def test_unsubscribe_does_not_stop_transactional_mail(event, organizer, people, outbox):
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == people[0].id
        )
    )
    registration.announcements_opt_out = True
    db.session.commit()
    from conference.services import accounts

    accounts.request_password_reset(people[0].email)
    db.session.commit()
    assert [m["To"] for m in outbox.messages] == [people[0].email]


def test_progress_counts_by_status(event, organizer, people):
    mailing = send(organizer, event)
    progress = mailings.progress(mailing)
    assert progress.total == 5
    assert progress.counts[DeliveryStatus.queued] == 5
    assert not progress.finished
    assert not progress.stalled
    assert progress.as_json()["counts"] == {"queued": 5, "sending": 0, "sent": 0, "failed": 0}


def test_mailing_of_is_scoped_to_the_event(event, other_event, organizer, people):
    mailing = send(organizer, event)
    assert mailings.mailing_of(event, mailing.id) == mailing
    assert mailings.mailing_of(other_event, mailing.id) is None
    assert mailings.mailings_of(event) == [mailing]
    assert mailings.mailings_of(other_event) == []


def test_copy_escapes_names_in_html_and_keeps_them_in_text(event, organizer, outbox):
    tricky = factories.participant(event, name='Bob <b>&</b> "Co"')
    send(organizer, event, Segment(), subject="Hi", body="Text")
    message = outbox.to(tricky.email)[0]
    assert outbox.text(message).startswith('Hello Bob <b>&</b> "Co",')
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<p>Hello Bob &lt;b&gt;&amp;&lt;/b&gt; &#34;Co&#34;,</p>" in html


def test_copies_of_one_run_share_nothing_but_their_frame(event, organizer, people, program):
    """Each person's values land in their own copy only (the frames are filled per copy)."""
    composer = mailings.Composer(event, MailingKind.agenda, "Agenda", "Hi")
    pairs = [
        (n, mailings.Person(p.id, p.email, p.display_name, None)) for n, p in enumerate(people)
    ]
    copies = dict(composer.render_prepared(composer.prepare(pairs)))
    assert copies[0].text.startswith("Hello Alma Able,")
    assert "Payments at scale" in copies[0].text
    assert "Payments at scale" not in copies[3].text
    assert copies[1].text.startswith("Hello Bert Baker,")
    assert "Zero trust" in copies[1].html
    assert len({c.headers["List-Unsubscribe"] for c in copies.values()}) == 4
    for rendered in copies.values():
        assert "\x1f" not in rendered.text + rendered.html + rendered.html_fragment
