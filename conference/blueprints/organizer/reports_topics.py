"""Organizer: topic popularity, the report organizers buy the platform for.

- ``/reports/topics``: a GET form (measure, rows, columns, days, track, segment,
  engagement weights, a second segment to compare with) and the answer: a heat-map
  cross-tab, the top topics and their trend over the days, the top sessions and,
  when asked, two segments side by side. It works without JavaScript; with it,
  static/js/report-topics.js draws the charts from ``/reports/topics.json``, the same
  figures the tables show, and offers each chart as PNG;
- ``/reports/topics/<table>.csv``: each table of the page as CSV.

Every view requires ``reports.view`` on the event of the address. The arguments are
read by ``conference.services.reports.parse_query``; a wrong one is shown next to its
field (the page) or answered as a JSON refusal naming it.
"""

from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from conference.blueprints.common import attachment, form_errors_from, json_refusal
from conference.blueprints.fields import MultiCheckboxField
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.lookups import managed_event
from conference.models import Event
from conference.services import ServiceError
from conference.services import reports as service

#: The tables of the page that download as CSV.
CSV_TABLES = ("crosstab", "topics", "trend", "sessions", "compare")
#: The segment's filters on the form: argument, label.
SEGMENT_FIELDS = (
    ("industry", _l("Industry")),
    ("region", _l("Region")),
    ("job_role", _l("Job role")),
    ("ticket_type", _l("Ticket type")),
)


class TopicReportForm(FlaskForm):
    """The report's pickers, read from the query string (no CSRF: it changes nothing).

    Field names are ``parse_query``'s argument names, so its refusals land on them;
    the service checks the values, the form only shows them as typed.
    """

    measure = SelectField(
        _l("Measure"),
        choices=[SelectChoice(k, label) for k, label in service.MEASURE_LABELS.items()],
    )
    rows = SelectField(
        _l("Rows"),
        choices=[SelectChoice(k, label) for k, label in service.DIMENSION_LABELS.items()],
    )
    columns = SelectField(
        _l("Columns"),
        choices=[
            SelectChoice("", _l("Nothing (one list)")),
            *(SelectChoice(k, label) for k, label in service.DIMENSION_LABELS.items()),
        ],
    )
    since = StringField(_l("From"), render_kw={"type": "date"})
    until = StringField(_l("Until"), render_kw={"type": "date"})
    track = SelectField(_l("Track"))
    industry = MultiCheckboxField(_l("Industry"))
    region = MultiCheckboxField(_l("Region"))
    job_role = MultiCheckboxField(_l("Job role"))
    ticket_type = MultiCheckboxField(_l("Ticket type"))
    compare = BooleanField(_l("Compare with a second segment"))
    b_industry = MultiCheckboxField(_l("Industry"))
    b_region = MultiCheckboxField(_l("Region"))
    b_job_role = MultiCheckboxField(_l("Job role"))
    b_ticket_type = MultiCheckboxField(_l("Ticket type"))
    w_interest = StringField(service.MEASURE_LABELS["interest"])
    w_bookmark = StringField(service.MEASURE_LABELS["bookmark"])
    w_attendance = StringField(service.MEASURE_LABELS["attendance"])
    w_download = StringField(service.MEASURE_LABELS["download"])
    w_question = StringField(service.MEASURE_LABELS["question"])
    w_meeting = StringField(service.MEASURE_LABELS["meeting"])

    @classmethod
    def for_event(cls, event: Event) -> TopicReportForm:
        form = cls(formdata=request.args, meta={"csrf": False})
        if "rows" not in request.args:
            form.columns.data = service.ReportQuery().columns
        form.track.choices = [
            SelectChoice("", _l("All tracks")),
            *(SelectChoice(str(i), name) for i, name in service.track_names(event).items()),
        ]
        for arg, _label in SEGMENT_FIELDS:
            choices = [
                SelectChoice(str(i), name)
                for i, name in service.dimension_names(event, arg).items()
            ]
            form[arg].choices = choices
            form["b_" + arg].choices = choices
        for measure, points in service.ENGAGEMENT_WEIGHTS.items():
            weight = form["w_" + measure]
            weight.render_kw = {"type": "number", "min": 0, "max": service.MAX_WEIGHT}
            if not weight.data:
                weight.data = str(points)
        return form

    def segment_fields(self, prefix: str = "") -> list:
        """The segment's checkbox groups that have something to choose."""
        return [self[prefix + arg] for arg, _label in SEGMENT_FIELDS if self[prefix + arg].choices]

    def weight_fields(self) -> list:
        return [self["w_" + measure] for measure in service.ENGAGEMENT_WEIGHTS]

    def show(self, query: service.ReportQuery, other: service.Segment | None) -> None:
        """Tick the segments as understood (links name them as "3,5", the boxes one by one)."""
        for name, arg, _kind in service.SEGMENT_ARGS:
            self[arg].data = [str(i) for i in getattr(query.segment, name)]
            if other is not None:
                self["b_" + arg].data = [str(i) for i in getattr(other, name)]


