"""``conference.services.lead_lists``: the shared lead list, qualification, the sponsor's
questions, exports and dashboard figures, all built on the people who agreed (and only
while they have not withdrawn)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import vobject
from openpyxl import load_workbook

from conference.enums import (
    ActivityKind,
    LeadExportFormat,
    LeadFollowUp,
    LeadRating,
    LeadSource,
    MeetingStatus,
    SponsorQuestionKind,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import LeadAnswer, LeadExport, Meeting
from conference.services import ServiceError, activity, lead_lists, leads
from tests import factories


def _share(sponsor, person):
    """``person`` shares their details at ``sponsor``'s booth (a lead, with consent)."""
    lead = leads.share_from_booth(person, sponsor, leads.share_text(sponsor))
    db.session.commit()
    return lead


def _scan(event, sponsor, staff, person):
    factories.consent_to_scans(event, person)
    result = leads.scan(staff, sponsor, factories.badge_payload(event, person))
    db.session.commit()
    assert result.outcome == "captured"
    return result.lead


def _names(query) -> list[str]:
    return [lead.user.display_name for lead in db.session.scalars(query)]


def _filtered(sponsor, **filters) -> list[str]:
    return _names(lead_lists.filtered(sponsor, lead_lists.LeadFilters(**filters)))


@pytest.fixture
def people(event):
    """Three attendees with different companies, industries and regions."""
    return {
        "ivan": factories.participant(
            event, "Иван Петров", company="Роснано", industry="Finance", region="EMEA"
        ),
        "yuki": factories.participant(
            event, "Yuki Tanaka", company="Kaisha KK", industry="Software", region="APAC"
        ),
        "bob": factories.participant(
            event, "Bob Stone", company="Stone Ltd", industry="Software", job_role="CTO"
        ),
    }


# --- the list -----------------------------------------------------------------------------


def test_list_search_matches_name_company_and_email_in_any_script(
    event, sponsor, sponsor_staff, people
):
    for person in people.values():
        _share(sponsor, person)

    assert _filtered(sponsor, q="иван") == ["Иван Петров"]
    assert _filtered(sponsor, q="роснано") == ["Иван Петров"]
    assert _filtered(sponsor, q="kaisha") == ["Yuki Tanaka"]
    assert _filtered(sponsor, q=people["bob"].email.upper()) == ["Bob Stone"]
    assert _filtered(sponsor, q="nobody") == []


def test_list_filters_by_rating_follow_up_tag_source_and_who_captured(
    event, sponsor, sponsor_staff, people
):
    shared = _share(sponsor, people["ivan"])
    scanned = _scan(event, sponsor, sponsor_staff, people["yuki"])
    lead_lists.qualify(
        sponsor_staff,
        scanned,
        rating=LeadRating.hot,
        follow_up=LeadFollowUp.contacted,
        notes="",
        tags="Pilot, q3",
    )
    lead_lists.qualify(
        sponsor_staff,
        shared,
        rating=LeadRating.cold,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="q3_extra",
    )
    db.session.commit()

    assert _filtered(sponsor, rating=LeadRating.hot) == ["Yuki Tanaka"]
    assert _filtered(sponsor, follow_up=LeadFollowUp.new) == ["Иван Петров"]
    assert _filtered(sponsor, tag="pilot") == ["Yuki Tanaka"]
    assert _filtered(sponsor, tag="q3") == ["Yuki Tanaka"]
    assert _filtered(sponsor, source=LeadSource.booth) == ["Иван Петров"]
    assert _filtered(sponsor, captured_by=sponsor_staff.id) == ["Yuki Tanaka"]
    assert _filtered(sponsor, captured_by=0) == ["Иван Петров"]
    assert lead_lists.tags_in_use(sponsor) == ["pilot", "q3", "q3_extra"]
    assert [u.id for u in lead_lists.capturers(sponsor)] == [sponsor_staff.id]


def test_list_never_shows_a_withdrawn_person_only_counts_them(
    event, sponsor, sponsor_staff, people
):
    lead = _share(sponsor, people["ivan"])
    _share(sponsor, people["bob"])
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=LeadRating.hot,
        follow_up=LeadFollowUp.won,
        notes="x",
        tags="vip",
    )
    leads.withdraw(people["ivan"], lead)
    db.session.commit()

    assert _filtered(sponsor) == ["Bob Stone"]
    assert _filtered(sponsor, tag="vip") == []
    assert lead_lists.visible_count(sponsor) == 1
    assert leads.withdrawn_count(sponsor) == 1
    assert lead_lists.tags_in_use(sponsor) == []
    assert lead_lists.lead_with_details(sponsor, lead.id) is None


