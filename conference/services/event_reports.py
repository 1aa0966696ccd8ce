"""The organizer's event reports besides topic popularity: registrations, check-in,
engagement, sponsor leads, and the one-page summary.

Every report is a ``Table`` (``table(event, key)``): columns, labelled rows of values
and an optional total. The same table feeds the page's HTML table, its CSV download,
and the JSON a chart draws (``static/js/report-charts.js``), so a chart never shows
other numbers than the table beside it.

Counts are aggregated in SQL (``GROUP BY``); days are the event's local days, grouped
by ``local_day``, which buckets UTC moments in the event's time zone on both
databases. Messages and meetings are counted, never read: no query here selects a
message body or a meeting note.

These figures are not suppressed below ``Event.report_min_cell``: they are counts of
registrations the organizers see one by one on the Registrations page anyway, and
event-wide counts of actions. The topic report, which crosses people's answers with
what they did, is the one that suppresses (``conference.services.reports``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.enums import (
    ActivityKind,
    MeetingStatus,
    RegistrationStatus,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    CheckIn,
    Conversation,
    Event,
    Meeting,
    Message,
    ProgramSession,
    Registration,
    Sponsor,
    SponsorPackage,
)
from conference.services import leads, matchmaking
from conference.services import reports as topic_reports
from conference.services.program import event_days, event_zone
from conference.services.registrations import ACTIVE, status_label
from conference.services.spreadsheets import spreadsheet_csv

COUNT = "count"
PERCENT = "percent"
TEXT = "text"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: ``count`` (an integer), ``percent`` (a share from 0 to 1, or None) or ``text``.
    kind: str = COUNT


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple
    #: The row's key in CSV files: the ISO date of a day (whose label is per locale).
    key: str = ""


@dataclass(frozen=True)
class Table:
    """One report: what the page shows as a table, the CSV holds and a chart draws."""

    key: str
    title: str
    #: What the rows are ("Day", "Ticket type", ...): the first column's heading.
    rows_label: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    #: A sentence under the title saying what is counted.
    note: str = ""
    #: How a chart draws it: ``line`` (over days), ``bar``, or "" for no chart.
    chart: str = ""
    #: The keys of the columns a chart draws (all count columns when empty).
    chart_columns: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "rows_label": self.rows_label,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": [{"key": r.key, "label": r.label, "values": list(r.values)} for r in self.rows],
            "total": (
                {"label": self.total.label, "values": list(self.total.values)}
                if self.total
                else None
            ),
            "chart": self.chart,
            "chart_columns": list(
                self.chart_columns or [c.key for c in self.columns if c.kind == COUNT]
            ),
        }


# --- days in the event's zone -----------------------------------------------------------------


def _offset_minutes(zone, moment: datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)


def offset_periods(event: Event, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The event zone's UTC offsets (in minutes) from ``start`` to ``end``: a list of
    (UTC moment the offset ends, offset), the last ending at ``end``. Walks a day at a
    time and finds each change to the second by bisection."""
    zone = event_zone(event)
    periods: list[tuple[datetime, int]] = []
    current = _offset_minutes(zone, start)
    cursor = start
    while cursor < end:
        step = min(cursor + timedelta(days=1), end)
        if _offset_minutes(zone, step) != current:
            low, high = cursor, step
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_minutes(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            periods.append((high, current))
            current = _offset_minutes(zone, high)
        cursor = step
    periods.append((end, current))
    return periods


def local_day(event: Event, column, start: datetime, end: datetime):
    """SQL for the event-local day (``YYYY-MM-DD`` text) of the UTC ``column``, exact
    for values from ``start`` to ``end``.

    PostgreSQL converts with the zone database itself. SQLite has no time zones: the
    expression adds the zone's offset, picking the offset from the zone's changes
    between ``start`` and ``end`` (a CASE with one branch per change, so a few).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone(event.timezone, column), "YYYY-MM-DD")
    periods = offset_periods(event, start, end)

    def shifted(minutes: int):
        return sa.func.date(column, f"{minutes:+d} minutes")

    if len(periods) == 1:
        return shifted(periods[0][1])
    return sa.case(
        *((column < until, shifted(minutes)) for until, minutes in periods[:-1]),
        else_=shifted(periods[-1][1]),
    )


def _span(query: sa.Select) -> tuple[datetime, datetime] | None:
    """The first and last moment ``query`` (one time column) selects; None when empty."""
    inner = query.subquery()
    low, high = db.session.execute(
        sa.select(sa.func.min(inner.c[0]), sa.func.max(inner.c[0]))
    ).one()
    if low is None:
        return None
    low, high = (_aware(v) for v in (low, high))
    return low, high + timedelta(seconds=1)


def _aware(value: datetime | str) -> datetime:
    """min()/max() over a UTC column: SQLite hands back text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def per_day(event: Event, column, *where, group=None) -> dict[date, dict]:
    """Rows of ``column``'s table matching ``where`` counted per event-local day (and
    per ``group`` when given): {day: {group value: count}} ({day: {None: count}})."""
    span = _span(sa.select(column).where(*where))
    if span is None:
        return {}
    day = local_day(event, column, *span).label("day")
    keys = [day] if group is None else [day, group]
    query = sa.select(*keys, sa.func.count()).where(*where).group_by(*keys)
    out: dict[date, dict] = {}
    for found in db.session.execute(query):
        key = date.fromisoformat(str(found[0])[:10])
        out.setdefault(key, {})[None if group is None else found[1]] = found[-1]
    return out


def day_row(day: date, values: tuple) -> Row:
    return Row(format_date(day, "medium"), values, key=day.isoformat())


def day_range(event: Event, *series: dict[date, dict], widen: bool = True) -> list[date]:
    """Every day from the first to the last with data in any of ``series`` (with
    ``widen``, also every day of the event); empty when there is nothing to show."""
    days = {day for found in series for day in found}
    if not days:
        return []
    if widen:
        days.update(event_days(event))
    first, last = min(days), max(days)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- registrations ----------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def registrations_by_day(event: Event) -> Table:
    found = per_day(event, Registration.created_at, Registration.event_id == event.id)
    rows, running = [], 0
    for day in day_range(event, found, widen=False):
        new = found.get(day, {}).get(None, 0)
        running += new
        rows.append(day_row(day, (new, running)))
    return Table(
        key="registrations_by_day",
        title=_("Registrations over time"),
        rows_label=_("Day"),
        columns=(
            Column("new", _("New registrations")),
            Column("total", _("Total so far")),
        ),
        rows=tuple(rows),
        total=Row(_("Total"), (running, running)) if rows else None,
        note=_("Every registration received, whatever its status now, by the day it came in."),
        chart="line",
        chart_columns=("total", "new"),
    )


#: The breakdowns of active registrations: key, column of Registration, taxonomy kind.
BREAKDOWNS = {
    "ticket_type": (_l("Ticket type"), Registration.ticket_type_id, None),
    "industry": (_l("Industry"), Registration.industry_id, TaxonomyKind.industry),
    "region": (_l("Region"), Registration.region_id, TaxonomyKind.region),
    "job_role": (_l("Job role"), Registration.job_role_id, TaxonomyKind.job_role),
}


def _count_rows(counts: dict, labels: dict, missing_label: str) -> tuple[tuple[Row, ...], Row]:
    whole = sum(counts.values())
    if not whole:
        return (), Row(_("Total"), (0, None))
    rows = [
        Row(name, (counts.get(key, 0), _share(counts.get(key, 0), whole)))
        for key, name in labels.items()
    ]
    if counts.get(None):
        rows.append(Row(missing_label, (counts[None], _share(counts[None], whole))))
    return tuple(rows), Row(_("Total"), (whole, 1.0 if whole else None))


def registrations_by(event: Event, key: str) -> Table:
    """Active registrations (pending and approved) by ticket type or taxonomy answer."""
    label, column, kind = BREAKDOWNS[key]
    counts = dict(
        db.session.execute(
            sa.select(column, sa.func.count())
            .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
            .group_by(column)
        ).all()
    )
    missing = _("No ticket type") if kind is None else _("Not answered")
    rows, total = _count_rows(
        counts, topic_reports.dimension_names(event, kind.value if kind else "ticket_type"), missing
    )
    return Table(
        key=f"registrations_by_{key}",
        title=_("Registrations by %(what)s", what=str(label).lower()),
        rows_label=str(label),
        columns=(Column("registrations", _("Registrations")), Column("share", _("Share"), PERCENT)),
        rows=rows,
        total=total,
        note=_("Pending and approved registrations."),
        chart="bar",
    )


def registrations_by_status(event: Event) -> Table:
    counts = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count())
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    rows, total = _count_rows(counts, {s: status_label(s) for s in RegistrationStatus}, "")
    return Table(
        key="registrations_by_status",
        title=_("Registrations by status"),
        rows_label=_("Status"),
        columns=(Column("registrations", _("Registrations")), Column("share", _("Share"), PERCENT)),
        rows=rows,
        total=total,
        note=_("Every registration received, by where it stands now."),
        chart="bar",
    )


