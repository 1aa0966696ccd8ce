"""Person-to-person contacts: requests, badge scans, held meetings, the list and exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import vobject

from conference import jobs
from conference.enums import ContactRequestStatus, ContactSource, MeetingStatus, NotificationKind
from conference.extensions import db
from conference.models import Contact, ContactRequest, Meeting, Notification, SuggestionList
from conference.services import ServiceError, badges, messaging
from conference.services import connections as service
from tests import factories


def _contacts() -> set[tuple[int, int]]:
    return {(c.owner_id, c.person_id) for c in db.session.scalars(sa.select(Contact))}


def _notifications(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


@pytest.fixture
def bob(event):
    return factories.participant(event, name="Bob Builder", company="Buildco")


# --- requests ---------------------------------------------------------------------------------


def test_request_notifies_the_recipient_once_per_request(event, attendee, bob):
    asked = service.request_contact(attendee, bob, event, "  Met at   the coffee bar ")
    db.session.commit()

    assert asked.outcome == "asked"
    request = asked.request
    assert (request.status, request.source, request.message) == (
        ContactRequestStatus.pending,
        ContactSource.request,
        "Met at the coffee bar",
    )
    [note] = _notifications(bob)
    assert note.kind == NotificationKind.contact
    assert note.group_key == f"contact_request:{request.id}"
    assert note.actor_id == attendee.id
    assert note.text == (
        "Anna Attendee would like to add you to their contacts: “Met at the coffee bar”"
    )
    assert note.url == "/me/contacts/requests"
    assert _contacts() == set()


def test_accepting_makes_both_rows_and_tells_the_requester(event, attendee, bob):
    request = service.request_contact(attendee, bob, event).request
    db.session.commit()

    service.accept_request(bob, request)
    db.session.commit()

    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    row = db.session.get(Contact, (attendee.id, bob.id))
    assert (row.event_id, row.source, row.note, row.tags) == (
        event.id,
        ContactSource.request,
        "",
        [],
    )
    assert request.status == ContactRequestStatus.accepted
    assert request.decided_at is not None
    assert [n.text for n in _notifications(attendee)] == [
        "Bob Builder accepted your contact request."
    ]


def test_asking_someone_who_asked_you_accepts_their_request(event, attendee, bob):
    theirs = service.request_contact(bob, attendee, event).request
    db.session.commit()

    asked = service.request_contact(attendee, bob, event)
    db.session.commit()

    assert asked.outcome == "connected"
    assert asked.request.id == theirs.id
    assert theirs.status == ContactRequestStatus.accepted
    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactRequest)) == 1


def test_asking_twice_is_refused_while_pending(event, attendee, bob):
    service.request_contact(attendee, bob, event)
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        service.request_contact(attendee, bob, event)
    assert refused.value.code == "already_asked"


def test_a_declined_request_is_not_sent_again_soon_and_not_told(event, attendee, bob):
    request = service.request_contact(attendee, bob, event).request
    db.session.commit()

    service.decline_request(bob, request)
    db.session.commit()

    assert request.status == ContactRequestStatus.declined
    assert _notifications(attendee) == []
    with pytest.raises(ServiceError) as refused:
        service.request_contact(attendee, bob, event)
    assert refused.value.code == "declined"

    request.decided_at = datetime.now(UTC) - service.ASK_AGAIN_AFTER - timedelta(days=1)
    db.session.commit()
    again = service.request_contact(attendee, bob, event).request
    assert again.id == request.id
    assert again.status == ContactRequestStatus.pending


def test_a_withdrawn_request_leaves_the_list_and_can_be_sent_again(event, attendee, bob):
    request = service.request_contact(attendee, bob, event).request
    db.session.commit()

    with pytest.raises(ServiceError):
        service.withdraw_request(bob, request)
    service.withdraw_request(attendee, request)
    db.session.commit()

    assert service.requests_of(bob).received == []
    assert service.requests_of(attendee).sent == []
    with pytest.raises(ServiceError):
        service.accept_request(bob, request)
    assert service.request_contact(attendee, bob, event).request.id == request.id


def test_only_the_recipient_answers(event, attendee, bob, speaker):
    request = service.request_contact(attendee, bob, event).request
    db.session.commit()

    for someone in (attendee, speaker):
        with pytest.raises(ServiceError):
            service.accept_request(someone, request)
        with pytest.raises(ServiceError):
            service.decline_request(someone, request)
    assert _contacts() == set()


def test_requests_of_lists_received_and_sent_with_their_event(event, attendee, bob, speaker):
    to_bob = service.request_contact(attendee, bob, event).request
    from_speaker = service.request_contact(speaker, attendee, event).request
    db.session.commit()

    lists = service.requests_of(attendee)

    assert [(r.request.id, r.person.id, r.event.id) for r in lists.received] == [
        (from_speaker.id, speaker.id, event.id)
    ]
    assert [(r.request.id, r.person.id) for r in lists.sent] == [(to_bob.id, bob.id)]
    assert service.received_count(attendee) == 1


@pytest.mark.parametrize("who", ["self", "other_event", "pending", "contact", "blocked"])
def test_request_is_refused(who, event, attendee, bob, other_participant, pending):
    target = {"self": attendee, "other_event": other_participant, "pending": pending}.get(who, bob)
    if who == "contact":
        service.connect(attendee, bob, event, ContactSource.request)
    if who == "blocked":
        messaging.block(bob, attendee)
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        service.request_contact(attendee, target, event)

    assert refused.value.code == "forbidden"
    assert _notifications(target) == []


def test_request_note_has_a_limit(event, attendee, bob):
    with pytest.raises(ServiceError) as refused:
        service.request_contact(attendee, bob, event, "x" * (service.REQUEST_MESSAGE_MAX + 1))
    assert (refused.value.code, refused.value.field) == ("too_long", "message")


def test_connect_twice_keeps_one_pair_and_closes_pending_requests(event, attendee, bob):
    request = service.request_contact(bob, attendee, event).request
    db.session.commit()

    assert service.connect(attendee, bob, event, ContactSource.badge_scan) is True
    assert service.connect(bob, attendee, event, ContactSource.request) is False
    db.session.commit()

    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    assert request.status == ContactRequestStatus.accepted


# --- badge scans ------------------------------------------------------------------------------


def test_scan_connects_at_once_when_the_person_chose_so(event, attendee, bob):
    bob.profile.contact_on_badge_scan = True
    payload = factories.badge_payload(event, bob)

    result = service.scan_badge(attendee, event, payload)
    db.session.commit()

    assert (result.outcome, result.person.id) == ("connected", bob.id)
    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    assert db.session.get(Contact, (bob.id, attendee.id)).source == ContactSource.badge_scan
    assert [n.text for n in _notifications(bob)] == [
        "Anna Attendee scanned your badge: you are now contacts."
    ]


def test_scan_leaves_a_request_when_the_person_did_not_choose_so(event, attendee, bob):
    payload = factories.badge_payload(event, bob)

    result = service.scan_badge(attendee, event, payload)
    db.session.commit()

    assert result.outcome == "asked"
    assert _contacts() == set()
    [row] = service.requests_of(bob).received
    assert (row.person.id, row.request.source) == (attendee.id, ContactSource.badge_scan)
    assert service.scan_badge(attendee, event, payload).outcome == "already_asked"

    service.accept_request(bob, row.request)
    db.session.commit()
    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    assert service.scan_badge(attendee, event, payload).outcome == "known"


def test_scan_of_someone_who_asked_you_connects(event, attendee, bob):
    service.request_contact(bob, attendee, event)
    payload = factories.badge_payload(event, bob)

    assert service.scan_badge(attendee, event, payload).outcome == "connected"
    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}


def test_scan_badge_problems(event, other_event, attendee, bob, other_participant):
    own = factories.badge_payload(event, attendee)
    elsewhere = factories.badge_payload(other_event, other_participant)
    replaced = factories.badge_payload(event, bob)
    badges.reissue(factories.registration_of(event, bob))
    db.session.commit()

    outcomes = [
        service.scan_badge(attendee, event, payload).outcome
        for payload in (own, elsewhere, replaced, "not a badge")
    ]

    assert outcomes == ["own", "other_event", "revoked", "unknown"]
    assert _contacts() == set()


def test_scan_of_a_blocked_person_tells_nothing(event, attendee, bob):
    bob.profile.contact_on_badge_scan = True
    messaging.block(bob, attendee)
    payload = factories.badge_payload(event, bob)

    result = service.scan_badge(attendee, event, payload)

    assert (result.outcome, result.person) == ("unavailable", None)
    assert _contacts() == set()
    assert _notifications(bob) == []


def test_scanning_is_closed_once_the_event_ended(event, attendee, bob):
    payload = factories.badge_payload(event, bob)
    event.starts_on = date.today() - timedelta(days=3)
    event.ends_on = date.today() - timedelta(days=2)
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        service.scan_badge(attendee, event, payload)
    assert refused.value.code == "forbidden"


# --- after a held meeting ---------------------------------------------------------------------


NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def _meeting(event, a, b, *, ended_ago=timedelta(hours=1), status=MeetingStatus.accepted):
    meeting = Meeting(
        event_id=event.id,
        requester_id=a.id,
        invitee_id=b.id,
        starts_at=NOW - ended_ago - timedelta(minutes=30),
        ends_at=NOW - ended_ago,
        status=status,
    )
    db.session.add(meeting)
    db.session.commit()
    return meeting


def _both_chose(*people):
    for person in people:
        person.profile.contact_after_meeting = True
    db.session.commit()


def test_a_held_meeting_connects_when_both_chose_so(event, attendee, bob):
    _both_chose(attendee, bob)
    _meeting(event, attendee, bob)

    assert service.connect_after_meetings(NOW) == 1
    db.session.commit()

    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}
    assert db.session.get(Contact, (attendee.id, bob.id)).source == ContactSource.meeting
    texts = [n.text for n in _notifications(attendee) + _notifications(bob)]
    assert texts == [
        "You met Bob Builder: you are now contacts, as you both chose in your profiles.",
        "You met Anna Attendee: you are now contacts, as you both chose in your profiles.",
    ]
    assert service.connect_after_meetings(NOW) == 0


@pytest.mark.parametrize(
    "case", ["one_chose", "not_over", "declined", "long_ago", "blocked", "suspended"]
)
def test_meetings_that_do_not_connect(case, event, attendee, bob):
    if case == "one_chose":
        _both_chose(attendee)
    else:
        _both_chose(attendee, bob)
    ended_ago = {
        "not_over": -timedelta(minutes=10),
        "long_ago": service.MEETING_LOOKBACK + timedelta(hours=1),
    }.get(case, timedelta(hours=1))
    status = MeetingStatus.declined if case == "declined" else MeetingStatus.accepted
    _meeting(event, attendee, bob, ended_ago=ended_ago, status=status)
    if case == "blocked":
        messaging.block(bob, attendee)
    if case == "suspended":
        bob.is_suspended = True
    db.session.commit()

    assert service.connect_after_meetings(NOW) == 0
    assert _contacts() == set()


def test_removing_a_contact_made_by_a_meeting_sticks(event, attendee, bob):
    _both_chose(attendee, bob)
    _meeting(event, attendee, bob)
    service.connect_after_meetings(NOW)
    db.session.commit()

    service.remove_contact(bob, service.contact_of(bob, attendee.id))
    db.session.commit()

    assert service.connect_after_meetings(NOW + timedelta(minutes=5)) == 0
    assert _contacts() == set()


def test_removing_a_contact_made_before_the_meeting_sticks(app, monkeypatch, event, attendee, bob):
    _both_chose(attendee, bob)
    service.connect(attendee, bob, event, ContactSource.request)
    _meeting(event, attendee, bob)
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW + timedelta(minutes=5))
    assert service.connect_after_meetings(NOW) == 0

    service.remove_contact(bob, service.contact_of(bob, attendee.id))
    db.session.commit()

    assert service.connect_after_meetings(NOW + timedelta(minutes=10)) == 0
    assert _contacts() == set()
    removal = db.session.scalar(
        sa.select(ContactRequest).where(
            ContactRequest.requester_id == bob.id, ContactRequest.recipient_id == attendee.id
        )
    )
    assert removal.status == ContactRequestStatus.withdrawn
    # The removal closes nothing: either may ask again at once.
    assert service.request_contact(bob, attendee, event).outcome == "asked"


def test_the_connected_notification_links_to_the_contact_list(event, attendee, bob):
    request = service.request_contact(attendee, bob, event).request
    service.accept_request(bob, request)
    db.session.commit()

    [note] = _notifications(attendee)
    assert note.url == "/me/contacts"


def test_a_pending_request_is_accepted_by_the_meeting(event, attendee, bob):
    _both_chose(attendee, bob)
    request = service.request_contact(bob, attendee, event).request
    _meeting(event, attendee, bob)

    assert service.connect_after_meetings(NOW) == 1
    assert request.status == ContactRequestStatus.accepted


def test_the_job_uses_the_app_clock(app, monkeypatch, event, attendee, bob):
    _both_chose(attendee, bob)
    _meeting(event, attendee, bob)
    monkeypatch.setitem(app.config, "CLOCK", lambda: NOW)

    service.connect_after_meetings_job()
    jobs.run_pending()

    assert _contacts() == {(attendee.id, bob.id), (bob.id, attendee.id)}


# --- my contacts ------------------------------------------------------------------------------


@pytest.fixture
def network(event, other_event, attendee):
    """Anna's contacts: Bob (event), Борис (event), Yuki (other event)."""
    bob = factories.participant(event, name="Bob Builder", company="Buildco")
    boris = factories.participant(event, name="Борис Петров", company="Газпром")
    yuki = factories.participant(other_event, name="山田 由紀", company="Sony")
    factories.participant(other_event, person=attendee)
    service.connect(attendee, bob, event, ContactSource.request)
    service.connect(attendee, boris, event, ContactSource.badge_scan)
    service.connect(attendee, yuki, other_event, ContactSource.meeting)
    db.session.commit()
    service.update_contact(
        attendee, service.contact_of(attendee, bob.id), "Wants a demo", ["Investor"]
    )
    service.update_contact(
        attendee, service.contact_of(attendee, boris.id), "Встреча в марте", ["Партнёр", "investor"]
    )
    db.session.commit()
    return {"bob": bob, "boris": boris, "yuki": yuki}


