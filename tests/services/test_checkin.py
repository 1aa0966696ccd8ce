"""Check-in rules: every red case, green admissions, check-out and re-entry, session
attendance, idempotent resends, name search, walk-ins, the offline list and sync,
and the dashboard's numbers."""

# ruff: noqa: RUF001  (names in Cyrillic and full-width Latin on purpose)

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from conference.enums import ActivityKind, RegistrationStatus, ScanAction, ScanOutcome
from conference.extensions import db
from conference.models import Activity
from conference.models.checkin import CheckIn, Scan, SessionAttendance
from conference.services import ServiceError, badges
from conference.services import checkin as service
from conference.services.checkin import QueuedScan
from conference.services.program import clock, utc_to_local
from tests import factories
from tests import program_helpers as program
from tests.factories import badge_payload as code_of
from tests.factories import registration_of as reg_of


def scan(event, scanner, payload, action=ScanAction.check_in, **kw):
    with force_locale("en"):
        result = service.scan(event, scanner, payload, action, **kw)
    db.session.commit()
    return result


def activities(user, kind) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(Activity.user_id == user.id, Activity.kind == kind)
    )


def test_scan_admits_an_approved_person_and_shows_the_door_details(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit", company="Acme", job_title="CTO")
    reg_of(event, anna).organizer_note = "VIP: give the blue lanyard"
    db.session.commit()

    result = scan(event, checkin_staff, code_of(event, anna))

    assert result.outcome == ScanOutcome.ok
    assert result.green
    assert result.message == "Checked in."
    assert result.person == {
        "registration_id": reg_of(event, anna).id,
        "name": "Anna Admit",
        "company": "Acme",
        "job_title": "CTO",
        "ticket_type": "Standard",
        "status": "approved",
        "status_label": "Approved",
        "note": "VIP: give the blue lanyard",
    }
    row = db.session.get(CheckIn, reg_of(event, anna).id)
    assert row.checked_in_by_id == checkin_staff.id
    assert activities(anna, ActivityKind.check_in) == 1


def test_scan_twice_says_already_checked_in_with_time_and_name(event, checkin_staff, organizer):
    anna = factories.participant(event, "Anna Admit")
    payload = code_of(event, anna)
    first_at = datetime(2030, 1, 1, 8, 12, tzinfo=UTC)  # 09:12 in Berlin
    db.session.add(
        CheckIn(
            registration_id=reg_of(event, anna).id,
            event_id=event.id,
            checked_in_at=first_at,
            checked_in_by_id=organizer.id,
        )
    )
    db.session.commit()

    result = scan(event, checkin_staff, payload)

    assert result.outcome == ScanOutcome.already
    assert not result.green
    assert result.message == "Already checked in at 9:12\u202fAM by Olga Organizer."
    assert activities(anna, ActivityKind.check_in) == 0


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("pending", ScanOutcome.not_approved),
        ("declined", ScanOutcome.not_approved),
        ("cancelled", ScanOutcome.cancelled),
    ],
)
def test_scan_refuses_registrations_that_are_not_approved(event, checkin_staff, status, outcome):
    person = factories.participant(event, "Nora Notyet", status=status)

    result = scan(event, checkin_staff, code_of(event, person))

    assert result.outcome == outcome
    assert not result.green
    assert result.person["name"] == "Nora Notyet"
    assert db.session.get(CheckIn, reg_of(event, person).id) is None


def test_scan_refuses_another_events_badge_without_saying_whose(
    event, other_event, checkin_staff, other_participant
):
    result = scan(event, checkin_staff, code_of(other_event, other_participant))

    assert result.outcome == ScanOutcome.other_event
    assert result.person == {}
    assert result.message == "This badge belongs to another event."
    assert db.session.get(CheckIn, reg_of(other_event, other_participant).id) is None


