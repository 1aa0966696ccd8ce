"""The organizer-contact consent and the CRM export: who is in the file, what each row
holds (exactly), the words agreed to, the record of each export, and that the export
costs the same few queries for three people or thirty."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind
from conference.extensions import db
from conference.models import ContactExport, SessionAttendance
from conference.services import ServiceError, activity, contacts, reports
from tests import factories
from tests import program_helpers as program
from tests.factories import registration_of
from tests.queries import count_statements

QUESTION = str(contacts.CONTACT_QUESTION)


def _agree(event, person, agreed: bool = True):
    """Answer the question as the registration form would, with the words it showed."""
    registration = registration_of(event, person)
    contacts.set_organizer_contact(person, registration, agreed, contacts.contact_question(event))
    db.session.commit()
    return registration


def _attend(event, person, session):
    registration = registration_of(event, person)
    db.session.add(
        SessionAttendance(session_id=session.id, registration_id=registration.id, event_id=event.id)
    )
    activity.record(person, event, ActivityKind.attendance, session=session)
    db.session.commit()


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


# --- the question and the answer --------------------------------------------------------------


def test_contact_question_is_built_in_until_the_organizer_writes_one(event):
    assert contacts.contact_question(event) == QUESTION
    event.organizer_contact_question = "  We may send you news of Northwind events.  "
    assert contacts.contact_question(event) == "We may send you news of Northwind events."


def test_answer_is_recorded_with_date_and_words(event, attendee):
    registration = registration_of(event, attendee)
    assert registration.organizer_contact is False
    assert registration.organizer_contact_at is None
    contacts.set_organizer_contact(attendee, registration, True, QUESTION)
    assert registration.organizer_contact is True
    assert registration.organizer_contact_at is not None
    assert registration.organizer_contact_text == QUESTION


def test_same_answer_again_keeps_first_date(event, attendee):
    registration = _agree(event, attendee)
    first = registration.organizer_contact_at
    event.organizer_contact_question = "A new wording."
    contacts.set_organizer_contact(attendee, registration, True, "A new wording.")
    assert registration.organizer_contact_at == first
    assert registration.organizer_contact_text == QUESTION


def test_changing_the_answer_records_no_with_its_words(event, attendee):
    registration = _agree(event, attendee)
    contacts.set_organizer_contact(attendee, registration, False, QUESTION)
    assert registration.organizer_contact is False
    assert registration.organizer_contact_at is not None
    assert registration.organizer_contact_text == QUESTION


def test_none_leaves_the_answer_unanswered(event, attendee):
    registration = registration_of(event, attendee)
    contacts.set_organizer_contact(attendee, registration, None, None)
    assert registration.organizer_contact is False
    assert registration.organizer_contact_at is None


def test_words_changed_since_shown_are_refused(event, attendee):
    registration = registration_of(event, attendee)
    event.organizer_contact_question = "The organizers may call me."
    with pytest.raises(ServiceError) as caught:
        contacts.set_organizer_contact(attendee, registration, True, QUESTION)
    assert caught.value.code == "consent_changed"
    assert caught.value.field == "organizer_contact"
    assert registration.organizer_contact is False
    assert registration.organizer_contact_at is None


def test_someone_else_cannot_answer_for_a_person(event, attendee, organizer):
    registration = registration_of(event, attendee)
    with pytest.raises(ServiceError) as caught:
        contacts.set_organizer_contact(organizer, registration, True, QUESTION)
    assert caught.value.code == "forbidden"
    assert registration.organizer_contact is False


# --- counts ------------------------------------------------------------------------------------


def test_consent_counts_only_approved_participants(event, organizer):
    yes = [factories.participant(event, f"Yes {n}") for n in range(3)]
    no = factories.participant(event, "No")
    factories.participant(event, "Silent")
    pending = factories.participant(event, "Pending", status="pending")
    for person in yes:
        _agree(event, person)
    _agree(event, no, False)
    _agree(event, pending)
    counts = contacts.consent_counts(event)
    assert (counts.agreed, counts.declined, counts.unanswered) == (3, 1, 2)  # + organizer
    assert counts.approved == 6


def test_wordings_count_each_version_of_the_question(event):
    first = [factories.participant(event, f"Early {n}") for n in range(2)]
    for person in first:
        _agree(event, person)
    event.organizer_contact_question = "News from us, twice a year."
    late = factories.participant(event, "Late")
    _agree(event, late)
    assert contacts.wordings(event) == [(QUESTION, 2), ("News from us, twice a year.", 1)]


# --- the export --------------------------------------------------------------------------------


@pytest.fixture
def crm(event, other_event, organizer):
    """A hand-built event: who agreed, who did not, and what each of them did."""
    keynote = program.session(event, "Keynote", "09:00", "10:00", topics=["AI"])
    payments = program.session(event, "Payments at scale", "11:00", "12:00", topics=["Payments"])
    ann = factories.participant(
        event,
        "Ann Archer",
        company='=HYPERLINK("http://x")',
        job_title="CTO",
        industry="Finance",
        region="APAC",
        job_role="CTO",
        interests=["Payments", "AI"],
        ticket_type="VIP",
    )
    bob = factories.participant(event, "Bob Brown", company="Globex", interests=["Security"])
    cat = factories.participant(event, "Cat Cole", company="Initech")
    pending = factories.participant(event, "Pat Pending", status="pending")
    withdrawn = factories.participant(event, "Wes Withdrawn")
    factories.participant(event, "Nat Never")
    elsewhere = factories.participant(other_event, "Oscar Other")
    for person in (ann, bob, pending, withdrawn):
        _agree(event, person)
    _agree(event, cat, False)
    _agree(event, withdrawn, False)
    _agree(other_event, elsewhere)
    # Ann is scanned into the later session first: the file lists them by start time.
    _attend(event, ann, payments)
    _attend(event, ann, keynote)
    activity.record(ann, event, ActivityKind.bookmark, session=keynote)
    _attend(event, cat, keynote)
    db.session.commit()
    return {"ann": ann, "bob": bob, "keynote": keynote, "payments": payments}


HEADER = [
    "Name",
    "Email",
    "Company",
    "Job title",
    "Industry",
    "Region",
    "Job role",
    "Ticket type",
    "Interests",
    "Engagement score",
    "Sessions attended",
    "Agreed at (UTC)",
    "Question agreed to",
]


def test_export_holds_exactly_the_approved_people_who_agreed(event, organizer, crm):
    ann, bob = crm["ann"], crm["bob"]
    file = contacts.export(organizer, event, today=date(2026, 11, 20))
    assert file.filename == f"{event.slug}-contacts-20261120.csv"
    assert file.content_type == "text/csv"
    assert file.row_count == 2
    rows = _csv_rows(file.data)
    ann_at = registration_of(event, ann).organizer_contact_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    bob_at = registration_of(event, bob).organizer_contact_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert rows == [
        HEADER,
        [
            "Ann Archer",
            ann.email,
            '\'=HYPERLINK("http://x")',
            "CTO",
            "Finance",
            "APAC",
            "CTO",
            "VIP",
            "AI; Payments",  # the event's order of topics
            # two interests (1 each), a bookmark (2), two sessions attended (5 each)
            "14",
            "Keynote; Payments at scale",  # by start time
            ann_at,
            QUESTION,
        ],
        [
            "Bob Brown",
            bob.email,
            "Globex",
            "",
            "Software",
            "EMEA",
            "Engineer",
            "Standard",
            "Security",
            "1",
            "",
            bob_at,
            QUESTION,
        ],
    ]


def test_export_score_is_the_reports_engagement_score(event, organizer, crm):
    scores = reports.engagement_scores(event, [crm["ann"].id, crm["bob"].id])
    rows = {row.name: row.engagement for row in contacts.contact_rows(event)}
    assert rows == {"Ann Archer": scores[crm["ann"].id], "Bob Brown": scores[crm["bob"].id]}


def test_export_keeps_the_words_each_person_agreed_to(event, organizer, crm):
    event.organizer_contact_question = "A newer question."
    newcomer = factories.participant(event, "Nia Newcomer")
    _agree(event, newcomer)
    texts = {row.name: row.agreed_text for row in contacts.contact_rows(event)}
    assert texts == {
        "Ann Archer": QUESTION,
        "Bob Brown": QUESTION,
        "Nia Newcomer": "A newer question.",
    }


def test_export_is_recorded_with_who_and_how_many(event, organizer, crm):
    contacts.export(organizer, event)
    contacts.export(organizer, event)
    db.session.commit()
    exports = db.session.scalars(
        sa.select(ContactExport).where(ContactExport.event_id == event.id)
    ).all()
    assert [(e.exported_by_id, e.row_count) for e in exports] == [(organizer.id, 2)] * 2
    assert contacts.exports_page(event, 1).total == 2


def test_export_of_nobody_is_a_header_and_is_recorded(event, organizer):
    file = contacts.export(organizer, event)
    assert file.row_count == 0
    assert _csv_rows(file.data) == [HEADER]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactExport)) == 1


def test_only_organizers_export(event, attendee, crm):
    with pytest.raises(ServiceError) as caught:
        contacts.export(attendee, event)
    assert caught.value.code == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactExport)) == 0


def test_export_costs_the_same_queries_for_three_people_or_thirty(event, organizer):
    session = program.session(event, "Keynote", topics=["AI"])

    def add_people(n: int, start: int):
        for i in range(start, start + n):
            person = factories.participant(event, f"Person {i:02}", interests=["AI", "Security"])
            _agree(event, person)
            _attend(event, person, session)

    add_people(3, 0)
    db.session.expire_all()
    _rows, few = count_statements(lambda: contacts.contact_rows(event))
    add_people(27, 3)
    db.session.expire_all()
    _rows, many = count_statements(lambda: contacts.contact_rows(event))
    assert len(contacts.contact_rows(event)) == 30
    assert many == few
