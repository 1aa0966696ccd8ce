"""Rules of registrations: registering, codes, capacity, changing, cancelling, deciding,
searching and exporting."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import EventVisibility, RegistrationStatus
from conference.extensions import db
from conference.models import EventRole, InvitationCode, Registration
from conference.models.types import utcnow
from conference.services import ServiceError
from conference.services import registrations as service
from tests import factories


def answers(event, **overrides) -> dict:
    """A complete, valid set of answers for ``event``."""
    data = {
        "ticket_type_id": factories.ticket(event).id,
        "industry_id": factories.term(event, "industry", "Finance").id,
        "region_id": factories.term(event, "region", "APAC").id,
        "job_role_id": factories.term(event, "job_role", "CTO").id,
        "interest_ids": [factories.term(event, "topic", "Payments").id],
        "company": "Globex",
        "job_title": "CTO",
    }
    data.update(overrides)
    return data


def register(user, event, **overrides) -> Registration:
    registration = service.register(user, event, **answers(event, **overrides))
    db.session.commit()
    return registration


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    return caught.value


def make_code(event, code: str = "JOIN2345", *, max_uses=None, uses=0, revoked=False):
    row = InvitationCode(
        event_id=event.id,
        code=code,
        max_uses=max_uses,
        uses=uses,
        revoked_at=utcnow() if revoked else None,
    )
    db.session.add(row)
    db.session.commit()
    return row


def registration_rows(event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Registration.id)).where(Registration.event_id == event.id)
    )


# --- registering ------------------------------------------------------------------


def test_register_without_approval_is_approved(event, outbox):
    person = factories.user("Mia Müller")

    registration = register(person, event)

    assert registration.status == RegistrationStatus.approved
    assert registration.decided_at is not None
    assert [t.name for t in registration.interests] == ["Payments"]
    assert (registration.industry.name, registration.region.name, registration.job_role.name) == (
        "Finance",
        "APAC",
        "CTO",
    )


def test_register_with_approval_is_pending(event, outbox):
    event.approval_required = True
    db.session.commit()

    registration = register(factories.user(), event)

    assert (registration.status, registration.decided_at) == (RegistrationStatus.pending, None)


def test_register_sends_received_email(event, outbox):
    person = factories.user("Mia Müller")

    register(person, event)

    (message,) = outbox.to(person.email)
    assert message["Subject"] == "Your registration for Northwind Summit"
    assert "You are registered for Northwind Summit" in outbox.text(message)


def test_register_pending_email_says_review(event, outbox):
    event.approval_required = True
    db.session.commit()
    person = factories.user()

    register(person, event)

    (message,) = outbox.to(person.email)
    assert "The organizers review each registration." in outbox.text(message)


def test_register_saves_company_and_title_to_profile_and_search_keys(event, other_event):
    person = factories.user("Mia Müller", company="Old Co", job_title="Intern")
    earlier = factories.participant(other_event, person=person)

    registration = register(person, event, company=" Globex ", job_title="CTO")

    assert (person.profile.company, person.profile.job_title) == ("Globex", "CTO")
    assert registration.search_text == "mia müller globex cto"
    other = service.registration_of(earlier, other_event)
    assert other.search_text == "mia müller globex cto"


def test_register_unverified_refused(event):
    person = factories.user(verified=False)

    error = refused(service.register, person, event, **answers(event))

    assert error.code == "email_unverified"


def test_register_closed_refused(event):
    event.registration_open = False
    db.session.commit()

    error = refused(service.register, factories.user(), event, **answers(event))

    assert error.code == "registration_closed"


def test_register_twice_refused(event, attendee):
    error = refused(service.register, attendee, event, **answers(event))

    assert error.code == "already_registered"


@pytest.mark.parametrize("missing", ["ticket_type_id", "industry_id", "region_id", "job_role_id"])
def test_register_missing_answer_refused(event, missing):
    error = refused(service.register, factories.user(), event, **answers(event, **{missing: None}))

    assert (error.code, error.field) == ("required", missing.removesuffix("_id"))


def test_register_without_interests_refused(event):
    error = refused(service.register, factories.user(), event, **answers(event, interest_ids=[]))

    assert (error.code, error.field) == ("required", "interests")


@pytest.mark.parametrize(
    ("name", "kind", "term"),
    [
        ("industry_id", "industry", "Finance"),
        ("region_id", "region", "EMEA"),
        ("job_role_id", "job_role", "CTO"),
    ],
)
def test_register_term_of_other_event_refused(event, other_event, name, kind, term):
    forged = factories.term(other_event, kind, term).id

    error = refused(service.register, factories.user(), event, **answers(event, **{name: forged}))

    assert (error.code, error.field) == ("invalid_choice", name.removesuffix("_id"))


def test_register_term_of_wrong_kind_refused(event):
    region_as_industry = factories.term(event, "region", "EMEA").id

    error = refused(
        service.register, factories.user(), event, **answers(event, industry_id=region_as_industry)
    )

    assert (error.code, error.field) == ("invalid_choice", "industry")


def test_register_forged_interest_writes_nothing(event, other_event, outbox):
    person = factories.user(company="Old Co", job_title="Intern")
    forged = factories.term(other_event, "topic", "AI").id

    error = refused(
        service.register,
        person,
        event,
        **answers(event, interest_ids=[factories.term(event, "topic", "AI").id, forged]),
    )

    assert (error.code, error.field) == ("invalid_choice", "interests")
    assert registration_rows(event) == 0
    assert (person.profile.company, person.profile.job_title) == ("Old Co", "Intern")
    assert outbox.messages == []


def test_register_ticket_of_other_event_refused(event, other_event):
    forged = factories.ticket(other_event).id

    error = refused(
        service.register, factories.user(), event, **answers(event, ticket_type_id=forged)
    )

    assert (error.code, error.field) == ("invalid_choice", "ticket_type")


def test_register_too_long_company_refused(event):
    error = refused(service.register, factories.user(), event, **answers(event, company="x" * 121))

    assert (error.code, error.field) == ("too_long", "company")


# --- capacity -----------------------------------------------------------------------


def test_register_full_ticket_refused(event, attendee):
    vip = factories.ticket(event, "VIP")
    vip.capacity = 1
    factories.participant(event, "Val VIP", ticket_type="VIP")

    error = refused(
        service.register, factories.user(), event, **answers(event, ticket_type_id=vip.id)
    )

    assert (error.code, error.field) == ("ticket_full", "ticket_type")


def test_register_ticket_counts_only_active_registrations(event):
    vip = factories.ticket(event, "VIP")
    vip.capacity = 1
    factories.participant(event, "Cid Cancelled", ticket_type="VIP", status="cancelled")
    factories.participant(event, "Dee Declined", ticket_type="VIP", status="declined")

    registration = register(factories.user(), event, ticket_type_id=vip.id)

    assert registration.status == RegistrationStatus.approved


def test_places_left_per_ticket_type(event, attendee):
    standard, vip = factories.ticket(event), factories.ticket(event, "VIP")
    vip.capacity = 3
    factories.participant(event, "Val VIP", ticket_type="VIP")
    factories.participant(event, "Pam Pending", ticket_type="VIP", status="pending")
    factories.participant(event, "Cid Cancelled", ticket_type="VIP", status="cancelled")

    assert service.places_left(event) == {standard.id: None, vip.id: 1}


# --- invitation codes ----------------------------------------------------------------


def test_register_invitation_event_without_code_refused(event):
    event.visibility = EventVisibility.invitation
    db.session.commit()

    error = refused(service.register, factories.user(), event, **answers(event))

    assert (error.code, error.field) == ("code_required", "code")


def test_register_code_any_case_takes_one_use(event):
    event.visibility = EventVisibility.invitation
    code = make_code(event, "JOIN2345", max_uses=5)

    registration = register(factories.user(), event, code=" join2345 ")

    assert (registration.invitation_code_id, code.uses) == (code.id, 1)


def test_register_unknown_code_refused(event):
    make_code(event, "JOIN2345")

    error = refused(service.register, factories.user(), event, **answers(event, code="NOPE2345"))

    assert (error.code, error.field) == ("invalid_code", "code")


def test_register_code_of_other_event_refused(event, other_event):
    make_code(other_event, "OTHER234")

    error = refused(service.register, factories.user(), event, **answers(event, code="OTHER234"))

    assert (error.code, error.field) == ("invalid_code", "code")


def test_register_revoked_code_refused(event):
    make_code(event, "JOIN2345", revoked=True)

    error = refused(service.register, factories.user(), event, **answers(event, code="JOIN2345"))

    assert (error.code, error.field) == ("code_revoked", "code")


def test_register_used_up_code_refused(event):
    code = make_code(event, "JOIN2345", max_uses=1)
    register(factories.user(), event, code="JOIN2345")

    error = refused(service.register, factories.user(), event, **answers(event, code="JOIN2345"))

    assert (error.code, error.field) == ("code_used_up", "code")
    assert code.uses == 1
    assert registration_rows(event) == 1


def test_register_code_limit_checked_in_database(event):
    """The last use is taken by the database's UPDATE, not by what this session read."""
    code = make_code(event, "JOIN2345", max_uses=2)
    assert code.uses == 0
    db.session.execute(
        sa.update(InvitationCode).where(InvitationCode.id == code.id).values(uses=2),
        execution_options={"synchronize_session": False},
    )

    error = refused(service.register, factories.user(), event, **answers(event, code="JOIN2345"))

    assert error.code == "code_used_up"


