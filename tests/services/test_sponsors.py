"""Sponsor packages, sponsors, staff seats and invitations, the meeting-request quota,
sponsored sessions and the organizer's overview (``conference.services.sponsors``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind, EventRoleKind, LeadExportFormat
from conference.extensions import db
from conference.models import (
    EventRole,
    LeadExport,
    Registration,
    Sponsor,
    SponsorInvitation,
    SponsorMember,
    SponsorPackage,
)
from conference.permissions import can, forget_sponsor_memberships, forget_standing
from conference.services import ServiceError, activity, leads
from conference.services import meetings as meetings_service
from conference.services import sponsors as service
from tests import factories
from tests import program_helpers as program
from tests.services.test_meetings import add_place, set_hours


def _refused(code: str, call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    assert caught.value.code == code
    return caught.value


def _role_of(event, person) -> set[EventRoleKind]:
    return set(
        db.session.scalars(
            sa.select(EventRole.role).where(
                EventRole.event_id == event.id, EventRole.user_id == person.id
            )
        )
    )


def _fresh() -> None:
    forget_standing()
    forget_sponsor_memberships()


# --- packages ---------------------------------------------------------------------------


def test_add_package_keeps_entitlements_and_tier_order(event):
    gold = service.add_package(event, name="Gold", price_text="€20,000", staff_seats=4)
    silver = service.add_package(
        event, name=" Silver ", lead_retrieval=True, meeting_request_quota=None
    )
    db.session.commit()

    assert [p.name for p in service.packages_of(event)] == ["Gold", "Silver"]
    assert (gold.price_text, gold.staff_seats, gold.position) == ("€20,000", 4, 0)
    assert (silver.lead_retrieval, silver.meeting_request_quota, silver.position) == (
        True,
        None,
        1,
    )


def test_add_package_refuses_a_name_taken_in_the_event(event, other_event):
    service.add_package(event, name="Gold")
    service.add_package(other_event, name="Gold")
    db.session.commit()

    error = _refused("name_taken", service.add_package, event, name="gold")
    assert error.field == "name"


def test_add_package_refuses_negative_limits(event):
    assert _refused("negative", service.add_package, event, name="X", staff_seats=-1).field == (
        "staff_seats"
    )
    assert (
        _refused("negative", service.add_package, event, name="X", meeting_request_quota=-2).field
        == "meeting_request_quota"
    )


def test_changing_a_package_takes_effect_at_once(event, sponsor, sponsor_staff):
    assert can(sponsor_staff, "leads.scan", sponsor)
    assert can(sponsor_staff, "leads.export", sponsor)

    service.update_package(
        sponsor.package, name=sponsor.package.name, lead_retrieval=False, lead_export=False
    )
    db.session.commit()

    assert not can(sponsor_staff, "leads.scan", sponsor)
    assert not can(sponsor_staff, "leads.export", sponsor)
    assert not can(sponsor_staff, "leads.view", sponsor)


def test_a_package_in_use_cannot_be_deleted(event, sponsor):
    spare = service.add_package(event, name="Startup")
    db.session.commit()

    _refused("package_in_use", service.delete_package, sponsor.package)
    service.delete_package(db.session.get(SponsorPackage, spare.id))
    db.session.commit()

    assert [p.name for p in service.packages_of(event)] == ["Gold"]
    assert service.package_usages(event) == {sponsor.package_id: 1}


def test_move_package_swaps_tiers(event):
    gold = service.add_package(event, name="Gold")
    silver = service.add_package(event, name="Silver")
    service.move_package(silver, -1)
    db.session.commit()

    assert [p.id for p in service.packages_of(event)] == [silver.id, gold.id]


# --- sponsors ---------------------------------------------------------------------------


def test_create_sponsor_invites_its_first_admin_by_email(event, organizer, outbox):
    package = factories.package(event, "Gold", staff_seats=2)

    sponsor = service.create_sponsor(
        organizer,
        event,
        name="Initech",
        package_id=package.id,
        contact_email="Hello@Initech.test",
        admin_email=" Boss@Initech.test ",
    )
    db.session.commit()

    assert sponsor.contact_email == "hello@initech.test"
    invitation = db.session.scalar(
        sa.select(SponsorInvitation).where(SponsorInvitation.sponsor_id == sponsor.id)
    )
    assert (invitation.email, invitation.as_admin, invitation.invited_by_id) == (
        "boss@initech.test",
        True,
        organizer.id,
    )
    assert len(invitation.token) >= 32
    [message] = outbox.messages
    assert message["To"] == "boss@initech.test"
    assert "Initech" in message["Subject"]
    assert f"/sponsor-invitations/{invitation.token}" in outbox.text(message)


def test_create_sponsor_refuses_a_package_of_another_event(event, other_event, organizer):
    foreign = factories.package(other_event, "Gold")

    error = _refused(
        "package_invalid",
        service.create_sponsor,
        organizer,
        event,
        name="Initech",
        package_id=foreign.id,
    )
    assert error.field == "package"
    assert db.session.scalar(sa.select(Sponsor.id).where(Sponsor.name == "Initech")) is None


def test_create_sponsor_without_a_free_seat_writes_nothing(event, organizer, outbox):
    package = factories.package(event, "Logo only", staff_seats=0)

    error = _refused(
        "no_seats",
        service.create_sponsor,
        organizer,
        event,
        name="Initech",
        package_id=package.id,
        admin_email="boss@initech.test",
    )
    assert error.field == "admin_email"
    assert db.session.scalar(sa.select(Sponsor.id).where(Sponsor.name == "Initech")) is None
    assert outbox.messages == []


def test_moving_a_sponsor_to_another_package_changes_its_entitlements(event, sponsor):
    basic = factories.package(event, "Basic", lead_retrieval=False, lead_export=False)

    service.update_sponsor(sponsor, name="Acme Corp", package_id=basic.id)
    db.session.commit()

    assert sponsor.package.name == "Basic"
    assert service.package_usages(event) == {basic.id: 1}


def test_delete_sponsor_drops_its_staff_roles_and_keeps_sessions(
    event, sponsor, sponsor_staff, attendee
):
    session = program.session(event, "Keynote")
    service.set_session_sponsor(session, sponsor.id)
    db.session.commit()

    service.delete_sponsor(sponsor)
    db.session.commit()

    assert _role_of(event, sponsor_staff) == set()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SponsorMember)) == 0
    db.session.expire_all()
    assert session.sponsor_id is None


# --- staff and seats -------------------------------------------------------------------


def test_invitations_hold_seats_up_to_the_package(event, sponsor, sponsor_staff):
    factories.package(event, "Gold", staff_seats=3)

    service.invite(sponsor_staff, sponsor, "one@example.test")
    service.invite(sponsor_staff, sponsor, "two@example.test")
    db.session.commit()

    assert service.seats(sponsor) == service.Seats(members=1, invited=2, total=3)
    error = _refused("no_seats", service.invite, sponsor_staff, sponsor, "three@example.test")
    assert error.field == "email"


def test_revoking_an_invitation_frees_its_seat(event, sponsor, sponsor_staff):
    factories.package(event, "Gold", staff_seats=2)
    invitation = service.invite(sponsor_staff, sponsor, "one@example.test")
    db.session.commit()

    service.revoke_invitation(sponsor_staff, invitation)
    db.session.commit()

    assert service.seats(sponsor).used == 1
    assert service.open_invitations(sponsor) == []
    service.invite(sponsor_staff, sponsor, "two@example.test")
    _refused("invitation_closed", service.revoke_invitation, sponsor_staff, invitation)


def test_invite_refuses_duplicates_and_staff_of_any_sponsor(
    event, sponsor, sponsor_staff, rival_staff, organizer
):
    service.invite(sponsor_staff, sponsor, "one@example.test")
    db.session.commit()

    _refused("already_invited", service.invite, sponsor_staff, sponsor, "ONE@example.test")
    _refused("already_staff", service.invite, sponsor_staff, sponsor, sponsor_staff.email)
    # A sponsor's admin does not learn who works for a competitor; organizers do.
    error = _refused("already_staff", service.invite, sponsor_staff, sponsor, rival_staff.email)
    assert "Globex" not in error.message and rival_staff.display_name not in error.message
    error = _refused("already_staff", service.invite, organizer, sponsor, rival_staff.email)
    assert "Globex" in error.message


def test_accepting_invitations_of_two_sponsors_keeps_one_membership(
    event, sponsor, sponsor_staff, rival_sponsor, rival_staff
):
    newcomer = factories.user("Nina New", email="nina@example.test")
    ours = service.invite(sponsor_staff, sponsor, newcomer.email)
    theirs = service.invite(rival_staff, rival_sponsor, newcomer.email)
    db.session.commit()
    service.accept_invitation(newcomer, ours)
    db.session.commit()

    _refused("already_staff", service.accept_invitation, newcomer, theirs)


def test_invite_is_refused_to_staff_who_are_not_admins(event, sponsor, attendee):
    plain = factories.participant(event, "Pia Plain")
    factories.sponsor_member(sponsor, plain)

    _refused("forbidden", service.invite, plain, sponsor, "one@example.test")
    _refused("forbidden", service.invite, attendee, sponsor, "one@example.test")


def test_accepting_an_invitation_makes_a_member_with_the_staff_role(event, sponsor, sponsor_staff):
    newcomer = factories.user("Nina New", email="nina@example.test")
    invitation = service.invite(sponsor_staff, sponsor, "Nina@Example.test", as_admin=True)
    db.session.commit()

    member = service.accept_invitation(newcomer, invitation)
    db.session.commit()
    _fresh()

    assert (member.sponsor_id, member.is_admin) == (sponsor.id, True)
    assert invitation.accepted_by_id == newcomer.id and invitation.accepted_at is not None
    assert _role_of(event, newcomer) == {EventRoleKind.sponsor_staff}
    assert (
        db.session.scalar(sa.select(Registration.id).where(Registration.user_id == newcomer.id))
        is None
    )
    assert can(newcomer, "sponsor.workspace", sponsor)
    assert can(newcomer, "event.participate", event)
    assert service.seats(sponsor) == service.Seats(members=2, invited=0, total=5)
    _refused("invitation_used", service.accept_invitation, newcomer, invitation)


@pytest.mark.parametrize(
    ("who", "code"),
    [("other", "wrong_account"), ("unverified", "unverified"), ("rival", "already_staff")],
)
def test_accepting_is_refused_to_the_wrong_person(
    event, sponsor, sponsor_staff, rival_sponsor, who, code
):
    invited = factories.user("Ivy Invited", verified=who != "unverified")
    invitation = service.invite(sponsor_staff, sponsor, invited.email)
    db.session.commit()
    if who == "rival":
        factories.sponsor_member(rival_sponsor, invited)
    person = factories.user("Oli Other") if who == "other" else invited

    _refused(code, service.accept_invitation, person, invitation)
    assert service.invitation_in(sponsor, invitation.id).is_open


def test_a_revoked_invitation_cannot_be_accepted(event, sponsor, sponsor_staff):
    newcomer = factories.user("Nina New")
    invitation = service.invite(sponsor_staff, sponsor, newcomer.email)
    service.revoke_invitation(sponsor_staff, invitation)
    db.session.commit()

    _refused("invitation_revoked", service.accept_invitation, newcomer, invitation)
    assert _role_of(event, newcomer) == set()


def test_removing_staff_drops_membership_and_role(event, sponsor, sponsor_staff):
    colleague = factories.user("Carl Colleague")
    member = factories.sponsor_member(sponsor, colleague)

    service.remove_member(sponsor_staff, member)
    db.session.commit()
    _fresh()

    assert _role_of(event, colleague) == set()
    assert not can(colleague, "sponsor.workspace", sponsor)
    assert not can(colleague, "event.participate", event)


def test_an_admin_cannot_remove_the_last_admin_but_an_organizer_can(
    event, sponsor, sponsor_staff, organizer
):
    member = service.members_of(sponsor)[0]

    _refused("last_admin", service.remove_member, sponsor_staff, member)
    service.remove_member(organizer, service.members_of(sponsor)[0])
    db.session.commit()

    assert service.members_of(sponsor) == []


def test_invitation_by_token_finds_only_real_tokens(event, sponsor, sponsor_staff):
    invitation = service.invite(sponsor_staff, sponsor, "one@example.test")
    db.session.commit()

    assert service.invitation_by_token(invitation.token) == invitation
    assert service.invitation_by_token(str(invitation.id)) is None
    assert service.invitation_by_token("x" * 500) is None


# --- meeting-request quota -----------------------------------------------------------------


@pytest.fixture
def meeting_day(event):
    set_hours(event, 0, "09:00", "12:00")
    return add_place(event, "Lounge")


def _request(requester, invitee, event, place, hhmm="09:00"):
    return meetings_service.request_meeting(
        requester, event, invitee, program.at(event, 0, hhmm), place.id, ""
    )


def test_sponsor_staff_requests_count_against_the_quota(event, sponsor, sponsor_staff, meeting_day):
    factories.package(event, "Gold", meeting_request_quota=2)
    colleague = factories.participant(event, "Carl Colleague")
    factories.sponsor_member(sponsor, colleague)
    people = [factories.participant(event, f"Person {n}") for n in range(3)]

    _request(sponsor_staff, people[0], event, meeting_day)
    _request(colleague, people[1], event, meeting_day)
    db.session.commit()
    error = _refused("meeting_quota_used", _request, colleague, people[2], event, meeting_day)

    assert "Acme Corp" in error.message
    db.session.refresh(sponsor)
    assert sponsor.meeting_requests_used == 2


def test_unlimited_quota_and_non_staff_are_not_counted(
    event, sponsor, sponsor_staff, attendee, meeting_day
):
    factories.package(event, "Gold", meeting_request_quota=None)
    people = [factories.participant(event, f"Person {n}") for n in range(3)]

    for person in people:
        _request(sponsor_staff, person, event, meeting_day)
    _request(attendee, people[0], event, meeting_day, "10:00")
    db.session.commit()

    db.session.refresh(sponsor)
    assert sponsor.meeting_requests_used == 3


def test_a_refused_request_does_not_use_the_quota(event, sponsor, sponsor_staff, meeting_day):
    factories.package(event, "Gold", meeting_request_quota=1)
    person = factories.participant(event, "Person")

    _refused("slot_invalid", _request, sponsor_staff, person, event, meeting_day, "09:07")
    _request(sponsor_staff, person, event, meeting_day)
    db.session.commit()

    db.session.refresh(sponsor)
    assert sponsor.meeting_requests_used == 1


# --- sponsored sessions ----------------------------------------------------------------------


def test_sponsored_sessions_stay_within_the_package(event, sponsor, rival_sponsor):
    factories.package(event, "Gold", sponsored_sessions=1)
    factories.package(event, "Silver", sponsored_sessions=0)
    first, second = program.session(event, "Keynote"), program.session(event, "Panel")

    service.set_session_sponsor(first, sponsor.id)
    service.set_session_sponsor(first, sponsor.id)
    db.session.commit()

    error = _refused("sponsored_sessions_used", service.set_session_sponsor, second, sponsor.id)
    assert error.field == "sponsor"
    _refused("sponsored_sessions_used", service.set_session_sponsor, second, rival_sponsor.id)
    assert service.session_sponsors(event) == [sponsor]
    service.set_session_sponsor(db.session.merge(first), None)
    service.set_session_sponsor(db.session.merge(second), sponsor.id)
    db.session.commit()
    assert (first.sponsor_id, second.sponsor_id) == (None, sponsor.id)


def test_a_session_cannot_be_sponsored_by_another_events_sponsor(event, other_event):
    foreign = factories.sponsor(other_event, "Foreign")
    session = program.session(event, "Keynote")

    _refused("sponsor_invalid", service.set_session_sponsor, session, foreign.id)


# --- the organizer's overview ----------------------------------------------------------------


def test_overview_counts_only_what_each_sponsor_may_see(
    event, sponsor, sponsor_staff, rival_sponsor, attendee, organizer
):
    keen = factories.participant(event, "Kim Keen")
    gone = factories.participant(event, "Gil Gone")
    for person in (attendee, keen, gone):
        leads.share_from_booth(person, sponsor, leads.share_text(sponsor))
    leads.withdraw(gone, leads.lead_of(sponsor, gone))
    activity.record(keen, event, ActivityKind.booth_visit, sponsor=sponsor)
    activity.record(attendee, event, ActivityKind.booth_visit, sponsor=sponsor)
    db.session.add(
        LeadExport(
            sponsor_id=sponsor.id,
            event_id=event.id,
            exported_by_id=sponsor_staff.id,
            format=LeadExportFormat.csv,
            row_count=2,
        )
    )
    service.invite(organizer, rival_sponsor, "new@example.test")
    db.session.commit()

    rows = {row.sponsor.name: row for row in service.overview(event)}

    acme, globex = rows["Acme Corp"], rows["Globex"]
    assert (acme.leads, acme.withdrawn, acme.booth_visits, acme.exports) == (2, 1, 2, 1)
    assert acme.last_export is not None
    assert acme.seats == service.Seats(members=1, invited=0, total=5)
    assert (globex.leads, globex.withdrawn, globex.exports, globex.last_export) == (0, 0, 0, None)
    assert globex.seats.invited == 1
    [export] = service.recent_exports(event)
    assert export.exported_by == sponsor_staff
    assert service.exports_page(event, 1).total == 1
