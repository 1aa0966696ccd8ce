"""Bulk generation: the job's progress, file, print records and warnings, reruns,
failures; and the ``flask badges render`` command."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for

from conference import jobs
from conference.badges.cli import badges_cli
from conference.enums import BadgeBatchStatus
from conference.extensions import db
from conference.models import BadgeBatch, BadgePrint, Registration
from conference.services import ServiceError, badges
from tests import factories
from tests.badges.helpers import pdf_text, qr_codes

NAMES = ["Anna Attendee", "Дмитрий Соколов", "Olga Organizer", "山田 花子", "Zoe Zimmer"]


@pytest.fixture
def people(event, organizer, attendee):
    for name in NAMES:
        if name not in ("Anna Attendee", "Olga Organizer"):
            factories.participant(event, name)
    return organizer


@pytest.fixture
def small_chunks(app, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_CHUNK_PAGES", 2)
    monkeypatch.setitem(app.config, "BADGE_RENDER_WORKERS", 1)


def _prints(batch_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(BadgePrint).where(BadgePrint.batch_id == batch_id)
    )


def _codes_in_name_order(event) -> list[str]:
    registrations = db.session.scalars(
        badges.matching_registrations(event, badges.BadgeFilter(), "name")
    ).all()
    return [badges.live_code(r).qr_payload for r in registrations]


def test_batch_job_renders_everyone_reports_progress_and_records_prints(
    event, people, small_chunks, monkeypatch
):
    seen = []
    real_render = badges.render_pdf

    def watched(items, out, progress, **options):
        def report(done):
            progress(done)
            seen.append(
                db.session.scalar(sa.select(BadgeBatch.done).where(BadgeBatch.id == batch_id))
            )

        return real_render(items, out, report, **options)

    monkeypatch.setattr(badges, "render_pdf", watched)
    batch = badges.create_batch(event, people, badges.BadgeFilter(), "name")
    db.session.commit()
    batch_id = batch.id
    assert (batch.status, batch.total, batch.done) == (BadgeBatchStatus.queued, 5, 0)
    assert badges.batch_progress(batch)["download_url"] is None

    assert jobs.run_pending() == 1

    batch = db.session.get(BadgeBatch, batch_id)
    assert (batch.status, batch.done, batch.total, batch.error) == (BadgeBatchStatus.done, 5, 5, "")
    assert seen[0] == 2 and seen[-1] == 5 and seen == sorted(seen)
    path = badges.batch_file(batch)
    assert path.parent == badges.badge_folder(event.id)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left
    assert [codes[0] for codes in qr_codes(path)] == _codes_in_name_order(event)
    text = pdf_text(path)
    assert [name for name in sorted(NAMES, key=str.casefold) if name in text] == sorted(
        NAMES, key=str.casefold
    )
    assert _prints(batch_id) == 5
    assert badges.batch_progress(batch) == {
        "id": batch_id,
        "status": "done",
        "finished": True,
        "total": 5,
        "done": 5,
        "percent": 100,
        "download_url": url_for(
            "organizer.badge_batch_download", slug=event.slug, batch_id=batch_id
        ),
        "warnings": [],
        "error": "",
    }
    assert badges.count_matching(event, badges.BadgeFilter(not_printed=True)) == 0
    assert badges.recent_batches(event) == [batch]


def test_batch_job_in_worker_processes_makes_the_same_pdf(app, event, people, monkeypatch):
    monkeypatch.setitem(app.config, "BADGE_RENDER_WORKERS", 2)
    monkeypatch.setitem(app.config, "BADGE_CHUNK_PAGES", 1)
    batch = badges.create_batch(event, people, badges.BadgeFilter(), "name")
    db.session.commit()

    jobs.run_pending()

    batch = db.session.get(BadgeBatch, batch.id)
    assert batch.status == BadgeBatchStatus.done
    assert [codes[0] for codes in qr_codes(badges.batch_file(batch))] == _codes_in_name_order(event)


def test_a_done_batch_is_not_rendered_again(event, people, small_chunks):
    batch = badges.create_batch(event, people, badges.BadgeFilter(), "name")
    db.session.commit()
    jobs.run_pending()
    first = badges.batch_file(db.session.get(BadgeBatch, batch.id))

    badges.render_batch.call_local(batch.id)

    again = db.session.get(BadgeBatch, batch.id)
    assert badges.batch_file(again) == first
    assert _prints(batch.id) == 5


def test_a_batch_left_half_way_starts_over(event, people, small_chunks):
    batch = badges.create_batch(event, people, badges.BadgeFilter(), "name")
    db.session.commit()
    batch.status, batch.done = BadgeBatchStatus.rendering, 3
    db.session.commit()

    badges.render_batch.call_local(batch.id)
    badges.render_batch.call_local(batch.id)

    batch = db.session.get(BadgeBatch, batch.id)
    assert (batch.status, batch.done) == (BadgeBatchStatus.done, 5)
    assert _prints(batch.id) == 5


def test_a_failing_batch_is_marked_failed_and_leaves_no_file_or_prints(
    event, people, small_chunks, monkeypatch
):
    def broken(items, out, progress, **options):
        Path(out).write_bytes(b"%PDF- half")
        progress(1)
        raise RuntimeError("the printer caught fire")

    monkeypatch.setattr(badges, "render_pdf", broken)
    batch = badges.create_batch(event, people, badges.BadgeFilter(), "name")
    db.session.commit()

    jobs.run_pending()

    batch = db.session.get(BadgeBatch, batch.id)
    assert (batch.status, batch.error) == (BadgeBatchStatus.failed, "the printer caught fire")
    assert batch.finished_at is not None
    assert badges.batch_file(batch) is None
    assert list(badges.badge_folder(event.id).iterdir()) == []
    assert _prints(batch.id) == 0
    progress = badges.batch_progress(batch)
    assert (progress["status"], progress["finished"], progress["download_url"]) == (
        "failed",
        True,
        None,
    )


def test_batch_records_badges_whose_text_did_not_fit(event, organizer, small_chunks):
    long_name = "Wolfeschlegelsteinhausenbergerdorff " * 3
    person = factories.participant(event, long_name.strip())
    registration = db.session.scalar(
        sa.select(Registration).where(Registration.user_id == person.id)
    )
    batch = badges.create_batch(event, organizer, badges.BadgeFilter(query="wolfeschlegel"), "name")
    db.session.commit()

    jobs.run_pending()

    batch = db.session.get(BadgeBatch, batch.id)
    assert batch.warnings == [
        {"registration_id": registration.id, "name": long_name.strip(), "field": "name"}
    ]
    assert badges.batch_progress(batch)["warnings"] == batch.warnings


def test_create_batch_refuses_an_empty_filter_and_non_organizers(event, organizer, checkin_staff):
    with pytest.raises(ServiceError) as nobody:
        badges.create_batch(event, organizer, badges.BadgeFilter(query="nobody here"), "name")
    with pytest.raises(ServiceError) as forbidden:
        badges.create_batch(event, checkin_staff, badges.BadgeFilter(), "name")
    with pytest.raises(ServiceError) as sort:
        badges.create_batch(event, organizer, badges.BadgeFilter(), "height")

    assert (nobody.value.code, forbidden.value.code, sort.value.code) == (
        "nobody",
        "forbidden",
        "sort_invalid",
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)) == 0
    assert jobs.run_pending() == 0


def test_cli_renders_the_events_badges(app, event, people, tmp_path):
    out = tmp_path / "cli.pdf"

    result = app.test_cli_runner().invoke(
        badges_cli,
        ["render", "--event", event.slug, "--out", str(out), "--limit", "3", "--workers", "1"],
    )

    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"3 badges on 3 pages written to {out} in ")
    assert [codes[0] for codes in qr_codes(out)] == _codes_in_name_order(event)[:3]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BadgePrint)) == 0


def test_cli_sorts_by_company_and_refuses_an_unknown_event(app, event, organizer, tmp_path):
    factories.participant(event, "Zed", company="Acme")
    factories.participant(event, "Amy", company="Zeta")
    out = tmp_path / "company.pdf"
    runner = app.test_cli_runner()

    result = runner.invoke(
        badges_cli, ["render", "--event", event.slug, "--out", str(out), "--sort", "company"]
    )
    unknown = runner.invoke(badges_cli, ["render", "--event", "nope", "--out", str(out)])

    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert text.index("Zed") < text.index("Amy") < text.index("Olga Organizer")
    assert unknown.exit_code != 0
    assert "No event with the slug 'nope'." in unknown.output