# --- changing and cancelling ------------------------------------------------------------


def test_update_registration_changes_answers_and_profile(event, attendee):
    registration = service.registration_of(attendee, event)

    service.update_registration(
        attendee,
        registration,
        **answers(event, ticket_type_id=factories.ticket(event, "VIP").id, company="Initech"),
    )
    db.session.commit()

    assert (registration.ticket_type.name, registration.industry.name) == ("VIP", "Finance")
    assert registration.status == RegistrationStatus.approved
    assert registration.search_text == "anna attendee initech cto"


def test_update_registration_to_full_ticket_refused(event, attendee):
    vip = factories.ticket(event, "VIP")
    vip.capacity = 1
    factories.participant(event, "Val VIP", ticket_type="VIP")
    registration = service.registration_of(attendee, event)

    error = refused(
        service.update_registration, attendee, registration, **answers(event, ticket_type_id=vip.id)
    )

    assert error.code == "ticket_full"


def test_update_registration_keeps_own_place_on_full_ticket(event, attendee):
    standard = factories.ticket(event)
    standard.capacity = 1
    registration = service.registration_of(attendee, event)

    service.update_registration(attendee, registration, **answers(event, company="Initech"))

    assert registration.ticket_type_id == standard.id


def test_update_registration_of_someone_else_refused(event, attendee, speaker):
    registration = service.registration_of(attendee, event)

    error = refused(service.update_registration, speaker, registration, **answers(event))

    assert error.code == "not_editable"


