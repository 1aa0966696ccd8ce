"""Engagement points: values and daily caps per kind, totals counted from activity rows
(and equal to a recomputation of those rows in Python), the leaderboard's listing rules,
and the two activity rows this part writes (profile completed, meeting held)."""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from conference.enums import ActivityKind, MeetingStatus, PointKind, RegistrationStatus
from conference.extensions import db
from conference.models import Activity, Event, Meeting, User
from conference.services import ServiceError, points, registrations
from conference.services.profiles import ProfileChanges, update_profile
from conference.services.search import refresh_search_keys
from tests import factories
from tests.services.test_meetings_concurrency import THREADS, committing_app  # noqa: F401


def _row(event, person, kind: ActivityKind, moment: datetime) -> Activity:
    row = Activity(event_id=event.id, user_id=person.id, kind=kind, created_at=moment)
    db.session.add(row)
    return row


def _local(event, year, month, day, hour, minute=0) -> datetime:
    """A wall-clock moment in the event's zone, as UTC."""
    zone = ZoneInfo(event.timezone)
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def _recompute(event, rules: dict) -> dict[int, int]:
    """Totals computed from the activity rows in Python, independently of the service:
    per person, kind and local day, count times value, capped, summed."""
    zone = ZoneInfo(event.timezone)
    by_activity = {points.KIND_ACTIVITY[kind]: rule for kind, rule in rules.items()}
    counts: dict[tuple, int] = defaultdict(int)
    for row in db.session.scalars(sa.select(Activity).where(Activity.event_id == event.id)):
        if row.kind not in by_activity or row.user_id is None:
            continue
        moment = row.created_at.replace(tzinfo=row.created_at.tzinfo or UTC)
        counts[(row.user_id, row.kind, moment.astimezone(zone).date())] += 1
    out: dict[int, int] = defaultdict(int)
    for (user_id, kind, _day), n in counts.items():
        rule = by_activity[kind]
        earned = n * rule.points
        if rule.daily_cap is not None:
            earned = min(earned, rule.daily_cap)
        out[user_id] += earned
    return {user_id: total for user_id, total in out.items() if total}


RULES = {
    PointKind.profile_complete: points.Rule(20),
    PointKind.check_in: points.Rule(10),
    PointKind.attendance: points.Rule(5, 12),
    PointKind.question_upvoted: points.Rule(2, 6),
    PointKind.meeting_held: points.Rule(7, None),
    PointKind.booth_visit: points.Rule(3, 3),
}


def test_daily_caps_hold_per_local_day(event, attendee):
    points.save_rules(event, RULES, leaderboard_visible=True)
    # Berlin: 23:30 and 00:30 are different local days, though the same UTC day.
    for hour in (9, 11, 14, 23):
        _row(event, attendee, ActivityKind.attendance, _local(event, 2026, 6, 10, hour, 30))
    _row(event, attendee, ActivityKind.attendance, _local(event, 2026, 6, 11, 0, 30))
    for _ in range(5):
        _row(event, attendee, ActivityKind.booth_visit, _local(event, 2026, 6, 10, 12))
    db.session.flush()

    # Day one: 4 x 5 = 20, capped at 12; day two: 5. Booths: 5 x 3 capped at 3.
    assert points.total_of(event, attendee) == 12 + 5 + 3
    mine = points.my_points(event, attendee)
    lines = {line.kind: line for line in mine.lines}
    assert lines[PointKind.attendance].actions == 5
    assert lines[PointKind.attendance].points == 17
    assert [d.isoformat() for d in lines[PointKind.attendance].capped_days] == ["2026-06-10"]
    assert lines[PointKind.booth_visit].points == 3
    assert mine.total == 20


def test_uncapped_kind_and_changed_values_rescore_the_past(event, attendee):
    points.save_rules(event, RULES, leaderboard_visible=False)
    for n in range(6):
        _row(event, attendee, ActivityKind.meeting_held, _local(event, 2026, 6, 10, 9 + n))
    db.session.flush()
    assert points.total_of(event, attendee) == 42

    points.save_rules(
        event, {**RULES, PointKind.meeting_held: points.Rule(0, None)}, leaderboard_visible=False
    )
    assert points.total_of(event, attendee) == 0
    line = next(
        line for line in points.my_points(event, attendee).lines if line.kind == "meeting_held"
    )
    assert (line.actions, line.points) == (6, 0)


