"""Consent rules of ``conference.services.leads``: a sponsor holds nobody's details
unless that person agreed, whatever the path, and the words agreed to are kept."""

from __future__ import annotations

import pytest

from conference.enums import ConsentRequestStatus, LeadSource
from conference.extensions import db
from conference.services import ServiceError, leads
from tests import factories


@pytest.fixture
def scanner(event, sponsor_staff):
    return sponsor_staff


def _scan(scanner, sponsor, event, person):
    result = leads.scan(scanner, sponsor, factories.badge_payload(event, person))
    db.session.commit()
    return result


def _visible(sponsor):
    return [lead.user_id for lead in db.session.scalars(leads.active_leads(sponsor))]


def test_scan_of_a_consenting_attendee_makes_a_lead_with_their_consent_record(
    event, sponsor, scanner, attendee
):
    event.sponsor_consent_question = "Sponsors may have my card."
    registration = factories.consent_to_scans(event, attendee)

    result = _scan(scanner, sponsor, event, attendee)

    assert result.outcome == "captured"
    lead = result.lead
    assert lead.source == LeadSource.scan
    assert lead.consent_text == "Sponsors may have my card."
    assert lead.consented_at == registration.sponsor_scan_consent_at
    assert lead.captured_by_id == scanner.id
    assert _visible(sponsor) == [attendee.id]
    assert _scan(scanner, sponsor, event, attendee).outcome == "known"


def test_scan_without_consent_asks_the_person_and_tells_the_sponsor_nothing(
    event, sponsor, scanner, attendee
):
    result = _scan(scanner, sponsor, event, attendee)

    assert result.outcome == "asked"
    assert result.lead is None
    assert attendee.display_name not in result.message
    assert _visible(sponsor) == []
    [request] = leads.pending_requests(attendee, event)
    assert request.sponsor_id == sponsor.id

    lead = leads.answer_request(attendee, request, True, leads.share_text(sponsor))
    db.session.commit()

    assert lead.source == LeadSource.scan_request
    assert lead.consent_text == leads.share_text(sponsor)
    assert _visible(sponsor) == [attendee.id]
    assert request.status == ConsentRequestStatus.accepted


def test_an_ignored_request_is_not_sent_again(event, sponsor, scanner, attendee):
    _scan(scanner, sponsor, event, attendee)
    [request] = leads.pending_requests(attendee, event)
    leads.answer_request(attendee, request, False)
    db.session.commit()

    assert _scan(scanner, sponsor, event, attendee).outcome == "asked"

    assert leads.pending_requests(attendee, event) == []
    assert _visible(sponsor) == []


def test_consent_to_other_wording_is_refused(event, sponsor, attendee):
    with pytest.raises(ServiceError) as refused:
        leads.share_from_booth(attendee, sponsor, "I agree to something else")
    assert refused.value.code == "consent_changed"
    assert _visible(sponsor) == []


def test_withdrawal_hides_the_lead_erases_notes_and_a_later_scan_only_asks(
    event, sponsor, scanner, attendee
):
    factories.consent_to_scans(event, attendee)
    lead = _scan(scanner, sponsor, event, attendee).lead
    lead.notes = "Wants a demo"
    lead.tags = ["demo"]
    db.session.commit()

    leads.withdraw(attendee, lead)
    db.session.commit()

    assert _visible(sponsor) == []
    assert lead.notes == "" and lead.tags == []
    assert leads.holders(attendee) == []
    assert leads.withdrawn_count(sponsor) == 1
    assert _scan(scanner, sponsor, event, attendee).outcome == "asked"
    assert _visible(sponsor) == []


def test_sharing_again_after_withdrawal_renews_the_consent(event, sponsor, attendee):
    lead = leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.commit()
    leads.withdraw(attendee, lead)
    db.session.commit()

    again = leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    db.session.commit()

    assert again.id == lead.id
    assert again.withdrawn_at is None
    assert _visible(sponsor) == [attendee.id]


def test_sponsor_without_lead_retrieval_cannot_scan_or_collect(event, attendee):
    sponsor = factories.sponsor(event, "Plain Co", tier="Startup", lead_retrieval=False)
    staff = factories.participant(event, "Pat Plain", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, staff)
    factories.consent_to_scans(event, attendee)

    with pytest.raises(ServiceError):
        leads.scan(staff, sponsor, factories.badge_payload(event, attendee))
    with pytest.raises(ServiceError):
        leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    assert _visible(sponsor) == []


def test_a_badge_of_another_event_is_refused(event, other_event, sponsor, scanner):
    stranger = factories.participant(other_event, "Olga Other")
    factories.consent_to_scans(other_event, stranger)

    result = leads.scan(scanner, sponsor, factories.badge_payload(other_event, stranger))

    assert result.outcome == "other_event"
    assert _visible(sponsor) == []


def test_a_cancelled_registration_leaves_the_list(event, sponsor, attendee):
    leads.share_from_booth(attendee, sponsor, leads.share_text(sponsor))
    factories.registration_of(event, attendee).status = "cancelled"
    db.session.commit()

    assert _visible(sponsor) == []


def test_a_request_accepted_after_the_package_lost_lead_retrieval_makes_no_lead(
    event, sponsor, scanner, attendee
):
    _scan(scanner, sponsor, event, attendee)
    [request] = leads.pending_requests(attendee, event)
    sponsor.package.lead_retrieval = False
    db.session.commit()

    with pytest.raises(ServiceError) as refused:
        leads.answer_request(attendee, request, True, leads.share_text(sponsor))

    assert refused.value.code == "no_lead_retrieval"
    assert leads.lead_of(sponsor, attendee) is None
