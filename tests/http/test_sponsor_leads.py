"""A sponsor's lead pages over HTTP: who may open each (every identity of the matrix,
including another sponsor's staff and another event's people), qualifying a lead,
the questions editor, exports and the dashboard, and that nobody who did not agree,
or withdrew, shows up anywhere."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from conference.enums import (
    ActivityKind,
    LeadExportFormat,
    LeadFollowUp,
    LeadRating,
    SponsorQuestionKind,
)
from conference.extensions import db
from conference.models import LeadExport, SponsorQuestion
from conference.services import activity, lead_lists, leads
from tests import factories
from tests.conftest import IDENTITIES


def _share(sponsor, person):
    lead = leads.share_from_booth(person, sponsor, leads.share_text(sponsor))
    db.session.commit()
    return lead


@pytest.fixture
def lead(sponsor, attendee):
    """Anna Attendee shared her details at Acme's booth."""
    return _share(sponsor, attendee)


def _url(path: str, event, sponsor, **ids) -> str:
    return f"/e/{event.slug}/sponsors/{sponsor.id}/{path}".format(**ids)


ROUTES = {
    "sponsors.leads": ("leads/", {"sponsor_staff", "organizer"}),
    "sponsors.lead": ("leads/{lead_id}", {"sponsor_staff", "organizer"}),
    "sponsors.leads_export": ("leads/export.csv", {"sponsor_staff"}),
    "sponsors.questions": ("questions", {"sponsor_staff"}),
    "sponsors.dashboard": ("dashboard", {"sponsor_staff", "organizer"}),
}


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("endpoint", ROUTES)
def test_each_page_only_for_the_sponsors_staff_and_organizers(
    as_identity, client, event, sponsor, lead, identity, endpoint
):
    path, allowed = ROUTES[endpoint]
    as_identity(identity)

    response = client.get(_url(path, event, sponsor, lead_id=lead.id))

    if identity == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif identity in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    ["leads/", "leads/{lead_id}", "leads/export.csv", "questions", "dashboard", "scan", "team"],
)
def test_another_events_sponsor_staff_are_refused(
    login, client, event, other_event, sponsor, lead, path
):
    """An admin of a sponsor with every entitlement, at another event, is nobody here."""
    elsewhere = factories.sponsor(other_event, "Initech")
    admin = factories.participant(other_event, "Ines Initech", roles=["sponsor_staff"])
    factories.sponsor_member(elsewhere, admin, admin=True)
    login(admin)

    response = client.get(_url(path, event, sponsor, lead_id=lead.id))

    assert response.status_code == 403
    assert "Anna Attendee" not in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", ROUTES)
def test_a_sponsor_of_another_event_is_not_found_under_this_event(
    login, client, event, other_event, sponsor_staff, endpoint
):
    elsewhere = factories.sponsor(other_event, "Initech")
    login(sponsor_staff)

    response = client.get(_url(ROUTES[endpoint][0], event, elsewhere, lead_id=1))

    assert response.status_code == 404


def test_another_sponsors_staff_cannot_reach_a_lead_through_their_own_sponsor(
    login, client, event, sponsor, rival_sponsor, rival_staff, lead
):
    login(rival_staff)

    assert client.get(_url("leads/{id}", event, rival_sponsor, id=lead.id)).status_code == 404
    page = client.get(_url("leads/", event, rival_sponsor)).get_data(as_text=True)
    assert "Anna Attendee" not in page


def test_other_events_organizer_sees_nothing_of_this_event(
    login, client, event, other_event, sponsor, lead
):
    other_organizer = factories.organizer(other_event, "Other Organizer")
    login(other_organizer)

    for path in ("leads/", "leads/{id}", "dashboard"):
        assert client.get(_url(path, event, sponsor, id=lead.id)).status_code == 403


def test_staff_without_lead_retrieval_see_a_dashboard_without_leads(login, client, event):
    sponsor = factories.sponsor(event, "Small Co", tier="Startup", lead_retrieval=False)
    staff = factories.participant(event, "Sue Small", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, staff, admin=True)
    login(staff)

    assert client.get(_url("leads/", event, sponsor)).status_code == 403
    assert client.get(_url("questions", event, sponsor)).status_code == 403
    assert client.get(_url("leads/export.csv", event, sponsor)).status_code == 403
    page = client.get(_url("dashboard", event, sponsor)).get_data(as_text=True)
    assert "does not include lead retrieval" in page
    assert "Leads per day" not in page


