"""The organizer's sponsor pages: who may open them, packages and sponsors through their
forms, the overview and export log, sponsored sessions on the session form, and the
team page no longer granting sponsor staff by hand."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, LeadExportFormat
from conference.extensions import db
from conference.models import (
    EventRole,
    LeadExport,
    ProgramSession,
    Sponsor,
    SponsorInvitation,
    SponsorPackage,
)
from conference.permissions import can
from conference.services import leads
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES

BASE = "/e/northwind/manage/sponsors"
PAGES = [
    f"{BASE}/",
    f"{BASE}/exports",
    f"{BASE}/packages",
    f"{BASE}/packages/new",
    f"{BASE}/new",
    f"{BASE}/{{sponsor_id}}",
    f"{BASE}/packages/{{package_id}}",
]


@pytest.fixture
def as_organizer(login, organizer):
    return login(organizer)


def _package_form(**changes) -> dict:
    data = {
        "name": "Platinum",
        "price_text": "€50,000",
        "staff_seats": "6",
        "booth": "y",
        "lead_retrieval": "y",
        "lead_export": "y",
        "meeting_request_quota": "",
        "sponsored_sessions": "2",
        "directory_featured": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("page", PAGES)
def test_sponsor_pages_are_for_the_events_organizers(
    page, identity, client, as_identity, event, sponsor, rival_staff
):
    as_identity(identity)

    response = client.get(page.format(sponsor_id=sponsor.id, package_id=sponsor.package_id))

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_another_events_sponsor_and_package_are_not_found(client, as_organizer, other_event):
    foreign = factories.sponsor(other_event, "Foreign")

    assert client.get(f"{BASE}/{foreign.id}").status_code == 404
    assert client.get(f"{BASE}/packages/{foreign.package_id}").status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/delete").status_code == 404
    assert db.session.get(Sponsor, foreign.id) is not None


def test_organizer_of_another_event_is_refused(client, login, other_event, event, sponsor):
    login(factories.organizer(other_event, "Olaf Elsewhere"))

    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/{sponsor.id}").status_code == 403


def test_adding_a_package_saves_its_entitlements(client, as_organizer, event):
    response = client.post(f"{BASE}/packages/new", data=_package_form())

    assert response.status_code == 302
    package = db.session.scalar(
        sa.select(SponsorPackage).where(SponsorPackage.event_id == event.id)
    )
    assert (package.name, package.price_text, package.staff_seats) == ("Platinum", "€50,000", 6)
    assert (package.lead_retrieval, package.lead_export, package.logo_on_badges) == (
        True,
        True,
        False,
    )
    assert (package.meeting_request_quota, package.sponsored_sessions) == (None, 2)
    listing = client.get(f"{BASE}/packages").get_data(as_text=True)
    assert "Platinum" in listing and "Unlimited meeting requests" in listing


def test_a_refused_package_keeps_what_was_typed(client, as_organizer, event, sponsor):
    response = client.post(
        f"{BASE}/packages/new", data=_package_form(name="gold", price_text="€1 typed")
    )

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "already has a package with this name" in body
    assert 'value="€1 typed"' in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SponsorPackage)) == 1


def test_a_bad_number_is_shown_next_to_its_field(client, as_organizer, event):
    response = client.post(f"{BASE}/packages/new", data=_package_form(staff_seats="-3"))

    assert response.status_code == 200
    assert "staff_seats-errors" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SponsorPackage)) == 0


def test_editing_a_package_takes_effect_for_its_sponsors(
    client, as_organizer, event, sponsor, sponsor_staff
):
    response = client.post(
        f"{BASE}/packages/{sponsor.package_id}",
        data=_package_form(name="Gold", lead_retrieval=None, lead_export=None),
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert sponsor.package.lead_retrieval is False
    assert not can(sponsor_staff, "leads.scan", sponsor)


def test_a_package_in_use_is_not_deleted(client, as_organizer, event, sponsor):
    response = client.post(
        f"{BASE}/packages",
        data={"action": "delete", "package_id": sponsor.package_id},
        follow_redirects=True,
    )

    assert "move them to another package first" in response.get_data(as_text=True)
    assert db.session.get(SponsorPackage, sponsor.package_id) is not None


def test_an_unused_package_is_deleted_and_tiers_move(client, as_organizer, event):
    gold = factories.package(event, "Gold")
    silver = factories.package(event, "Silver")
    silver.position = 1
    db.session.commit()

    client.post(f"{BASE}/packages", data={"action": "up", "package_id": silver.id})
    db.session.expire_all()
    assert (silver.position, gold.position) == (0, 1)
    client.post(f"{BASE}/packages", data={"action": "delete", "package_id": gold.id})
    assert db.session.get(SponsorPackage, gold.id) is None


def test_adding_a_sponsor_invites_its_admin(client, as_organizer, event, outbox):
    package = factories.package(event, "Gold")

    response = client.post(
        f"{BASE}/new",
        data={
            "name": "Initech",
            "package": package.id,
            "contact_email": "hello@initech.test",
            "admin_email": "boss@initech.test",
        },
    )

    assert response.status_code == 302
    sponsor = db.session.scalar(sa.select(Sponsor).where(Sponsor.name == "Initech"))
    assert sponsor.package_id == package.id
    invitation = db.session.scalar(
        sa.select(SponsorInvitation).where(SponsorInvitation.sponsor_id == sponsor.id)
    )
    assert invitation.as_admin
    [message] = outbox.to("boss@initech.test")
    assert invitation.token in outbox.text(message)


def test_adding_a_sponsor_with_a_bad_address_keeps_the_form(client, as_organizer, event):
    package = factories.package(event, "Gold")

    response = client.post(
        f"{BASE}/new",
        data={"name": "Initech", "package": package.id, "admin_email": "not an address"},
    )

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Enter a valid email address." in body
    assert 'value="Initech"' in body
    assert db.session.scalar(sa.select(Sponsor.id).where(Sponsor.name == "Initech")) is None


def test_the_sponsor_form_asks_for_packages_first(client, as_organizer, event):
    body = client.get(f"{BASE}/new").get_data(as_text=True)

    assert "add your packages first" in body


def test_editing_a_sponsor_moves_it_to_another_package(client, as_organizer, event, sponsor):
    basic = factories.package(event, "Basic", lead_retrieval=False)

    response = client.post(
        f"{BASE}/{sponsor.id}",
        data={"name": "Acme Corporation", "package": basic.id, "contact_email": ""},
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert (sponsor.name, sponsor.package_id) == ("Acme Corporation", basic.id)


def test_deleting_a_sponsor_removes_its_staff_roles(
    client, as_organizer, event, sponsor, sponsor_staff
):
    response = client.post(f"{BASE}/{sponsor.id}/delete")

    assert response.status_code == 302
    assert db.session.get(Sponsor, sponsor.id) is None
    assert (
        db.session.scalar(
            sa.select(EventRole.id).where(
                EventRole.user_id == sponsor_staff.id,
                EventRole.role == EventRoleKind.sponsor_staff,
            )
        )
        is None
    )


def test_overview_shows_use_per_sponsor_and_the_export_log(
    client, as_organizer, event, sponsor, sponsor_staff, attendee
):
    leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.add(
        LeadExport(
            sponsor_id=sponsor.id,
            event_id=event.id,
            exported_by_id=sponsor_staff.id,
            format=LeadExportFormat.vcard,
            row_count=1,
        )
    )
    db.session.commit()

    overview = client.get(f"{BASE}/").get_data(as_text=True)
    log = client.get(f"{BASE}/exports").get_data(as_text=True)

    assert "Acme Corp" in overview and "1 export" in overview
    assert "1 of 5" in overview
    assert "vCard" in log and "Sid Sponsor" in log and "Acme Corp" in log
    assert attendee.display_name not in overview + log


def test_session_form_sets_the_sponsor_within_the_package(client, as_organizer, event, sponsor):
    factories.package(event, "Gold", sponsored_sessions=1)
    taken = program.session(event, "Keynote")
    taken.sponsor_id = sponsor.id
    free = program.session(event, "Panel", "11:00", "11:45")
    db.session.commit()

    form = client.get(f"/e/northwind/manage/program/{free.id}").get_data(as_text=True)
    assert "Sponsored by" in form and "Acme Corp" in form

    response = client.post(
        f"/e/northwind/manage/program/{free.id}",
        data={
            "title": "Panel",
            "format": "talk",
            "day": event.starts_on.isoformat(),
            "start": "11:00",
            "end": "11:45",
            "room": "",
            "track": "",
            "sponsor": sponsor.id,
        },
    )

    assert response.status_code == 200
    assert "includes 1 sponsored session" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ProgramSession, free.id).sponsor_id is None


def test_the_team_page_no_longer_grants_sponsor_staff(
    client, as_organizer, event, sponsor_staff, attendee
):
    page = client.get("/e/northwind/manage/team").get_data(as_text=True)
    assert 'value="sponsor_staff"' not in page

    response = client.post(
        "/e/northwind/manage/team",
        data={"action": "grant", "email": attendee.email, "role": "sponsor_staff"},
    )
    assert response.status_code == 200
    role = db.session.scalar(
        sa.select(EventRole).where(
            EventRole.user_id == sponsor_staff.id, EventRole.role == EventRoleKind.sponsor_staff
        )
    )
    client.post("/e/northwind/manage/team", data={"action": "revoke", "role_id": role.id})

    assert db.session.get(EventRole, role.id) is not None
    assert (
        db.session.scalar(
            sa.select(EventRole.id).where(
                EventRole.user_id == attendee.id, EventRole.role == EventRoleKind.sponsor_staff
            )
        )
        is None
    )