def test_scan_refuses_a_revoked_code_after_reissue(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    old = code_of(event, anna)
    badges.reissue(reg_of(event, anna))
    db.session.commit()

    result = scan(event, checkin_staff, old)

    assert result.outcome == ScanOutcome.revoked
    assert db.session.get(CheckIn, reg_of(event, anna).id) is None
    assert scan(event, checkin_staff, code_of(event, anna)).outcome == ScanOutcome.ok


@pytest.mark.parametrize("payload", ["", "hello", "B1:NOTATOKEN", "https://evil.test/x", "x" * 500])
def test_scan_calls_anything_else_unknown(event, checkin_staff, payload):
    result = scan(event, checkin_staff, payload)

    assert result.outcome == ScanOutcome.unknown
    assert result.person == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_check_out_then_re_entry_keeps_the_first_admission(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    payload = code_of(event, anna)
    assert scan(event, checkin_staff, payload, ScanAction.check_out).outcome == (
        ScanOutcome.not_inside
    )
    scan(event, checkin_staff, payload)
    first = db.session.get(CheckIn, reg_of(event, anna).id).checked_in_at

    out = scan(event, checkin_staff, payload, ScanAction.check_out)
    again_out = scan(event, checkin_staff, payload, ScanAction.check_out)
    back = scan(event, checkin_staff, payload)

    assert (out.outcome, out.message) == (ScanOutcome.ok, "Checked out.")
    assert again_out.outcome == ScanOutcome.not_inside
    assert (back.outcome, back.reentry, back.message) == (ScanOutcome.ok, True, "Welcome back.")
    db.session.expire_all()
    row = db.session.get(CheckIn, reg_of(event, anna).id)
    assert row.checked_out_at is None
    assert row.checked_in_at == first
    assert activities(anna, ActivityKind.check_in) == 1


def test_session_attendance_once_per_person_with_count_and_capacity(event, checkin_staff):
    hall = program.room(event, "Hall A")
    hall.capacity = 80
    db.session.commit()
    talk = program.session(event, "Keynote", room=hall)
    anna = factories.participant(event, "Anna Admit")
    bert = factories.participant(event, "Bert Busy")

    first = scan(event, checkin_staff, code_of(event, anna), ScanAction.attend, session=talk)
    second = scan(event, checkin_staff, code_of(event, anna), ScanAction.attend, session=talk)
    other = scan(event, checkin_staff, code_of(event, bert), ScanAction.attend, session=talk)

    assert (first.outcome, first.message) == (ScanOutcome.ok, "Attending “Keynote”.")
    assert second.outcome == ScanOutcome.already
    assert second.message.startswith("Already recorded in this session at ")
    assert (other.attendance, other.capacity) == (2, 80)
    assert activities(anna, ActivityKind.attendance) == 1
    row = db.session.scalar(
        sa.select(Activity).where(
            Activity.user_id == anna.id, Activity.kind == ActivityKind.attendance
        )
    )
    assert row.session_id == talk.id


def test_attendance_needs_a_session(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    with pytest.raises(ServiceError) as caught:
        service.scan(event, checkin_staff, code_of(event, anna), ScanAction.attend)
    assert caught.value.code == "session_required"


def test_a_resent_scan_returns_the_first_answer_and_records_nothing(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    payload = code_of(event, anna)

    first = scan(event, checkin_staff, payload, client_scan_id="dev1-0001")
    again = scan(event, checkin_staff, payload, client_scan_id="dev1-0001")

    assert (first.outcome, first.recorded) == (ScanOutcome.ok, True)
    assert (again.outcome, again.recorded) == (ScanOutcome.ok, False)
    assert again.person["name"] == "Anna Admit"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1


def test_pick_from_name_search_has_the_same_outcomes(event, other_event, checkin_staff, pending):
    anna = factories.participant(event, "Anna Admit")
    with force_locale("en"):
        ok = service.pick(event, checkin_staff, reg_of(event, anna).id, ScanAction.check_in)
        red = service.pick(event, checkin_staff, reg_of(event, pending).id, ScanAction.check_in)
    assert ok.outcome == ScanOutcome.ok
    assert red.outcome == ScanOutcome.not_approved
    stranger = factories.participant(other_event, "Olga Other")
    with pytest.raises(ServiceError) as caught:
        service.pick(
            event,
            checkin_staff,
            reg_of(other_event, stranger).id,
            ScanAction.check_in,
        )
    assert caught.value.code == "not_found"


def test_search_finds_by_name_company_and_any_script(event, other_event, checkin_staff):
    factories.participant(event, "Анна Петрова", company="Рога и копыта")
    factories.participant(event, "山田 太郎", company="トヨタ")
    factories.participant(event, "Zed Zimmer", company="Acme")
    factories.participant(other_event, "Анна Другая")

    assert [f.registration.user.display_name for f in service.search(event, "анна")] == [
        "Анна Петрова"
    ]
    assert [f.registration.user.display_name for f in service.search(event, "トヨタ")] == [
        "山田 太郎"
    ]
    assert [f.registration.user.display_name for f in service.search(event, "ＡＣＭＥ")] == [
        "Zed Zimmer"
    ]
    assert service.search(event, "  ") == []


def test_search_shows_who_is_inside(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    scan(event, checkin_staff, code_of(event, anna))
    with force_locale("en"):
        [found] = service.search(event, "anna")
        data = service.found_json(event, checkin_staff, found)
    assert found.inside
    assert data["inside"] is True
    assert data["name"] == "Anna Admit"


def test_walk_in_creates_an_approved_registration_and_mails(event, checkin_staff, outbox):
    with force_locale("en"):
        made = service.walk_in(
            checkin_staff,
            event,
            name="Walter Walkin",
            email=" Walter@Example.test ",
            ticket_type_id=factories.ticket(event).id,
        )
    db.session.commit()

    reg = made.registration
    assert made.created
    assert reg.status == RegistrationStatus.approved
    assert reg.user.email == "walter@example.test"
    assert reg.user.display_name == "Walter Walkin"
    assert reg.ticket_type.name == "Standard"
    assert service.search(event, "walter")[0].registration.id == reg.id
    assert [m["To"] for m in outbox.messages] == ["walter@example.test"]
    assert db.session.get(CheckIn, reg.id) is None


def test_walk_in_finds_someone_already_approved(event, checkin_staff, attendee):
    made = service.walk_in(
        checkin_staff, event, name="x", email=attendee.email, ticket_type_id=None
    )
    assert not made.created
    assert made.registration.user_id == attendee.id


def test_walk_in_registered_at_another_desk_meanwhile_is_a_clear_refusal(
    event, checkin_staff, outsider, monkeypatch
):
    """The other desk's account lands between this desk's lookup and its insert."""
    monkeypatch.setattr(service.accounts, "find_by_email", lambda address: None)
    with pytest.raises(ServiceError) as refused:
        service.walk_in(
            checkin_staff,
            event,
            name="Otto",
            email=outsider.email,
            ticket_type_id=factories.ticket(event).id,
        )
    assert (refused.value.code, refused.value.field) == ("just_registered", "email")
    db.session.rollback()
    assert reg_of(event, outsider) is None


def test_walk_in_leaves_pending_registrations_to_organizers(event, checkin_staff, pending):
    with pytest.raises(ServiceError) as caught:
        service.walk_in(
            checkin_staff,
            event,
            name="Pat",
            email=pending.email,
            ticket_type_id=factories.ticket(event).id,
        )
    assert caught.value.code == "needs_organizer"
    assert reg_of(event, pending).status == RegistrationStatus.pending


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": " ", "email": "a@b.test"}, "required", "name"),
        ({"name": "A", "email": "not-an-email"}, "invalid_email", "email"),
        ({"name": "A", "email": "a@b.test", "ticket_type_id": None}, "required", "ticket_type"),
    ],
)
def test_walk_in_refuses_bad_input(event, checkin_staff, fields, code, field):
    values = {"ticket_type_id": factories.ticket(event).id, **fields}
    with pytest.raises(ServiceError) as caught:
        service.walk_in(checkin_staff, event, **values)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_snapshot_lists_live_and_revoked_codes_and_changes_version(
    event, other_event, checkin_staff, other_participant, pending
):
    anna = factories.participant(event, "Anna Admit", company="Acme")
    live = code_of(event, anna)[3:]
    pending_code = code_of(event, pending)[3:]
    code_of(other_event, other_participant)
    badges.reissue(reg_of(event, pending))
    db.session.commit()
    before = service.snapshot(event)

    scan(event, checkin_staff, "B1:" + live)
    after = service.snapshot(event)

    assert before["revoked"] == [pending_code]
    assert set(before["codes"]) == {live, code_of(event, pending)[3:]}
    assert before["codes"][live]["inside"] is False
    assert after["codes"][live]["inside"] is True
    assert after["codes"][live]["name"] == "Anna Admit"
    assert after["codes"][live]["company"] == "Acme"
    admitted = db.session.get(CheckIn, reg_of(event, anna).id).checked_in_at
    assert after["codes"][live]["checked_in_clock"] == clock(event, admitted)
    assert before["codes"][live]["checked_in_clock"] is None
    assert before["version"] != after["version"]
    assert service.snapshot(event)["version"] == after["version"]


def test_sync_settles_duplicates_and_reports_corrections(event, checkin_staff, organizer):
    anna = factories.participant(event, "Anna Admit")
    bert = factories.participant(event, "Bert Busy")
    anna_code, bert_code = (
        code_of(event, anna),
        code_of(event, bert),
    )
    # Another device admitted Bert while this one was offline.
    scan(event, organizer, bert_code)
    t0 = datetime.now(UTC) - timedelta(minutes=10)
    queue = [
        QueuedScan("off-2", ScanAction.check_in, t0 + timedelta(minutes=1), "ok", anna_code),
        QueuedScan("off-1", ScanAction.check_in, t0, "ok", anna_code),
        QueuedScan("off-3", ScanAction.check_in, t0 + timedelta(minutes=2), "ok", bert_code),
        QueuedScan("off-4", ScanAction.check_in, t0, "unknown", "B1:GARBAGE"),
    ]

    with force_locale("en"):
        answers = service.sync(event, checkin_staff, queue)
        again = service.sync(event, checkin_staff, queue)
    db.session.commit()

    by_id = {a["client_scan_id"]: a for a in answers}
    assert (by_id["off-1"]["outcome"], by_id["off-1"]["differs"]) == ("ok", False)
    assert (by_id["off-2"]["outcome"], by_id["off-2"]["differs"]) == ("already", True)
    assert (by_id["off-3"]["outcome"], by_id["off-3"]["differs"]) == ("already", True)
    assert by_id["off-3"]["message"].endswith("by Olga Organizer.")
    assert (by_id["off-4"]["outcome"], by_id["off-4"]["differs"]) == ("unknown", False)
    assert [a["outcome"] for a in again] == [a["outcome"] for a in answers]
    assert all(a["recorded"] is False for a in again)
    row = db.session.get(CheckIn, reg_of(event, anna).id)
    assert row.checked_in_at == t0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 5


def test_sync_does_not_believe_clocks_in_the_future(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    future = datetime.now(UTC) + timedelta(days=2)
    service.sync(
        event,
        checkin_staff,
        [QueuedScan("f-1", ScanAction.check_in, future, "ok", code_of(event, anna))],
    )
    assert db.session.get(CheckIn, reg_of(event, anna).id).checked_in_at < future


def test_sync_answers_a_scan_for_a_vanished_session_without_stopping(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    code = code_of(event, anna)
    now = datetime.now(UTC)
    with force_locale("en"):
        answers = service.sync(
            event,
            checkin_staff,
            [
                QueuedScan("s-1", ScanAction.attend, now, "ok", code, session_id=999999),
                QueuedScan("s-2", ScanAction.check_in, now, "ok", code),
            ],
        )
    assert [(a["outcome"], a["differs"]) for a in answers] == [
        ("session_required", True),
        ("ok", False),
    ]


def test_sync_refuses_too_many_scans(event, checkin_staff):
    now = datetime.now(UTC)
    queue = [
        QueuedScan(f"n-{i}", ScanAction.check_in, now, "ok", "x")
        for i in range(service.SYNC_MAX + 1)
    ]
    with pytest.raises(ServiceError) as caught:
        service.sync(event, checkin_staff, queue)
    assert caught.value.code == "too_many"


def _today_at(event) -> date:
    """Today in the event's zone (already tomorrow in UTC late in the evening)."""
    return utc_to_local(event, datetime.now(UTC)).date()


def test_dashboard_counts_by_ticket_type_time_inside_and_sessions(event, checkin_staff):
    talk = program.session(event, "Keynote")
    talk.capacity = 50
    db.session.commit()
    people = [factories.participant(event, f"Person {n}") for n in range(3)]
    factories.participant(event, "Pat Pending", status="pending")
    for person in people[:2]:
        scan(event, checkin_staff, code_of(event, person))
    scan(event, checkin_staff, code_of(event, people[1]), ScanAction.check_out)
    scan(
        event,
        checkin_staff,
        code_of(event, people[0]),
        ScanAction.attend,
        session=talk,
    )

    with force_locale("en"):
        data = service.dashboard(event)
        first_day = service.dashboard(event, day=event.starts_on)

    assert data["registered"] == 4  # checkin_staff is approved too
    assert data["checked_in"] == 2
    assert data["inside"] == 1
    standard = next(r for r in data["by_ticket_type"] if r["ticket_type"] == "Standard")
    assert (standard["registered"], standard["checked_in"]) == (4, 2)
    # Scanned today, before the event: the desk trying its scanners; today (in the
    # event's zone, which may already be tomorrow in UTC) is shown.
    assert data["day"] == _today_at(event).isoformat()
    assert sum(b["count"] for b in data["over_time"]) == 2
    assert data["sessions"] == []
    assert [(s["title"], s["attended"], s["capacity"]) for s in first_day["sessions"]] == [
        ("Keynote", 1, 50)
    ]
    assert first_day["over_time"] == []
    event_days = [event.starts_on.isoformat(), event.ends_on.isoformat()]
    assert [d["day"] for d in first_day["days"]] == event_days
    assert [d["day"] for d in data["days"]] == [_today_at(event).isoformat(), *event_days]
    assert {r["name"] for r in data["recent"]} == {"Person 0", "Person 1"}


def test_dashboard_counts_checked_in_among_approved_registrations(event, checkin_staff):
    anna = factories.participant(event, "Anna Admit")
    scan(event, checkin_staff, code_of(event, anna))
    reg_of(event, anna).status = RegistrationStatus.cancelled
    db.session.commit()
    with force_locale("en"):
        data = service.dashboard(event)
    assert (data["checked_in"], data["registered"], data["inside"]) == (0, 1, 0)


def test_dashboard_over_time_fills_empty_quarters(event):
    times = [
        datetime(2030, 1, 1, 8, 1, tzinfo=UTC),
        datetime(2030, 1, 1, 8, 14, tzinfo=UTC),
        datetime(2030, 1, 1, 8, 50, tzinfo=UTC),
    ]
    next_day = datetime(2030, 1, 2, 8, 5, tzinfo=UTC)
    with force_locale("en"):
        buckets = service._buckets(event, [*times, next_day], date(2030, 1, 1))
    assert [b["count"] for b in buckets] == [2, 0, 0, 1]


def test_dashboard_shows_today_while_the_event_runs_else_its_nearest_day(event):
    today = _today_at(event)
    assert service.dashboard_day(event) == event.starts_on
    event.starts_on, event.ends_on = today - timedelta(days=1), today + timedelta(days=1)
    assert service.dashboard_day(event) == today
    event.starts_on, event.ends_on = today - timedelta(days=5), today - timedelta(days=3)
    assert service.dashboard_day(event) == event.ends_on


def test_scan_view_tells_other_scanners_nothing(event, attendee, sponsor_staff):
    assert service.scan_view(sponsor_staff, reg_of(event, attendee)) == {}


def test_a_green_scan_pings_the_events_dashboards(app, event, checkin_staff, monkeypatch):
    sent = []
    monkeypatch.setattr(
        service.socketio, "emit", lambda name, data, to: sent.append((name, data, to))
    )
    anna = factories.participant(event, "Anna Admit")
    payload = code_of(event, anna)
    scan(event, checkin_staff, "B1:UNKNOWN")
    scan(event, checkin_staff, payload)
    assert sent == [("checkin_changed", {"action": "check_in"}, f"checkin:{event.id}")]


def test_attendance_rows_are_per_session(event, checkin_staff):
    one, two = program.session(event, "One"), program.session(event, "Two", "11:00", "11:45")
    anna = factories.participant(event, "Anna Admit")
    code = code_of(event, anna)
    scan(event, checkin_staff, code, ScanAction.attend, session=one)
    scan(event, checkin_staff, code, ScanAction.attend, session=two)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 2