def test_totals_equal_a_recomputation_from_activity_rows(event, other_event):
    """Many people, every kind, across local midnights and a change of the clocks
    (Berlin, last Sunday of March 2026), plus rows that count nothing."""
    points.save_rules(event, RULES, leaderboard_visible=True)
    people = [factories.participant(event, f"Person {n}") for n in range(6)]
    stranger = factories.participant(other_event, "Elsewhere")
    rng = random.Random(11)
    start = datetime(2026, 3, 27, 20, tzinfo=UTC)
    kinds = [*points.KIND_ACTIVITY.values(), ActivityKind.bookmark, ActivityKind.session_view]
    for _ in range(400):
        person = rng.choice(people)
        moment = start + timedelta(minutes=rng.randrange(0, 4 * 24 * 60))
        _row(event, person, rng.choice(kinds), moment)
    for n in range(20):
        _row(other_event, stranger, ActivityKind.attendance, start + timedelta(hours=n))
    db.session.flush()

    expected = _recompute(event, RULES)
    assert expected  # the data earns points
    assert points.totals(event) == expected
    for person in people:
        assert points.my_points(event, person).total == expected.get(person.id, 0)
    board = points.leaderboard(event)
    assert {entry.user_id: entry.points for entry in board} == expected
    assert [entry.points for entry in board] == sorted(expected.values(), reverse=True)
    assert points.totals(other_event) == _recompute(other_event, points.rules_of(other_event))


def test_defaults_apply_until_rules_are_saved(event, attendee):
    assert points.rules_of(event) == points.DEFAULT_RULES
    _row(event, attendee, ActivityKind.check_in, _local(event, 2026, 6, 10, 9))
    db.session.flush()
    assert points.total_of(event, attendee) == points.DEFAULT_RULES[PointKind.check_in].points


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (points.Rule(-1), "attendance_points"),
        (points.Rule(points.MAX_POINTS + 1), "attendance_points"),
        (points.Rule(5, -3), "attendance_daily_cap"),
    ],
)
def test_rules_out_of_range_are_refused(event, rule, field):
    with pytest.raises(ServiceError) as refused:
        points.save_rules(event, {**RULES, PointKind.attendance: rule}, leaderboard_visible=True)
    assert refused.value.field == field
    assert points.rules_of(event) == points.DEFAULT_RULES
    assert event.leaderboard_visible is False


def test_leaderboard_lists_only_visible_approved_people(event, attendee, speaker, pending):
    points.save_rules(event, RULES, leaderboard_visible=True)
    hider = factories.participant(event, "Hilda Hider")
    invisible = factories.participant(event, "Ivan Invisible")
    invisible.profile.directory_visible = False
    refresh_search_keys(invisible)
    gone = factories.participant(event, "Gina Gone")
    gone.deleted_at = datetime.now(UTC)
    for person in (attendee, speaker, pending, hider, invisible, gone):
        _row(event, person, ActivityKind.check_in, _local(event, 2026, 6, 10, 9))
    _row(event, speaker, ActivityKind.attendance, _local(event, 2026, 6, 10, 10))
    points.set_hidden(event, hider, True)
    db.session.flush()

    board = points.leaderboard(event)
    assert [(e.display_name, e.points, e.rank) for e in board] == [
        ("Sam Speaker", 15, 1),
        ("Anna Attendee", 10, 2),
    ]
    assert points.rank_of(event, attendee) == 2
    assert points.rank_of(event, hider) is None
    mine = points.my_points(event, hider)
    assert (mine.total, mine.hidden, mine.rank) == (10, True, None)

    points.set_hidden(event, hider, False)
    assert [e.rank for e in points.leaderboard(event)] == [1, 2, 2]
    assert [e.display_name for e in points.leaderboard(event)][1:] == [
        "Anna Attendee",
        "Hilda Hider",
    ]
    assert factories.registration_of(event, pending).status == RegistrationStatus.pending