def _names(rows) -> set[str]:
    return {row.person.display_name for row in rows}


def test_contacts_span_events(attendee, network, event, other_event):
    rows = service.contacts_of(attendee)
    assert _names(rows) == {"Bob Builder", "Борис Петров", "山田 由紀"}
    assert {row.person.display_name: row.event.id for row in rows} == {
        "Bob Builder": event.id,
        "Борис Петров": event.id,
        "山田 由紀": other_event.id,
    }
    assert _names(service.contacts_of(attendee, event_id=other_event.id)) == {"山田 由紀"}
    assert [e.id for e in service.events_of(attendee)] == sorted(
        [event.id, other_event.id], key=lambda i: {event.id: "N", other_event.id: "O"}[i]
    )


@pytest.mark.parametrize(
    "q, expected",
    [
        ("bob", {"Bob Builder"}),
        ("buildco", {"Bob Builder"}),
        ("DEMO", {"Bob Builder"}),
        ("борис", {"Борис Петров"}),
        ("ГАЗПРОМ", {"Борис Петров"}),
        ("встреча", {"Борис Петров"}),
        ("партнёр", {"Борис Петров"}),
        ("investor", {"Bob Builder", "Борис Петров"}),
        ("由紀", {"山田 由紀"}),
        ("bob sony", set()),
    ],
)
def test_contacts_search(q, expected, attendee, network):
    assert _names(service.contacts_of(attendee, q=q)) == expected