def _view(slug: str) -> Event:
    return managed_event(slug, "reports.view")


def _read(event: Event) -> tuple[service.ReportQuery, service.Segment | None]:
    """The query of the request, and the segment to compare with (None: no comparison).

    Raises ServiceError naming the wrong argument.
    """
    query = service.parse_query(event, request.args)
    other = None
    if request.args.get("compare") in ("1", "y", "on"):
        other = service.parse_segment(event, request.args, "b_")
    return query, other


def _args(query: service.ReportQuery, other: service.Segment | None) -> dict[str, str]:
    """The arguments that ask for this page's report again (links, JSON, CSV)."""
    args = service.query_args(query)
    if other is not None:
        args.update({"compare": "1", **service.segment_args(other, "b_")})
    return args


def _compare_links(event: Event, query: service.ReportQuery) -> list[dict]:
    """One-click comparisons: the segment with one of its filters swapped for another
    value of the same kind ("EMEA CTOs" → "APAC CTOs"); everyone against each region,
    industry, role and ticket type otherwise. Each as ``{"label", "args"}``."""
    links = []
    segment = query.segment
    names = {arg: service.dimension_names(event, arg) for _name, arg, _ in service.SEGMENT_ARGS}
    if not segment.is_everyone:
        links.append({"segment": service.Segment()})
    for name, arg, _kind in service.SEGMENT_ARGS:
        current = getattr(segment, name)
        if segment.is_everyone or current:
            for value in names[arg]:
                if (value,) != current:
                    links.append(
                        {"segment": service.Segment(**{**_fields(segment), name: (value,)})}
                    )
    return [
        {
            "label": link["segment"].label(event, names),
            "args": _args(query, link["segment"]),
        }
        for link in links
    ]


def _fields(segment: service.Segment) -> dict:
    return {name: getattr(segment, name) for name, _arg, _kind in service.SEGMENT_ARGS}


def _with_starts(sessions: list[dict]) -> list[dict]:
    """Top sessions with their start as a datetime, for the ``event_datetime`` filter."""
    return [{**s, "starts": datetime.fromisoformat(s["starts_at"])} for s in sessions]


@bp.get("/reports/topics")
@login_required
def report_topics(slug: str):
    event = _view(slug)
    form = TopicReportForm.for_event(event)
    try:
        query, other = _read(event)
    except ServiceError as exc:
        form_errors_from(exc, form)
        return render_template(
            "organizer/reports_topics.html", event=event, form=form, report=None
        ), 400
    form.show(query, other)
    args = _args(query, other)
    everything = service.topic_report(event, query, other)
    report = everything["crosstab"]
    return render_template(
        "organizer/reports_topics.html",
        event=event,
        form=form,
        query=query,
        args=args,
        everything=everything,
        report=report,
        heat_max=max((c["share"] or 0 for row in report["cells"] for c in row), default=0),
        top=everything["top_topics"],
        trend=everything["trend"],
        sessions=_with_starts(everything["top_sessions"]),
        comparison=everything["compare"],
        compare_links=_compare_links(event, query),
        segment_label=query.segment.label(event),
        track_label=service.track_names(event).get(query.track_id),
        days=service.report_days(event, query),
    )


@bp.get("/reports/topics.json")
@login_required
def report_topics_json(slug: str):
    event = _view(slug)
    try:
        query, other = _read(event)
    except ServiceError as exc:
        return json_refusal(exc.code, exc.message, field=exc.field)
    return jsonify({"ok": True, **service.topic_report(event, query, other)})


@bp.get("/reports/topics/<table>.csv")
@login_required
def report_topics_csv(slug: str, table: str):
    event = _view(slug)
    if table not in CSV_TABLES:
        abort(404)
    try:
        query, other = _read(event)
    except ServiceError:
        abort(400)
    if table == "crosstab":
        body = service.crosstab_csv(event, service.crosstab(event, query))
    elif table == "topics":
        body = service.topics_csv(event, query, service.top_topics(event, query))
    elif table == "trend":
        body = service.trend_csv(event, query, service.trend(event, query))
    elif table == "sessions":
        body = service.sessions_csv(event, query, service.top_sessions(event, query))
    elif other is None:
        abort(404)
    else:
        body = service.compare_csv(
            event, query, service.compare(event, query, query.segment, other)
        )
    return attachment(body, "text/csv", f"{event.slug}-topics-{table}.csv")