# --- check-in ---------------------------------------------------------------------------------


def _approved_count(event: Event) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
        )
    )


def _checked_in(event: Event):
    """Check-ins of registrations still approved (a cancelled one no longer counts)."""
    return (
        CheckIn.event_id == event.id,
        CheckIn.registration_id.in_(
            sa.select(Registration.id).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
            )
        ),
    )


def checkins_by_day(event: Event) -> Table:
    """First check-ins per day, the running total, and that total's share of the
    approved participants (the check-in rate at the end of each day)."""
    approved = _approved_count(event)
    found = per_day(event, CheckIn.checked_in_at, *_checked_in(event))
    rows, running = [], 0
    for day in day_range(event, found):
        new = found.get(day, {}).get(None, 0)
        running += new
        rows.append(day_row(day, (new, running, _share(running, approved))))
    return Table(
        key="checkins_by_day",
        title=_("Check-in by day"),
        rows_label=_("Day"),
        columns=(
            Column("checked_in", _("Checked in")),
            Column("total", _("Total so far")),
            Column("rate", _("Check-in rate"), PERCENT),
        ),
        rows=tuple(rows),
        total=Row(_("Total"), (running, running, _share(running, approved))),
        note=ngettext(
            "Approved participants admitted at the entrance for the first time each day; "
            "the rate is of the %(num)d approved participant.",
            "Approved participants admitted at the entrance for the first time each day; "
            "the rate is of the %(num)d approved participants.",
            approved,
        ),
        chart="bar",
        chart_columns=("checked_in",),
    )