def test_contacts_filter_by_tag_ignores_case(attendee, network):
    assert _names(service.contacts_of(attendee, tag="INVESTOR")) == {"Bob Builder", "Борис Петров"}
    assert _names(service.contacts_of(attendee, tag="партнёр")) == {"Борис Петров"}
    assert service.tags_of(attendee) == ["Investor", "Партнёр"]


def test_contacts_of_someone_else_are_theirs_only(attendee, network):
    bob = network["bob"]
    assert _names(service.contacts_of(bob)) == {"Anna Attendee"}
    assert service.contact_of(bob, attendee.id).note == ""


def test_update_contact_cleans_tags_and_keeps_the_note_private(attendee, network):
    bob = network["bob"]
    contact = service.contact_of(attendee, bob.id)

    service.update_contact(attendee, contact, "  follow up  ", [" VIP ", "vip", "", "Q3  lead"])

    assert (contact.note, contact.tags) == ("follow up", ["VIP", "Q3 lead"])
    with pytest.raises(ServiceError):
        service.update_contact(bob, contact, "mine now", [])


@pytest.mark.parametrize(
    "note, tags, code",
    [
        ("x" * (service.NOTE_MAX + 1), [], "too_long"),
        ("", [f"t{i}" for i in range(service.TAGS_MAX + 1)], "too_many_tags"),
        ("", ["x" * (service.TAG_MAX + 1)], "tag_too_long"),
    ],
)
def test_update_contact_limits(note, tags, code, attendee, network):
    contact = service.contact_of(attendee, network["bob"].id)
    with pytest.raises(ServiceError) as refused:
        service.update_contact(attendee, contact, note, tags)
    assert refused.value.code == code


