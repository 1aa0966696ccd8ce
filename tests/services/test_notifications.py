"""Rules of the notification centre: storing and grouping, unread counts, delivery
choices (in-app only, email at once, daily digest), one-click unsubscribe, and the hooks
in messaging, meetings, sponsors' consent requests and announcements."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.enums import NotificationDelivery, NotificationKind
from conference.extensions import db
from conference.models import MailingRecipient, Notification
from conference.models.types import utcnow
from conference.services import ServiceError, leads, mailings, meetings, messaging, segments
from conference.services import notifications as service
from tests import factories
from tests import program_helpers as program
from tests.queries import recording
from tests.services.test_meetings import add_place, set_hours

CONTACT = NotificationKind.contact


def rows_of(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def choose(user, kind, delivery) -> None:
    service.set_delivery(user.id, kind, delivery)
    db.session.commit()


def say(conversation, sender, body="Hello") -> None:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    messaging.send_message(sender, conversation, client_id=f"n-{count}-{body}", body=body)
    db.session.commit()


# --- storing -------------------------------------------------------------------------------------


def test_notify_stores_text_url_and_event(event, attendee, speaker):
    note = service.notify(
        attendee.id,
        CONTACT,
        "Sam wants to connect",
        url="/me/contacts",
        event_id=event.id,
        actor_id=speaker.id,
    )
    db.session.commit()

    (row,) = rows_of(attendee)
    assert row.id == note.id
    assert (row.kind, row.text, row.url, row.event_id, row.actor_id, row.count) == (
        CONTACT,
        "Sam wants to connect",
        "/me/contacts",
        event.id,
        speaker.id,
        1,
    )
    assert row.read_at is None
    assert service.unread_count(attendee.id) == 1


def test_notify_with_group_key_updates_in_place_and_counts_while_unread(attendee):
    for text in ("first", "second", "third"):
        service.notify(attendee.id, CONTACT, text, group_key="contact_request:1")
    db.session.commit()

    (row,) = rows_of(attendee)
    assert (row.text, row.count) == ("third", 3)


def test_notify_with_group_key_after_reading_is_unread_again_counting_from_one(attendee):
    first = service.notify(attendee.id, CONTACT, "one", group_key="k")
    service.notify(attendee.id, CONTACT, "two", group_key="k")
    service.mark_read(attendee, first)
    db.session.commit()

    service.notify(attendee.id, CONTACT, "three", group_key="k")
    db.session.commit()

    (row,) = rows_of(attendee)
    db.session.refresh(row)
    assert (row.text, row.count, row.read_at) == ("three", 1, None)


def test_notify_clips_long_text(attendee):
    service.notify(attendee.id, CONTACT, "word " * 200)
    db.session.commit()
    (row,) = rows_of(attendee)
    assert len(row.text) == service.TEXT_MAX
    assert row.text.endswith("\u2026")


def test_mark_all_read_only_touches_own(attendee, speaker):
    service.notify(attendee.id, CONTACT, "a")
    service.notify(attendee.id, CONTACT, "b")
    service.notify(speaker.id, CONTACT, "c")
    db.session.commit()

    assert service.mark_all_read(attendee) == 2
    db.session.commit()

    assert service.unread_count(attendee.id) == 0
    assert service.unread_count(speaker.id) == 1


def test_page_of_is_newest_first_and_pages(attendee):
    for number in range(5):
        service.notify(attendee.id, CONTACT, f"n{number}")
    db.session.commit()

    first, more = service.page_of(attendee, limit=3)
    assert [n.text for n in first] == ["n4", "n3", "n2"]
    assert more is True
    rest, more = service.page_of(attendee, before_id=first[-1].id, limit=3)
    assert [n.text for n in rest] == ["n1", "n0"]
    assert more is False


# --- delivery choices -------------------------------------------------------------------------


def test_deliveries_default_to_email_at_once(attendee):
    assert service.deliveries(attendee) == {
        kind: NotificationDelivery.instant for kind in service.CHOOSABLE
    }


def test_set_deliveries_keeps_each_choice(attendee):
    changed = service.set_deliveries(
        attendee,
        {"contact": "digest", "message": "in_app", "meeting": "instant"},
    )
    db.session.commit()

    assert changed == [NotificationKind.contact, NotificationKind.message]
    chosen = service.deliveries(attendee)
    assert chosen[NotificationKind.contact] == NotificationDelivery.digest
    assert chosen[NotificationKind.message] == NotificationDelivery.in_app
    assert chosen[NotificationKind.meeting] == NotificationDelivery.instant


def test_account_news_is_always_mailed_and_not_a_choice(outbox, attendee):
    assert NotificationKind.account not in service.deliveries(attendee)
    with pytest.raises(ServiceError):
        service.set_delivery(attendee.id, NotificationKind.account, "in_app")

    service.notify(attendee.id, NotificationKind.account, "Your data export is ready")
    db.session.commit()

    (message,) = outbox.to(attendee.email)
    assert message["List-Unsubscribe"] is None


def test_set_delivery_refuses_unknown_values(attendee):
    with pytest.raises(ServiceError):
        service.set_delivery(attendee.id, "contact", "carrier_pigeon")


def test_email_at_once_sends_one_email_with_one_click_unsubscribe(outbox, attendee):
    service.notify(attendee.id, CONTACT, "Sam wants to connect", url="/me/contacts")
    db.session.commit()

    (message,) = outbox.to(attendee.email)
    assert message["Subject"] == "Sam wants to connect"
    assert "http://localhost/me/contacts" in outbox.text(message)
    unsubscribe = message["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<http://localhost/unsubscribe/notifications/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.strip("<>").rsplit("/", 1)[1]
    assert service.unsubscription_of(token).target == "contact"


def test_email_at_once_runs_once(outbox, attendee):
    note = service.notify(attendee.id, CONTACT, "hello")
    db.session.commit()
    service.email_at_once(note.id)
    service.email_at_once(note.id)

    assert len(outbox.to(attendee.email)) == 1


def test_email_at_once_skips_what_was_read_first(outbox, attendee):
    note = service.notify(attendee.id, CONTACT, "hello")
    service.mark_read(attendee, note)
    db.session.commit()

    assert outbox.to(attendee.email) == []


def test_email_at_once_skips_unverified_people(outbox, event):
    person = factories.participant(
        event, name="Nova Unverified", person=factories.user("Nova", verified=False)
    )
    service.notify(person.id, CONTACT, "hello")
    db.session.commit()

    assert outbox.to(person.email) == []


@pytest.mark.parametrize("delivery", [NotificationDelivery.in_app, NotificationDelivery.digest])
def test_no_email_at_once_for_other_choices(outbox, attendee, delivery):
    choose(attendee, CONTACT, delivery)
    service.notify(attendee.id, CONTACT, "hello")
    db.session.commit()

    assert outbox.to(attendee.email) == []
    assert [n.text for n in rows_of(attendee)] == ["hello"]


def test_own_email_of_a_kind_is_sent_with_unsubscribe_headers(outbox, attendee):
    from conference.services import mail

    service.notify(
        attendee.id,
        CONTACT,
        "hello",
        email=lambda: mail.build_message(attendee.email, "Own subject", "Own text"),
    )
    db.session.commit()

    (message,) = outbox.to(attendee.email)
    assert message["Subject"] == "Own subject"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (row,) = rows_of(attendee)
    assert row.emailed_at is not None


# --- daily digest ---------------------------------------------------------------------------


def test_daily_digest_gathers_unread_digest_kinds_into_one_email(outbox, attendee, speaker):
    choose(attendee, CONTACT, NotificationDelivery.digest)
    choose(attendee, NotificationKind.lead_consent, NotificationDelivery.digest)
    service.notify(attendee.id, CONTACT, "Sam wants to connect", url="/me/contacts")
    service.notify(attendee.id, NotificationKind.lead_consent, "Acme asks", url="/me/privacy")
    read = service.notify(attendee.id, CONTACT, "Already read")
    service.mark_read(attendee, read)
    service.notify(attendee.id, NotificationKind.announcement, "Not a digest kind")
    service.notify(speaker.id, CONTACT, "Speaker's own")
    db.session.commit()
    outbox.clear()

    assert service.send_daily_digests(utcnow()) == 1
    db.session.commit()

    (message,) = outbox.to(attendee.email)
    text = outbox.text(message)
    assert "Sam wants to connect" in text
    assert "Acme asks" in text
    assert "Already read" not in text
    assert "Not a digest kind" not in text
    assert "http://localhost/me/contacts" in text
    assert message["Subject"] == "Your daily summary: 2 new notifications"
    token = message["List-Unsubscribe"].strip().strip("<>").rsplit("/", 1)[1]
    assert service.unsubscription_of(token).target == service.DIGEST
    assert outbox.to(speaker.email) == []


def test_daily_digest_never_sends_a_notification_twice(outbox, attendee):
    choose(attendee, CONTACT, NotificationDelivery.digest)
    service.notify(attendee.id, CONTACT, "first")
    db.session.commit()
    service.send_daily_digests(utcnow())
    db.session.commit()

    assert service.send_daily_digests(utcnow()) == 0
    service.notify(attendee.id, CONTACT, "second")
    db.session.commit()
    assert service.send_daily_digests(utcnow()) == 1
    db.session.commit()

    texts = [outbox.text(m) for m in outbox.to(attendee.email)]
    assert len(texts) == 2
    assert "first" not in texts[1]


def test_daily_digest_leaves_out_old_news(outbox, attendee):
    choose(attendee, CONTACT, NotificationDelivery.digest)
    note = service.notify(attendee.id, CONTACT, "ancient")
    note.created_at = utcnow() - service.DIGEST_MAX_AGE - timedelta(hours=1)
    db.session.commit()

    assert service.send_daily_digests(utcnow()) == 0


# --- unsubscribing -------------------------------------------------------------------------------


def test_unsubscribe_switches_the_kind_to_in_app_only(attendee):
    token = service.unsubscribe_token(attendee.id, CONTACT)
    assert service.unsubscribe(service.unsubscription_of(token)) == [CONTACT]
    db.session.commit()

    assert service.delivery_of(attendee.id, CONTACT) == NotificationDelivery.in_app


def test_unsubscribe_from_the_digest_switches_every_digest_kind(attendee):
    choose(attendee, CONTACT, NotificationDelivery.digest)
    choose(attendee, NotificationKind.announcement, NotificationDelivery.digest)
    token = service.unsubscribe_token(attendee.id, service.DIGEST)

    changed = service.unsubscribe(service.unsubscription_of(token))
    db.session.commit()

    assert set(changed) == {CONTACT, NotificationKind.announcement}
    assert service.delivery_of(attendee.id, NotificationKind.message) == (
        NotificationDelivery.instant
    )


@pytest.mark.parametrize(
    "token",
    ["nonsense", "1:contact.forged", "KIND"],
)
def test_unsubscription_of_refuses_bad_tokens(attendee, token):
    if token == "KIND":
        token = service._signer().sign(f"{attendee.id}:meeting").decode()
    with pytest.raises(ServiceError) as caught:
        service.unsubscription_of(token)
    assert caught.value.code == "bad_token"


def test_transactional_kinds_carry_no_unsubscribe_headers(attendee):
    assert service.unsubscribe_headers(attendee.id, NotificationKind.meeting) == {}
    assert service.unsubscribe_headers(attendee.id, NotificationKind.network) == {}
    assert set(service.unsubscribe_headers(attendee.id, NotificationKind.message)) == {
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    }


# --- messages ------------------------------------------------------------------------------------


def test_messages_notify_the_recipient_once_per_conversation(event, attendee, speaker):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    say(conversation, attendee, "one")
    say(conversation, attendee, "two")

    (row,) = rows_of(speaker)
    assert (row.kind, row.text, row.count, row.group_key, row.url, row.actor_id) == (
        NotificationKind.message,
        "Anna Attendee sent you a message",
        2,
        f"conversation:{conversation.id}",
        f"/messages/{conversation.id}",
        attendee.id,
    )
    assert rows_of(attendee) == []


def test_reading_the_conversation_reads_its_notification(event, attendee, speaker):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    say(conversation, attendee, "one")
    say(conversation, attendee, "two")
    first, second = messaging.history(conversation)

    messaging.mark_read(speaker, conversation, first.id)
    db.session.commit()
    assert service.unread_count(speaker.id) == 1  # "two" still waits

    messaging.mark_read(speaker, conversation, second.id)
    db.session.commit()
    assert service.unread_count(speaker.id) == 0


def test_send_message_costs_one_extra_statement(app, event, attendee, speaker, monkeypatch):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    messaging.send_message(attendee, conversation, client_id="warm", body="loads the rows")
    with recording() as statements:
        messaging.send_message(attendee, conversation, client_id="with", body="x")
        with_notification = len(statements)
        statements.clear()
        monkeypatch.setattr(service, "notify_message", lambda *args: None)
        messaging.send_message(attendee, conversation, client_id="without", body="y")
        without = len(statements)
    db.session.rollback()

    assert with_notification - without == 1


def test_message_emails_at_once_honour_the_choice(outbox, event, attendee, speaker, sponsor_staff):
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    other = messaging.get_or_create_conversation(attendee, event, sponsor_staff)
    db.session.commit()
    choose(sponsor_staff, NotificationKind.message, NotificationDelivery.in_app)
    say(conversation, attendee)
    say(other, attendee)
    for message in db.session.scalars(sa.select(messaging.Message)):
        message.created_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    assert messaging.send_digests(utcnow()) == 1
    db.session.commit()

    (message,) = outbox.to(speaker.email)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert outbox.to(sponsor_staff.email) == []
    (row,) = rows_of(speaker)
    assert row.emailed_at is not None


# --- meetings --------------------------------------------------------------------------------


def _request_meeting(event, attendee, speaker):
    set_hours(event, 0, "09:00", "11:00")
    table = add_place(event, "Table 1", capacity=1)
    db.session.commit()
    meeting = meetings.request_meeting(
        attendee, event, speaker, program.at(event, 0, "09:30"), table.id, "Hi"
    )
    db.session.commit()
    return meeting


def test_meeting_request_notifies_and_mails_the_invitation(outbox, event, attendee, speaker):
    meeting = _request_meeting(event, attendee, speaker)

    (row,) = rows_of(speaker)
    assert (row.kind, row.text, row.url, row.group_key) == (
        NotificationKind.meeting,
        "Anna Attendee asks to meet you",
        f"/e/northwind/meetings/{meeting.id}",
        f"meeting:{meeting.id}",
    )
    assert row.emailed_at is not None
    (message,) = outbox.to(speaker.email)
    assert message["List-Unsubscribe"] is None  # transactional: a calendar invitation
    assert any(part.get_content_type() == "text/calendar" for part in message.walk())


@pytest.mark.parametrize("delivery", [NotificationDelivery.in_app, NotificationDelivery.digest])
def test_meeting_emails_stop_when_chosen(outbox, event, attendee, speaker, delivery):
    choose(speaker, NotificationKind.meeting, delivery)
    _request_meeting(event, attendee, speaker)

    assert outbox.to(speaker.email) == []
    assert [n.text for n in rows_of(speaker)] == ["Anna Attendee asks to meet you"]


# --- sponsors' consent requests ---------------------------------------------------------------


def test_a_consent_request_notifies_the_person_once(event, attendee, sponsor, sponsor_staff):
    payload = factories.badge_payload(event, attendee)
    assert leads.scan(sponsor_staff, sponsor, payload).outcome == "asked"
    db.session.commit()
    leads.scan(sponsor_staff, sponsor, payload)
    db.session.commit()

    (row,) = rows_of(attendee)
    assert (row.kind, row.count, row.url) == (
        NotificationKind.lead_consent,
        1,
        "/me/privacy#requests-heading",
    )
    assert "Acme Corp" in row.text


# --- announcements --------------------------------------------------------------------------


def test_an_announcement_notifies_everyone_and_mails_only_those_who_want_it_at_once(
    outbox, event, organizer, attendee, speaker, sponsor_staff
):
    choose(speaker, NotificationKind.announcement, NotificationDelivery.in_app)
    choose(sponsor_staff, NotificationKind.announcement, NotificationDelivery.digest)
    segment = segments.Segment()
    everyone = {row.user_id for row in db.session.execute(segments.recipients(event, segment))}

    mailing = mailings.create_mailing(
        organizer, event, "announcement", "Doors open", "Hi!", segment
    )
    db.session.commit()

    notified = set(
        db.session.scalars(
            sa.select(Notification.user_id).where(Notification.group_key == f"mailing:{mailing.id}")
        )
    )
    assert notified == everyone
    assert {attendee.id, speaker.id, sponsor_staff.id} <= notified
    mailed = set(
        db.session.scalars(
            sa.select(MailingRecipient.user_id).where(MailingRecipient.mailing_id == mailing.id)
        )
    )
    assert mailed == everyone - {speaker.id, sponsor_staff.id}
    (row,) = rows_of(attendee)
    assert (row.text, row.url) == (
        "Northwind Summit: Doors open",
        f"/me/announcements/{mailing.id}",
    )
    assert row.emailed_at is not None
    (digest_row,) = rows_of(sponsor_staff)
    assert digest_row.emailed_at is None
    assert outbox.to(speaker.email) == []
    assert len(outbox.to(attendee.email)) == 1