# --- engagement -------------------------------------------------------------------------------

#: The activity kinds the engagement report counts, with their labels.
ENGAGEMENT_KINDS = {
    ActivityKind.bookmark: _l("Sessions bookmarked"),
    ActivityKind.session_view: _l("Session pages viewed"),
    ActivityKind.material_download: _l("Session materials downloaded"),
    ActivityKind.attendance: _l("Session attendances"),
    ActivityKind.question_asked: _l("Questions asked"),
    ActivityKind.booth_visit: _l("Booth visits"),
    ActivityKind.booth_download: _l("Booth materials downloaded"),
}


def _message_filter(event: Event):
    return Message.conversation_id.in_(
        sa.select(Conversation.id).where(Conversation.event_id == event.id)
    )


def engagement_counts(event: Event) -> dict[str, int]:
    """Event-wide counts: messages and conversations started from this event, meeting
    requests and accepted meetings, and each activity kind of ``ENGAGEMENT_KINDS``."""
    activity = dict(
        db.session.execute(
            sa.select(Activity.kind, sa.func.count())
            .where(Activity.event_id == event.id, Activity.kind.in_(list(ENGAGEMENT_KINDS)))
            .group_by(Activity.kind)
        ).all()
    )
    meetings = dict(
        db.session.execute(
            sa.select(Meeting.status, sa.func.count())
            .where(Meeting.event_id == event.id)
            .group_by(Meeting.status)
        ).all()
    )
    return {
        "messages": db.session.scalar(
            sa.select(sa.func.count()).select_from(Message).where(_message_filter(event))
        ),
        "conversations": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Conversation)
            .where(Conversation.event_id == event.id)
        ),
        "meeting_requests": sum(meetings.values()),
        "meetings_accepted": meetings.get(MeetingStatus.accepted, 0),
        **{kind.value: activity.get(kind, 0) for kind in ENGAGEMENT_KINDS},
    }