def test_list_shows_nobody_who_did_not_agree(event, sponsor, sponsor_staff, people):
    result = leads.scan(sponsor_staff, sponsor, factories.badge_payload(event, people["bob"]))
    db.session.commit()

    assert result.outcome == "asked"
    assert _filtered(sponsor) == []
    assert lead_lists.visible_count(sponsor) == 0


def test_list_of_one_sponsor_holds_nothing_of_another(event, sponsor, rival_sponsor, people):
    _share(rival_sponsor, people["ivan"])

    assert _filtered(sponsor) == []
    assert _filtered(rival_sponsor) == ["Иван Петров"]


# --- qualification ------------------------------------------------------------------------


def test_qualify_stores_rating_notes_tidy_tags_and_answers(event, sponsor, sponsor_staff, people):
    lead = _share(sponsor, people["bob"])
    budget = lead_lists.add_question(
        sponsor_staff,
        sponsor,
        prompt="Budget?",
        kind=SponsorQuestionKind.choice,
        choices="Small\nLarge",
    )
    decides = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Decides?", kind=SponsorQuestionKind.yes_no
    )

    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=LeadRating.warm,
        follow_up=LeadFollowUp.meeting_set,
        notes="  Met at the booth.  ",
        tags=" Pilot ,pilot, Q3  Berlin,,",
        answers={budget.id: "Large", decides.id: "yes"},
    )
    db.session.commit()

    assert lead.rating == LeadRating.warm
    assert lead.follow_up == LeadFollowUp.meeting_set
    assert lead.notes == "Met at the booth."
    assert lead.tags == ["pilot", "q3 berlin"]
    assert lead_lists.answers_of(lead) == {budget.id: "Large", decides.id: "yes"}

    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=None,
        follow_up=LeadFollowUp.won,
        notes="",
        tags=[],
        answers={budget.id: ""},
    )
    db.session.commit()
    assert lead.rating is None
    assert lead_lists.answers_of(lead) == {decides.id: "yes"}


def test_qualify_refuses_an_answer_outside_the_choices_and_names_the_field(
    event, sponsor, sponsor_staff, people
):
    lead = _share(sponsor, people["bob"])
    question = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Size?", kind=SponsorQuestionKind.choice, choices="S\nL"
    )

    with pytest.raises(ServiceError) as refused:
        lead_lists.qualify(
            sponsor_staff,
            lead,
            rating=None,
            follow_up=LeadFollowUp.new,
            notes="",
            tags="",
            answers={question.id: "XXL"},
        )
    assert refused.value.code == "not_a_choice"
    assert refused.value.field == f"q_{question.id}"


def test_an_answer_whose_choice_was_removed_does_not_block_saving(
    event, sponsor, sponsor_staff, people
):
    lead = _share(sponsor, people["bob"])
    question = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="When?", kind=SponsorQuestionKind.choice, choices="Q3\nQ4"
    )

    def save(answer: str, rating=None) -> None:
        lead_lists.qualify(
            sponsor_staff,
            lead,
            rating=rating,
            follow_up=LeadFollowUp.new,
            notes="",
            tags="",
            answers={question.id: answer},
        )
        db.session.commit()

    save("Q4")
    lead_lists.update_question(
        sponsor_staff, question, prompt="When?", kind=SponsorQuestionKind.choice, choices="Q3\nQ1"
    )
    db.session.commit()

    save("Q4", rating=LeadRating.hot)

    assert lead.rating == LeadRating.hot
    assert lead_lists.answers_of(lead) == {question.id: "Q4"}
    with pytest.raises(ServiceError):
        save("Q2")


def test_qualify_refuses_too_many_tags(event, sponsor, sponsor_staff, people):
    lead = _share(sponsor, people["bob"])
    tags = ",".join(f"t{n}" for n in range(lead_lists.TAGS_MAX + 1))

    with pytest.raises(ServiceError) as refused:
        lead_lists.qualify(
            sponsor_staff, lead, rating=None, follow_up=LeadFollowUp.new, notes="", tags=tags
        )
    assert (refused.value.code, refused.value.field) == ("too_many_tags", "tags")