def test_cancel_registration_frees_place_and_emails(event, attendee, outbox):
    standard = factories.ticket(event)
    standard.capacity = 1
    registration = service.registration_of(attendee, event)

    service.cancel_registration(attendee, registration)
    db.session.commit()

    assert registration.status == RegistrationStatus.cancelled
    assert service.places_left(event)[standard.id] == 1
    (message,) = outbox.to(attendee.email)
    assert message["Subject"] == "Your registration for Northwind Summit was cancelled"
    assert "is cancelled, as you asked" in outbox.text(message)


def test_cancel_registration_gives_code_use_back(event):
    code = make_code(event, "JOIN2345", max_uses=1)
    person = factories.user()
    registration = register(person, event, code="JOIN2345")

    service.cancel_registration(person, registration)
    db.session.commit()

    assert code.uses == 0


def test_cancel_then_register_again_reuses_row(event, outbox):
    event.approval_required = True
    person = factories.user()
    first = register(person, event)
    service.cancel_registration(person, first)
    db.session.commit()

    again = register(person, event, industry_id=factories.term(event, "industry", "Software").id)

    assert again.id == first.id
    assert (again.status, again.industry.name) == (RegistrationStatus.pending, "Software")
    assert registration_rows(event) == 1


def test_register_again_after_decline_is_pending_on_same_row(event, pending):
    registration = service.registration_of(pending, event)
    registration.status = RegistrationStatus.declined
    db.session.commit()

    again = register(pending, event)

    assert (again.id, again.status) == (registration.id, RegistrationStatus.pending)


