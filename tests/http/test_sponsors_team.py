"""A sponsor's team page (invite, revoke, remove) and the invitation link: who may open
them, and the whole path from an invitation email to a place on the staff."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind
from conference.extensions import db
from conference.models import EventRole, SponsorInvitation, SponsorMember
from conference.services import sponsors as service
from tests import factories
from tests.conftest import IDENTITIES

#: Who may open a sponsor's team page: its admins and the event's organizers.
ALLOWED = {"sponsor_staff", "organizer"}


def team_url(sponsor) -> str:
    return f"/e/northwind/sponsors/{sponsor.id}/team"


def _invitation_link(outbox, address: str) -> str:
    [message] = outbox.to(address)
    return re.search(r"http://localhost(/sponsor-invitations/\S+)", outbox.text(message)).group(1)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_team_page_is_for_the_sponsors_admins_and_organizers(
    identity, client, as_identity, event, sponsor, sponsor_staff, rival_staff
):
    as_identity(identity)

    response = client.get(team_url(sponsor))

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif identity in ALLOWED:
        assert response.status_code == 200
        assert sponsor_staff.email in response.get_data(as_text=True)
    else:
        assert response.status_code == 403


def test_staff_who_are_not_admins_cannot_open_or_invite(client, login, event, sponsor):
    plain = factories.participant(event, "Pia Plain")
    factories.sponsor_member(sponsor, plain)
    login(plain)

    assert client.get(team_url(sponsor)).status_code == 403
    assert client.post(team_url(sponsor), data={"email": "x@example.test"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SponsorInvitation)) == 0


def test_another_events_sponsor_is_not_found(client, login, event, other_event, sponsor_staff):
    foreign = factories.sponsor(other_event, "Foreign")
    login(sponsor_staff)

    assert client.get(team_url(foreign)).status_code == 404


def test_invite_accept_and_join_through_the_emailed_link(
    client, login, event, sponsor, sponsor_staff, outbox
):
    login(sponsor_staff)
    response = client.post(team_url(sponsor), data={"email": "Nina@Example.test", "as_admin": "y"})
    assert response.status_code == 302
    page = client.get(team_url(sponsor)).get_data(as_text=True)
    assert "nina@example.test" in page and "Waiting for an answer" in page
    link = _invitation_link(outbox, "nina@example.test")
    client.post("/logout")

    newcomer = factories.user("Nina New", email="nina@example.test")
    assert client.get(link).headers["Location"].startswith("/login")
    login(newcomer)
    prompt = client.get(link)
    assert prompt.status_code == 200
    assert "Join the staff of Acme Corp" in prompt.get_data(as_text=True)

    joined = client.post(link)

    assert joined.status_code == 302
    member = db.session.scalar(sa.select(SponsorMember).where(SponsorMember.user_id == newcomer.id))
    assert (member.sponsor_id, member.is_admin) == (sponsor.id, True)
    assert client.get(team_url(sponsor)).status_code == 200
    again = client.get(link).get_data(as_text=True)
    assert "already accepted" in again


def test_the_link_refuses_another_account(client, login, event, sponsor, sponsor_staff):
    invitation = service.invite(sponsor_staff, sponsor, "nina@example.test")
    db.session.commit()
    other = factories.user("Oli Other")
    login(other)

    page = client.get(f"/sponsor-invitations/{invitation.token}").get_data(as_text=True)
    client.post(f"/sponsor-invitations/{invitation.token}")

    assert "This invitation is for nina@example.test" in page
    assert (
        db.session.scalar(sa.select(SponsorMember.id).where(SponsorMember.user_id == other.id))
        is None
    )


def test_an_unknown_token_is_not_found(client, login, attendee):
    login(attendee)

    assert client.get("/sponsor-invitations/nope").status_code == 404


def test_inviting_beyond_the_seats_is_refused_next_to_the_field(
    client, login, event, sponsor, sponsor_staff
):
    factories.package(event, "Gold", staff_seats=2)
    login(sponsor_staff)
    client.post(team_url(sponsor), data={"email": "one@example.test"})

    page = client.get(team_url(sponsor)).get_data(as_text=True)
    assert "Every seat of the Gold package is taken" in page
    response = client.post(team_url(sponsor), data={"email": "two@example.test"})

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "staff seats of the package are taken" in body
    assert 'value="two@example.test"' in body
    assert service.seats(sponsor).used == 2


def test_revoking_frees_the_seat_and_kills_the_link(
    client, login, event, sponsor, sponsor_staff, outbox
):
    invitation = service.invite(sponsor_staff, sponsor, "nina@example.test")
    db.session.commit()
    login(sponsor_staff)

    response = client.post(f"{team_url(sponsor)}/invitations/{invitation.id}/revoke")

    assert response.status_code == 302
    assert service.seats(sponsor).invited == 0
    newcomer = factories.user("Nina New", email="nina@example.test")
    client.post("/logout")
    login(newcomer)
    client.post(f"/sponsor-invitations/{invitation.token}")
    assert (
        db.session.scalar(sa.select(SponsorMember.id).where(SponsorMember.user_id == newcomer.id))
        is None
    )


def test_removing_staff_takes_their_access(client, login, event, sponsor, sponsor_staff):
    colleague = factories.participant(event, "Carl Colleague")
    member = factories.sponsor_member(sponsor, colleague)
    login(sponsor_staff)

    response = client.post(f"{team_url(sponsor)}/members/{member.id}/remove")

    assert response.status_code == 302
    assert db.session.get(SponsorMember, member.id) is None
    assert (
        db.session.scalar(
            sa.select(EventRole.id).where(
                EventRole.user_id == colleague.id, EventRole.role == EventRoleKind.sponsor_staff
            )
        )
        is None
    )


def test_rival_staff_cannot_touch_another_sponsors_team(
    client, login, event, sponsor, sponsor_staff, rival_staff
):
    invitation = service.invite(sponsor_staff, sponsor, "nina@example.test")
    db.session.commit()
    member_id = service.members_of(sponsor)[0].id
    login(rival_staff)

    assert client.post(f"{team_url(sponsor)}/members/{member_id}/remove").status_code == 403
    revoke = f"{team_url(sponsor)}/invitations/{invitation.id}/revoke"
    assert client.post(revoke).status_code == 403
    assert db.session.get(SponsorMember, member_id) is not None
    assert service.invitation_in(sponsor, invitation.id).is_open


def test_a_member_of_another_sponsor_is_not_found_here(
    client, login, event, sponsor, sponsor_staff, rival_sponsor, rival_staff
):
    rival_member = service.members_of(rival_sponsor)[0]
    login(sponsor_staff)

    response = client.post(f"{team_url(sponsor)}/members/{rival_member.id}/remove")

    assert response.status_code == 404
    assert db.session.get(SponsorMember, rival_member.id) is not None


def test_the_last_admin_cannot_remove_themselves(client, login, event, sponsor, sponsor_staff):
    member = service.members_of(sponsor)[0]
    login(sponsor_staff)

    page = client.post(
        f"{team_url(sponsor)}/members/{member.id}/remove", follow_redirects=True
    ).get_data(as_text=True)

    assert "needs an admin" in page
    assert db.session.get(SponsorMember, member.id) is not None
