"""Organizer: the reports overview and the one-page event summary.

- ``/reports/``: registrations over time and by status, ticket type, industry, region
  and role; check-in by day; engagement counts; sponsor leads. Each table is drawn as
  a chart by static/js/report-charts.js from ``/reports/tables/<key>.json`` (the same
  table as JSON) and downloads as ``/reports/tables/<key>.csv``;
- ``/reports/summary``: the key numbers and top topics on one printable page, and
  ``/reports/summary.pdf``, the same page rendered by WeasyPrint.

Topic popularity has its own page (``reports_topics.py``). Every view requires
``reports.view`` on the event of the address; a table key that names no report is a 404.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import abort, current_app, jsonify, render_template
from flask_login import login_required
from markupsafe import Markup
from weasyprint import HTML

from conference.badges.render import BadgeFetcher
from conference.blueprints.common import attachment
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.lookups import managed_event
from conference.models import Event
from conference.services import event_reports as service


def _view(slug: str) -> Event:
    return managed_event(slug, "reports.view")


def _table_or_404(event: Event, key: str) -> service.Table:
    report = service.table(event, key)
    if report is None:
        abort(404)
    return report


@bp.get("/reports/")
@login_required
def reports(slug: str):
    event = _view(slug)
    tables = {key: build(event) for key, build in service.TABLES.items()}
    return render_template(
        "organizer/reports.html",
        event=event,
        tables=tables,
        engagement=service.engagement_counts(event),
    )


@bp.get("/reports/tables/<key>.json")
@login_required
def report_table_json(slug: str, key: str):
    event = _view(slug)
    response = jsonify({"ok": True, **_table_or_404(event, key).to_json()})
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/reports/tables/<key>.csv")
@login_required
def report_table_csv(slug: str, key: str):
    event = _view(slug)
    report = _table_or_404(event, key)
    filename = f"{event.slug}-{key.replace('_', '-')}-{date.today():%Y%m%d}.csv"
    return attachment(service.table_csv(report), "text/csv", filename)


@bp.get("/reports/summary")
@login_required
def report_summary(slug: str):
    event = _view(slug)
    return render_template(
        "organizer/report_summary.html", event=event, summary=service.summary(event)
    )


@bp.get("/reports/summary.pdf")
@login_required
def report_summary_pdf(slug: str):
    """The summary page's body as an A4 PDF. The document loads nothing: its style
    (static/css/reports.css) is inlined and ``BadgeFetcher`` with no resources refuses
    every URL."""
    event = _view(slug)
    css = Path(current_app.static_folder, "css", "reports.css").read_text(encoding="utf-8")
    html = render_template(
        "organizer/report_summary_pdf.html",
        event=event,
        summary=service.summary(event),
        css=Markup(css),
    )
    pdf = HTML(string=html, url_fetcher=BadgeFetcher({})).write_pdf()
    filename = f"{event.slug}-summary-{date.today():%Y%m%d}.pdf"
    return attachment(pdf, "application/pdf", filename)
