"""Segments: who an organizer's mailing reaches, filter by filter and combined."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, RegistrationStatus
from conference.extensions import db
from conference.models import EventRole, Registration, User
from conference.services import ServiceError, segments
from conference.services.segments import Segment
from tests import factories


def names(event, segment: Segment) -> list[str]:
    """Display names of the segment's recipients, in the query's (name) order."""
    rows = db.session.execute(segments.recipients(event, segment)).all()
    return [db.session.get(User, row.user_id).display_name for row in rows]


def term(event, kind: str, name: str) -> int:
    return factories.term(event, kind, name).id


@pytest.fixture
def crowd(event, other_event):
    """An event with people of every kind, and one of another event."""
    factories.organizer(event, name="Olga Organizer")
    factories.participant(event, name="Sam Speaker", roles=["speaker"], industry="Finance")
    factories.participant(event, name="Sid Sponsor", roles=["sponsor_staff"], region="APAC")
    factories.participant(
        event,
        name="Vera VIP",
        ticket_type="VIP",
        industry="Finance",
        region="Americas",
        job_role="CTO",
        interests=["Payments", "Security"],
    )
    factories.participant(event, name="Anna Attendee", interests=["AI"])
    factories.participant(event, name="Pat Pending", status="pending", industry="Finance")
    factories.participant(event, name="Dan Declined", status="declined")
    factories.participant(event, name="Cora Cancelled", status="cancelled")
    keynote = factories.user(name="Kim Keynote")
    db.session.add(EventRole(event_id=event.id, user_id=keynote.id, role=EventRoleKind.speaker))
    db.session.commit()
    factories.participant(other_event, name="Oscar Other", industry="Finance")
    return event


def test_segment_everyone_is_approved_participants_and_the_team(crowd):
    assert names(crowd, Segment()) == [
        "Anna Attendee",
        "Kim Keynote",
        "Olga Organizer",
        "Sam Speaker",
        "Sid Sponsor",
        "Vera VIP",
    ]
    assert segments.count(crowd, Segment()) == 6


def test_segment_statuses_replace_approved(crowd):
    pending = Segment(statuses=(RegistrationStatus.pending,))
    assert names(crowd, pending) == ["Pat Pending"]
    either = Segment(statuses=(RegistrationStatus.pending, RegistrationStatus.declined))
    assert names(crowd, either) == ["Dan Declined", "Pat Pending"]


def test_segment_ticket_type(crowd):
    assert names(crowd, Segment(ticket_types=(factories.ticket(crowd, "VIP").id,))) == ["Vera VIP"]


def test_segment_roles_count_people_without_a_registration(crowd):
    assert names(crowd, Segment(roles=(EventRoleKind.speaker,))) == ["Kim Keynote", "Sam Speaker"]
    assert names(crowd, Segment(roles=(EventRoleKind.sponsor_staff,))) == ["Sid Sponsor"]
    both = Segment(roles=(EventRoleKind.speaker, EventRoleKind.organizer))
    assert names(crowd, both) == ["Kim Keynote", "Olga Organizer", "Sam Speaker"]


def test_segment_industry_region_and_job_role(crowd):
    assert names(crowd, Segment(industries=(term(crowd, "industry", "Finance"),))) == [
        "Sam Speaker",
        "Vera VIP",
    ]
    assert names(crowd, Segment(regions=(term(crowd, "region", "APAC"),))) == ["Sid Sponsor"]
    assert names(crowd, Segment(job_roles=(term(crowd, "job_role", "CTO"),))) == ["Vera VIP"]


def test_segment_interest_matches_any_of_the_topics(crowd):
    payments = term(crowd, "topic", "Payments")
    security = term(crowd, "topic", "Security")
    assert names(crowd, Segment(topics=(payments,))) == ["Vera VIP"]
    assert names(crowd, Segment(topics=(payments, security))) == ["Vera VIP"]
    everyone_else = names(crowd, Segment(topics=(term(crowd, "topic", "AI"),)))
    assert everyone_else == ["Anna Attendee", "Olga Organizer", "Sam Speaker", "Sid Sponsor"]


def test_segment_filters_combine_with_and(crowd):
    finance = term(crowd, "industry", "Finance")
    assert names(crowd, Segment(industries=(finance,), roles=(EventRoleKind.speaker,))) == [
        "Sam Speaker"
    ]
    vip = factories.ticket(crowd, "VIP").id
    assert names(crowd, Segment(industries=(finance,), ticket_types=(vip,))) == ["Vera VIP"]
    pending_finance = Segment(statuses=(RegistrationStatus.pending,), industries=(finance,))
    assert names(crowd, pending_finance) == ["Pat Pending"]
    assert (
        names(crowd, Segment(regions=(term(crowd, "region", "APAC"),), ticket_types=(vip,))) == []
    )


def test_segment_leaves_out_people_who_unsubscribed(crowd):
    anna = db.session.scalar(
        sa.select(Registration)
        .join(Registration.user)
        .where(Registration.event_id == crowd.id, Registration.sort_name.like("anna%"))
    )
    anna.announcements_opt_out = True
    db.session.commit()
    assert "Anna Attendee" not in names(crowd, Segment())
    assert segments.count(crowd, Segment()) == 5
    assert segments.opted_out(crowd, Segment()) == 1
    assert segments.opted_out(crowd, Segment(roles=(EventRoleKind.speaker,))) == 0


def test_segment_leaves_out_suspended_accounts(crowd):
    vera = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == crowd.id, Registration.sort_name.like("vera%")
        )
    )
    vera.user.is_suspended = True
    db.session.commit()
    assert "Vera VIP" not in names(crowd, Segment())


def test_segment_counts_a_person_once_whatever_they_match(event):
    person = factories.participant(
        event, name="Multi Role", roles=["speaker", "sponsor_staff", "moderator"]
    )
    both = Segment(roles=(EventRoleKind.speaker, EventRoleKind.sponsor_staff))
    rows = db.session.execute(segments.recipients(event, both)).all()
    assert [row.user_id for row in rows] == [person.id]
    assert segments.count(event, both) == 1


def test_segment_first_recipient_is_first_by_name(crowd):
    assert segments.first_recipient(crowd, Segment()).display_name == "Anna Attendee"
    nobody = Segment(regions=(term(crowd, "region", "APAC"),), roles=(EventRoleKind.speaker,))
    assert segments.first_recipient(crowd, nobody) is None


def test_segment_json_round_trip(event):
    segment = Segment(
        statuses=(RegistrationStatus.pending, RegistrationStatus.approved),
        ticket_types=(factories.ticket(event, "VIP").id,),
        roles=(EventRoleKind.speaker,),
        industries=(term(event, "industry", "Finance"),),
        regions=(term(event, "region", "EMEA"),),
        job_roles=(term(event, "job_role", "CTO"),),
        topics=(term(event, "topic", "AI"), term(event, "topic", "Security")),
    )
    stored = segment.to_json()
    assert stored["statuses"] == ["pending", "approved"]
    assert stored["roles"] == ["speaker"]
    assert Segment.from_json(stored) == segment
    assert Segment().to_json() == {}
    assert Segment.from_json({}) == Segment()


def test_segment_from_json_drops_what_it_does_not_know():
    loaded = Segment.from_json(
        {"statuses": ["approved", "bogus"], "roles": ["wizard"], "regions": ["x", 3], "zz": [1]}
    )
    assert loaded == Segment(statuses=(RegistrationStatus.approved,), regions=(3,))


def test_segment_summary(event):
    assert segments.summary(event, Segment()) == (
        "Everyone (approved participants and the event's team)"
    )
    segment = Segment(
        statuses=(RegistrationStatus.approved,),
        ticket_types=(factories.ticket(event, "VIP").id,),
        industries=(term(event, "industry", "Finance"), term(event, "industry", "Software")),
    )
    assert segments.summary(event, segment) == (
        "Approved · Ticket: VIP · Industry: Finance or Software"
    )
    assert segments.summary(
        event, Segment(roles=(EventRoleKind.speaker, EventRoleKind.sponsor_staff))
    ) == ("Speakers or Sponsor staff")
    assert segments.summary(event, Segment(topics=(999_999,))) == "Interest: (removed)"


def test_segment_build_checks_values_belong_to_the_event(event, other_event):
    built = segments.build(
        event,
        statuses=["pending"],
        roles=["speaker"],
        ticket_types=[factories.ticket(event, "VIP").id],
        industries=[term(event, "industry", "Finance")],
    )
    assert built == Segment(
        statuses=(RegistrationStatus.pending,),
        roles=(EventRoleKind.speaker,),
        ticket_types=(factories.ticket(event, "VIP").id,),
        industries=(term(event, "industry", "Finance"),),
    )
    with pytest.raises(ServiceError) as caught:
        segments.build(event, industries=[term(other_event, "industry", "Finance")])
    assert (caught.value.code, caught.value.field) == ("unknown_choice", "industries")
    with pytest.raises(ServiceError) as caught:
        segments.build(event, regions=[term(event, "industry", "Finance")])
    assert caught.value.field == "regions"
    with pytest.raises(ServiceError) as caught:
        segments.build(event, statuses=["approved", "vip"])
    assert caught.value.field == "statuses"
