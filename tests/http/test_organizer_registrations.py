"""The organizer's registrations pages: table, bulk decisions, editing one, CSV export."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import Profile, Registration, User
from conference.services.search import search_fields
from tests import factories
from tests.conftest import IDENTITIES

REFUSED = [name for name in IDENTITIES if name not in ("anonymous", "organizer")]


def registration_of(user, event) -> Registration:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def quick_participants(event, count: int) -> None:
    """Many approved registrations without the cost of hashing a password each."""
    for n in range(count):
        person = User(email=f"bulk{n}@example.test", password_hash="-", display_name=f"Bulk {n}")
        person.profile = Profile()
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Registration(
                event_id=event.id,
                user_id=person.id,
                status=RegistrationStatus.approved,
                **search_fields(person),
            )
        )
    db.session.commit()


# --- who may open the pages --------------------------------------------------------


def routes(event, attendee) -> dict[str, tuple[str, str]]:
    registration = registration_of(attendee, event)
    return {
        "table": ("GET", "/e/northwind/manage/registrations"),
        "edit": ("GET", f"/e/northwind/manage/registrations/{registration.id}"),
        "edit_post": ("POST", f"/e/northwind/manage/registrations/{registration.id}"),
        "export": ("GET", "/e/northwind/manage/registrations.csv"),
        "bulk": ("POST", "/e/northwind/manage/registrations/bulk"),
    }


ROUTE_NAMES = ["table", "edit", "edit_post", "export", "bulk"]


def call(client, method: str, path: str):
    if method == "POST":
        return client.post(path, data={"action": "approved", "status": "approved"})
    return client.get(path)


@pytest.mark.parametrize("route", ROUTE_NAMES)
@pytest.mark.parametrize("identity", REFUSED)
def test_registrations_routes_refused(client, as_identity, event, attendee, route, identity):
    method, path = routes(event, attendee)[route]
    as_identity(identity)

    assert call(client, method, path).status_code == 403


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_registrations_routes_anonymous_redirect_to_login(client, event, attendee, route):
    method, path = routes(event, attendee)[route]

    response = call(client, method, path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("route", "status"),
    [("table", 200), ("edit", 200), ("edit_post", 302), ("export", 200), ("bulk", 302)],
)
def test_registrations_routes_organizer_allowed(
    client, as_identity, event, attendee, route, status
):
    method, path = routes(event, attendee)[route]
    as_identity("organizer")

    assert call(client, method, path).status_code == status


def test_registrations_organizer_of_other_event_refused(client, login, event, other_event):
    login(factories.organizer(other_event, "Olaf Other"))

    assert client.get("/e/northwind/manage/registrations").status_code == 403


def test_edit_registration_of_other_event_is_404(
    client, login, organizer, other_event, other_participant
):
    theirs = registration_of(other_participant, other_event)
    login(organizer)

    assert client.get(f"/e/northwind/manage/registrations/{theirs.id}").status_code == 404
    response = client.post(
        f"/e/northwind/manage/registrations/{theirs.id}", data={"status": "declined"}
    )
    assert response.status_code == 404
    assert theirs.status == RegistrationStatus.approved


# --- the table ------------------------------------------------------------------------


def test_table_lists_registrations_with_counts(client, login, organizer, attendee, pending):
    login(organizer)

    page = client.get("/e/northwind/manage/registrations").get_data(as_text=True)

    for name in ("Olga Organizer", "Anna Attendee", "Pat Pending"):
        assert name in page
    assert 'All<span class="count">3</span>' in page
    assert 'Pending<span class="count">1</span>' in page
    assert 'Approved<span class="count">2</span>' in page
    assert "Showing 1\u20133 of 3" in page


def test_table_search_matches_cyrillic_and_japanese(client, login, event, organizer, attendee):
    factories.participant(event, "Дмитрий Иванов", company="Яндекс")
    full_width_cto = "\uff23\uff34\uff2f"
    factories.participant(event, "山田 太郎", job_title=full_width_cto)
    login(organizer)

    cyrillic = client.get("/e/northwind/manage/registrations?q=яндекс").get_data(as_text=True)
    japanese = client.get("/e/northwind/manage/registrations?q=cto").get_data(as_text=True)

    assert ("Дмитрий Иванов" in cyrillic, "Anna Attendee" in cyrillic) == (True, False)
    assert ("山田 太郎" in japanese, "Дмитрий Иванов" in japanese) == (True, False)


def test_table_filters_by_status_and_terms(client, login, event, organizer, attendee, pending):
    factories.participant(event, "Fay Finance", industry="Finance")
    finance = factories.term(event, "industry", "Finance").id
    login(organizer)

    pending_page = client.get("/e/northwind/manage/registrations?status=pending").get_data(
        as_text=True
    )
    finance_page = client.get(f"/e/northwind/manage/registrations?industry={finance}").get_data(
        as_text=True
    )

    assert ("Pat Pending" in pending_page, "Anna Attendee" in pending_page) == (True, False)
    assert ("Fay Finance" in finance_page, "Anna Attendee" in finance_page) == (True, False)


def test_table_ignores_malformed_filters(client, login, organizer):
    login(organizer)

    response = client.get("/e/northwind/manage/registrations?status=bogus&ticket=x&page=-3")

    assert response.status_code == 200
    assert "Olga Organizer" in response.get_data(as_text=True)


def test_table_paginates_fifty_per_page(client, login, event, organizer):
    quick_participants(event, 50)
    login(organizer)

    first = client.get("/e/northwind/manage/registrations").get_data(as_text=True)
    second = client.get("/e/northwind/manage/registrations?page=2").get_data(as_text=True)

    assert (first.count('name="registration_ids"'), second.count('name="registration_ids"')) == (
        50,
        1,
    )
    assert "Showing 51\u201351 of 51" in second


def test_table_without_registrations_matching_shows_empty_state(client, login, organizer):
    login(organizer)

    page = client.get("/e/northwind/manage/registrations?q=nobody").get_data(as_text=True)

    assert "No registrations match" in page


# --- bulk decisions --------------------------------------------------------------------


def test_bulk_approve_changes_and_emails(client, login, event, organizer, pending, outbox):
    registration = registration_of(pending, event)
    login(organizer)

    response = client.post(
        "/e/northwind/manage/registrations/bulk",
        data={
            "registration_ids": [registration.id],
            "action": "approved",
            "return_to": "/e/northwind/manage/registrations?status=pending",
        },
    )

    assert response.headers["Location"] == "/e/northwind/manage/registrations?status=pending"
    assert registration.status == RegistrationStatus.approved
    (message,) = outbox.to(pending.email)
    assert message["Subject"] == "You are in: Northwind Summit"


def test_bulk_decline_asks_for_confirmation_first(client, login, event, organizer, pending):
    registration = registration_of(pending, event)
    login(organizer)

    response = client.post(
        "/e/northwind/manage/registrations/bulk",
        data={"registration_ids": [registration.id], "action": "declined"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Decline 1 registration?" in page
    assert "Pat Pending" in page
    assert registration.status == RegistrationStatus.pending


def test_bulk_decline_confirmed_emails_note(client, login, event, organizer, pending, outbox):
    registration = registration_of(pending, event)
    login(organizer)

    client.post(
        "/e/northwind/manage/registrations/bulk",
        data={
            "registration_ids": [registration.id],
            "action": "declined",
            "confirmed": "1",
            "note": "We are over capacity, sorry.",
        },
    )

    assert registration.status == RegistrationStatus.declined
    assert registration.organizer_note == "We are over capacity, sorry."
    (message,) = outbox.to(pending.email)
    assert "We are over capacity, sorry." in outbox.text(message)


def test_bulk_cancel_ignores_other_events_registrations(
    client, login, event, other_event, organizer, attendee, other_participant
):
    mine = registration_of(attendee, event)
    theirs = registration_of(other_participant, other_event)
    login(organizer)

    client.post(
        "/e/northwind/manage/registrations/bulk",
        data={"registration_ids": [mine.id, theirs.id], "action": "cancelled", "confirmed": "1"},
    )

    assert (mine.status, theirs.status) == (
        RegistrationStatus.cancelled,
        RegistrationStatus.approved,
    )


def test_bulk_without_selection_changes_nothing(client, login, event, organizer, pending):
    login(organizer)

    response = client.post(
        "/e/northwind/manage/registrations/bulk",
        data={"action": "approved"},
        follow_redirects=True,
    )

    assert "Select at least one registration first." in response.get_data(as_text=True)
    assert registration_of(pending, event).status == RegistrationStatus.pending


def test_bulk_return_to_elsewhere_is_ignored(client, login, event, organizer, pending):
    login(organizer)

    response = client.post(
        "/e/northwind/manage/registrations/bulk",
        data={
            "registration_ids": [registration_of(pending, event).id],
            "action": "approved",
            "return_to": "https://evil.test/e/northwind/manage/registrations",
        },
    )

    assert response.headers["Location"] == "/e/northwind/manage/registrations"


# --- editing one ------------------------------------------------------------------------


def test_edit_page_shows_person_and_answers(client, login, event, organizer, attendee):
    registration = registration_of(attendee, event)
    login(organizer)

    page = client.get(f"/e/northwind/manage/registrations/{registration.id}").get_data(as_text=True)

    assert "Anna Attendee" in page
    assert attendee.email in page
    assert '<option selected value="approved">' in page


def test_edit_post_updates_and_emails(client, login, event, organizer, pending, outbox):
    registration = registration_of(pending, event)
    login(organizer)

    response = client.post(
        f"/e/northwind/manage/registrations/{registration.id}",
        data={
            "status": "declined",
            "ticket_type": factories.ticket(event, "VIP").id,
            "industry": factories.term(event, "industry", "Finance").id,
            "region": "",
            "job_role": "",
            "interests": [factories.term(event, "topic", "Security").id],
            "organizer_note": "Please apply again next year.",
        },
    )

    assert response.headers["Location"] == "/e/northwind/manage/registrations"
    assert (registration.status, registration.ticket_type.name) == (
        RegistrationStatus.declined,
        "VIP",
    )
    assert (registration.industry.name, registration.region) == ("Finance", None)
    assert [t.name for t in registration.interests] == ["Security"]
    (message,) = outbox.to(pending.email)
    assert "Please apply again next year." in outbox.text(message)


def test_edit_post_forged_term_shows_error(client, login, event, other_event, organizer, attendee):
    registration = registration_of(attendee, event)
    login(organizer)

    response = client.post(
        f"/e/northwind/manage/registrations/{registration.id}",
        data={
            "status": "approved",
            "industry": factories.term(other_event, "industry", "Finance").id,
            "organizer_note": "kept as typed",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose one of the listed options." in page
    assert "kept as typed" in page
    assert registration.industry.name == "Software"


# --- export -----------------------------------------------------------------------------------


def test_export_csv_exact_with_bom_and_formula_escaping(client, login, event, organizer):
    person = factories.participant(
        event,
        "Иван =Петров",
        company="=cmd|' /C calc'!A0",
        job_title="-CFO",
        industry="Finance",
        region="APAC",
        job_role="CTO",
        interests=["AI", "Payments"],
        ticket_type="VIP",
    )
    registration = registration_of(person, event)
    registration.created_at = registration.created_at.replace(
        year=2026, month=1, day=2, hour=3, minute=4, second=5, microsecond=0
    )
    db.session.commit()
    login(organizer)

    response = client.get(f"/e/northwind/manage/registrations.csv?q={person.email}")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=northwind-registrations-"
    )
    assert (
        response.data
        == (
            "\ufeff"
            "Name,Email,Company,Job title,Status,Ticket type,Industry,Region,Job role,Interests,"
            "Registered at (UTC)\r\n"
            f"Иван =Петров,{person.email},'=cmd|' /C calc'!A0,'-CFO,Approved,VIP,Finance,APAC,CTO,"
            "AI; Payments,2026-01-02T03:04:05Z\r\n"
        ).encode()
    )


def test_export_csv_follows_status_filter(client, login, organizer, attendee, pending):
    login(organizer)

    body = client.get("/e/northwind/manage/registrations.csv?status=pending").data.decode(
        "utf-8-sig"
    )

    lines = body.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(f"Pat Pending,{pending.email},")