def test_set_hidden_needs_a_registration(event, outsider):
    with pytest.raises(ServiceError):
        points.set_hidden(event, outsider, True)


def _complete(person, **overrides):
    values = dict(
        display_name=person.display_name,
        headline="Payments at scale",
        bio="I build things.",
        company="Acme",
        job_title="CTO",
    )
    values.update(overrides)
    return update_profile(person, ProfileChanges(**values))


def _profile_rows(person):
    return db.session.scalars(
        sa.select(Activity.event_id).where(
            Activity.user_id == person.id, Activity.kind == ActivityKind.profile_completed
        )
    ).all()


def test_profile_completed_once_per_running_event(event, attendee):
    second = factories.event(name="Second")
    factories.participant(second, person=attendee)
    finished = factories.event(
        name="Past", starts_on=datetime.now(UTC).date() - timedelta(days=30), network_open_days=0
    )
    factories.participant(finished, person=attendee)
    waiting = factories.event(name="Waiting")
    factories.participant(waiting, person=attendee, status="pending")

    _complete(attendee, bio="")
    assert _profile_rows(attendee) == []

    _complete(attendee)
    assert sorted(_profile_rows(attendee)) == sorted([event.id, second.id])
    _complete(attendee, headline="Still complete")
    assert len(_profile_rows(attendee)) == 2


def _ready_to_complete(person):
    """Everything of a complete profile but what registering asks (company, job title)."""
    person.profile.headline = "Payments at scale"
    person.profile.bio = "I build things."
    db.session.commit()


def _register(person, event):
    registration = registrations.register(
        person,
        event,
        ticket_type_id=factories.ticket(event).id,
        industry_id=factories.term(event, "industry", "Finance").id,
        region_id=factories.term(event, "region", "APAC").id,
        job_role_id=factories.term(event, "job_role", "CTO").id,
        interest_ids=[factories.term(event, "topic", "Payments").id],
        company="Acme",
        job_title="CTO",
    )
    db.session.commit()
    return registration


def test_registering_approved_at_once_with_a_complete_profile_earns_it(event):
    person = factories.user("Carla Complete")
    _ready_to_complete(person)
    _register(person, event)
    assert _profile_rows(person) == [event.id]

    registrations.cancel_registration(person, registrations.registration_of(person, event))
    db.session.commit()
    _register(person, event)
    assert _profile_rows(person) == [event.id]


def test_approval_of_a_complete_profile_earns_it_once(event, organizer):
    event.approval_required = True
    db.session.commit()
    person = factories.user("Carla Complete")
    _ready_to_complete(person)
    registration = _register(person, event)
    assert registration.status == RegistrationStatus.pending
    assert _profile_rows(person) == []

    registrations.decide(organizer, event, [registration.id], RegistrationStatus.approved)
    db.session.commit()
    assert _profile_rows(person) == [event.id]

    registrations.decide(organizer, event, [registration.id], RegistrationStatus.cancelled)
    db.session.commit()
    registrations.update_by_organizer(
        organizer,
        event,
        registration,
        status=RegistrationStatus.approved,
        ticket_type_id=None,
        industry_id=None,
        region_id=None,
        job_role_id=None,
        interest_ids=[],
        organizer_note="",
    )
    db.session.commit()
    assert registration.status == RegistrationStatus.approved
    assert _profile_rows(person) == [event.id]


def test_approving_an_incomplete_profile_earns_nothing_until_it_is_complete(event, organizer):
    event.approval_required = True
    db.session.commit()
    person = factories.user("Ivo Incomplete")
    registration = _register(person, event)
    registrations.decide(organizer, event, [registration.id], RegistrationStatus.approved)
    db.session.commit()
    assert _profile_rows(person) == []
    _complete(person)
    assert _profile_rows(person) == [event.id]