@pytest.mark.parametrize("who", ["organizer", "rival_staff", "attendee"])
def test_qualify_is_only_for_the_sponsors_staff(
    request, event, sponsor, sponsor_staff, people, who
):
    lead = _share(sponsor, people["bob"])
    actor = request.getfixturevalue(who)

    with pytest.raises(ServiceError) as refused:
        lead_lists.qualify(
            actor, lead, rating=LeadRating.hot, follow_up=LeadFollowUp.new, notes="", tags=""
        )
    assert refused.value.code == "forbidden"


def test_qualify_a_withdrawn_lead_is_refused(event, sponsor, sponsor_staff, people):
    lead = _share(sponsor, people["bob"])
    leads.withdraw(people["bob"], lead)
    db.session.commit()

    with pytest.raises(ServiceError):
        lead_lists.qualify(
            sponsor_staff,
            lead,
            rating=LeadRating.hot,
            follow_up=LeadFollowUp.new,
            notes="",
            tags="",
        )


# --- questions ----------------------------------------------------------------------------


def test_questions_are_added_in_order_moved_and_deleted_with_their_answers(
    event, sponsor, sponsor_staff, people
):
    first = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="  Budget   this year? ", kind=SponsorQuestionKind.text
    )
    second = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Decides?", kind=SponsorQuestionKind.yes_no
    )
    assert first.prompt == "Budget this year?"
    assert [q.prompt for q in lead_lists.questions_of(sponsor)] == ["Budget this year?", "Decides?"]

    lead_lists.move_question(sponsor_staff, second, -1)
    assert [q.id for q in lead_lists.questions_of(sponsor)] == [second.id, first.id]

    lead = _share(sponsor, people["bob"])
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=None,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="",
        answers={first.id: "About 10k"},
    )
    assert lead_lists.answer_counts(sponsor) == {first.id: 1}

    assert lead_lists.delete_question(sponsor_staff, first) == 1
    db.session.commit()
    assert [q.id for q in lead_lists.questions_of(sponsor)] == [second.id]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadAnswer)) == 0


def test_choice_question_needs_two_choices(sponsor, sponsor_staff):
    with pytest.raises(ServiceError) as refused:
        lead_lists.add_question(
            sponsor_staff,
            sponsor,
            prompt="Size?",
            kind=SponsorQuestionKind.choice,
            choices="Only\n\nOnly",
        )
    assert (refused.value.code, refused.value.field) == ("choices_required", "choices")


def test_question_kind_stays_once_answered(event, sponsor, sponsor_staff, people):
    question = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Decides?", kind=SponsorQuestionKind.yes_no
    )
    lead = _share(sponsor, people["bob"])
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=None,
        follow_up=LeadFollowUp.new,
        notes="",
        tags="",
        answers={question.id: "no"},
    )

    with pytest.raises(ServiceError) as refused:
        lead_lists.update_question(
            sponsor_staff, question, prompt="Decides?", kind=SponsorQuestionKind.text
        )
    assert (refused.value.code, refused.value.field) == ("kind_in_use", "kind")

    lead_lists.update_question(
        sponsor_staff, question, prompt="Decision maker?", kind=SponsorQuestionKind.yes_no
    )
    assert question.prompt == "Decision maker?"


def test_questions_are_for_the_sponsors_admins_only(event, sponsor, sponsor_staff, organizer):
    colleague = factories.participant(event, "Colleague", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, colleague, admin=False)

    for actor in (colleague, organizer):
        with pytest.raises(ServiceError) as refused:
            lead_lists.add_question(actor, sponsor, prompt="Budget?", kind=SponsorQuestionKind.text)
        assert refused.value.code == "forbidden"


# --- exports ------------------------------------------------------------------------------


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_has_the_visible_leads_answers_and_is_recorded(
    event, sponsor, sponsor_staff, people
):
    question = lead_lists.add_question(
        sponsor_staff, sponsor, prompt="Decides?", kind=SponsorQuestionKind.yes_no
    )
    lead = _scan(event, sponsor, sponsor_staff, people["ivan"])
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=LeadRating.hot,
        follow_up=LeadFollowUp.new,
        notes='=HYPERLINK("http://evil")',
        tags="vip",
        answers={question.id: "yes"},
    )
    db.session.commit()

    file = lead_lists.export(sponsor_staff, sponsor, "csv")
    db.session.commit()

    header, *rows = _csv_rows(file.data)
    assert header[-1] == "Decides?"
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["Name"] == "Иван Петров"
    assert row["Email"] == people["ivan"].email
    assert row["Company"] == "Роснано"
    assert row["Industry"] == "Finance"
    assert row["Source"] == "Badge scan"
    assert row["Captured by"] == "Sid Sponsor"
    assert row["Consent text"] == leads.scan_consent_question(event)
    assert row["Rating"] == "Hot"
    assert row["Tags"] == "vip"
    assert row["Notes"] == '\'=HYPERLINK("http://evil")'
    assert row["Decides?"] == "Yes"
    assert file.filename.endswith(".csv")
    [record] = db.session.scalars(sa.select(LeadExport)).all()
    assert (record.format, record.row_count, record.exported_by_id) == (
        LeadExportFormat.csv,
        1,
        sponsor_staff.id,
    )