def test_staff_without_export_cannot_export_and_see_no_export_buttons(
    login, client, event, attendee
):
    sponsor = factories.sponsor(event, "Lister", tier="Silver", lead_export=False)
    staff = factories.participant(event, "Lou Lister", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, staff)
    _share(sponsor, attendee)
    login(staff)

    page = client.get(_url("leads/", event, sponsor)).get_data(as_text=True)
    assert "Anna Attendee" in page
    assert "export.csv" not in page
    for fmt in ("csv", "vcf", "xlsx"):
        assert client.get(_url(f"leads/export.{fmt}", event, sponsor)).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadExport)) == 0


# --- the list -----------------------------------------------------------------------------


def test_list_shows_the_shared_list_with_who_captured_each_lead(
    login, client, event, sponsor, sponsor_staff, attendee, speaker
):
    _share(sponsor, attendee)
    factories.consent_to_scans(event, speaker)
    leads.scan(sponsor_staff, sponsor, factories.badge_payload(event, speaker))
    db.session.commit()
    colleague = factories.participant(event, "Cole Colleague", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, colleague)
    login(colleague)

    page = client.get(_url("leads/", event, sponsor)).get_data(as_text=True)

    assert "Anna Attendee" in page
    assert "Sam Speaker" in page
    assert "Sid Sponsor" in page  # who scanned Sam
    assert "Shared by the attendee" in page


def test_list_search_and_filters_narrow_it(login, client, event, sponsor, sponsor_staff, lead):
    other = factories.participant(event, "Zed Zulu", company="Zulu GmbH")
    zed = _share(sponsor, other)
    lead_lists.qualify(
        sponsor_staff,
        zed,
        rating=LeadRating.hot,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="vip",
    )
    db.session.commit()
    login(sponsor_staff)

    by_company = client.get(_url("leads/?q=zulu", event, sponsor)).get_data(as_text=True)
    by_rating = client.get(_url("leads/?rating=hot", event, sponsor)).get_data(as_text=True)
    by_tag = client.get(_url("leads/?tag=vip", event, sponsor)).get_data(as_text=True)
    nothing = client.get(_url("leads/?q=nobody&rating=bogus", event, sponsor))

    for page in (by_company, by_rating, by_tag):
        assert "Zed Zulu" in page
        assert "Anna Attendee" not in page
    assert nothing.status_code == 200
    assert "No leads match" in nothing.get_data(as_text=True)


def test_list_pages_fifty_at_a_time(login, client, event, sponsor, sponsor_staff):
    for n in range(lead_lists.PAGE_SIZE + 1):
        _share(sponsor, factories.participant(event, f"Person {n:02d}"))
    login(sponsor_staff)

    first = client.get(_url("leads/", event, sponsor)).get_data(as_text=True)
    second = client.get(_url("leads/?page=2", event, sponsor)).get_data(as_text=True)

    assert "Showing 1\N{EN DASH}50 of 51" in first
    assert "Person 00" in second and "Person 00" not in first


def test_withdrawn_and_non_consenting_people_appear_nowhere_only_as_a_count(
    login, client, event, sponsor, sponsor_staff, attendee, speaker, lead
):
    leads.withdraw(attendee, lead)
    leads.scan(sponsor_staff, sponsor, factories.badge_payload(event, speaker))  # not agreed
    db.session.commit()
    login(sponsor_staff)

    listing = client.get(_url("leads/", event, sponsor)).get_data(as_text=True)
    dashboard = client.get(_url("dashboard", event, sponsor)).get_data(as_text=True)
    lead_page = client.get(_url("leads/{id}", event, sponsor, id=lead.id))
    export = client.get(_url("leads/export.csv", event, sponsor)).get_data(as_text=True)

    assert "1 person withdrew their consent" in listing
    for text in (listing, dashboard, export):
        assert "Anna Attendee" not in text
        assert "Sam Speaker" not in text
        assert attendee.email not in text
    assert lead_page.status_code == 404


# --- one lead -----------------------------------------------------------------------------


def test_lead_page_shows_contact_taxonomy_and_the_consent_record(
    login, client, event, sponsor, sponsor_staff, attendee, lead
):
    login(sponsor_staff)

    page = client.get(_url("leads/{id}", event, sponsor, id=lead.id)).get_data(as_text=True)

    assert attendee.email in page
    assert "Software" in page and "EMEA" in page and "Engineer" in page
    assert "Shared at the booth" in page
    assert leads.share_text(sponsor) in page.replace("&#39;", "'")