def test_removing_ends_the_contact_for_both(attendee, network):
    bob = network["bob"]
    service.remove_contact(attendee, service.contact_of(attendee, bob.id))
    db.session.commit()

    assert service.contact_of(attendee, bob.id) is None
    assert service.contact_of(bob, attendee.id) is None
    assert _names(service.contacts_of(attendee)) == {"Борис Петров", "山田 由紀"}


def test_vcard_of_a_contact(attendee, network):
    boris = network["boris"]
    card = vobject.readOne(service.vcard_of(service.contact_of(attendee, boris.id)))

    assert card.fn.value == "Борис Петров"
    assert card.email.value == boris.email
    assert card.org.value == ["Газпром"]
    assert card.categories.value == ["Партнёр", "investor"]
    assert card.note.value == "Встреча в марте"


def test_all_vcards_is_one_file_of_every_contact(attendee, network):
    cards = list(vobject.readComponents(service.all_vcards(attendee)))
    assert {card.fn.value for card in cards} == {"Bob Builder", "Борис Петров", "山田 由紀"}


def test_contacts_csv_is_safe_for_spreadsheets(attendee, network):
    bob = network["bob"]
    service.update_contact(attendee, service.contact_of(attendee, bob.id), "=HYPERLINK(1)", [])
    rows = list(csv.reader(io.StringIO(service.contacts_csv(attendee).decode("utf-8-sig"))))

    assert rows[0] == [
        "Name",
        "Email",
        "Company",
        "Job title",
        "Website",
        "LinkedIn",
        "Met at",
        "Contact since",
        "Tags",
        "Note",
    ]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Bob Builder", "Борис Петров", "山田 由紀"}
    assert by_name["Bob Builder"][1] == bob.email
    assert by_name["Bob Builder"][6] == "Northwind Summit"
    assert by_name["Bob Builder"][9] == "'=HYPERLINK(1)"
    assert by_name["Борис Петров"][8] == "Партнёр, investor"


def test_connecting_and_removing_mark_both_suggestion_lists_stale(event, attendee, bob):
    lists = [SuggestionList(event_id=event.id, user_id=p.id, stale=False) for p in (attendee, bob)]
    db.session.add_all(lists)
    db.session.commit()

    service.connect(attendee, bob, event, ContactSource.request)
    db.session.commit()
    assert [listing.stale for listing in lists] == [True, True]

    for listing in lists:
        listing.stale = False
    db.session.commit()
    service.remove_contact(bob, service.contact_of(bob, attendee.id))
    db.session.commit()
    stale = db.session.scalars(sa.select(SuggestionList.stale).order_by(SuggestionList.user_id))
    assert list(stale) == [True, True]
