"""A participant's own badge (phone page and PDF), one badge printed at the desk,
reissuing a lost badge, and the "Badge" card of the organizer's registration page,
for every identity."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conference.enums import ScanOutcome
from conference.extensions import db
from conference.models import BadgeCode, BadgePrint, Registration
from conference.services import badges as badge_service
from tests import factories
from tests.conftest import IDENTITIES
from tests.factories import registration_of

#: Identities with an approved registration of the event: they have a badge.
WITH_BADGE = ["attendee", "speaker", "sponsor_staff", "checkin_staff", "organizer"]
#: Who may print and reissue anyone's badge.
DESK = ["checkin_staff", "organizer"]


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def print_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint))


def live_codes(registration: Registration) -> list[BadgeCode]:
    return db.session.scalars(
        sa.select(BadgeCode).where(
            BadgeCode.registration_id == registration.id, BadgeCode.revoked_at.is_(None)
        )
    ).all()


# --- my badge -----------------------------------------------------------------------------


@pytest.mark.parametrize("identity", WITH_BADGE)
def test_my_badge_page_shows_the_qr_code_and_name(request, client, as_identity, event, identity):
    person = as_identity(identity)
    response = client.get("/e/northwind/badge")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page
    assert person.display_name in page
    assert "Show this at the entrance." in page
    assert "Standard" in page
    assert "/e/northwind/badge.pdf" in page
    # The page issued the person's code, and the QR code carries it.
    code = badge_service.live_code(registration_of(event, person))
    assert code.qr_payload.startswith("B1:")


def test_my_badge_page_shows_the_same_code_each_time(client, login, event, attendee):
    login(attendee)
    client.get("/e/northwind/badge")
    client.get("/e/northwind/badge")
    assert len(live_codes(registration_of(event, attendee))) == 1


def test_my_badge_page_says_wait_while_pending(client, login, pending):
    login(pending)
    response = client.get("/e/northwind/badge")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Your badge appears once your registration is approved" in page
    assert "my-badge-qr" not in page


@pytest.mark.parametrize("identity", ["anonymous", "outsider", "other_participant"])
@pytest.mark.parametrize("path", ["/e/northwind/badge", "/e/northwind/badge.pdf"])
def test_my_badge_is_participants_only(client, as_identity, event, identity, path):
    as_identity(identity)
    response = client.get(path)
    assert response.status_code == 403
    assert "visible to registered participants only" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["declined", "cancelled"])
def test_my_badge_refused_once_declined_or_cancelled(client, login, event, status):
    person = factories.participant(event, name="Dee Declined", status=status)
    login(person)
    assert client.get("/e/northwind/badge").status_code == 403
    assert client.get("/e/northwind/badge.pdf").status_code == 403


def test_my_badge_pdf_while_pending_is_refused(client, login, pending):
    login(pending)
    assert client.get("/e/northwind/badge.pdf").status_code == 403


def test_my_badge_pdf_is_my_badge_and_not_a_print(client, login, event, attendee):
    login(attendee)
    response = client.get("/e/northwind/badge.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="northwind-badge.pdf"'
    assert "Anna Attendee" in pdf_text(response.data)
    assert print_count() == 0


# --- one badge at the desk ----------------------------------------------------------------


@pytest.mark.parametrize("identity", DESK)
def test_print_one_is_an_inline_pdf_recorded_as_a_print(
    request, client, as_identity, event, attendee, identity
):
    desk = as_identity(identity)
    registration = registration_of(event, attendee)
    response = client.get(f"/e/northwind/badges/{registration.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "Anna Attendee" in pdf_text(response.data)
    printed = db.session.scalar(sa.select(BadgePrint))
    assert (printed.registration_id, printed.printed_by_id, printed.batch_id) == (
        registration.id,
        desk.id,
        None,
    )


def test_print_one_from_another_site_records_no_print(client, login, event, organizer, attendee):
    login(organizer)
    registration = registration_of(event, attendee)
    response = client.get(
        f"/e/northwind/badges/{registration.id}.pdf", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 200
    assert "Anna Attendee" in pdf_text(response.data)
    assert db.session.scalar(sa.select(BadgePrint)) is None


@pytest.mark.parametrize("identity", [n for n in IDENTITIES if n not in DESK and n != "anonymous"])
def test_print_one_refused(client, as_identity, event, attendee, identity):
    as_identity(identity)
    registration = registration_of(event, attendee)
    assert client.get(f"/e/northwind/badges/{registration.id}.pdf").status_code == 403
    assert print_count() == 0


def test_print_one_anonymous_goes_to_login(client, event, attendee):
    response = client.get(f"/e/northwind/badges/{registration_of(event, attendee).id}.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_print_one_of_another_events_registration_is_404(
    client, login, organizer, other_participant, other_event
):
    login(organizer)
    foreign = registration_of(other_event, other_participant)
    assert client.get(f"/e/northwind/badges/{foreign.id}.pdf").status_code == 404
    assert (
        client.post(f"/e/northwind/badges/{foreign.id}/reissue", data={"confirm": "y"}).status_code
        == 404
    )
    assert print_count() == 0


# --- reissue ------------------------------------------------------------------------------


@pytest.mark.parametrize("identity", DESK)
def test_reissue_revokes_the_old_code(client, as_identity, event, attendee, identity):
    as_identity(identity)
    registration = registration_of(event, attendee)
    old = badge_service.live_code(registration).qr_payload
    db.session.commit()

    response = client.post(
        f"/e/northwind/badges/{registration.id}/reissue",
        data={"confirm": "y", "next": "/e/northwind/checkin/"},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/e/northwind/checkin/"
    assert badge_service.resolve(event, old).outcome == ScanOutcome.revoked
    new = badge_service.live_code(registration).qr_payload
    assert new != old
    assert badge_service.resolve(event, new).outcome == ScanOutcome.ok


def test_reissue_without_confirming_changes_nothing(client, login, event, organizer, attendee):
    login(organizer)
    registration = registration_of(event, attendee)
    old = badge_service.live_code(registration).qr_payload
    db.session.commit()

    response = client.post(f"/e/northwind/badges/{registration.id}/reissue", follow_redirects=True)

    assert "Tick the box to confirm: the old badge stops working." in response.get_data(
        as_text=True
    )
    assert badge_service.resolve(event, old).outcome == ScanOutcome.ok


def test_reissue_answers_json_to_the_checkin_page(client, login, event, checkin_staff, attendee):
    login(checkin_staff)
    registration = registration_of(event, attendee)
    refused = client.post(
        f"/e/northwind/badges/{registration.id}/reissue",
        headers={"Accept": "application/json"},
    )
    assert (refused.status_code, refused.json["ok"], refused.json["error"]) == (
        400,
        False,
        "not_confirmed",
    )
    done = client.post(
        f"/e/northwind/badges/{registration.id}/reissue",
        data={"confirm": "y"},
        headers={"Accept": "application/json"},
    )
    assert done.status_code == 200
    assert done.json["ok"] is True
    assert done.json["print_url"] == f"/e/northwind/badges/{registration.id}.pdf"
    assert len(live_codes(registration)) == 1


def test_reissue_goes_back_to_the_registration_page_not_elsewhere(
    client, login, event, organizer, attendee
):
    login(organizer)
    registration = registration_of(event, attendee)
    response = client.post(
        f"/e/northwind/badges/{registration.id}/reissue",
        data={"confirm": "y", "next": "https://evil.example/phish"},
    )
    assert response.headers["Location"] == f"/e/northwind/manage/registrations/{registration.id}"


@pytest.mark.parametrize("identity", [n for n in IDENTITIES if n not in DESK and n != "anonymous"])
def test_reissue_refused(client, as_identity, event, attendee, identity):
    as_identity(identity)
    registration = registration_of(event, attendee)
    old = badge_service.live_code(registration).qr_payload
    db.session.commit()
    response = client.post(f"/e/northwind/badges/{registration.id}/reissue", data={"confirm": "y"})
    assert response.status_code == 403
    assert badge_service.resolve(event, old).outcome == ScanOutcome.ok


def test_reissue_anonymous_goes_to_login(client, event, attendee):
    registration = registration_of(event, attendee)
    response = client.post(f"/e/northwind/badges/{registration.id}/reissue", data={"confirm": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert live_codes(registration) == []


# --- the registration page's card and the participant's link ------------------------------


def test_registration_page_card_shows_print_history(client, login, event, organizer, attendee):
    login(organizer)
    registration = registration_of(event, attendee)
    path = f"/e/northwind/manage/registrations/{registration.id}"
    page = client.get(path).get_data(as_text=True)
    assert f"/e/northwind/badges/{registration.id}.pdf" in page
    assert f"/e/northwind/badges/{registration.id}/reissue" in page
    assert "Never printed." in page

    client.get(f"/e/northwind/badges/{registration.id}.pdf")

    page = client.get(path).get_data(as_text=True)
    assert "Never printed." not in page
    assert "single badge · Olga Organizer" in page


def test_registration_page_card_warns_when_not_approved(client, login, event, organizer, pending):
    login(organizer)
    registration = registration_of(event, pending)
    page = client.get(f"/e/northwind/manage/registrations/{registration.id}").get_data(as_text=True)
    assert "This registration is not approved: its badge is refused at the entrance." in page


def test_my_registration_links_to_my_badge(client, login, attendee):
    login(attendee)
    page = client.get("/e/northwind/registration").get_data(as_text=True)
    assert "/e/northwind/badge" in page