def test_staff_qualify_a_lead_from_its_page(login, client, event, sponsor, sponsor_staff, lead):
    question = lead_lists.add_question(
        sponsor_staff,
        sponsor,
        prompt="Budget?",
        kind=SponsorQuestionKind.choice,
        choices="Small\nLarge",
    )
    db.session.commit()
    login(sponsor_staff)

    response = client.post(
        _url("leads/{id}", event, sponsor, id=lead.id),
        data={
            "rating": "hot",
            "follow_up": "contacted",
            "tags": "Pilot, Q3",
            "notes": "Call back Monday",
            f"q_{question.id}": "Large",
        },
    )

    assert response.status_code == 302
    db.session.refresh(lead)
    assert (lead.rating, lead.follow_up) == (LeadRating.hot, LeadFollowUp.contacted)
    assert lead.tags == ["pilot", "q3"]
    assert lead.notes == "Call back Monday"
    assert lead_lists.answers_of(lead) == {question.id: "Large"}


def test_a_refused_answer_is_shown_next_to_its_field_and_the_typing_kept(
    login, client, event, sponsor, sponsor_staff, lead
):
    question = lead_lists.add_question(
        sponsor_staff,
        sponsor,
        prompt="Budget?",
        kind=SponsorQuestionKind.choice,
        choices="Small\nLarge",
    )
    db.session.commit()
    login(sponsor_staff)

    response = client.post(
        _url("leads/{id}", event, sponsor, id=lead.id),
        data={
            "rating": "warm",
            "follow_up": "new",
            "notes": "Typed notes stay",
            f"q_{question.id}": "Huge",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pick one of the choices." in page
    assert f'id="q_{question.id}-errors"' in page
    assert "Typed notes stay" in page
    db.session.refresh(lead)
    assert lead.rating is None and lead.notes == ""


def test_organizers_read_a_lead_but_cannot_change_it(
    login, client, event, sponsor, sponsor_staff, organizer, lead
):
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=LeadRating.warm,
        follow_up=LeadFollowUp.new,
        notes="Seen at the booth",
        tags="vip",
    )
    db.session.commit()
    login(organizer)

    page = client.get(_url("leads/{id}", event, sponsor, id=lead.id)).get_data(as_text=True)
    response = client.post(
        _url("leads/{id}", event, sponsor, id=lead.id),
        data={"rating": "cold", "follow_up": "closed", "notes": "", "tags": ""},
    )

    assert "Seen at the booth" in page
    assert '<form method="post" class="card shadow-sm"' not in page
    assert response.status_code == 403
    db.session.refresh(lead)
    assert lead.rating == LeadRating.warm


# --- exports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "kind"),
    [
        ("csv", "text/csv", LeadExportFormat.csv),
        ("vcf", "text/vcard", LeadExportFormat.vcard),
        ("xlsx", "application/vnd.openxmlformats", LeadExportFormat.xlsx),
    ],
)
def test_export_downloads_a_file_and_records_it(
    login, client, event, sponsor, sponsor_staff, lead, fmt, content_type, kind
):
    login(sponsor_staff)

    response = client.get(_url(f"leads/export.{fmt}", event, sponsor))

    assert response.status_code == 200
    assert response.content_type.startswith(content_type)
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    [record] = db.session.scalars(sa.select(LeadExport)).all()
    assert (record.format, record.row_count, record.exported_by_id) == (kind, 1, sponsor_staff.id)


def test_export_of_an_unknown_format_is_not_found(login, client, event, sponsor, sponsor_staff):
    login(sponsor_staff)

    assert client.get(_url("leads/export.pdf", event, sponsor)).status_code == 404


def test_export_takes_the_lists_filters(login, client, event, sponsor, sponsor_staff, lead):
    other = _share(sponsor, factories.participant(event, "Zed Zulu"))
    lead_lists.qualify(
        sponsor_staff,
        other,
        rating=LeadRating.hot,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="",
    )
    db.session.commit()
    login(sponsor_staff)

    data = client.get(_url("leads/export.csv?rating=hot", event, sponsor)).get_data()

    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Zed Zulu"]


# --- questions ----------------------------------------------------------------------------


