"""The sponsor's badge scanner over HTTP: who may open and use it, the green, amber and
red answers (JSON and the form of the page without JavaScript), the quick rating, and
bad input."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from conference.enums import ConsentRequestStatus, LeadRating, LeadSource
from conference.extensions import db
from conference.models import Lead, LeadConsentRequest
from conference.services import badges
from tests import factories
from tests.conftest import IDENTITIES
from tests.factories import badge_payload, consent_to_scans


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _url(event, sponsor, tail="scan"):
    return f"/e/{event.slug}/sponsors/{sponsor.id}/{tail}"


def _leads(sponsor) -> list[Lead]:
    return list(db.session.scalars(sa.select(Lead).where(Lead.sponsor_id == sponsor.id)))


@pytest.mark.parametrize("identity", IDENTITIES)
def test_scanner_page_only_for_the_sponsors_staff(as_identity, client, event, sponsor, identity):
    as_identity(identity)
    response = client.get(_url(event, sponsor))
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity == "sponsor_staff":
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "Scan a badge" in page
        assert "Acme Corp" in page
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("identity", IDENTITIES)
def test_scanning_only_for_the_sponsors_staff(
    as_identity, client, event, sponsor, identity, attendee
):
    consent_to_scans(event, attendee)
    payload = badge_payload(event, attendee)
    as_identity(identity)
    response = post_json(client, _url(event, sponsor, "scan.json"), {"payload": payload})
    form = client.post(_url(event, sponsor), data={"code": payload})
    if identity == "anonymous":
        assert {response.status_code, form.status_code} == {302}
    elif identity in ("sponsor_staff", "attendee"):
        # The attendee cannot scan; the staff scan the attendee (twice: then known).
        if identity == "attendee":
            assert {response.status_code, form.status_code} == {403}
            assert _leads(sponsor) == []
        else:
            assert response.status_code == 200
            assert response.json["outcome"] == "captured"
            assert form.status_code == 200
    else:
        assert {response.status_code, form.status_code} == {403}
        assert _leads(sponsor) == []


def test_scan_other_events_sponsor_is_404(client, login, event, other_event, sponsor_staff):
    other = factories.sponsor(other_event, "Initech")
    login(sponsor_staff)
    assert client.get(_url(event, other)).status_code == 404
    assert client.get(f"/e/{other_event.slug}/sponsors/{other.id}/scan").status_code == 403


def test_scan_consenting_attendee_is_green_with_name_and_company(
    client, login, event, sponsor, sponsor_staff
):
    anna = factories.participant(event, "Anna Lead", company="Bolt Ltd", job_title="CTO")
    consent_to_scans(event, anna)
    payload = badge_payload(event, anna)
    login(sponsor_staff)

    response = post_json(client, _url(event, sponsor, "scan.json"), {"payload": payload})

    assert response.status_code == 200
    body = response.json
    assert body["ok"] is True
    assert body["outcome"] == "captured"
    assert body["tone"] == "green"
    assert body["message"] == "Added to your leads."
    (lead,) = _leads(sponsor)
    assert body["lead"] == {
        "id": lead.id,
        "name": "Anna Lead",
        "company": "Bolt Ltd",
        "job_title": "CTO",
        "rating": None,
        "rate_url": f"/e/{event.slug}/sponsors/{sponsor.id}/scan/leads/{lead.id}/rate",
    }
    assert lead.source == LeadSource.scan
    assert lead.captured_by_id == sponsor_staff.id

    again = post_json(client, _url(event, sponsor, "scan.json"), {"payload": payload})
    assert again.json["outcome"] == "known"
    assert again.json["tone"] == "green"
    assert len(_leads(sponsor)) == 1


def test_scan_without_consent_is_amber_and_says_nothing_about_the_person(
    client, login, event, sponsor, sponsor_staff
):
    bea = factories.participant(event, "Bea Private", company="Secret GmbH")
    payload = badge_payload(event, bea)
    login(sponsor_staff)

    response = post_json(client, _url(event, sponsor, "scan.json"), {"payload": payload})

    body = response.json
    assert body == {
        "ok": True,
        "outcome": "asked",
        "tone": "amber",
        "message": "This attendee has not shared their details; we've asked them.",
        "lead": None,
    }
    assert "Bea" not in response.get_data(as_text=True)
    assert "Secret" not in response.get_data(as_text=True)
    assert _leads(sponsor) == []
    request = db.session.scalar(
        sa.select(LeadConsentRequest).where(LeadConsentRequest.user_id == bea.id)
    )
    assert request.status == ConsentRequestStatus.pending
    assert request.requested_by_id == sponsor_staff.id


def test_scan_form_without_javascript_answers_with_the_page(
    client, login, event, sponsor, sponsor_staff
):
    anna = factories.participant(event, "Anna Lead", company="Bolt Ltd")
    bea = factories.participant(event, "Bea Private", company="Secret GmbH")
    consent_to_scans(event, anna)
    login(sponsor_staff)

    green = client.post(_url(event, sponsor), data={"code": badge_payload(event, anna)})
    amber = client.post(_url(event, sponsor), data={"code": badge_payload(event, bea)})
    red = client.post(_url(event, sponsor), data={"code": "B1:NOSUCHBADGE"})

    green_page = green.get_data(as_text=True)
    assert green.status_code == 200
    assert "Anna Lead" in green_page
    assert "Added to your leads." in green_page
    assert 'class="scan-answer lead-answer mb-3 is-green"' in green_page
    (lead,) = _leads(sponsor)
    assert f"/scan/leads/{lead.id}/rate" in green_page
    amber_page = amber.get_data(as_text=True)
    assert "we&#39;ve asked them" in amber_page
    assert "text-bg-warning" in amber_page
    assert "Bea Private" not in amber_page
    assert "Secret GmbH" not in amber_page
    red_page = red.get_data(as_text=True)
    assert "This is not a badge of this event." in red_page
    assert 'class="scan-answer lead-answer mb-3 is-red"' in red_page


def test_scan_of_other_events_badge_and_revoked_badge_are_red(
    client, login, event, other_event, sponsor, sponsor_staff, other_participant, attendee
):
    other_payload = badge_payload(other_event, other_participant)
    old = badge_payload(event, attendee)
    badges.reissue(factories.registration_of(event, attendee))
    db.session.commit()
    login(sponsor_staff)

    other = post_json(client, _url(event, sponsor, "scan.json"), {"payload": other_payload})
    revoked = post_json(client, _url(event, sponsor, "scan.json"), {"payload": old})

    assert (other.json["outcome"], other.json["tone"], other.json["lead"]) == (
        "other_event",
        "red",
        None,
    )
    assert (revoked.json["outcome"], revoked.json["tone"]) == ("revoked", "red")
    assert _leads(sponsor) == []


def test_scan_of_a_colleague_is_red(client, login, event, sponsor, sponsor_staff):
    colleague = factories.participant(event, "Cole League", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, colleague)
    consent_to_scans(event, colleague)
    login(sponsor_staff)
    response = post_json(
        client, _url(event, sponsor, "scan.json"), {"payload": badge_payload(event, colleague)}
    )
    assert response.json["outcome"] == "colleague"
    assert response.json["tone"] == "red"


def test_sponsor_without_lead_retrieval_cannot_scan(client, login, event, attendee):
    basic = factories.sponsor(event, "Basic Co", tier="Startup", lead_retrieval=False)
    staff = factories.participant(event, "Sam Startup", roles=["sponsor_staff"])
    factories.sponsor_member(basic, staff, admin=True)
    consent_to_scans(event, attendee)
    login(staff)

    page = client.get(_url(event, basic))
    response = post_json(
        client, _url(event, basic, "scan.json"), {"payload": badge_payload(event, attendee)}
    )

    assert page.status_code == 403
    assert response.status_code == 403
    assert _leads(basic) == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"payload": 12},
        {"payload": "x" * 201},
        {"payload": "B1:X", "extra": True},
    ],
)
def test_scan_json_refuses_bad_input(client, login, event, sponsor, sponsor_staff, body):
    login(sponsor_staff)
    response = post_json(client, _url(event, sponsor, "scan.json"), body)
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["error"] == "invalid"
    assert response.json["message"]


def test_scan_form_refuses_empty_code_and_keeps_the_page(
    client, login, event, sponsor, sponsor_staff
):
    login(sponsor_staff)
    response = client.post(_url(event, sponsor), data={"code": ""})
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)


def _captured(client, login, event, sponsor, sponsor_staff) -> Lead:
    anna = factories.participant(event, "Anna Lead", company="Bolt Ltd")
    consent_to_scans(event, anna)
    login(sponsor_staff)
    post_json(client, _url(event, sponsor, "scan.json"), {"payload": badge_payload(event, anna)})
    (lead,) = _leads(sponsor)
    return lead


def test_rate_after_scan_sets_rating_and_adds_the_note(
    client, login, event, sponsor, sponsor_staff
):
    lead = _captured(client, login, event, sponsor, sponsor_staff)
    url = _url(event, sponsor, f"scan/leads/{lead.id}/rate")

    first = post_json(client, url, {"rating": "hot", "note": "Wants a demo"})
    second = post_json(client, url, {"rating": "warm", "note": "Call in May"})

    assert first.status_code == 200
    assert second.json["ok"] is True
    assert second.json["lead"]["rating"] == "warm"
    db.session.refresh(lead)
    assert lead.rating == LeadRating.warm
    assert lead.notes == "Wants a demo\n\nCall in May"


def test_rate_form_without_javascript_redirects_to_the_scanner(
    client, login, event, sponsor, sponsor_staff
):
    lead = _captured(client, login, event, sponsor, sponsor_staff)
    response = client.post(
        _url(event, sponsor, f"scan/leads/{lead.id}/rate"), data={"rating": "cold", "note": ""}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(event, sponsor))
    db.session.refresh(lead)
    assert lead.rating == LeadRating.cold
    assert lead.notes == ""


def test_rate_form_with_too_long_note_keeps_what_was_typed(
    client, login, event, sponsor, sponsor_staff
):
    lead = _captured(client, login, event, sponsor, sponsor_staff)
    note = "n" * 2001
    response = client.post(
        _url(event, sponsor, f"scan/leads/{lead.id}/rate"), data={"rating": "hot", "note": note}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "At most 2000 characters, please." in page
    assert note in page
    db.session.refresh(lead)
    assert lead.rating is None


@pytest.mark.parametrize("body", [{"rating": "lukewarm"}, {"note": 5}, {"nope": 1}])
def test_rate_json_refuses_bad_input(client, login, event, sponsor, sponsor_staff, body):
    lead = _captured(client, login, event, sponsor, sponsor_staff)
    response = post_json(client, _url(event, sponsor, f"scan/leads/{lead.id}/rate"), body)
    assert response.status_code == 400
    assert response.json["error"] == "invalid"
    db.session.refresh(lead)
    assert lead.rating is None


def test_rate_refuses_another_sponsors_or_withdrawn_lead(
    client, login, event, sponsor, sponsor_staff, rival_sponsor, rival_staff
):
    lead = _captured(client, login, event, sponsor, sponsor_staff)
    client.post("/logout")
    login(rival_staff)
    rival = post_json(
        client, _url(event, rival_sponsor, f"scan/leads/{lead.id}/rate"), {"rating": "hot"}
    )
    own_url = post_json(
        client, _url(event, sponsor, f"scan/leads/{lead.id}/rate"), {"rating": "hot"}
    )
    assert rival.status_code == 404
    assert rival.json["error"] == "not_found"
    assert own_url.status_code == 403
    db.session.refresh(lead)
    assert lead.rating is None