def test_withdrawal_removes_the_person_from_the_next_export(event, sponsor, sponsor_staff, people):
    ivan = _share(sponsor, people["ivan"])
    _share(sponsor, people["bob"])
    first = lead_lists.export(sponsor_staff, sponsor, "csv")
    leads.withdraw(people["ivan"], ivan)
    db.session.commit()

    second = lead_lists.export(sponsor_staff, sponsor, "csv")
    db.session.commit()

    assert sorted(r[0] for r in _csv_rows(first.data)[1:]) == ["Bob Stone", "Иван Петров"]
    assert [r[0] for r in _csv_rows(second.data)[1:]] == ["Bob Stone"]
    assert b"Petrov" not in second.data and "Иван".encode() not in second.data
    counts = db.session.scalars(sa.select(LeadExport.row_count).order_by(LeadExport.id)).all()
    assert counts == [2, 1]


def test_vcard_export_is_vcard_3_with_what_the_person_shared(event, sponsor, sponsor_staff, people):
    lead = _share(sponsor, people["yuki"])
    people["yuki"].profile.job_title = "CTO"
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=LeadRating.warm,
        follow_up=LeadFollowUp.new,
        notes="Wants a demo",
        tags="pilot",
    )
    db.session.commit()

    file = lead_lists.export(sponsor_staff, sponsor, "vcf")

    [card] = list(vobject.readComponents(file.data.decode("utf-8")))
    assert card.version.value == "3.0"
    assert card.fn.value == "Yuki Tanaka"
    assert card.email.value == people["yuki"].email
    assert card.org.value == ["Kaisha KK"]
    assert card.title.value == "CTO"
    assert card.categories.value == ["pilot"]
    assert "Wants a demo" in card.note.value
    assert file.content_type.startswith("text/vcard")


def test_xlsx_export_writes_text_never_formulas(event, sponsor, sponsor_staff, people):
    lead = _share(sponsor, people["bob"])
    lead_lists.qualify(
        sponsor_staff,
        lead,
        rating=None,
        follow_up=LeadFollowUp.new,
        notes="=1+1\x07 bell",
        tags="",
    )
    db.session.commit()

    file = lead_lists.export(sponsor_staff, sponsor, "xlsx")

    sheet = load_workbook(io.BytesIO(file.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, row = rows
    values = dict(zip(header, row, strict=True))
    assert values["Name"] == "Bob Stone"
    assert values["Notes"] == "'=1+1 bell"
    assert sheet.cell(row=2, column=header.index("Notes") + 1).data_type == "s"


def test_export_is_refused_without_the_export_entitlement(event, people):
    sponsor = factories.sponsor(event, "NoExport Inc", tier="Bronze", lead_export=False)
    staff = factories.participant(event, "Nina", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, staff, admin=True)

    with pytest.raises(ServiceError) as refused:
        lead_lists.export(staff, sponsor, "csv")
    assert refused.value.code == "forbidden"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LeadExport)) == 0


def test_export_honours_the_lists_filters(event, sponsor, sponsor_staff, people):
    _share(sponsor, people["ivan"])
    _scan(event, sponsor, sponsor_staff, people["bob"])

    file = lead_lists.export(
        sponsor_staff, sponsor, "csv", lead_lists.LeadFilters(source=LeadSource.scan)
    )

    assert [r[0] for r in _csv_rows(file.data)[1:]] == ["Bob Stone"]
    assert file.row_count == 1


# --- dashboard ----------------------------------------------------------------------------


