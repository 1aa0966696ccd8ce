"""The attendee's side of sponsor consent over HTTP: /me/privacy (the scan question,
the announcements opt-in, requests, holders, withdrawal), the registration form's
question, the organizer's wording, the sharing box of meetings, and the menu."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from conference.enums import ConsentRequestStatus, LeadSource
from conference.extensions import db
from conference.models import Lead, LeadConsentRequest, Meeting
from conference.services import leads
from conference.services import meetings as meetings_service
from tests import factories
from tests import program_helpers as program
from tests.conftest import IDENTITIES
from tests.factories import badge_payload, consent_to_scans, registration_of
from tests.services.test_meetings import add_place, set_hours

QUESTION = str(leads.SCAN_QUESTION)


def _privacy(client) -> str:
    response = client.get("/me/privacy")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _scan(client, login, event, sponsor, staff, person):
    login(staff)
    client.post(
        f"/e/{event.slug}/sponsors/{sponsor.id}/scan.json",
        data=json.dumps({"payload": badge_payload(event, person)}),
        content_type="application/json",
    )
    client.post("/logout")


def _request_of(person) -> LeadConsentRequest:
    return db.session.scalar(
        sa.select(LeadConsentRequest).where(LeadConsentRequest.user_id == person.id)
    )


def _lead(sponsor, person) -> Lead | None:
    return leads.lead_of(sponsor, person)


# --- who may open it --------------------------------------------------------------------------


@pytest.mark.parametrize("identity", IDENTITIES)
def test_privacy_page_is_for_every_signed_in_person(as_identity, client, event, identity):
    as_identity(identity)
    response = client.get("/me/privacy")
    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    else:
        assert response.status_code == 200
        assert "Privacy and my data" in response.get_data(as_text=True)


def test_privacy_page_shows_only_my_own_events_and_holders(
    client, login, event, other_event, sponsor, attendee, other_participant
):
    consent_to_scans(event, attendee)
    login(other_participant)
    page = _privacy(client)
    assert other_event.name in page
    assert event.name not in page
    assert "No sponsor has your contact details." in page


# --- the scan question --------------------------------------------------------------------------


def test_privacy_page_never_preselects_an_unanswered_question(client, login, event, attendee):
    login(attendee)
    page = _privacy(client)
    assert QUESTION in page
    reg = registration_of(event, attendee)
    assert f'name="r{reg.id}-scan_consent"' in page
    assert "checked" not in re.search(r'<fieldset class="mb-3">.*?</fieldset>', page, re.S).group(0)
    assert "Not answered yet" in page


def test_privacy_saves_yes_with_the_question_shown(client, login, event, attendee):
    login(attendee)
    reg = registration_of(event, attendee)
    response = client.post(
        "/me/privacy",
        data={
            "registration": reg.id,
            f"r{reg.id}-scan_consent": "yes",
            f"r{reg.id}-shown": QUESTION,
            f"r{reg.id}-sponsor_offers": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(reg)
    assert reg.sponsor_scan_consent is True
    assert reg.sponsor_scan_consent_text == QUESTION
    assert reg.sponsor_scan_consent_at is not None
    assert reg.sponsor_offers is True
    assert "Answered on" in _privacy(client)


def test_privacy_saves_no_and_takes_back_a_yes(client, login, event, attendee):
    consent_to_scans(event, attendee)
    login(attendee)
    reg = registration_of(event, attendee)
    response = client.post(
        "/me/privacy",
        data={
            "registration": reg.id,
            f"r{reg.id}-scan_consent": "no",
            f"r{reg.id}-shown": QUESTION,
        },
    )
    assert response.status_code == 302
    db.session.refresh(reg)
    assert reg.sponsor_scan_consent is False
    assert reg.sponsor_offers is False


def test_privacy_refuses_an_answer_to_a_changed_question(client, login, event, attendee):
    login(attendee)
    reg = registration_of(event, attendee)
    event.sponsor_consent_question = "Sponsors may have my phone number."
    db.session.commit()
    response = client.post(
        "/me/privacy",
        data={
            "registration": reg.id,
            f"r{reg.id}-scan_consent": "yes",
            f"r{reg.id}-shown": QUESTION,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The wording you agreed to has changed." in page
    assert "Sponsors may have my phone number." in page
    db.session.refresh(reg)
    assert reg.sponsor_scan_consent is False
    assert reg.sponsor_scan_consent_at is None


def test_privacy_refuses_someone_elses_registration(client, login, event, attendee, speaker):
    login(attendee)
    reg = registration_of(event, speaker)
    response = client.post(
        "/me/privacy",
        data={
            "registration": reg.id,
            f"r{reg.id}-scan_consent": "yes",
            f"r{reg.id}-shown": QUESTION,
        },
    )
    assert response.status_code == 404
    db.session.refresh(reg)
    assert reg.sponsor_scan_consent is False


# --- requests ---------------------------------------------------------------------------------


def test_request_after_scan_is_listed_and_accepting_makes_the_lead(
    client, login, event, sponsor, sponsor_staff, attendee
):
    _scan(client, login, event, sponsor, sponsor_staff, attendee)
    login(attendee)
    page = _privacy(client)
    share = leads.share_text(sponsor)
    assert "Sponsors asking for your details" in page
    assert "Share my details with Acme Corp" in page
    request = _request_of(attendee)

    response = client.post(
        f"/me/privacy/requests/{request.id}", data={"answer": "accept", "shown": share}
    )

    assert response.status_code == 302
    lead = _lead(sponsor, attendee)
    assert lead.source == LeadSource.scan_request
    assert lead.consent_text == share
    assert lead.captured_by_id == sponsor_staff.id
    db.session.refresh(request)
    assert request.status == ConsentRequestStatus.accepted
    page = _privacy(client)
    assert "Sponsors asking for your details" not in page
    assert "Their staff scanned your badge and you accepted their request." in page


def test_ignoring_a_request_makes_no_lead(client, login, event, sponsor, sponsor_staff, attendee):
    _scan(client, login, event, sponsor, sponsor_staff, attendee)
    login(attendee)
    request = _request_of(attendee)
    response = client.post(f"/me/privacy/requests/{request.id}", data={"answer": "ignore"})
    assert response.status_code == 302
    assert _lead(sponsor, attendee) is None
    db.session.refresh(request)
    assert request.status == ConsentRequestStatus.ignored


def test_accepting_with_other_words_than_shown_is_refused(
    client, login, event, sponsor, sponsor_staff, attendee
):
    _scan(client, login, event, sponsor, sponsor_staff, attendee)
    login(attendee)
    request = _request_of(attendee)
    response = client.post(
        f"/me/privacy/requests/{request.id}", data={"answer": "accept", "shown": "Something else"}
    )
    assert response.status_code == 400
    assert "The wording you agreed to has changed." in response.get_data(as_text=True)
    assert _lead(sponsor, attendee) is None
    db.session.refresh(request)
    assert request.status == ConsentRequestStatus.pending


def test_someone_elses_request_is_404(
    client, login, event, sponsor, sponsor_staff, attendee, speaker
):
    _scan(client, login, event, sponsor, sponsor_staff, attendee)
    request = _request_of(attendee)
    login(speaker)
    response = client.post(
        f"/me/privacy/requests/{request.id}",
        data={"answer": "accept", "shown": leads.share_text(sponsor)},
    )
    assert response.status_code == 404
    assert _lead(sponsor, attendee) is None


# --- holders and withdrawal -------------------------------------------------------------------


def test_holders_show_since_why_and_exact_words(client, login, event, sponsor, attendee):
    share = leads.share_text(sponsor)
    leads.share_from_booth(attendee, sponsor, share)
    db.session.commit()
    login(attendee)
    page = _privacy(client)
    assert 'data-holder="Acme Corp"' in page
    assert "You shared your details on their booth." in page
    assert share in page
    assert "since " in page


def test_withdraw_removes_the_lead_from_the_sponsor(client, login, event, sponsor, attendee):
    lead = leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.commit()
    login(attendee)
    response = client.post(f"/me/privacy/leads/{lead.id}/withdraw")
    assert response.status_code == 302
    db.session.refresh(lead)
    assert lead.withdrawn_at is not None
    assert leads.lead_in(sponsor, lead.id) is None
    assert "No sponsor has your contact details." in _privacy(client)


def test_withdrawing_someone_elses_lead_is_404(client, login, event, sponsor, attendee, speaker):
    lead = leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.commit()
    login(speaker)
    assert client.post(f"/me/privacy/leads/{lead.id}/withdraw").status_code == 404
    db.session.refresh(lead)
    assert lead.withdrawn_at is None


# --- the menu ---------------------------------------------------------------------------------


def test_menu_counts_pending_requests_and_links_staff_to_their_sponsor(
    client, login, event, sponsor, sponsor_staff, attendee
):
    _scan(client, login, event, sponsor, sponsor_staff, attendee)
    login(attendee)
    page = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    assert re.search(r'href="/me/privacy" title="Sponsor requests" data-sponsor-requests>', page)
    assert re.search(r"data-sponsor-requests-compact>.*?>1<", page, re.S)
    assert "My sponsor" not in page
    client.post("/logout")
    login(sponsor_staff)
    page = client.get(f"/e/{event.slug}/").get_data(as_text=True)
    assert "Sponsor requests" not in page
    assert re.search(rf'href="/e/{event.slug}/sponsors/{sponsor.id}/[a-z]+">My sponsor', page)


def test_profile_edit_links_to_privacy(client, login, attendee):
    login(attendee)
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'href="/me/privacy"' in page


# --- registration --------------------------------------------------------------------------------


def _register_data(event, **extra) -> dict:
    return {
        "ticket_type": factories.ticket(event, "Standard").id,
        "industry": factories.term(event, "industry", "Software").id,
        "region": factories.term(event, "region", "EMEA").id,
        "job_role": factories.term(event, "job_role", "Engineer").id,
        "interests": [factories.term(event, "topic", "AI").id],
        **extra,
    }


def test_registration_form_asks_the_question_unticked(client, login, event):
    person = factories.user("Nina New")
    login(person)
    page = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="scan_consent"[^>]*>', page).group(0)
    assert "checked" not in box
    assert QUESTION in page
    assert f'name="scan_question_shown" type="hidden" value="{QUESTION}"' in page


def test_registering_with_the_box_ticked_records_consent(client, login, event):
    person = factories.user("Nina New")
    login(person)
    response = client.post(
        f"/e/{event.slug}/register",
        data=_register_data(
            event, scan_consent="y", scan_question_shown=QUESTION, sponsor_offers="y"
        ),
    )
    assert response.status_code == 302
    reg = registration_of(event, person)
    assert reg.sponsor_scan_consent is True
    assert reg.sponsor_scan_consent_text == QUESTION
    assert reg.sponsor_offers is True


def test_registering_unticked_leaves_the_question_unanswered(client, login, event):
    person = factories.user("Nina New")
    login(person)
    response = client.post(f"/e/{event.slug}/register", data=_register_data(event))
    assert response.status_code == 302
    reg = registration_of(event, person)
    assert reg.sponsor_scan_consent is False
    assert reg.sponsor_scan_consent_at is None
    assert reg.sponsor_offers is False


def test_registering_with_a_changed_question_registers_nothing(client, login, event):
    person = factories.user("Nina New")
    event.sponsor_consent_question = "Sponsors may call me."
    db.session.commit()
    login(person)
    response = client.post(
        f"/e/{event.slug}/register",
        data=_register_data(event, scan_consent="y", scan_question_shown=QUESTION),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The wording you agreed to has changed." in page
    assert "Sponsors may call me." in page
    assert registration_of(event, person) is None


def test_changing_registration_untick_takes_back_consent(client, login, event, attendee):
    consent_to_scans(event, attendee)
    login(attendee)
    page = client.get(f"/e/{event.slug}/registration/edit").get_data(as_text=True)
    assert re.search(
        r'<input[^>]*checked[^>]*name="scan_consent"|<input[^>]*name="scan_consent"[^>]*checked',
        page,
    )
    response = client.post(
        f"/e/{event.slug}/registration/edit",
        data=_register_data(event, scan_question_shown=QUESTION),
    )
    assert response.status_code == 302
    reg = registration_of(event, attendee)
    assert reg.sponsor_scan_consent is False


# --- the organizer's wording ----------------------------------------------------------------


def test_organizer_sets_the_question_and_blank_means_built_in(client, login, event, organizer):
    login(organizer)
    page = client.get(f"/e/{event.slug}/manage/edit").get_data(as_text=True)
    assert f'placeholder="{QUESTION}"' in page
    form = {
        "name": event.name,
        "slug": event.slug,
        "starts_on": event.starts_on.isoformat(),
        "ends_on": event.ends_on.isoformat(),
        "timezone": event.timezone,
        "visibility": event.visibility.value,
        "registration_open": "y",
        "sponsor_consent_question": "  Exhibitors who scan me may email me.  ",
    }
    assert client.post(f"/e/{event.slug}/manage/edit", data=form).status_code == 302
    db.session.refresh(event)
    assert event.sponsor_consent_question == "Exhibitors who scan me may email me."
    assert leads.scan_consent_question(event) == "Exhibitors who scan me may email me."
    form["sponsor_consent_question"] = ""
    client.post(f"/e/{event.slug}/manage/edit", data=form)
    db.session.refresh(event)
    assert leads.scan_consent_question(event) == QUESTION


# --- meetings --------------------------------------------------------------------------------


@pytest.fixture
def hours(event):
    set_hours(event, 0, "09:00", "11:00")
    return add_place(event, "Lounge")


def _new_meeting_form(client, event, person) -> tuple[str, dict]:
    page = client.get(f"/e/{event.slug}/meetings/new/{person.id}").get_data(as_text=True)
    slot = re.search(r'name="slot"[^>]*value="([^"]+)"', page).group(1)
    day = re.search(r'name="day" type="hidden" value="([^"]*)"', page).group(1)
    return page, {"day": day, "slot": slot, "place": str(_place_id(event))}


def _place_id(event) -> int:
    from conference.services.meeting_settings import places_of

    return places_of(event)[0].id


def test_request_to_sponsor_staff_offers_the_unticked_box(
    client, login, event, hours, sponsor, sponsor_staff, attendee
):
    login(attendee)
    page, form = _new_meeting_form(client, event, sponsor_staff)
    box = re.search(r'<input[^>]*name="share"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "Share my contact details with Acme Corp" in page
    assert leads.share_text(sponsor) in page

    response = client.post(
        f"/e/{event.slug}/meetings/new/{sponsor_staff.id}",
        data={**form, "share": "y", "share_shown": leads.share_text(sponsor)},
    )

    assert response.status_code == 302
    lead = _lead(sponsor, attendee)
    assert lead.source == LeadSource.meeting
    assert lead.captured_by_id == sponsor_staff.id
    assert lead.consent_text == leads.share_text(sponsor)


def test_request_without_the_box_makes_no_lead(
    client, login, event, hours, sponsor, sponsor_staff, attendee
):
    login(attendee)
    _page, form = _new_meeting_form(client, event, sponsor_staff)
    response = client.post(
        f"/e/{event.slug}/meetings/new/{sponsor_staff.id}",
        data={**form, "share_shown": leads.share_text(sponsor)},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 1
    assert _lead(sponsor, attendee) is None


def test_request_to_a_non_sponsor_offers_no_box(client, login, event, hours, attendee, speaker):
    login(attendee)
    page, _form = _new_meeting_form(client, event, speaker)
    assert 'name="share"' not in page


def test_accepting_a_sponsors_request_with_the_box_makes_the_lead_in_one_go(
    client, login, event, hours, sponsor, sponsor_staff, attendee
):
    meeting = _pending_meeting(event, sponsor_staff, attendee)
    login(attendee)
    mine = client.get(f"/e/{event.slug}/meetings/").get_data(as_text=True)
    assert f"/meetings/{meeting.id}/accept" not in mine
    detail = client.get(f"/e/{event.slug}/meetings/{meeting.id}").get_data(as_text=True)
    assert "Share my contact details with Acme Corp" in detail

    response = client.post(
        f"/e/{event.slug}/meetings/{meeting.id}/accept",
        data={"share": "y", "share_shown": leads.share_text(sponsor)},
    )

    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.status.value == "accepted"
    assert _lead(sponsor, attendee).source == LeadSource.meeting


def test_accepting_with_changed_words_accepts_nothing(
    client, login, event, hours, sponsor, sponsor_staff, attendee
):
    meeting = _pending_meeting(event, sponsor_staff, attendee)
    login(attendee)
    client.post(
        f"/e/{event.slug}/meetings/{meeting.id}/accept",
        data={"share": "y", "share_shown": "old words"},
    )
    db.session.refresh(meeting)
    assert meeting.status.value == "pending"
    assert _lead(sponsor, attendee) is None


def test_accepting_without_the_box_makes_no_lead(
    client, login, event, hours, sponsor, sponsor_staff, attendee
):
    meeting = _pending_meeting(event, sponsor_staff, attendee)
    login(attendee)
    client.post(
        f"/e/{event.slug}/meetings/{meeting.id}/accept",
        data={"share_shown": leads.share_text(sponsor)},
    )
    db.session.refresh(meeting)
    assert meeting.status.value == "accepted"
    assert _lead(sponsor, attendee) is None


def _pending_meeting(event, requester, invitee) -> Meeting:
    meeting = meetings_service.request_meeting(
        requester, event, invitee, program.at(event, 0, "09:30"), _place_id(event), ""
    )
    db.session.commit()
    return meeting