def engagement(event: Event) -> Table:
    counts = engagement_counts(event)
    labels = {
        "messages": _("Messages sent"),
        "conversations": _("Conversations started"),
        "meeting_requests": _("Meetings requested"),
        "meetings_accepted": _("Meetings accepted"),
        **{kind.value: str(label) for kind, label in ENGAGEMENT_KINDS.items()},
    }
    return Table(
        key="engagement",
        title=_("Engagement"),
        rows_label=_("What people did"),
        columns=(Column("count", _("Count")),),
        rows=tuple(Row(labels[key], (counts[key],)) for key in labels),
        note=_(
            "Counts only: nobody's messages or meeting notes are read for this report. "
            "Meetings accepted are those still on the agenda."
        ),
    )


def engagement_by_day(event: Event) -> Table:
    messages = per_day(event, Message.created_at, _message_filter(event))
    meetings = per_day(event, Meeting.created_at, Meeting.event_id == event.id)
    kinds = (ActivityKind.bookmark, ActivityKind.material_download, ActivityKind.attendance)
    activity = per_day(
        event,
        Activity.created_at,
        Activity.event_id == event.id,
        Activity.kind.in_(kinds),
        group=Activity.kind,
    )
    rows = []
    for day in day_range(event, messages, meetings, activity):
        found = activity.get(day, {})
        rows.append(
            day_row(
                day,
                (
                    messages.get(day, {}).get(None, 0),
                    meetings.get(day, {}).get(None, 0),
                    *(found.get(kind, 0) for kind in kinds),
                ),
            )
        )
    columns = (
        Column("messages", _("Messages sent")),
        Column("meeting_requests", _("Meetings requested")),
        Column("bookmarks", _("Sessions bookmarked")),
        Column("downloads", _("Materials downloaded")),
        Column("attendance", _("Session attendances")),
    )
    totals = tuple(sum(row.values[i] for row in rows) for i in range(len(columns)))
    return Table(
        key="engagement_by_day",
        title=_("Engagement by day"),
        rows_label=_("Day"),
        columns=columns,
        rows=tuple(rows),
        total=Row(_("Total"), totals) if rows else None,
        chart="line",
    )


# --- sponsors ---------------------------------------------------------------------------------


def sponsor_leads(event: Event) -> Table:
    """Per sponsor, in tier order: booth visits and the leads it may see
    (``leads.active_lead_counts``: consented, not withdrawn, still approved)."""
    sponsors = db.session.execute(
        sa.select(Sponsor.id, Sponsor.name, SponsorPackage.name)
        .join(SponsorPackage, Sponsor.package_id == SponsorPackage.id)
        .where(Sponsor.event_id == event.id)
        .order_by(SponsorPackage.position, SponsorPackage.id, Sponsor.name, Sponsor.id)
    ).all()
    visits = dict(
        db.session.execute(
            sa.select(Activity.sponsor_id, sa.func.count())
            .where(Activity.event_id == event.id, Activity.kind == ActivityKind.booth_visit)
            .group_by(Activity.sponsor_id)
        ).all()
    )
    active = leads.active_lead_counts(event)
    rows = tuple(
        Row(name, (package, visits.get(sid, 0), active.get(sid, 0)))
        for sid, name, package in sponsors
    )
    return Table(
        key="sponsor_leads",
        title=_("Sponsor leads"),
        rows_label=_("Sponsor"),
        columns=(
            Column("package", _("Package"), TEXT),
            Column("booth_visits", _("Booth visits")),
            Column("leads", _("Leads")),
        ),
        rows=rows,
        total=(
            Row(
                _("Total"),
                ("", sum(r.values[1] for r in rows), sum(r.values[2] for r in rows)),
            )
            if rows
            else None
        ),
        note=_("Leads count only people who agreed to share their details and did not withdraw."),
        chart="bar",
        chart_columns=("leads",),
    )


# --- who to meet --------------------------------------------------------------------------------