def _meeting(event, a, b, start: datetime, status=MeetingStatus.accepted) -> Meeting:
    meeting = Meeting(
        event_id=event.id,
        requester_id=a.id,
        invitee_id=b.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        status=status,
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def test_held_meetings_are_recorded_once(event, attendee, speaker, organizer):
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    held = _meeting(event, attendee, speaker, now - timedelta(hours=2))
    _meeting(event, attendee, organizer, now - timedelta(hours=1), MeetingStatus.declined)
    _meeting(event, speaker, organizer, now + timedelta(hours=1))
    _meeting(event, organizer, attendee, now - timedelta(days=30))

    assert points.record_held_meetings(now) == 2
    rows = db.session.execute(
        sa.select(Activity.user_id, Activity.created_at).where(
            Activity.kind == ActivityKind.meeting_held
        )
    ).all()
    assert sorted(user_id for user_id, _ in rows) == sorted([attendee.id, speaker.id])
    assert {moment.astimezone(UTC) for _, moment in rows} == {held.ends_at.astimezone(UTC)}

    assert points.record_held_meetings(now) == 0
    assert points.record_held_meetings(now + timedelta(hours=3)) == 2  # the later one ended
    assert points.record_held_meetings(now + timedelta(hours=3)) == 0


def test_held_meetings_rerun_never_duplicates_rows_written_by_another_run(event, attendee, speaker):
    """A run that finds rows written since it was last here (another consumer's)
    leaves them alone, even for meetings it has not seen before."""
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    held = _meeting(event, attendee, speaker, now - timedelta(hours=2))
    _row(event, attendee, ActivityKind.meeting_held, held.ends_at)
    db.session.flush()

    assert points.record_held_meetings(now) == 1
    assert points.record_held_meetings(now) == 0
    rows = db.session.execute(
        sa.select(Activity.user_id, Activity.created_at, Activity.ticket_type_id).where(
            Activity.kind == ActivityKind.meeting_held
        )
    ).all()
    assert sorted(user_id for user_id, _, _ in rows) == sorted([attendee.id, speaker.id])
    assert {moment.astimezone(UTC) for _, moment, _ in rows} == {held.ends_at.astimezone(UTC)}
    # The row carries the registration's answers, as every activity row does.
    written = next(r for r in rows if r.user_id == speaker.id)
    assert written.ticket_type_id == factories.registration_of(event, speaker).ticket_type_id


def test_held_meetings_skip_deleted_accounts(event, attendee, speaker):
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)
    _meeting(event, attendee, speaker, now - timedelta(hours=2))
    speaker.deleted_at = now
    db.session.flush()
    assert points.record_held_meetings(now) == 1
    assert _held_rows() == [attendee.id]


def _held_rows() -> list[int]:
    return db.session.scalars(
        sa.select(Activity.user_id).where(Activity.kind == ActivityKind.meeting_held)
    ).all()


def test_overlapping_runs_write_each_held_meeting_once(committing_app):  # noqa: F811
    """Consumers that run the job at the same moment (each a thread with its own
    connection, on a database that commits) write each row once between them."""
    ev = factories.event(name="Meeting Race")
    people = [factories.participant(ev, f"Person {n}") for n in range(6)]
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        for n in range(3):
            start = now - timedelta(hours=n + 1)
            _meeting(ev, people[2 * n], people[2 * n + 1], start)
        db.session.commit()

        barrier = threading.Barrier(THREADS)
        written = [0] * THREADS

        def run(index: int) -> None:
            with committing_app.app_context():
                try:
                    barrier.wait(timeout=30)
                    written[index] = points.record_held_meetings(now)
                    db.session.commit()
                except Exception as exc:  # reported in ``written``, which fails the test
                    db.session.rollback()
                    written[index] = repr(exc)
                finally:
                    db.session.remove()

        threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert all(isinstance(n, int) for n in written), written
        assert sum(written) == 6
        rows = db.session.scalars(
            sa.select(Activity.user_id).where(
                Activity.event_id == ev.id, Activity.kind == ActivityKind.meeting_held
            )
        ).all()
        assert sorted(rows) == sorted(person.id for person in people)
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Event).where(Event.id == ev.id))
        db.session.execute(sa.delete(User).where(User.id.in_([p.id for p in people])))
        db.session.commit()