def test_dashboard_counts_only_visible_leads_by_term_source_and_staff(
    event, sponsor, sponsor_staff, people
):
    _share(sponsor, people["ivan"])
    _scan(event, sponsor, sponsor_staff, people["yuki"])
    bob = _share(sponsor, people["bob"])
    leads.withdraw(people["bob"], bob)
    db.session.commit()

    figures = lead_lists.dashboard(sponsor, with_leads=True).leads

    assert (figures.total, figures.withdrawn) == (2, 1)
    assert [(b.label, b.count) for b in figures.by_industry] == [("Finance", 1), ("Software", 1)]
    assert [(b.label, b.count) for b in figures.by_region] == [("APAC", 1), ("EMEA", 1)]
    assert [(b.label, b.count) for b in figures.by_role] == [("Engineer", 2)]
    assert [(b.label, b.count) for b in figures.by_source] == [
        ("Badge scan", 1),
        ("Accepted after a scan", 0),
        ("Shared at the booth", 1),
        ("Meeting", 0),
        ("Material download", 0),
    ]
    assert [(b.label, b.count) for b in figures.by_staff] == [
        ("Sid Sponsor", 1),
        ("Shared by the attendee", 1),
    ]
    assert lead_lists.dashboard(sponsor, with_leads=False).leads is None


def test_leads_per_day_use_the_events_time_zone_with_gaps(event, sponsor, people):
    ivan = _share(sponsor, people["ivan"])
    yuki = _share(sponsor, people["yuki"])
    bob = _share(sponsor, people["bob"])
    # Berlin is UTC+1 in January: 23:30 UTC on the 10th is already the 11th there.
    ivan.created_at = datetime(2030, 1, 10, 23, 30, tzinfo=UTC)
    yuki.created_at = datetime(2030, 1, 11, 9, 0, tzinfo=UTC)
    bob.created_at = datetime(2030, 1, 13, 9, 0, tzinfo=UTC)
    db.session.commit()

    days = lead_lists.leads_by_day(sponsor)

    start = datetime(2030, 1, 11).date()
    assert days == [(start, 2), (start + timedelta(days=1), 0), (start + timedelta(days=2), 1)]


def test_dashboard_counts_booth_visits_downloads_and_staff_meetings(
    event, sponsor, sponsor_staff, rival_staff, people
):
    for person in (people["ivan"], people["ivan"], people["bob"]):
        activity.record(person, event, ActivityKind.booth_visit, sponsor=sponsor)
    activity.record(people["yuki"], event, ActivityKind.booth_download, sponsor=sponsor)
    activity.record(people["yuki"], event, ActivityKind.booth_visit, sponsor=None)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)

    def meeting(requester, invitee, status):
        db.session.add(
            Meeting(
                event_id=event.id,
                requester_id=requester.id,
                invitee_id=invitee.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                status=status,
            )
        )

    meeting(sponsor_staff, people["ivan"], MeetingStatus.accepted)
    meeting(sponsor_staff, people["bob"], MeetingStatus.pending)
    meeting(people["yuki"], sponsor_staff, MeetingStatus.declined)
    meeting(people["yuki"], rival_staff, MeetingStatus.accepted)
    event.report_min_cell = 2
    db.session.commit()

    stats = lead_lists.dashboard(sponsor, with_leads=False)

    assert (stats.visits, stats.visitors) == (3, 2)
    # One person downloaded: a figure about fewer than k people is not shown.
    assert (stats.downloads, stats.downloaders) == (None, None)
    assert stats.meetings == lead_lists.MeetingCounts(sent=2, received=1, accepted=1)


def test_dashboard_term_counts_name_people_without_an_answer(event, sponsor):
    person = factories.participant(event, "No Region")
    registration = factories.registration_of(event, person)
    registration.region_id = None
    db.session.commit()
    _share(sponsor, person)

    assert lead_lists.leads_by_term(sponsor, TaxonomyKind.region) == [("Not given", 1)]


def test_tag_filter_matches_tags_in_any_script_and_not_parts_of_tags(
    event, sponsor, sponsor_staff, people
):
    ivan = _share(sponsor, people["ivan"])
    yuki = _share(sponsor, people["yuki"])
    lead_lists.qualify(
        sponsor_staff, ivan, rating=None, follow_up=LeadFollowUp.new, notes="", tags="Пилот"
    )
    lead_lists.qualify(
        sponsor_staff, yuki, rating=None, follow_up=LeadFollowUp.new, notes="", tags="展示会, 100%"
    )
    db.session.commit()

    assert _filtered(sponsor, tag="пилот") == ["Иван Петров"]
    assert _filtered(sponsor, tag="展示会") == ["Yuki Tanaka"]
    assert _filtered(sponsor, tag="100%") == ["Yuki Tanaka"]
    assert _filtered(sponsor, tag="пил") == []
