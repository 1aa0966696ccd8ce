"""The organizer's settings pages: who may open them, and what each one changes."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conference.enums import EventRoleKind, TaxonomyKind
from conference.extensions import db
from conference.models import Event, EventRole, InvitationCode, TaxonomyTerm, TicketType
from conference.services import events as event_service
from tests import factories
from tests.conftest import IDENTITIES

PAGES = [
    "/e/northwind/manage/",
    "/e/northwind/manage/edit",
    "/e/northwind/manage/taxonomy",
    "/e/northwind/manage/ticket-types",
    "/e/northwind/manage/team",
    "/e/northwind/manage/invitations",
]
REFUSED = [i for i in IDENTITIES if i not in ("anonymous", "organizer")]


@pytest.fixture
def as_organizer(login, organizer):
    return login(organizer)


def edit_data(event: Event, **changes) -> dict:
    data = {
        "name": event.name,
        "slug": event.slug,
        "description": event.description,
        "organizer_text": event.organizer_text,
        "contact_email": event.contact_email,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "venue": event.venue,
        "city": event.city,
        "country": event.country,
        "visibility": event.visibility.value,
        "registration_open": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def names(event: Event, kind: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(TaxonomyTerm.name)
            .where(TaxonomyTerm.event_id == event.id, TaxonomyTerm.kind == kind)
            .order_by(TaxonomyTerm.position)
        )
    )


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


# --- permissions ------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("path", PAGES)
def test_manage_page_access(client, as_identity, event, organizer, identity, path):
    as_identity(identity)
    response = client.get(path)
    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("identity", REFUSED)
@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/e/northwind/manage/edit", {"name": "Taken over", "slug": "taken-over"}),
        ("/e/northwind/manage/taxonomy", {"action": "add", "kind": "topic", "add-topic-name": "X"}),
        ("/e/northwind/manage/ticket-types", {"action": "add", "new-name": "Free"}),
        ("/e/northwind/manage/team", {"action": "grant", "email": "x@example.test"}),
        ("/e/northwind/manage/invitations", {"action": "create", "note": "mine"}),
    ],
)
def test_manage_post_refused(client, as_identity, event, organizer, identity, path, data):
    as_identity(identity)
    assert client.post(path, data=data).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InvitationCode)) == 0
    assert [t.name for t in event.ticket_types] == ["Standard", "VIP"]
    assert names(event, "topic") == ["AI", "Payments", "Security"]


def test_manage_unknown_event_404(client, as_organizer):
    assert client.get("/e/nothing-here/manage/").status_code == 404


def test_manage_other_events_organizer_refused(client, login, event, other_event):
    login(factories.organizer(other_event))
    assert client.get("/e/northwind/manage/").status_code == 403


def test_nav_links_every_tab(client, as_organizer):
    page = client.get("/e/northwind/manage/").get_data(as_text=True)
    for href in [*PAGES, "/e/northwind/manage/registrations"]:
        assert f'href="{href.removeprefix("http://localhost")}"' in page


# --- overview ----------------------------------------------------------------------


def test_dashboard_counts_registrations(client, as_organizer, event, attendee, pending):
    page = client.get("/e/northwind/manage/").get_data(as_text=True)
    assert '<div class="stat">3</div>' in page
    assert '<div class="stat text-warning-emphasis">1</div>' in page
    assert "Review pending registrations" in page


# --- settings ------------------------------------------------------------------------


def test_edit_saves_fields_and_slug(client, as_organizer, event):
    response = client.post(
        "/e/northwind/manage/edit",
        data=edit_data(event, name="Northwind 2031", slug="northwind-2031", city="Oslo"),
    )
    assert response.headers["Location"] == "/e/northwind-2031/manage/edit"
    db.session.refresh(event)
    assert (event.name, event.slug, event.city) == ("Northwind 2031", "northwind-2031", "Oslo")


def test_edit_form_shows_current_values(client, as_organizer, event):
    page = client.get("/e/northwind/manage/edit").get_data(as_text=True)
    assert 'value="Northwind Summit"' in page
    assert '<option selected value="Europe/Berlin">Europe/Berlin</option>' in page


def test_edit_taken_slug_refused(client, as_organizer, event, other_event):
    response = client.post(
        "/e/northwind/manage/edit", data=edit_data(event, slug="other-conf", city="Oslo")
    )
    page = response.get_data(as_text=True)
    assert "Another event already uses this address." in page
    assert 'value="Oslo"' in page
    db.session.refresh(event)
    assert (event.slug, event.city) == ("northwind", "")


def test_edit_end_before_start_refused(client, as_organizer, event):
    data = edit_data(event, starts_on="2031-05-07", ends_on="2031-05-06")
    page = client.post("/e/northwind/manage/edit", data=data).get_data(as_text=True)
    assert "The last day cannot be before the first day." in page


def test_edit_empty_slug_refused(client, as_organizer, event):
    page = client.post("/e/northwind/manage/edit", data=edit_data(event, slug="")).get_data(
        as_text=True
    )
    assert "This field is required." in page


# --- taxonomy ---------------------------------------------------------------------------


def test_taxonomy_add_term(client, as_organizer, event):
    response = client.post(
        "/e/northwind/manage/taxonomy",
        data={"action": "add", "kind": "topic", "add-topic-name": "  Robotics "},
    )
    assert response.headers["Location"] == "/e/northwind/manage/taxonomy#list-topic"
    assert names(event, "topic") == ["AI", "Payments", "Security", "Robotics"]


def test_taxonomy_add_duplicate_refused_and_input_kept(client, as_organizer, event):
    response = client.post(
        "/e/northwind/manage/taxonomy",
        data={"action": "add", "kind": "industry", "add-industry-name": "finance"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "“Finance” is already in industries." in page
    assert 'value="finance"' in page
    assert names(event, "industry") == ["Finance", "Healthcare", "Software"]


def test_taxonomy_unknown_kind_400(client, as_organizer, event):
    response = client.post("/e/northwind/manage/taxonomy", data={"action": "add", "kind": "colour"})
    assert response.status_code == 400


def test_taxonomy_rename_term(client, as_organizer, event):
    term = factories.term(event, "region", "EMEA")
    page = client.get(f"/e/northwind/manage/taxonomy?edit={term.id}").get_data(as_text=True)
    assert 'value="EMEA"' in page
    client.post(
        "/e/northwind/manage/taxonomy",
        data={"action": "rename", "term_id": term.id, "rename-name": "Europe"},
    )
    assert names(event, "region") == ["Europe", "APAC", "Americas"]


def test_taxonomy_rename_to_taken_name_refused(client, as_organizer, event):
    term = factories.term(event, "region", "EMEA")
    page = client.post(
        "/e/northwind/manage/taxonomy",
        data={"action": "rename", "term_id": term.id, "rename-name": "apac"},
    ).get_data(as_text=True)
    assert "“APAC” is already in regions." in page
    assert 'value="apac"' in page


def test_taxonomy_move_term_down(client, as_organizer, event):
    term = factories.term(event, "job_role", "CTO")
    client.post("/e/northwind/manage/taxonomy", data={"action": "down", "term_id": term.id})
    assert names(event, "job_role") == ["Engineer", "CTO", "Founder"]


def test_taxonomy_delete_unused_term(client, as_organizer, event):
    term = factories.term(event, "industry", "Finance")
    client.post("/e/northwind/manage/taxonomy", data={"action": "delete", "term_id": term.id})
    assert names(event, "industry") == ["Healthcare", "Software"]


def test_taxonomy_delete_used_term_asks_confirmation(client, as_organizer, event, attendee):
    term = factories.term(event, "industry", "Software")
    response = client.post(
        "/e/northwind/manage/taxonomy", data={"action": "delete", "term_id": term.id}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Delete “Software”?" in page
    assert "2 registrations use it; they will lose this entry." in page
    assert names(event, "industry") == ["Finance", "Healthcare", "Software"]


def test_taxonomy_delete_used_term_confirmed(client, as_organizer, event, attendee):
    term = factories.term(event, "industry", "Software")
    client.post(
        "/e/northwind/manage/taxonomy",
        data={"action": "delete", "term_id": term.id, "confirm": "yes"},
    )
    assert names(event, "industry") == ["Finance", "Healthcare"]


def test_taxonomy_term_of_other_event_404(client, as_organizer, event, other_event):
    term = factories.term(other_event, "industry", "Finance")
    response = client.post(
        "/e/northwind/manage/taxonomy", data={"action": "delete", "term_id": term.id}
    )
    assert response.status_code == 404
    assert names(other_event, "industry") == ["Finance", "Healthcare", "Software"]


# --- ticket types ------------------------------------------------------------------------


def test_ticket_types_add(client, as_organizer, event):
    client.post(
        "/e/northwind/manage/ticket-types",
        data={
            "action": "add",
            "new-name": "Student",
            "new-description": "With a valid card",
            "new-capacity": "40",
        },
    )
    student = factories.ticket(event, "Student")
    assert (student.description, student.capacity, student.position) == ("With a valid card", 40, 2)


def test_ticket_types_add_bad_capacity_refused(client, as_organizer, event):
    page = client.post(
        "/e/northwind/manage/ticket-types",
        data={"action": "add", "new-name": "Student", "new-capacity": "lots"},
    ).get_data(as_text=True)
    assert "Not a valid integer value." in page
    assert 'value="Student"' in page


def test_ticket_types_update(client, as_organizer, event):
    vip = factories.ticket(event, "VIP")
    page = client.get(f"/e/northwind/manage/ticket-types?edit={vip.id}").get_data(as_text=True)
    assert 'value="VIP"' in page
    client.post(
        "/e/northwind/manage/ticket-types",
        data={"action": "update", "ticket_id": vip.id, "edit-name": "Patron", "edit-capacity": ""},
    )
    db.session.refresh(vip)
    assert (vip.name, vip.capacity) == ("Patron", None)


def test_ticket_types_delete_in_use_refused(client, as_organizer, event, attendee):
    standard = factories.ticket(event, "Standard")
    response = client.post(
        "/e/northwind/manage/ticket-types",
        data={"action": "delete", "ticket_id": standard.id},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "“Standard” cannot be deleted: 2 registrations use it." in page
    assert [t.name for t in event.ticket_types] == ["Standard", "VIP"]


def test_ticket_types_delete_unused(client, as_organizer, event):
    vip = factories.ticket(event, "VIP")
    client.post("/e/northwind/manage/ticket-types", data={"action": "delete", "ticket_id": vip.id})
    assert flashes(client) == ["Ticket type “VIP” is deleted."]
    db.session.expire_all()
    assert [t.name for t in event.ticket_types] == ["Standard"]


def test_ticket_types_move_up(client, as_organizer, event):
    vip = factories.ticket(event, "VIP")
    client.post("/e/northwind/manage/ticket-types", data={"action": "up", "ticket_id": vip.id})
    db.session.expire_all()
    assert [t.name for t in event.ticket_types] == ["VIP", "Standard"]


# --- team ----------------------------------------------------------------------------------


def test_team_lists_people_with_roles(client, as_organizer, speaker, sponsor_staff):
    page = client.get("/e/northwind/manage/team").get_data(as_text=True)
    assert "Olga Organizer" in page
    assert "Sam Speaker" in page
    assert "Sponsor staff" in page


def test_team_grant_role_by_email(client, as_organizer, event, outsider):
    response = client.post(
        "/e/northwind/manage/team",
        data={"action": "grant", "email": outsider.email.upper(), "role": "moderator"},
    )
    assert response.status_code == 302
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == outsider.id))
    assert (role.event_id, role.role) == (event.id, EventRoleKind.moderator)


def test_team_grant_unknown_email_refused(client, as_organizer, event):
    page = client.post(
        "/e/northwind/manage/team",
        data={"action": "grant", "email": "ghost@example.test", "role": "speaker"},
    ).get_data(as_text=True)
    assert "No account uses this email address." in page
    assert 'value="ghost@example.test"' in page


def test_team_revoke_role(client, as_organizer, event, speaker):
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == speaker.id))
    client.post("/e/northwind/manage/team", data={"action": "revoke", "role_id": role.id})
    assert db.session.get(EventRole, role.id) is None


def test_team_revoke_last_organizer_refused(client, as_organizer, event, organizer):
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == organizer.id))
    response = client.post(
        "/e/northwind/manage/team",
        data={"action": "revoke", "role_id": role.id},
        follow_redirects=True,
    )
    assert "An event needs at least one organizer" in response.get_data(as_text=True)
    assert db.session.get(EventRole, role.id) is not None


def test_team_revoke_own_organizer_role_leaves_area(client, as_organizer, event, organizer):
    other = factories.organizer(event, "Co Organizer")
    role = db.session.scalar(sa.select(EventRole).where(EventRole.user_id == organizer.id))
    response = client.post(
        "/e/northwind/manage/team", data={"action": "revoke", "role_id": role.id}
    )
    assert response.headers["Location"] == "/e/northwind/"
    assert client.get("/e/northwind/manage/").status_code == 403
    assert (
        db.session.scalar(
            sa.select(EventRole.user_id).where(EventRole.role == EventRoleKind.organizer)
        )
        == other.id
    )


def test_team_role_of_other_event_404(client, as_organizer, event, other_participant):
    role = EventRole(
        event_id=db.session.scalar(sa.select(Event.id).where(Event.slug == "other-conf")),
        user_id=other_participant.id,
        role=EventRoleKind.speaker,
    )
    db.session.add(role)
    db.session.commit()
    response = client.post(
        "/e/northwind/manage/team", data={"action": "revoke", "role_id": role.id}
    )
    assert response.status_code == 404


# --- invitations -----------------------------------------------------------------------------


def test_invitations_create_code_with_link(client, as_organizer, event):
    client.post(
        "/e/northwind/manage/invitations",
        data={"action": "create", "note": "Partners of Acme", "max_uses": "5"},
    )
    code = db.session.scalar(sa.select(InvitationCode).where(InvitationCode.event_id == event.id))
    assert (code.note, code.max_uses, code.uses) == ("Partners of Acme", 5, 0)
    assert re.fullmatch(f"[{event_service.CODE_ALPHABET}]{{10}}", code.code)
    page = client.get("/e/northwind/manage/invitations").get_data(as_text=True)
    assert f"http://localhost/e/northwind/register?code={code.code}" in page
    assert "0 of 5 uses" in page


def test_invitations_bad_max_uses_refused(client, as_organizer, event):
    page = client.post(
        "/e/northwind/manage/invitations",
        data={"action": "create", "note": "Press", "max_uses": "0"},
    ).get_data(as_text=True)
    assert "Number must be between 1 and 100000." in page
    assert 'value="Press"' in page


def test_invitations_revoke(client, as_organizer, event):
    code = event_service.create_invitation_code(event, "Press")
    db.session.commit()
    client.post("/e/northwind/manage/invitations", data={"action": "revoke", "code_id": code.id})
    db.session.refresh(code)
    assert code.revoked_at is not None
    page = client.get("/e/northwind/manage/invitations").get_data(as_text=True)
    assert "Revoked" in page
    assert f"register?code={code.code}" not in page


def test_invitations_unknown_action_400(client, as_organizer, event):
    response = client.post("/e/northwind/manage/invitations", data={"action": "explode"})
    assert response.status_code == 400


def test_ticket_type_of_other_event_404(client, as_organizer, event, other_event):
    ticket = db.session.scalar(
        sa.select(TicketType).where(TicketType.event_id == other_event.id, TicketType.name == "VIP")
    )
    response = client.post(
        "/e/northwind/manage/ticket-types", data={"action": "delete", "ticket_id": ticket.id}
    )
    assert response.status_code == 404


def test_taxonomy_page_lists_every_kind(client, as_organizer, event):
    page = client.get("/e/northwind/manage/taxonomy").get_data(as_text=True)
    for kind in TaxonomyKind:
        assert f'id="list-{kind.value}"' in page
