"""``conference.services.privacy``: the export holds exactly the person's data and nobody
else's; deletion leaves nothing personal in any table that refers to a person, keeps
the organizers' aggregates equal, and is refused or limited where it must be."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import (
    ActivityKind,
    ContactSource,
    DataExportStatus,
    LeadSource,
    MeetingStatus,
    MessagePolicy,
    NotificationDelivery,
    NotificationKind,
)
from conference.extensions import db
from conference.models import (
    Block,
    Contact,
    ContactRequest,
    Conversation,
    ConversationMember,
    DataExport,
    Event,
    Lead,
    Meeting,
    Message,
    Notification,
    Registration,
    SocketPresence,
    User,
)
from conference.models.types import utcnow
from conference.services import (
    ServiceError,
    accounts,
    activity,
    event_reports,
    notifications,
    privacy,
    reports,
)
from conference.services.reports import ReportQuery
from tests import factories, program_helpers
from tests.services.test_meetings import invitation


def _conversation(event: Event, a: User, b: User, *lines: tuple[User, str]) -> Conversation:
    low, high = sorted((a.id, b.id))
    conversation = Conversation(user_low_id=low, user_high_id=high, event_id=event.id)
    db.session.add(conversation)
    db.session.flush()
    for person in (a, b):
        db.session.add(ConversationMember(conversation_id=conversation.id, user_id=person.id))
    for n, (sender, body) in enumerate(lines):
        db.session.add(
            Message(
                conversation_id=conversation.id, sender_id=sender.id, client_id=f"c{n}", body=body
            )
        )
    conversation.last_message_at = utcnow()
    db.session.commit()
    return conversation


def _contacts(event: Event, a: User, b: User, a_note: str, b_note: str) -> None:
    db.session.add(
        Contact(
            owner_id=a.id,
            person_id=b.id,
            event_id=event.id,
            source=ContactSource.request,
            note=a_note,
            tags=["mine"],
        )
    )
    db.session.add(
        Contact(
            owner_id=b.id,
            person_id=a.id,
            event_id=event.id,
            source=ContactSource.request,
            note=b_note,
            tags=["theirs"],
        )
    )
    db.session.commit()


def _meeting(event: Event, a: User, b: User, starts_at: datetime, status=MeetingStatus.accepted):
    meeting = Meeting(
        event_id=event.id,
        requester_id=a.id,
        invitee_id=b.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        status=status,
        message="Coffee? My number is 0170 1234",
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


@dataclass
class World:
    event: Event
    me: User
    friend: User
    stranger: User


@pytest.fixture
def world(tmp_path) -> World:
    """An event that ended last week, where ``me`` did a bit of everything."""
    ev = factories.event(
        "Past Summit",
        starts_on=date.today() - timedelta(days=10),
        ends_on=date.today() - timedelta(days=9),
    )
    me = factories.participant(ev, "Mia Me", company="Mine GmbH", interests=["AI", "Payments"])
    friend = factories.participant(ev, "Fred Friend", company="Friendly", industry="Finance")
    stranger = factories.participant(ev, "Stan Stranger", company="Strange Inc")
    me.profile.bio = "I like long walks on the beach."
    me.profile.looking_for = "cloud security"
    reg = factories.registration_of(ev, me)
    reg.organizer_note = "VIP, knows the CEO"
    reg.organizer_contact = True
    reg.organizer_contact_at = utcnow()
    reg.organizer_contact_text = "May the organizers keep in touch?"
    reg.meet_wishes = [factories.term(ev, "industry", "Finance")]
    db.session.commit()

    talk = program_helpers.session(ev, "Payments at scale", topics=["Payments"], speakers=[me])
    from conference.models import Bookmark

    db.session.add(Bookmark(event_id=ev.id, user_id=me.id, session_id=talk.id))
    activity.record(me, ev, ActivityKind.bookmark, session=talk)
    activity.record(me, ev, ActivityKind.attendance, session=talk)
    activity.record(friend, ev, ActivityKind.bookmark, session=talk)
    db.session.commit()

    _contacts(ev, me, friend, a_note="Met at the bar", b_note="FRIEND-PRIVATE-NOTE about Mia")
    _conversation(ev, me, friend, (me, "Hello Fred"), (friend, "Hi Mia, good to meet you"))
    _conversation(ev, friend, stranger, (stranger, "STRANGER-SECRET to Fred"))
    _meeting(
        ev,
        me,
        friend,
        datetime.combine(ev.starts_on, datetime.min.time(), UTC) + timedelta(hours=9),
    )
    sponsor = factories.sponsor(ev, "Acme Corp")
    db.session.add(
        Lead(
            sponsor_id=sponsor.id,
            event_id=ev.id,
            user_id=me.id,
            source=LeadSource.booth,
            consent_text="Acme may contact me.",
            notes="hot lead",
        )
    )
    db.session.add(Block(blocker_id=me.id, blocked_id=stranger.id))
    db.session.add(SocketPresence(sid="sid-me", user_id=me.id))
    db.session.add(
        ContactRequest(requester_id=stranger.id, recipient_id=me.id, event_id=ev.id, message="Hi!")
    )
    # Rows as ``notifications.notify`` writes them.
    db.session.add(
        Notification(
            user_id=me.id,
            kind=NotificationKind.contact,
            text="Stan wants to connect",
            actor_id=stranger.id,
        )
    )
    db.session.add(
        Notification(
            user_id=friend.id,
            kind=NotificationKind.message,
            text="Mia Me sent you a message",
            actor_id=me.id,
        )
    )
    db.session.commit()
    return World(ev, me, friend, stranger)


def _export_zip(person: User) -> zipfile.ZipFile:
    export = privacy.request_export(person)
    db.session.commit()
    jobs.run_pending()
    db.session.refresh(export)
    assert export.status == DataExportStatus.ready, export.error
    return zipfile.ZipFile(io.BytesIO(privacy.export_path(export).read_bytes()))


# --- export ---------------------------------------------------------------------------------


def test_export_contains_the_persons_data_and_nobody_elses(world):
    archive = _export_zip(world.me)
    names = set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in names)

    assert data["account"]["email"] == world.me.email
    assert data["profile"]["bio"] == "I like long walks on the beach."
    [registration] = data["registrations"]
    assert registration["interests"] == ["AI", "Payments"]
    assert registration["organizer_note"] == "VIP, knows the CEO"
    assert registration["want_to_meet"] == ["Finance"]
    assert [b["session"] for b in data["bookmarks"]] == ["Payments at scale"]
    assert [m["with"] for m in data["meetings"]] == ["Fred Friend"]
    [contact] = data["contacts"]
    assert (contact["name"], contact["my_note"], contact["my_tags"]) == (
        "Fred Friend",
        "Met at the bar",
        ["mine"],
    )
    assert [r["message"] for r in data["contact_requests"]] == ["Hi!"]
    assert [n["text"] for n in data["notifications"]] == ["Stan wants to connect"]
    assert [s["sponsor"] for s in data["sponsors_with_my_details"]] == ["Acme Corp"]
    assert sorted(a["kind"] for a in data["activity"]) == ["attendance", "bookmark"]
    assert data["blocked"] == ["Stan Stranger"]

    [conversation_file] = [n for n in names if n.startswith("messages/")]
    conversation = json.loads(archive.read(conversation_file))
    assert conversation["with"] == "Fred Friend"
    assert [(m["from"], m["body"]) for m in conversation["messages"]] == [
        ("me", "Hello Fred"),
        ("them", "Hi Mia, good to meet you"),
    ]
    vcf = archive.read("contacts.vcf").decode()
    assert "Fred Friend" in vcf and world.friend.email in vcf and "Met at the bar" in vcf
    assert f"calendar/{world.event.slug}.ics" in names
    assert "Payments at scale" in archive.read(f"calendar/{world.event.slug}.ics").decode()

    # Nobody else's data: the friend's private note about me, the stranger's email, a
    # conversation I am not in, the friend's notification, the sponsor's own notes.
    assert "FRIEND-PRIVATE-NOTE" not in everything
    assert "theirs" not in vcf
    assert world.stranger.email not in everything
    assert "STRANGER-SECRET" not in everything
    assert "Mia Me sent you a message" not in everything
    assert "hot lead" not in everything


def test_export_includes_the_photo_and_is_built_once(world, app):
    from conference.services.profiles import photos_folder

    folder = photos_folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "abcdefghijklmnopqrstuvwx.jpg").write_bytes(b"\xff\xd8jpeg")
    world.me.profile.photo = "abcdefghijklmnopqrstuvwx.jpg"
    db.session.commit()

    first = privacy.request_export(world.me)
    again = privacy.request_export(world.me)
    db.session.commit()

    assert again.id == first.id
    jobs.run_pending()
    archive = zipfile.ZipFile(privacy.export_path(first))
    assert archive.read("files/photo.jpg") == b"\xff\xd8jpeg"
    size = first.size
    privacy.build_export.call_local(first.id)
    assert db.session.get(DataExport, first.id).size == size


def test_ready_export_is_announced_by_notification_and_email(world, outbox):
    privacy.request_export(world.me)
    db.session.commit()
    jobs.run_pending()

    [mail] = outbox.to(world.me.email)
    export = privacy.latest_export(world.me)
    assert f"/me/data/export/{export.token}.zip" in outbox.text(mail)
    assert export.expires_at - export.finished_at == timedelta(days=privacy.EXPORT_DAYS)
    notice = db.session.scalar(
        sa.select(Notification).where(Notification.group_key == f"data_export:{export.id}")
    )
    assert notice.user_id == world.me.id and "ready" in notice.text


def test_an_export_lost_by_its_worker_is_given_up_and_a_new_one_started(world):
    lost = privacy.request_export(world.me)
    db.session.commit()
    lost.status = DataExportStatus.building
    lost.created_at = utcnow() - privacy.EXPORT_STALE_AFTER - timedelta(minutes=1)
    db.session.commit()

    fresh = privacy.request_export(world.me)
    db.session.commit()

    assert fresh.id != lost.id and fresh.status == DataExportStatus.queued
    lost = db.session.get(DataExport, lost.id)
    assert lost.status == DataExportStatus.failed and lost.error
    assert privacy.latest_export(world.me).id == fresh.id
    # The lost export's job, should it still run, leaves it given up.
    privacy.build_export.call_local(lost.id)
    assert db.session.get(DataExport, lost.id).status == DataExportStatus.failed
    assert privacy.request_export(world.me).id == fresh.id


def test_expired_exports_lose_their_file(world):
    archive = _export_zip(world.me)
    archive.close()
    export = privacy.latest_export(world.me)
    path = privacy.export_path(export)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    privacy.expire_exports.call_local()

    assert not path.exists()
    assert db.session.get(DataExport, export.id).status == DataExportStatus.expired
    assert privacy.latest_export(world.me) is None


# --- deletion ----------------------------------------------------------------------------------

#: References to the deleted person that stay, and why. Everything else that refers to
#: them must be gone.
KEPT = {
    ("registrations", "user_id"): "anonymised: event, status, ticket and taxonomy stay for "
    "the organizers' counts",
    ("activities", "user_id"): "taxonomy-only rows counted by reports (distinct people)",
    ("messages", "sender_id"): "their messages stay in the other person's history as from "
    "a deleted participant",
    ("conversations", "user_low_id"): "the other person's side of the conversation stays",
    ("conversations", "user_high_id"): "the other person's side of the conversation stays",
    ("conversation_members", "user_id"): "their side's read marker: the other person's page "
    "shows whether a message was seen",
    ("meetings", "requester_id"): "meetings are counted in the event's reports; texts cleared",
    ("meetings", "invitee_id"): "meetings are counted in the event's reports; texts cleared",
    ("profiles", "user_id"): "an empty, hidden profile row, so pages meeting the tombstone "
    "never find a missing profile",
}


def _delete(person: User) -> None:
    privacy.delete_account(person, privacy.deletion_token(person))
    db.session.commit()


def _references(user_id: int) -> dict[tuple[str, str], int]:
    users = db.metadata.tables["users"]
    found = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table is users for fk in column.foreign_keys):
                count = db.session.scalar(
                    sa.select(sa.func.count()).select_from(table).where(column == user_id)
                )
                if count:
                    found[(table.name, column.name)] = count
    return found


def test_deletion_leaves_nothing_personal_in_any_table_that_refers_to_people(world):
    me_id, old_email = world.me.id, world.me.email
    # The person also created things others keep: their reference is cleared.
    world.event.created_by_id = me_id
    db.session.commit()
    before = _references(me_id)
    assert ("contacts", "owner_id") in before and ("events", "created_by_id") in before

    _delete(world.me)

    left = _references(me_id)
    assert set(left) <= set(KEPT), set(left) - set(KEPT)
    person = db.session.get(User, me_id)
    assert person.is_deleted and not person.is_active
    assert person.email == f"deleted-{me_id}@deleted.invalid"
    assert person.display_name == privacy.DELETED_NAME
    assert person.calendar_token is None
    assert accounts.check_password(person, factories.PASSWORD) is False
    profile = person.profile
    assert (profile.bio, profile.company, profile.looking_for, profile.photo) == ("", "", "", None)
    assert profile.directory_visible is False and profile.message_policy == MessagePolicy.nobody
    reg = db.session.scalar(sa.select(Registration).where(Registration.user_id == me_id))
    assert (reg.organizer_note, reg.search_text, reg.sort_name) == ("", "", "")
    assert reg.organizer_contact is False and reg.meet_wishes == []
    assert [t.name for t in reg.interests] == ["AI", "Payments"]
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.requester_id == me_id))
    assert meeting.message == "" and meeting.status == MeetingStatus.accepted
    # The friend's notification naming the person went with them.
    assert notifications.unread_count(world.friend.id) == 0
    # Nothing mentions the old address any more.
    assert db.session.scalar(sa.select(User).where(User.email == old_email)) is None


def test_messages_stay_as_from_a_deleted_participant(world):
    me_id = world.me.id
    _delete(world.me)

    bodies = db.session.execute(
        sa.select(Message.sender_id, Message.body).order_by(Message.id)
    ).all()
    assert (me_id, "Hello Fred") in bodies
    assert privacy.display_name(db.session.get(User, me_id)) == "a deleted participant"


def test_the_events_policy_removes_the_messages_of_deleted_participants(world):
    world.event.remove_messages_of_deleted = True
    db.session.commit()

    _delete(world.me)

    bodies = list(db.session.scalars(sa.select(Message.body)))
    assert "Hello Fred" not in bodies
    assert "Hi Mia, good to meet you" in bodies and "STRANGER-SECRET to Fred" in bodies


def _aggregates(event: Event) -> dict:
    query = ReportQuery()
    return {
        "topics": reports.crosstab(event, query),
        "topics_by_industry": reports.crosstab(
            event, ReportQuery(measure="engagement", rows="topic", columns="industry")
        ),
        "engagement": event_reports.engagement_counts(event),
        "by_industry": event_reports.registrations_by(event, "industry").to_json(),
        "by_status": event_reports.registrations_by_status(event).to_json(),
        "checkins": event_reports.checkins_by_day(event).to_json(),
    }


def test_deletion_keeps_the_organizers_aggregates_equal(world):
    before = _aggregates(world.event)

    _delete(world.me)

    assert _aggregates(world.event) == before


def test_meetings_still_to_come_are_cancelled_and_the_other_person_told(world, outbox):
    live = factories.event("Live Summit")
    me = factories.participant(live, "Mia Live")
    other = factories.participant(live, "Olli Other")
    start = datetime.combine(live.starts_on, datetime.min.time(), UTC) + timedelta(hours=9)
    upcoming = _meeting(live, other, me, start)
    asked = _meeting(live, me, other, start + timedelta(hours=2), status=MeetingStatus.pending)
    outbox.clear()

    _delete(me)

    assert db.session.get(Meeting, upcoming.id).status == MeetingStatus.cancelled
    assert db.session.get(Meeting, asked.id).status == MeetingStatus.cancelled
    told = outbox.to(other.email)
    assert len(told) == 2 and all("cancelled" in m["Subject"] for m in told)


def _live_meeting_asked_by(name: str) -> tuple[User, User, Meeting]:
    """A meeting still to come that ``name`` asked for, and the other person's notice of
    it (written as the meetings service writes it, naming the one who asked)."""
    live = factories.event("Live Summit")
    me = factories.participant(live, name)
    other = factories.participant(live, "Olli Other")
    start = datetime.combine(live.starts_on, datetime.min.time(), UTC) + timedelta(hours=9)
    meeting = _meeting(live, me, other, start, status=MeetingStatus.pending)
    notifications.notify(
        other.id,
        NotificationKind.meeting,
        f"{name} asks to meet you",
        event_id=live.id,
        actor_id=me.id,
        group_key=f"meeting:{meeting.id}",
        email=False,
    )
    db.session.commit()
    return me, other, meeting


def test_the_cancellation_notice_outlives_the_deletion_and_names_nobody(outbox):
    me, other, meeting = _live_meeting_asked_by("Mia Vanishing")
    notifications.set_delivery(other.id, NotificationKind.meeting, NotificationDelivery.in_app)
    db.session.commit()
    outbox.clear()

    _delete(me)

    [notice] = db.session.scalars(sa.select(Notification).where(Notification.user_id == other.id))
    assert notice.group_key == f"meeting:{meeting.id}"
    assert notice.text == "A participant who deleted their account cancelled your meeting"
    assert "Mia" not in notice.text and notice.actor_id is None and notice.read_at is None
    assert outbox.to(other.email) == []
    cancelled = db.session.get(Meeting, meeting.id)
    assert cancelled.status == MeetingStatus.cancelled and cancelled.changed_by_id is None


def test_the_cancellation_email_names_nobody_and_cancels_the_calendar_entry(outbox):
    me, other, meeting = _live_meeting_asked_by("Mia Vanishing")
    sequence = meeting.sequence
    outbox.clear()

    _delete(me)

    [message] = outbox.to(other.email)
    text = outbox.text(message)
    assert message["Subject"] == "A participant who deleted their account cancelled your meeting"
    assert "A participant who deleted their account cancelled your meeting at Live Summit" in text
    assert "Mia" not in message["Subject"] + text
    method, ics = invitation(message)
    assert (method, "METHOD:CANCEL" in ics) == ("CANCEL", True)
    assert f"SEQUENCE:{sequence + 1}" in ics
    assert db.session.scalar(
        sa.select(Notification.emailed_at).where(Notification.user_id == other.id)
    )


def test_deletion_is_confirmed_to_the_old_address(world, outbox):
    old_email = world.me.email
    outbox.clear()

    _delete(world.me)

    [mail] = outbox.to(old_email)
    assert old_email in outbox.text(mail)


def test_the_only_organizer_of_an_event_still_to_come_must_hand_over(event, organizer):
    with pytest.raises(ServiceError) as refused:
        privacy.request_deletion(organizer, factories.PASSWORD, organizer.email)
    assert refused.value.code == "sole_organizer"
    with pytest.raises(ServiceError):
        privacy.delete_account(organizer, privacy.deletion_token(organizer))

    factories.participant(event, "Second Organizer", roles=["organizer"])
    privacy.request_deletion(organizer, factories.PASSWORD, organizer.email)


def test_the_only_organizer_of_an_ended_event_may_leave(world):
    organizer = factories.organizer(world.event, "Past Organizer")
    assert privacy.blocking_events(organizer) == []


def test_request_checks_password_and_typed_address(world, outbox):
    with pytest.raises(ServiceError) as wrong:
        privacy.request_deletion(world.me, "not my password", world.me.email)
    assert wrong.value.field == "password"
    with pytest.raises(ServiceError) as typo:
        privacy.request_deletion(world.me, factories.PASSWORD, "someone@else.test")
    assert typo.value.field == "confirmation"
    db.session.commit()
    assert outbox.to(world.me.email) == []


def test_a_link_works_only_for_its_account_and_until_the_password_changes(world):
    token = privacy.deletion_token(world.me)
    with pytest.raises(ServiceError):
        privacy.check_deletion_token(world.friend, token)
    accounts.change_password(world.me, factories.PASSWORD, "another long password")
    with pytest.raises(ServiceError):
        privacy.check_deletion_token(world.me, token)
    with pytest.raises(ServiceError):
        privacy.check_deletion_token(world.me, "garbage")


def test_set_visibility_hides_from_every_directory(world):
    privacy.set_visibility(world.me, False, MessagePolicy.contacts)
    db.session.commit()

    reg = factories.registration_of(world.event, world.me)
    assert reg.directory_visible is False
    assert world.me.profile.message_policy == MessagePolicy.contacts


def test_holdings_count_what_the_person_did_in_each_event(world):
    [held] = privacy.holdings(world.me)

    assert held.event.id == world.event.id
    assert (held.bookmarks, held.meetings, held.messages) == (1, 1, 1)
    assert held.activity == {"bookmark": 1, "attendance": 1}