def _questions(sponsor) -> list[tuple[str, str, list]]:
    return [(q.prompt, q.kind.value, q.choices) for q in lead_lists.questions_of(sponsor)]


def test_admin_adds_edits_moves_and_deletes_questions(login, client, event, sponsor, sponsor_staff):
    login(sponsor_staff)
    url = _url("questions", event, sponsor)

    client.post(url, data={"action": "add", "new-prompt": "Budget?", "new-kind": "text"})
    client.post(
        url,
        data={
            "action": "add",
            "new-prompt": "Size?",
            "new-kind": "choice",
            "new-choices": "Small\nLarge",
        },
    )
    assert _questions(sponsor) == [("Budget?", "text", []), ("Size?", "choice", ["Small", "Large"])]

    first, second = lead_lists.questions_of(sponsor)
    client.post(url, data={"action": "up", "question_id": second.id})
    assert [q.id for q in lead_lists.questions_of(sponsor)] == [second.id, first.id]

    client.post(
        url,
        data={
            "action": "update",
            "question_id": first.id,
            "edit-prompt": "Decides?",
            "edit-kind": "yes_no",
        },
    )
    assert _questions(sponsor)[1] == ("Decides?", "yes_no", [])

    response = client.post(url, data={"action": "delete", "question_id": first.id})
    assert response.status_code == 302
    assert [q.id for q in lead_lists.questions_of(sponsor)] == [second.id]


def test_a_bad_question_is_shown_with_its_error_and_what_was_typed(
    login, client, event, sponsor, sponsor_staff
):
    login(sponsor_staff)

    response = client.post(
        _url("questions", event, sponsor),
        data={
            "action": "add",
            "new-prompt": "Which plan?",
            "new-kind": "choice",
            "new-choices": "Only one",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Give at least two choices" in page
    assert 'value="Which plan?"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SponsorQuestion)) == 0


def test_deleting_an_answered_question_asks_first(
    login, client, event, sponsor, sponsor_staff, lead
):
    question = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Budget?", kind=SponsorQuestionKind.text
    )
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=None,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="",
        answers={question.id: "10k"},
    )
    db.session.commit()
    login(sponsor_staff)
    url = _url("questions", event, sponsor)

    asked = client.post(url, data={"action": "delete", "question_id": question.id})
    assert "1 lead has an answer to it" in asked.get_data(as_text=True)
    assert lead_lists.questions_of(sponsor) == [question]

    client.post(url, data={"action": "delete", "question_id": question.id, "confirm": "yes"})
    assert lead_lists.questions_of(sponsor) == []


def test_another_sponsors_question_cannot_be_changed(
    login, client, event, sponsor, sponsor_staff, rival_sponsor, rival_staff
):
    theirs = lead_lists.add_question(
        rival_staff, rival_sponsor, prompt="Theirs?", kind=SponsorQuestionKind.text
    )
    db.session.commit()
    login(sponsor_staff)

    response = client.post(
        _url("questions", event, sponsor), data={"action": "delete", "question_id": theirs.id}
    )

    assert response.status_code == 404
    assert lead_lists.questions_of(rival_sponsor) == [theirs]


def test_non_admin_staff_cannot_post_questions(login, client, event, sponsor):
    colleague = factories.participant(event, "Cole Colleague", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, colleague)
    login(colleague)

    response = client.post(
        _url("questions", event, sponsor),
        data={"action": "add", "new-prompt": "Budget?", "new-kind": "text"},
    )

    assert response.status_code == 403
    assert lead_lists.questions_of(sponsor) == []


# --- dashboard ----------------------------------------------------------------------------


def test_dashboard_shows_leads_by_term_and_booth_figures(
    login, client, event, sponsor, sponsor_staff, lead
):
    login(sponsor_staff)

    page = client.get(_url("dashboard", event, sponsor)).get_data(as_text=True)

    assert "Leads per day" in page
    assert "By industry" in page and "Software" in page
    assert "Booth visits" in page
    assert "Meeting requests your team may still send: 10 of 10." in page


def test_dashboard_hides_booth_figures_about_fewer_than_k_people(
    login, client, event, sponsor, sponsor_staff, attendee
):
    activity.record(attendee, event, ActivityKind.booth_visit, sponsor=sponsor)
    db.session.commit()
    login(sponsor_staff)

    page = client.get(_url("dashboard", event, sponsor)).get_data(as_text=True)

    assert "by fewer than 5 people" in page
    assert "by 1 person" not in page
