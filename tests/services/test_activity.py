"""Activity rows: who did what, with the registration answers reports group by."""

from __future__ import annotations

from conference.enums import ActivityKind, MaterialKind
from conference.extensions import db
from conference.models import Material
from conference.services.activity import record
from tests import factories
from tests import program_helpers as program


def columns(row) -> tuple:
    return (
        row.event_id,
        row.user_id,
        row.kind,
        row.session_id,
        row.material_id,
        row.industry_id,
        row.region_id,
        row.job_role_id,
        row.ticket_type_id,
    )


def test_record_copies_the_registration_answers(event):
    person = factories.participant(
        event,
        "Hana",
        industry="Healthcare",
        region="Americas",
        job_role="Founder",
        ticket_type="VIP",
    )
    talk = program.session(event, "Talk")

    row = record(person, event, ActivityKind.session_view, session=talk)

    assert columns(row) == (
        event.id,
        person.id,
        ActivityKind.session_view,
        talk.id,
        None,
        factories.term(event, "industry", "Healthcare").id,
        factories.term(event, "region", "Americas").id,
        factories.term(event, "job_role", "Founder").id,
        factories.ticket(event, "VIP").id,
    )
    assert row.created_at is not None


def test_record_without_registration_leaves_the_answers_empty(event):
    helper = factories.user("Organizer without registration")
    talk = program.session(event, "Talk")

    row = record(helper, event, ActivityKind.bookmark, session=talk)

    assert columns(row) == (
        event.id,
        helper.id,
        ActivityKind.bookmark,
        talk.id,
        None,
        None,
        None,
        None,
        None,
    )


def test_record_uses_the_answers_of_this_event_only(event, other_event):
    person = factories.participant(event, "Two events", industry="Finance")
    factories.participant(other_event, person=person, industry="Software")

    row = record(person, other_event, ActivityKind.bookmark)

    assert row.industry_id == factories.term(other_event, "industry", "Software").id


def test_record_of_a_material_names_its_session(event, attendee):
    talk = program.session(event, "Talk")
    slides = Material(
        event_id=event.id,
        session_id=talk.id,
        kind=MaterialKind.link,
        title="Slides",
        url="https://example.test/slides",
    )
    db.session.add(slides)
    db.session.commit()

    row = record(attendee, event, ActivityKind.material_download, material=slides)

    assert (row.kind, row.session_id, row.material_id) == (
        ActivityKind.material_download,
        talk.id,
        slides.id,
    )
