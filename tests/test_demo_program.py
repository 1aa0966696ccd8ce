"""The demo events' programs from ``flask seed-demo``: written once, complete, and added to
a database whose demo events predate programs."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import sqlalchemy as sa

from conference.demo import DEMO_SLUG, TOKYO_SLUG
from conference.enums import MaterialKind, SessionFormat
from conference.extensions import db
from conference.models import Bookmark, Event, Material, ProgramSession, Room, Track, User
from conference.services import materials as material_service
from conference.services.agenda import my_agenda
from conference.services.program import sessions_of_speaker, utc_to_local


def count(model, event: Event | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(model)
    if event is not None:
        query = query.where(model.event_id == event.id)
    return db.session.scalar(query)


def event_of(slug: str) -> Event:
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def program_counts() -> tuple[int, ...]:
    return tuple(count(m) for m in (Room, Track, ProgramSession, Material, Bookmark))


def test_seed_demo_writes_the_programs_once(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo", "--participants", "60"])
    after_first = program_counts()
    second = runner.invoke(args=["seed-demo", "--participants", "60"])

    assert (first.exit_code, second.exit_code) == (0, 0), first.output + second.output
    assert "Demo data already exists." in second.output
    assert program_counts() == after_first
    # Berlin and Tokyo have 7 rooms and 7 tracks; the past spring meetup 2 and 1.
    assert after_first[:2] == (9, 8)


def test_seed_demo_program_of_berlin_covers_two_days_with_tracks_speakers_and_materials(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    assert result.exit_code == 0, result.output
    berlin = event_of(DEMO_SLUG)
    sessions = list(
        db.session.scalars(sa.select(ProgramSession).where(ProgramSession.event_id == berlin.id))
    )

    days = {utc_to_local(berlin, s.starts_at).date() for s in sessions}
    assert days == {date.today() - timedelta(days=1), date.today()}
    assert 40 <= len(sessions) <= 50
    assert len([s for s in sessions if not s.published]) == 2
    assert {s.format for s in sessions} == set(SessionFormat)
    assert all(s.speakers == [] for s in sessions if s.format == SessionFormat.break_)
    assert {s.track.name for s in sessions if s.track} == {
        "AI & Data",
        "Cloud & Platforms",
        "Security",
        "Product & Design",
        "Startups",
    }
    assert {s.room.name for s in sessions if s.room} == {
        "Main Stage",
        "Hall A",
        "Hall B",
        "Workshop Room 1",
        "Workshop Room 2",
    }
    assert all(s.topics for s in sessions if s.published and s.format != SessionFormat.break_)
    scripts = {
        unicodedata.name(char).split()[0]
        for s in sessions
        for person in s.speakers
        for char in person.display_name
        if char.isalpha()
    }
    assert {"LATIN", "CYRILLIC", "CJK"} <= scripts
    assert len(sessions_of_speaker(berlin, user("speaker@demo.test"))) >= 2


def test_seed_demo_materials_are_real_files_and_links(app):
    app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    berlin = event_of(DEMO_SLUG)
    materials = list(db.session.scalars(sa.select(Material).where(Material.event_id == berlin.id)))

    files = [m for m in materials if m.kind == MaterialKind.file]
    links = [m for m in materials if m.kind == MaterialKind.link]
    assert len(files) >= 3
    assert len(links) >= 2
    for material in files:
        data = material_service.material_path(material).read_bytes()
        assert data.startswith(b"%PDF-")
        assert (material.content_type, material.size) == ("application/pdf", len(data))
        assert material.original_name.endswith(".pdf")
    assert len([m for m in materials if m.is_public]) == 1


def test_seed_demo_attendee_bookmarks_two_sessions_that_overlap(app):
    app.test_cli_runner().invoke(args=["seed-demo", "--participants", "60"])
    berlin = event_of(DEMO_SLUG)

    agenda = my_agenda(berlin, user("attendee@demo.test"))

    assert 4 <= len(agenda) <= 8
    assert len([item for item in agenda if item.overlaps]) == 2


def test_seed_demo_adds_programs_to_demo_events_that_have_none(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo", "--participants", "60"])
    full = program_counts()
    for model in (Bookmark, Material, ProgramSession, Room, Track):
        db.session.execute(sa.delete(model))
    db.session.commit()

    again = runner.invoke(args=["seed-demo", "--participants", "60"])

    assert again.exit_code == 0, again.output
    assert "Demo data written" in again.output
    assert program_counts() == full
    assert count(ProgramSession, event_of(TOKYO_SLUG)) > 0
