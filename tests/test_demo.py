"""``flask seed-demo`` and ``flask bench-data``: what they create, and that reruns do no harm."""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa

from conference.demo import DEMO_PASSWORD, DEMO_SLUG, TOKYO_SLUG
from conference.enums import EventRoleKind, RegistrationStatus
from conference.extensions import db
from conference.models import Event, EventRole, Registration, User
from conference.services.accounts import check_password, find_by_email
from conference.services.directory import search_directory


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def approved_in(slug: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .join(Event)
        .where(Event.slug == slug, Registration.status == RegistrationStatus.approved)
    )


def scripts_of(names: list[str]) -> set[str]:
    found = set()
    for name in names:
        for char in name:
            if char.isalpha():
                found.add(unicodedata.name(char).split()[0])
    return found


def test_seed_demo_runs_twice_without_duplicating(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo", "--participants", "60"])
    counts = (count(User), count(Event), count(Registration), count(EventRole))
    second = runner.invoke(args=["seed-demo", "--participants", "60"])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "Demo data already exists." in second.output
    assert (count(User), count(Event), count(Registration), count(EventRole)) == counts
    for output in (first.output, second.output):
        assert "attendee@demo.test" in output
        assert DEMO_PASSWORD in output


def test_seed_demo_creates_people_in_three_scripts_and_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    assert result.exit_code == 0, result.output

    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    names = list(
        db.session.scalars(
            sa.select(User.display_name)
            .join(Registration, Registration.user_id == User.id)
            .where(Registration.event_id == berlin.id)
        )
    )
    assert approved_in(DEMO_SLUG) == 71  # 60 people, five demo accounts, six sponsor staff
    assert approved_in(TOKYO_SLUG) > 0
    assert {"LATIN", "CYRILLIC", "CJK"} <= scripts_of(names)
    assert search_directory(berlin, False, q="alex morgan").total == 1

    for email in ("organizer", "speaker", "sponsor", "attendee", "admin"):
        user = find_by_email(f"{email}@demo.test")
        assert (user.is_verified, check_password(user, DEMO_PASSWORD)) == (True, True)
    roles = set(
        db.session.execute(
            sa.select(User.email, EventRole.role)
            .join(EventRole, EventRole.user_id == User.id)
            .where(EventRole.event_id == berlin.id)
        ).all()
    )
    assert {
        ("organizer@demo.test", EventRoleKind.organizer),
        ("speaker@demo.test", EventRoleKind.speaker),
        ("sponsor@demo.test", EventRoleKind.sponsor_staff),
    } <= roles
    assert find_by_email("admin@demo.test").is_platform_admin is True


def test_bench_data_creates_reuses_and_tops_up(app):
    runner = app.test_cli_runner()

    created = runner.invoke(args=["bench-data", "--participants", "50", "--slug", "bench-t"])
    reused = runner.invoke(args=["bench-data", "--participants", "50", "--slug", "bench-t"])
    topped = runner.invoke(args=["bench-data", "--participants", "60", "--slug", "bench-t"])
    shrink = runner.invoke(args=["bench-data", "--participants", "10", "--slug", "bench-t"])

    assert [r.exit_code for r in (created, reused, topped)] == [0, 0, 0]
    assert "(50 added)" in created.output
    assert "(0 added)" in reused.output
    assert "(10 added)" in topped.output
    assert shrink.exit_code == 1
    assert "already has 60 participants" in shrink.output
    assert approved_in("bench-t") == 60
    event = db.session.scalar(sa.select(Event).where(Event.slug == "bench-t"))
    assert 0 < search_directory(event, False).total <= 60


def test_seed_demo_gives_logos_designs_check_in_staff_and_a_morning_of_check_ins(app):
    from conference.demo import CHECKED_IN_SHARES
    from conference.enums import ActivityKind
    from conference.models import Activity, BadgeDesign, CheckIn
    from conference.permissions import can
    from conference.services.badge_designs import logo_path

    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    assert result.exit_code == 0, result.output

    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    tokyo = db.session.scalar(sa.select(Event).where(Event.slug == TOKYO_SLUG))
    staff = find_by_email("checkin@demo.test")
    assert check_password(staff, DEMO_PASSWORD)
    assert can(staff, "checkin.scan", berlin) and can(staff, "checkin.scan", tokyo)
    assert not can(staff, "badges.manage", berlin)
    for event in (berlin, tokyo):
        assert logo_path(event).is_file()
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(BadgeDesign.event_id == event.id))
            >= 1
        )

    approved = approved_in(DEMO_SLUG)
    admitted = db.session.scalar(sa.select(sa.func.count()).where(CheckIn.event_id == berlin.id))
    assert admitted == sum(round(approved * share) for share in CHECKED_IN_SHARES)
    counted = db.session.scalar(
        sa.select(sa.func.count()).where(
            Activity.event_id == berlin.id, Activity.kind == ActivityKind.check_in
        )
    )
    assert counted == admitted
    assert db.session.scalar(sa.select(sa.func.count()).where(CheckIn.event_id == tokyo.id)) == 0