def test_cancel_inactive_registration_refused(event, attendee):
    registration = service.registration_of(attendee, event)
    service.cancel_registration(attendee, registration)

    error = refused(service.cancel_registration, attendee, registration)

    assert error.code == "not_active"


# --- organizers' decisions ---------------------------------------------------------------


def test_decide_approves_pending_and_emails(event, organizer, pending, outbox):
    registration = service.registration_of(pending, event)

    decision = service.decide(organizer, event, [registration.id], RegistrationStatus.approved)
    db.session.commit()

    assert [r.id for r in decision.changed] == [registration.id]
    assert registration.status == RegistrationStatus.approved
    (message,) = outbox.to(pending.email)
    assert message["Subject"] == "You are in: Northwind Summit"


def test_decide_only_touches_this_events_registrations(
    event, other_event, organizer, pending, other_participant, outbox
):
    mine = service.registration_of(pending, event)
    theirs = service.registration_of(other_participant, other_event)

    decision = service.decide(
        organizer, event, [mine.id, theirs.id], RegistrationStatus.declined, "Sorry"
    )
    db.session.commit()

    assert [r.id for r in decision.changed] == [mine.id]
    assert theirs.status == RegistrationStatus.approved
    assert outbox.to(other_participant.email) == []


def test_decide_decline_keeps_note_and_emails_it(event, organizer, pending, outbox):
    registration = service.registration_of(pending, event)

    service.decide(
        organizer, event, [registration.id], RegistrationStatus.declined, "The venue is full."
    )
    db.session.commit()

    assert registration.organizer_note == "The venue is full."
    (message,) = outbox.to(pending.email)
    assert "The venue is full." in outbox.text(message)


def test_decide_skips_registrations_already_in_status(event, organizer, attendee, pending):
    done = service.registration_of(attendee, event)
    waiting = service.registration_of(pending, event)

    decision = service.decide(organizer, event, [done.id, waiting.id], RegistrationStatus.approved)

    assert ([r.id for r in decision.changed], [r.id for r in decision.skipped]) == (
        [waiting.id],
        [done.id],
    )


def test_decide_cancel_of_declined_is_skipped(event, organizer, pending):
    registration = service.registration_of(pending, event)
    registration.status = RegistrationStatus.declined

    decision = service.decide(organizer, event, [registration.id], RegistrationStatus.cancelled)

    assert (decision.changed, registration.status) == ([], RegistrationStatus.declined)


def test_decide_reactivating_onto_full_ticket_refused(event, organizer, attendee):
    standard = factories.ticket(event)
    standard.capacity = 1
    late = factories.participant(event, "Lee Late", status="cancelled")
    registration = service.registration_of(late, event)

    error = refused(
        service.decide, organizer, event, [registration.id], RegistrationStatus.approved
    )

    assert error.code == "ticket_full"
    assert registration.status == RegistrationStatus.cancelled


def test_decide_pending_status_refused(event, organizer, attendee):
    registration = service.registration_of(attendee, event)

    error = refused(service.decide, organizer, event, [registration.id], RegistrationStatus.pending)

    assert error.code == "invalid_status"


def test_decide_rolled_back_sends_no_mail(event, organizer, pending, outbox):
    registration = service.registration_of(pending, event)

    service.decide(organizer, event, [registration.id], RegistrationStatus.approved)
    db.session.rollback()

    assert outbox.messages == []


def test_update_by_organizer_other_events_registration_refused(
    event, other_event, organizer, other_participant
):
    registration = service.registration_of(other_participant, other_event)

    error = refused(
        service.update_by_organizer,
        organizer,
        event,
        registration,
        status=RegistrationStatus.declined,
        ticket_type_id=None,
        industry_id=None,
        region_id=None,
        job_role_id=None,
        interest_ids=[],
        organizer_note="",
    )

    assert error.code == "wrong_event"


