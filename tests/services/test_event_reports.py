"""The organizer's event reports: registrations, check-in, engagement, sponsor leads, the
summary; exact counts on hand-built events, days in the event's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conference.enums import (
    ActivityKind,
    LeadSource,
    MeetingStatus,
    RegistrationStatus,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    CheckIn,
    Conversation,
    Lead,
    Meeting,
    Message,
    Registration,
    TaxonomyTerm,
)
from conference.services import event_reports as reports
from tests import factories


def _at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _registered(event, person, at: datetime) -> Registration:
    registration = factories.registration_of(event, person)
    registration.created_at = at
    db.session.commit()
    return registration


def _rows(table) -> list[tuple]:
    return [(row.key or row.label, *row.values) for row in table.rows]


@pytest.fixture
def winter_event():
    """Berlin, UTC+1 in November."""
    return factories.event(
        name="Winter Summit", starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 25)
    )


def test_offset_periods_find_the_summer_time_change_to_the_second(event):
    periods = reports.offset_periods(event, _at(2026, 3, 27), _at(2026, 4, 2))

    assert periods == [(_at(2026, 3, 29, 1, 0, 0), 60), (_at(2026, 4, 2), 120)]


def test_registrations_by_day_split_at_local_midnight_across_summer_time(event):
    # Berlin: 22:59 UTC on 28 March is 23:59 local (UTC+1); on 29 March summer time
    # starts, so 22:00 UTC is already midnight of the 30th (UTC+2).
    times = [
        _at(2026, 3, 27, 23, 0),  # 28 March, 00:00 local
        _at(2026, 3, 28, 22, 59),  # 28 March, 23:59 local
        _at(2026, 3, 29, 21, 59),  # 29 March, 23:59 local
        _at(2026, 3, 29, 22, 0),  # 30 March, 00:00 local
        _at(2026, 3, 29, 22, 30),  # 30 March
    ]
    for n, at in enumerate(times):
        _registered(event, factories.participant(event, f"P{n}"), at)

    table = reports.registrations_by_day(event)

    assert _rows(table) == [
        ("2026-03-28", 2, 2),
        ("2026-03-29", 1, 3),
        ("2026-03-30", 2, 5),
    ]
    assert table.total.values == (5, 5)


def test_registrations_by_day_fills_days_without_registrations(winter_event):
    ev = winter_event
    _registered(ev, factories.participant(ev, "A"), _at(2026, 11, 20, 10))
    _registered(ev, factories.participant(ev, "B"), _at(2026, 11, 22, 23, 30))  # 23rd local

    assert _rows(reports.registrations_by_day(ev)) == [
        ("2026-11-20", 1, 1),
        ("2026-11-21", 0, 1),
        ("2026-11-22", 0, 1),
        ("2026-11-23", 1, 2),
    ]


def test_registrations_by_day_of_an_event_without_registrations_is_empty(event):
    table = reports.registrations_by_day(event)

    assert table.rows == ()
    assert table.total is None


def test_registrations_by_industry_counts_active_registrations_with_shares(event):
    factories.participant(event, "A", industry="Finance")
    factories.participant(event, "B", industry="Finance", status="pending")
    factories.participant(event, "C", industry="Software")
    factories.participant(event, "D", industry="Finance", status="declined")
    unanswered = factories.participant(event, "E")
    factories.registration_of(event, unanswered).industry_id = None
    db.session.commit()

    table = reports.registrations_by(event, "industry")

    assert _rows(table) == [
        ("Finance", 2, 0.5),
        ("Healthcare", 0, 0.0),
        ("Software", 1, 0.25),
        ("Not answered", 1, 0.25),
    ]
    assert table.total.values == (4, 1.0)


def test_registrations_by_ticket_type_region_and_role(event):
    factories.participant(event, "A", ticket_type="VIP", region="APAC", job_role="CTO")
    factories.participant(event, "B", region="APAC", job_role="CTO")
    factories.participant(event, "C", region="Americas")

    assert [r[:2] for r in _rows(reports.registrations_by(event, "ticket_type"))] == [
        ("Standard", 2),
        ("VIP", 1),
    ]
    assert [r[:2] for r in _rows(reports.registrations_by(event, "region"))] == [
        ("EMEA", 0),
        ("APAC", 2),
        ("Americas", 1),
    ]
    assert [r[:2] for r in _rows(reports.registrations_by(event, "job_role"))] == [
        ("CTO", 2),
        ("Engineer", 1),
        ("Founder", 0),
    ]


def test_registrations_by_industry_ignores_another_event(event, other_event):
    factories.participant(other_event, "Elsewhere", industry="Finance")

    assert reports.registrations_by(event, "industry").rows == ()


def test_registrations_by_status_counts_every_status(event):
    factories.participant(event, "A")
    factories.participant(event, "B", status="pending")
    factories.participant(event, "C", status="cancelled")
    factories.participant(event, "D", status="cancelled")

    table = reports.registrations_by_status(event)

    assert _rows(table) == [
        ("Pending", 1, 0.25),
        ("Approved", 1, 0.25),
        ("Declined", 0, 0.0),
        ("Cancelled", 2, 0.5),
    ]


def _checked_in(event, person, at: datetime) -> None:
    registration = factories.registration_of(event, person)
    db.session.add(CheckIn(registration_id=registration.id, event_id=event.id, checked_in_at=at))
    db.session.commit()


def test_checkins_by_day_give_the_running_rate_of_approved_participants(winter_event):
    ev = winter_event
    people = [factories.participant(ev, f"P{n}") for n in range(4)]
    _checked_in(ev, people[0], _at(2026, 11, 24, 8))
    _checked_in(ev, people[1], _at(2026, 11, 24, 22, 59))  # 23:59 local, first day
    _checked_in(ev, people[2], _at(2026, 11, 24, 23, 0))  # midnight: second day
    gone = factories.participant(ev, "Gone")
    _checked_in(ev, gone, _at(2026, 11, 24, 9))
    factories.registration_of(ev, gone).status = RegistrationStatus.cancelled
    db.session.commit()

    table = reports.checkins_by_day(ev)

    assert _rows(table) == [("2026-11-24", 2, 2, 0.5), ("2026-11-25", 1, 3, 0.75)]
    assert table.total.values == (3, 3, 0.75)


def test_checkins_by_day_show_the_event_days_before_anyone_came(winter_event):
    factories.participant(winter_event, "A")

    table = reports.checkins_by_day(winter_event)

    assert table.rows == ()
    assert table.total.values == (0, 0, 0.0)


def _activity(event, person, kind: ActivityKind, at: datetime, **fields) -> None:
    db.session.add(
        Activity(event_id=event.id, user_id=person.id, kind=kind, created_at=at, **fields)
    )


def _message(conversation, sender, at: datetime, n: int) -> None:
    db.session.add(
        Message(
            conversation_id=conversation.id,
            sender_id=sender.id,
            client_id=f"c{n}",
            body="secret words",
            created_at=at,
        )
    )


def _conversation(event, a, b) -> Conversation:
    low, high = sorted((a.id, b.id))
    conversation = Conversation(user_low_id=low, user_high_id=high, event_id=event.id)
    db.session.add(conversation)
    db.session.flush()
    return conversation


def _meeting(event, a, b, status: MeetingStatus, at: datetime) -> None:
    db.session.add(
        Meeting(
            event_id=event.id,
            requester_id=a.id,
            invitee_id=b.id,
            starts_at=_at(2026, 11, 24, 10),
            ends_at=_at(2026, 11, 24, 10, 30),
            status=status,
            awaiting_id=b.id if status == MeetingStatus.pending else None,
            created_at=at,
        )
    )


@pytest.fixture
def busy_event(winter_event, other_event):
    """Winter Summit with known messages, meetings and activity; noise in another event."""
    ev = winter_event
    a, b, c = (factories.participant(ev, name) for name in ("A", "B", "C"))
    here = _conversation(ev, a, b)
    for n, at in enumerate((_at(2026, 11, 23, 9), _at(2026, 11, 24, 9), _at(2026, 11, 24, 10))):
        _message(here, a, at, n)
    elsewhere = _conversation(other_event, a, c)
    _message(elsewhere, c, _at(2026, 11, 24, 9), 9)
    _meeting(ev, a, b, MeetingStatus.accepted, _at(2026, 11, 23, 12))
    _meeting(ev, a, c, MeetingStatus.pending, _at(2026, 11, 24, 12))
    _meeting(ev, b, c, MeetingStatus.declined, _at(2026, 11, 24, 13))
    _activity(ev, a, ActivityKind.bookmark, _at(2026, 11, 20, 8))
    _activity(ev, b, ActivityKind.bookmark, _at(2026, 11, 24, 8))
    _activity(ev, a, ActivityKind.material_download, _at(2026, 11, 24, 11))
    _activity(ev, a, ActivityKind.attendance, _at(2026, 11, 25, 11))
    _activity(ev, c, ActivityKind.booth_visit, _at(2026, 11, 25, 12))
    _activity(other_event, a, ActivityKind.bookmark, _at(2026, 11, 24, 8))
    db.session.commit()
    return ev


def test_engagement_counts_messages_meetings_and_actions_of_this_event(busy_event):
    counts = reports.engagement_counts(busy_event)

    assert counts == {
        "messages": 3,
        "conversations": 1,
        "meeting_requests": 3,
        "meetings_accepted": 1,
        "bookmark": 2,
        "session_view": 0,
        "material_download": 1,
        "attendance": 1,
        "question_asked": 0,
        "booth_visit": 1,
        "booth_download": 0,
    }
    assert [row.values[0] for row in reports.engagement(busy_event).rows] == list(counts.values())


def test_engagement_by_day_from_the_first_action_to_the_last_event_day(busy_event):
    table = reports.engagement_by_day(busy_event)

    assert _rows(table) == [
        ("2026-11-20", 0, 0, 1, 0, 0),
        ("2026-11-21", 0, 0, 0, 0, 0),
        ("2026-11-22", 0, 0, 0, 0, 0),
        ("2026-11-23", 1, 1, 0, 0, 0),
        ("2026-11-24", 2, 2, 1, 1, 0),
        ("2026-11-25", 0, 0, 0, 0, 1),
    ]
    assert table.total.values == (3, 3, 2, 1, 1)


def test_engagement_tables_carry_no_message_text(busy_event):
    for key in ("engagement", "engagement_by_day"):
        assert "secret words" not in str(reports.table(busy_event, key).to_json())


def _lead(sponsor, person, *, withdrawn: bool = False) -> None:
    db.session.add(
        Lead(
            sponsor_id=sponsor.id,
            event_id=sponsor.event_id,
            user_id=person.id,
            source=LeadSource.booth,
            consent_text="I agree",
            withdrawn_at=_at(2026, 11, 24) if withdrawn else None,
        )
    )


def test_sponsor_leads_count_visible_leads_and_booth_visits_per_sponsor(event):
    gold = factories.sponsor(event, "Acme Corp", tier="Gold")
    silver = factories.sponsor(event, "Globex", tier="Silver")
    a, b, c = (factories.participant(event, name) for name in ("A", "B", "C"))
    _lead(gold, a)
    _lead(gold, b)
    _lead(gold, c, withdrawn=True)
    _lead(silver, a)
    _activity(event, a, ActivityKind.booth_visit, _at(2026, 11, 24, 8), sponsor_id=silver.id)
    db.session.commit()

    table = reports.sponsor_leads(event)

    assert _rows(table) == [("Acme Corp", "Gold", 0, 2), ("Globex", "Silver", 1, 1)]
    assert table.total.values == ("", 1, 3)


def test_table_csv_is_excel_safe_with_iso_days_and_percentages(event):
    term = factories.term(event, TaxonomyKind.industry, "Finance")
    term.name = "=HYPERLINK(1)"
    factories.participant(event, "A", industry="Software")
    factories.participant(event, "B", industry="Software")
    factories.participant(event, "C", industry="Healthcare")
    db.session.commit()

    text = reports.table_csv(reports.registrations_by(event, "industry")).decode("utf-8")

    assert text.startswith("\ufeff")
    assert text[1:].splitlines() == [
        "Industry,Registrations,Share",
        "'=HYPERLINK(1),0,0.0",
        "Healthcare,1,33.3",
        "Software,2,66.7",
        "Total,3,100.0",
    ]


def test_table_csv_of_days_uses_iso_dates(winter_event):
    _registered(winter_event, factories.participant(winter_event, "A"), _at(2026, 11, 20, 10))

    lines = reports.table_csv(reports.registrations_by_day(winter_event)).decode().splitlines()

    assert lines[1:] == ["2026-11-20,1,1", "Total,1,1"]


def test_table_of_an_unknown_key_is_none(event):
    assert reports.table(event, "passwords") is None


def test_every_table_serializes_with_its_chart_columns(busy_event):
    for key in reports.TABLES:
        answer = reports.table(busy_event, key).to_json()
        keys = {column["key"] for column in answer["columns"]}
        assert answer["key"] == key
        assert set(answer["chart_columns"]) <= keys


def test_summary_holds_the_key_numbers_and_suppressed_top_topics(busy_event):
    ev = busy_event
    ai = db.session.scalar(
        db.select(TaxonomyTerm).where(
            TaxonomyTerm.event_id == ev.id,
            TaxonomyTerm.kind == TaxonomyKind.topic,
            TaxonomyTerm.name == "AI",
        )
    )
    ev.report_min_cell = 3
    people = [factories.participant(ev, f"Fan {n}", interests=["AI"]) for n in range(3)]
    _checked_in(ev, people[0], _at(2026, 11, 24, 8))
    db.session.commit()

    summary = reports.summary(ev)

    assert summary.registrations == 6
    assert summary.approved == 6
    assert summary.checked_in == 1
    assert summary.checkin_rate == pytest.approx(1 / 6)
    assert summary.engagement["messages"] == 3
    assert summary.k == 3
    by_label = {topic["label"]: topic for topic in summary.top_topics}
    # Everyone declared AI (factories' default interest): 6 people, interest weight 1.
    assert by_label["AI"]["id"] == ai.id
    assert by_label["AI"]["suppressed"] is False
    assert summary.top_value == max(t["value"] for t in summary.top_topics if not t["suppressed"])
    assert all(topic["display"] == "< 3" for topic in summary.top_topics if topic["suppressed"])
    assert [row.values[0] for row in summary.ticket_types.rows] == [6, 0]


def test_summary_of_an_empty_event(event):
    summary = reports.summary(event)

    assert (summary.registrations, summary.checked_in, summary.checkin_rate) == (0, 0, None)
    assert summary.leads == 0
    assert summary.top_value == 0