def suggestions(event: Event) -> Table:
    """How the "people to meet" suggestions worked out (``matchmaking.conversion_counts``):
    counts only, never who was suggested to whom."""
    counts = matchmaking.conversion_counts(event)
    labels = {
        "people": _("People shown suggestions"),
        "shown": _("Suggestions shown"),
        "pairs": _("Pairs suggested (either way)"),
        "conversations": _("Pairs followed by a conversation in this event"),
        "meetings": _("Pairs followed by a meeting"),
        "contacts": _("Pairs followed by becoming contacts"),
    }
    return Table(
        key="suggestions",
        title=_("People to meet"),
        rows_label=_("Suggestions"),
        columns=(Column("count", _("Count")),),
        rows=tuple(Row(label, (counts[key],)) for key, label in labels.items()),
        note=_(
            "A pair of people suggested to each other (either way) counts once, as followed "
            "when they started a conversation or a meeting in this event, or became "
            "contacts, after either was first shown the other."
        ),
    )


# --- all of them ------------------------------------------------------------------------------

#: Every table of the overview, in page order, by key.
TABLES: dict[str, Callable[[Event], Table]] = {
    "registrations_by_day": registrations_by_day,
    "registrations_by_status": registrations_by_status,
    **{
        f"registrations_by_{key}": (lambda event, key=key: registrations_by(event, key))
        for key in BREAKDOWNS
    },
    "checkins_by_day": checkins_by_day,
    "engagement": engagement,
    "engagement_by_day": engagement_by_day,
    "sponsor_leads": sponsor_leads,
    "suggestions": suggestions,
}


def table(event: Event, key: str) -> Table | None:
    """The report ``key`` of ``event``; None for a key that names no report."""
    build = TABLES.get(key)
    return build(event) if build else None


def table_csv(report: Table) -> bytes:
    """``report`` as UTF-8 CSV with a byte-order mark, cells Excel-safe; shares as
    percentages with one decimal."""
    header = [report.rows_label, *(c.label for c in report.columns)]
    rows = (
        [
            row.key or row.label,
            *(_csv_value(c, v) for c, v in zip(report.columns, row.values, strict=True)),
        ]
        for row in (*report.rows, *((report.total,) if report.total else ()))
    )
    return spreadsheet_csv([header, *rows])


def _csv_value(column: Column, value):
    """Shares as percentages with one decimal; text and counts as they are."""
    if column.kind == PERCENT:
        return None if value is None else f"{value * 100:.1f}"
    return value


# --- the one-page summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """The key numbers of an event on one page."""

    registrations: int
    approved: int
    checked_in: int
    checkin_rate: float | None
    sessions: int
    sponsors: int
    leads: int
    engagement: dict[str, int]
    ticket_types: Table
    #: ``reports.top_topics`` by the engagement score, small figures suppressed.
    top_topics: list[dict]
    #: The suppression threshold those topics were computed with.
    k: int
    #: The highest figure among the topics shown (the full length of their bars).
    top_value: int
    generated_at: datetime


def summary(event: Event, top: int = 10) -> Summary:
    """The key numbers, engagement counts, ticket types, and the ``top`` topics by the
    engagement score (``reports.top_topics``, with its suppression)."""
    topics = topic_reports.top_topics(
        event,
        topic_reports.ReportQuery(measure="engagement", rows="topic", columns=None),
        limit=top,
    )
    approved = _approved_count(event)
    checked_in = db.session.scalar(
        sa.select(sa.func.count()).select_from(CheckIn).where(*_checked_in(event))
    )
    return Summary(
        registrations=db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
        ),
        approved=approved,
        checked_in=checked_in,
        checkin_rate=_share(checked_in, approved),
        sessions=db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ProgramSession)
            .where(ProgramSession.event_id == event.id)
        ),
        sponsors=db.session.scalar(
            sa.select(sa.func.count()).select_from(Sponsor).where(Sponsor.event_id == event.id)
        ),
        leads=sum(leads.active_lead_counts(event).values()),
        engagement=engagement_counts(event),
        ticket_types=registrations_by(event, "ticket_type"),
        top_topics=topics,
        k=topic_reports.min_cell(event),
        top_value=max((t["value"] for t in topics if not t["suppressed"]), default=0),
        generated_at=datetime.now(UTC),
    )
