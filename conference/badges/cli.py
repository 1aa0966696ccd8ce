"""``flask --app conference badges render``: an event's badges into one PDF from the
command line, for scripts and the benchmark.

It renders what the bulk job renders (the approved participants, in name or company
order, with their designs) without recording prints: a file made here is not a
printing the organizer's pages know of. People without a badge code get one.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from conference.badges.render import render_pdf
from conference.extensions import db
from conference.models import Event, Registration
from conference.services import badges

#: ``flask badges ...``
badges_cli = AppGroup("badges", help="Badge PDFs.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(badges_cli)


@badges_cli.command("render")
@click.option("--event", "slug", required=True, help="The event's slug.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF to write.",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most this many badges.")
@click.option("--sort", type=click.Choice(["name", "company"]), default="name", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes rendering side by side (default: BADGE_RENDER_WORKERS).",
)
def render_command(slug: str, out: Path, limit: int | None, sort: str, workers: int | None) -> None:
    """Render the approved participants' badges of an event into one PDF."""

    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    query = badges.matching_registrations(event, badges.BadgeFilter(), sort)
    ids = list(db.session.scalars(query.with_only_columns(Registration.id).limit(limit)))
    if not ids:
        raise click.ClickException(f"{event.name} has no approved participants.")
    started = time.perf_counter()
    config = current_app.config
    with force_locale(config["BABEL_DEFAULT_LOCALE"]):
        report = render_pdf(
            badges.stream_badge_data(event, ids),
            out,
            workers=workers or config["BADGE_RENDER_WORKERS"],
            chunk_pages=config["BADGE_CHUNK_PAGES"],
        )
    took = time.perf_counter() - started
    click.echo(
        f"{report.badges} badges on {report.pages} pages written to {out}"
        f" in {took:.1f} s ({report.pages / took:.1f} pages/s)."
    )
    for warning in report.warnings:
        click.echo(
            f"warning: the {warning.field} of {warning.name!r} does not fit its badge",
            err=True,
        )