def test_update_by_organizer_changes_status_and_answers(event, organizer, pending, outbox):
    registration = service.registration_of(pending, event)

    service.update_by_organizer(
        organizer,
        event,
        registration,
        status=RegistrationStatus.approved,
        ticket_type_id=factories.ticket(event, "VIP").id,
        industry_id=None,
        region_id=factories.term(event, "region", "APAC").id,
        job_role_id=None,
        interest_ids=[],
        organizer_note="Welcome aboard",
    )
    db.session.commit()

    assert (registration.status, registration.ticket_type.name, registration.industry) == (
        RegistrationStatus.approved,
        "VIP",
        None,
    )
    assert (registration.region.name, registration.interests) == ("APAC", [])
    (message,) = outbox.to(pending.email)
    assert "Welcome aboard" in outbox.text(message)


# --- lists, search and export ------------------------------------------------------------


def found(event, **filters) -> list[str]:
    query = service.filtered(event, service.RegistrationFilters(**filters))
    return sorted(r.user.display_name for r in db.session.scalars(query))


def test_filtered_search_matches_cyrillic_any_case(event, attendee):
    factories.participant(event, "Дмитрий Иванов", company="Яндекс")

    assert found(event, q="ЯНДЕКС") == ["Дмитрий Иванов"]


def test_filtered_search_matches_full_width_japanese(event, attendee):
    factories.participant(event, "山田 太郎", company="ＡＢＣ商事")

    assert found(event, q="abc商事") == ["山田 太郎"]


def test_filtered_search_matches_email_and_escapes_wildcards(event, attendee):
    person = factories.user("Pat Percent", email="pat_100%@example.test")
    factories.participant(event, person=person)

    assert found(event, q=person.email.upper()) == ["Pat Percent"]
    assert found(event, q="%") == ["Pat Percent"]


def test_filtered_by_status_and_terms(event, attendee, pending):
    factories.participant(event, "Fay Finance", industry="Finance", region="APAC")

    assert found(event, status=RegistrationStatus.pending) == ["Pat Pending"]
    assert found(event, industry_id=factories.term(event, "industry", "Finance").id) == [
        "Fay Finance"
    ]
    assert found(event, region_id=factories.term(event, "region", "EMEA").id) == [
        "Anna Attendee",
        "Pat Pending",
    ]


def test_filtered_never_lists_other_events(event, other_event, attendee, other_participant):
    assert found(event) == ["Anna Attendee"]


def test_status_counts_ignore_status_filter(event, attendee, pending, organizer):
    counts = service.status_counts(
        event, service.RegistrationFilters(status=RegistrationStatus.pending)
    )

    assert counts == {
        RegistrationStatus.pending: 1,
        RegistrationStatus.approved: 2,
        RegistrationStatus.declined: 0,
        RegistrationStatus.cancelled: 0,
    }


def test_registrations_csv_has_bom_and_escapes_formulas(event):
    person = factories.participant(
        event,
        '=HYPERLINK("http://evil")',
        company="+Acme",
        job_title="@lead",
        interests=["AI", "Security"],
    )
    registration = service.registration_of(person, event)
    registration.created_at = registration.created_at.replace(
        year=2026, month=3, day=4, hour=5, minute=6, second=7, microsecond=0
    )

    data = service.registrations_csv([registration])

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[1] == (
        f'"\'=HYPERLINK(""http://evil"")",{person.email},\'+Acme,\'@lead,Approved,Standard,'
        "Software,EMEA,Engineer,AI; Security,2026-03-04T05:06:07Z"
    )


def test_my_events_lists_registrations_and_roles(event, other_event, organizer):
    factories.participant(other_event, person=organizer, status="pending")
    third = factories.event(name="Staff Only")
    db.session.add(EventRole(event_id=third.id, user_id=organizer.id, role="organizer"))
    db.session.commit()

    items = service.my_events(organizer)

    assert sorted((i.event.name, i.registration is not None) for i in items) == [
        ("Northwind Summit", True),
        ("Other Conf", True),
        ("Staff Only", False),
    ]
