"""Topic popularity: how much each topic mattered to which audience, aggregated in SQL.

A report counts *facts*: one row per thing a person did about a topic, worth some
points. The measures and where their facts come from:

- ``interest``: a topic declared at registration (``registration_interests`` of
  approved registrations), dated when the person registered;
- ``bookmark``, ``attendance``, ``download``, ``question``: activity rows of those
  kinds (``activities``) counted under each topic of their session
  (``session_topics``), dated when they happened;
- ``meeting``: accepted meetings per person, counted for both people under each of
  that person's declared interests (a meeting has no topic of its own), dated when
  the meeting starts;
- ``engagement``: all of the above at once, each action worth its points
  (``ENGAGEMENT_WEIGHTS`` or the organizer's own weights).

Facts carry the person's industry, region, job role and ticket type: activity rows
as they were at the time of the action, interests and meetings from the
registration. One of a report's two dimensions is always the topic; the other is
one of those four (or none). A track filter keeps the actions on the track's
sessions, so it leaves out interests and meetings, which belong to no session.
Date filters are days in the event's time zone, inclusive.

Every figure is a sum of points with the number of distinct people behind it; a
figure about fewer than ``k`` people (``Event.report_min_cell``) leaves the service
as ``"< k"`` without its value, so no report singles a person out. Totals are
summed from the raw figures, so they stay right, and are suppressed themselves
when they describe fewer than ``k`` people. People without an answer to a
dimension count under "Not stated", so nothing falls out of the totals.

One report is one GROUP BY over the facts (plus, only when every cell of a row or
column is below ``k``, one more to count that total's people).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from conference.enums import ActivityKind, MeetingStatus, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Activity,
    Event,
    Meeting,
    ProgramSession,
    Registration,
    TaxonomyTerm,
    TicketType,
    Track,
    registration_interests,
    session_topics,
)
from conference.services import ServiceError
from conference.services.program import event_days, local_day_bounds
from conference.services.spreadsheets import spreadsheet_csv

MEASURES = ("engagement", "interest", "bookmark", "attendance", "download", "question", "meeting")
DIMENSIONS = ("topic", "industry", "region", "job_role", "ticket_type")
#: points per action in the engagement score (organizers may pass other weights)
ENGAGEMENT_WEIGHTS = {
    "interest": 1,
    "bookmark": 2,
    "attendance": 5,
    "download": 3,
    "question": 4,
    "meeting": 5,
}

MEASURE_LABELS = {
    "engagement": _l("Engagement score"),
    "interest": _l("Declared interest"),
    "bookmark": _l("Session bookmarks"),
    "attendance": _l("Session attendance"),
    "download": _l("Material downloads"),
    "question": _l("Questions asked"),
    "meeting": _l("Meetings"),
}
DIMENSION_LABELS = {
    "topic": _l("Topic"),
    "industry": _l("Industry"),
    "region": _l("Region"),
    "job_role": _l("Job role"),
    "ticket_type": _l("Ticket type"),
}

#: The activity kind behind each session-based measure.
SESSION_KINDS = {
    "bookmark": ActivityKind.bookmark,
    "attendance": ActivityKind.attendance,
    "download": ActivityKind.material_download,
    "question": ActivityKind.question_asked,
}
#: Highest points an organizer may give one action.
MAX_WEIGHT = 100
#: Up to this many people, ``engagement_scores`` filters in SQL; more are read whole
#: (one GROUP BY) and picked out, which keeps clear of SQLite's parameter limit.
SCORE_FILTER_LIMIT = 500
#: Longest date range a report covers (the trend has one point per day).
MAX_DAYS = 366

#: Segment fields, the query argument naming each, and the taxonomy kind of its ids
#: (None: ticket types).
SEGMENT_ARGS = (
    ("industries", "industry", TaxonomyKind.industry),
    ("regions", "region", TaxonomyKind.region),
    ("job_roles", "job_role", TaxonomyKind.job_role),
    ("ticket_types", "ticket_type", None),
)


@dataclass(frozen=True)
class Segment:
    """Who is counted: filters of one kind are alternatives, of different kinds must
    all hold; every field empty means everyone."""

    industries: tuple[int, ...] = ()
    regions: tuple[int, ...] = ()
    job_roles: tuple[int, ...] = ()
    ticket_types: tuple[int, ...] = ()

    @property
    def is_everyone(self) -> bool:
        return not (self.industries or self.regions or self.job_roles or self.ticket_types)

    def label(self, event: Event, names: dict[str, dict[int, str]] | None = None) -> str:
        """The segment in a few words: "EMEA · CTO", "EMEA or APAC", "Everyone".
        ``names`` (``dimension_names`` by dimension) saves the lookups when a page labels
        many segments."""
        if self.is_everyone:
            return gettext("Everyone")
        parts = []
        for name, arg, _kind in SEGMENT_ARGS:
            ids = getattr(self, name)
            if ids:
                known = names[arg] if names else dimension_names(event, arg)
                parts.append(gettext(" or ").join(known[i] for i in ids if i in known))
        return " · ".join(part for part in parts if part) or gettext("Everyone")


@dataclass(frozen=True)
class ReportQuery:
    """What a report counts and how it breaks it down (see the module docstring)."""

    measure: str = "engagement"
    rows: str = "topic"
    #: None: one dimension.
    columns: str | None = "industry"
    #: Event-local days, inclusive.
    since: date | None = None
    until: date | None = None
    track_id: int | None = None
    segment: Segment = field(default_factory=Segment)
    #: (measure, points) for the engagement score; None: ``ENGAGEMENT_WEIGHTS``.
    weights: tuple[tuple[str, int], ...] | None = None

    def points(self) -> dict[str, int]:
        """Points per action of each counted measure (measures worth 0 are left out)."""
        if self.measure != "engagement":
            return {self.measure: 1}
        weights = dict(self.weights) if self.weights is not None else ENGAGEMENT_WEIGHTS
        return {name: points for name, points in weights.items() if points > 0}


# --- reading a query from a request's arguments --------------------------------------------


def _values(args: Mapping[str, str], key: str) -> list[str]:
    """Every value of ``key``: repeated arguments (a form's checkboxes) and commas."""
    raw = args.getlist(key) if hasattr(args, "getlist") else [args.get(key, "")]
    return [part.strip() for value in raw for part in (value or "").split(",") if part.strip()]


def _ids(
    event: Event, args: Mapping[str, str], key: str, kind: TaxonomyKind | None, prefix: str
) -> tuple[int, ...]:
    values = _values(args, prefix + key)
    known = _ticket_names(event) if kind is None else _term_names(event, kind)
    ids = set()
    for value in values:
        if not value.isdigit() or int(value) not in known:
            raise ServiceError(
                "bad_segment", gettext("Choose from the event's own lists."), prefix + key
            )
        ids.add(int(value))
    return tuple(sorted(ids))


def _day(args: Mapping[str, str], key: str) -> date | None:
    value = (args.get(key) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ServiceError("bad_date", gettext("Enter a date as YYYY-MM-DD."), key) from None


def parse_segment(event: Event, args: Mapping[str, str], prefix: str = "") -> Segment:
    """The segment named by ``industry``, ``region``, ``job_role`` and ``ticket_type``
    arguments (ids, repeated or comma-separated); ServiceError on ids of other events."""
    return Segment(
        **{name: _ids(event, args, arg, kind, prefix) for name, arg, kind in SEGMENT_ARGS}
    )


def parse_query(event: Event, args: Mapping[str, str], prefix: str = "") -> ReportQuery:
    """The report asked for by ``args`` (a request's query string), every key preceded
    by ``prefix``; absent keys take the defaults of ``ReportQuery``.

    Raises ServiceError naming the argument (``field``) that is wrong.
    """
    defaults = ReportQuery()
    measure = (args.get(prefix + "measure") or defaults.measure).strip()
    if measure not in MEASURES:
        raise ServiceError("bad_measure", gettext("Choose a measure."), prefix + "measure")
    rows = (args.get(prefix + "rows") or defaults.rows).strip()
    if rows not in DIMENSIONS:
        raise ServiceError("bad_dimension", gettext("Choose what the rows show."), prefix + "rows")
    if prefix + "columns" in args:
        columns = (args.get(prefix + "columns") or "").strip() or None
    else:
        # Rows other than the topics go with the topics across (role by topic).
        columns = defaults.columns if rows == "topic" else "topic"
    if columns is not None and columns not in DIMENSIONS:
        raise ServiceError(
            "bad_dimension", gettext("Choose what the columns show."), prefix + "columns"
        )
    if columns == rows:
        raise ServiceError(
            "bad_dimension",
            gettext("Rows and columns must show different things."),
            prefix + "columns",
        )
    if "topic" not in (rows, columns):
        raise ServiceError(
            "bad_dimension",
            gettext("Rows or columns must show the topics."),
            prefix + ("columns" if rows != "topic" else "rows"),
        )
    since = _day(args, prefix + "since")
    until = _day(args, prefix + "until")
    if since and until:
        if until < since:
            raise ServiceError(
                "bad_date", gettext("The last day comes before the first."), prefix + "until"
            )
        if (until - since).days >= MAX_DAYS:
            raise ServiceError(
                "bad_date",
                gettext("Choose at most %(days)s days.", days=MAX_DAYS),
                prefix + "until",
            )
    track_id = None
    track_value = (args.get(prefix + "track") or "").strip()
    if track_value:
        track_id = int(track_value) if track_value.isdigit() else None
        if track_id is None or track_id not in track_names(event):
            raise ServiceError("bad_track", gettext("Choose one of the tracks."), prefix + "track")
    weights = None
    if measure == "engagement":
        chosen = {}
        for name in ENGAGEMENT_WEIGHTS:
            value = (args.get(prefix + "w_" + name) or "").strip()
            if not value:
                chosen[name] = ENGAGEMENT_WEIGHTS[name]
            elif value.isdigit() and int(value) <= MAX_WEIGHT:
                chosen[name] = int(value)
            else:
                raise ServiceError(
                    "bad_weight",
                    gettext("Enter a whole number from 0 to %(max)s.", max=MAX_WEIGHT),
                    prefix + "w_" + name,
                )
        if chosen != ENGAGEMENT_WEIGHTS:
            weights = tuple(chosen.items())
    return ReportQuery(
        measure=measure,
        rows=rows,
        columns=columns,
        since=since,
        until=until,
        track_id=track_id,
        segment=parse_segment(event, args, prefix),
        weights=weights,
    )


def segment_args(segment: Segment, prefix: str = "") -> dict[str, str]:
    """The arguments that name ``segment`` (the inverse of ``parse_segment``)."""
    return {
        prefix + arg: ",".join(str(i) for i in getattr(segment, name))
        for name, arg, _kind in SEGMENT_ARGS
        if getattr(segment, name)
    }


def query_args(query: ReportQuery, prefix: str = "") -> dict[str, str]:
    """The arguments that ask for ``query`` (the inverse of ``parse_query``), for links."""
    args = {
        prefix + "measure": query.measure,
        prefix + "rows": query.rows,
        prefix + "columns": query.columns or "",
    }
    if query.since:
        args[prefix + "since"] = query.since.isoformat()
    if query.until:
        args[prefix + "until"] = query.until.isoformat()
    if query.track_id is not None:
        args[prefix + "track"] = str(query.track_id)
    args.update(segment_args(query.segment, prefix))
    if query.weights is not None:
        args.update({prefix + "w_" + name: str(points) for name, points in query.weights})
    return args


# --- names --------------------------------------------------------------------------------


def _term_names(event: Event, kind: TaxonomyKind | None = None) -> dict[int, str]:
    query = sa.select(TaxonomyTerm.id, TaxonomyTerm.name).where(TaxonomyTerm.event_id == event.id)
    if kind is not None:
        query = query.where(TaxonomyTerm.kind == kind)
    return dict(db.session.execute(query.order_by(TaxonomyTerm.position, TaxonomyTerm.id)).all())


def _ticket_names(event: Event) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(TicketType.id, TicketType.name)
            .where(TicketType.event_id == event.id)
            .order_by(TicketType.position, TicketType.id)
        ).all()
    )


def track_names(event: Event) -> dict[int, str]:
    """The event's tracks in their order, by id (for the track filter)."""
    return dict(
        db.session.execute(
            sa.select(Track.id, Track.name)
            .where(Track.event_id == event.id)
            .order_by(Track.position, Track.id)
        ).all()
    )


def dimension_names(event: Event, dimension: str) -> dict[int, str]:
    """The event's values of ``dimension`` in their own order, by id."""
    if dimension == "ticket_type":
        return _ticket_names(event)
    return _term_names(event, TaxonomyKind(dimension))


def min_cell(event: Event) -> int:
    """The fewest people a shown figure may describe (``Event.report_min_cell``)."""
    return max(1, event.report_min_cell or 1)


# --- the facts ----------------------------------------------------------------------------


def _bounds(event: Event, query: ReportQuery):
    """The UTC moments the query's days start and end, either None when open."""
    lower = local_day_bounds(event, query.since)[0] if query.since else None
    upper = local_day_bounds(event, query.until)[1] if query.until else None
    return lower, upper


def _restrict(select: sa.Select, query: ReportQuery, columns: dict, at, lower, upper):
    """Apply the segment and the days to one branch of the facts."""
    for name, arg, _kind in SEGMENT_ARGS:
        ids = getattr(query.segment, name)
        if ids:
            select = select.where(columns[arg].in_(ids))
    if lower is not None:
        select = select.where(at >= lower)
    if upper is not None:
        select = select.where(at < upper)
    return select


def fact_selects(event: Event, query: ReportQuery, *, by_topic: bool = True) -> list[sa.Select]:
    """The SELECTs whose UNION ALL is the facts of ``query``: columns ``user_id``,
    ``topic_id`` (with ``by_topic``), ``session_id``, ``industry``, ``region``,
    ``job_role``, ``ticket_type``, ``at`` and ``points``.

    Without ``by_topic`` an action counts once instead of once per topic of its
    session (for top sessions and per-person scores); interests still count one per
    declared topic, meetings one per meeting.
    """
    points = query.points()
    lower, upper = _bounds(event, query)
    selects = []

    kinds = {SESSION_KINDS[m]: p for m, p in points.items() if m in SESSION_KINDS}
    if kinds:
        columns = {
            "industry": Activity.industry_id,
            "region": Activity.region_id,
            "job_role": Activity.job_role_id,
            "ticket_type": Activity.ticket_type_id,
        }
        weight = (
            sa.literal(next(iter(kinds.values())))
            if len(set(kinds.values())) == 1
            else sa.case(kinds, value=Activity.kind)
        )
        select = sa.select(
            Activity.user_id.label("user_id"),
            *([session_topics.c.term_id.label("topic_id")] if by_topic else []),
            Activity.session_id.label("session_id"),
            *(column.label(name) for name, column in columns.items()),
            Activity.created_at.label("at"),
            weight.label("points"),
        ).where(Activity.event_id == event.id, Activity.kind.in_(list(kinds)))
        if by_topic:
            select = select.join(session_topics, session_topics.c.session_id == Activity.session_id)
        else:
            select = select.where(Activity.session_id.is_not(None))
        if query.track_id is not None:
            select = select.join(ProgramSession, ProgramSession.id == Activity.session_id).where(
                ProgramSession.track_id == query.track_id
            )
        selects.append(_restrict(select, query, columns, Activity.created_at, lower, upper))

    if query.track_id is not None:
        return selects
    registration_columns = {
        "industry": Registration.industry_id,
        "region": Registration.region_id,
        "job_role": Registration.job_role_id,
        "ticket_type": Registration.ticket_type_id,
    }
    approved = (Registration.event_id == event.id) & (
        Registration.status == RegistrationStatus.approved
    )
    if "interest" in points:
        select = (
            sa.select(
                Registration.user_id.label("user_id"),
                *([registration_interests.c.term_id.label("topic_id")] if by_topic else []),
                sa.null().label("session_id"),
                *(column.label(name) for name, column in registration_columns.items()),
                Registration.created_at.label("at"),
                sa.literal(points["interest"]).label("points"),
            )
            .join(
                registration_interests,
                registration_interests.c.registration_id == Registration.id,
            )
            .where(approved)
        )
        selects.append(
            _restrict(select, query, registration_columns, Registration.created_at, lower, upper)
        )
    if "meeting" in points:
        people = sa.union_all(
            *(
                sa.select(
                    Meeting.id.label("meeting_id"), who.label("user_id"), Meeting.starts_at
                ).where(Meeting.event_id == event.id, Meeting.status == MeetingStatus.accepted)
                for who in (Meeting.requester_id, Meeting.invitee_id)
            )
        ).subquery("meeting_people")
        select = (
            sa.select(
                people.c.user_id.label("user_id"),
                *([registration_interests.c.term_id.label("topic_id")] if by_topic else []),
                sa.null().label("session_id"),
                *(column.label(name) for name, column in registration_columns.items()),
                people.c.starts_at.label("at"),
                sa.literal(points["meeting"]).label("points"),
            )
            .join(Registration, Registration.user_id == people.c.user_id)
            .where(approved)
        )
        if by_topic:
            select = select.join(
                registration_interests,
                registration_interests.c.registration_id == Registration.id,
            )
        selects.append(
            _restrict(select, query, registration_columns, people.c.starts_at, lower, upper)
        )
    return selects


def facts(event: Event, query: ReportQuery, *, by_topic: bool = True):
    """The facts of ``query`` as one subquery (see ``fact_selects``), None when the
    query counts nothing (every weight 0, or a track filter on interests)."""
    selects = fact_selects(event, query, by_topic=by_topic)
    if not selects:
        return None
    return (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery("facts")


def _dimension(facts_q, dimension: str):
    return facts_q.c.topic_id if dimension == "topic" else facts_q.c[dimension]


def _grouped(facts_q, group_by: list, where=None) -> dict[tuple, tuple[int, int]]:
    """``{key: (points, distinct people)}`` for the facts grouped by ``group_by``."""
    if facts_q is None:
        return {}
    select = sa.select(
        *group_by,
        sa.func.sum(facts_q.c.points),
        sa.func.count(sa.distinct(facts_q.c.user_id)),
    )
    if where is not None:
        select = select.where(where)
    if group_by:
        select = select.group_by(*group_by)
    answer = {}
    for row in db.session.execute(select):
        key = tuple(row[: len(group_by)])
        answer[key] = (int(row[-2] or 0), int(row[-1] or 0))
    return answer


# --- figures ------------------------------------------------------------------------------


def _figure(value: int, people: int, k: int, whole: int | None = None) -> dict:
    """One figure for the JSON: suppressed (no value) when it describes 1 to k-1 people
    or only deleted accounts; ``share`` is its part of ``whole``."""
    if value and people < k:
        return {
            "value": None,
            "display": gettext("< %(k)s", k=k),
            "share": None,
            "suppressed": True,
        }
    share = round(value / whole, 4) if whole else (0.0 if whole is not None else None)
    return {
        "value": value,
        "display": format_decimal(value),
        "share": share,
        "suppressed": False,
    }


def _labels(event: Event, dimension: str, present) -> list[dict]:
    """The values of ``dimension`` for a table: the event's own in their order, then
    "Not stated" when facts have no value for it."""
    names = dimension_names(event, dimension)
    items = [{"id": i, "label": name} for i, name in names.items()]
    if None in present:
        items.append({"id": None, "label": gettext("Not stated")})
    return items


def _exact_people(facts_q, column, keys) -> dict:
    """Distinct people per value of ``column`` among ``keys`` (a total's people when
    every cell behind it is below k; only then is it counted)."""
    if not keys:
        return {}
    known = [key for key in keys if key is not None]
    conditions = []
    if known:
        conditions.append(column.in_(known))
    if None in keys:
        conditions.append(column.is_(None))
    found = _grouped(facts_q, [column], sa.or_(*conditions))
    return {key[0]: people for key, (_value, people) in found.items()}


def crosstab(event: Event, query: ReportQuery) -> dict:
    """The cross-tab of ``query`` (rows by columns, or rows alone), with totals and
    shares, suppressed below k (see the module docstring for the JSON's shape)."""
    k = min_cell(event)
    facts_q = facts(event, query)
    row_dim, col_dim = query.rows, query.columns
    row_col = _dimension(facts_q, row_dim) if facts_q is not None else None
    if col_dim is None:
        grouped = {
            (key[0], None): figures
            for key, figures in _grouped(facts_q, [row_col] if facts_q is not None else []).items()
        }
    else:
        col_col = _dimension(facts_q, col_dim) if facts_q is not None else None
        grouped = _grouped(facts_q, [row_col, col_col] if facts_q is not None else [])

    rows = _labels(event, row_dim, {r for r, _c in grouped})
    columns = _labels(event, col_dim, {c for _r, c in grouped}) if col_dim else []
    row_value = {r["id"]: 0 for r in rows}
    row_people = {r["id"]: 0 for r in rows}
    col_value = {c["id"]: 0 for c in columns}
    col_people = {c["id"]: 0 for c in columns}
    for (r, c), (value, people) in grouped.items():
        row_value[r] = row_value.get(r, 0) + value
        row_people[r] = max(row_people.get(r, 0), people)
        if col_dim:
            col_value[c] = col_value.get(c, 0) + value
            col_people[c] = max(col_people.get(c, 0), people)
    total_value = sum(row_value.values())
    total_people = max(row_people.values(), default=0)

    # A total is about at least as many people as its biggest cell; count them only
    # when every cell behind it is below k.
    if col_dim:
        unsure = [r for r, v in row_value.items() if v and row_people[r] < k]
        row_people.update(_exact_people(facts_q, row_col, unsure))
        unsure = [c for c, v in col_value.items() if v and col_people[c] < k]
        col_people.update(_exact_people(facts_q, col_col, unsure))
    if total_value and max(total_people, *col_people.values(), 0) < k:
        total_people = _grouped(facts_q, []).get((), (0, 0))[1]
    total_people = max(total_people, *row_people.values(), *col_people.values(), 0)

    def order(item):
        figure = (row_value[item["id"]], row_people[item["id"]])
        shown = not (figure[0] and figure[1] < k)
        return (not shown, -figure[0] if shown else 0, item["id"] is None)

    if row_dim == "topic":
        rows.sort(key=order)
    cells = []
    for row in rows:
        r = row["id"]
        if col_dim:
            cells.append(
                [_figure(*grouped.get((r, c["id"]), (0, 0)), k, row_value[r]) for c in columns]
            )
        else:
            cells.append([_figure(*grouped.get((r, None), (0, 0)), k, total_value)])
    return {
        "measure": query.measure,
        "measure_label": str(MEASURE_LABELS[query.measure]),
        "rows_dimension": row_dim,
        "rows_label": str(DIMENSION_LABELS[row_dim]),
        "columns_dimension": col_dim,
        "columns_label": str(DIMENSION_LABELS[col_dim]) if col_dim else None,
        "k": k,
        "rows": rows,
        "columns": columns,
        "cells": cells,
        "row_totals": [
            _figure(row_value[r["id"]], row_people[r["id"]], k, total_value) for r in rows
        ],
        "column_totals": [
            _figure(col_value[c["id"]], col_people[c["id"]], k, total_value) for c in columns
        ],
        "total": _figure(total_value, total_people, k, total_value),
    }


def _ranked(items: list[dict], limit: int) -> list[dict]:
    """Shown figures by value (highest first), then suppressed ones by label; at most
    ``limit``. Zeros are left out."""
    shown = sorted(
        (i for i in items if not i["suppressed"] and i["value"]),
        key=lambda i: (-i["value"], i["label"] if "label" in i else i["title"]),
    )
    hidden = sorted(
        (i for i in items if i["suppressed"]),
        key=lambda i: i["label"] if "label" in i else i["title"],
    )
    return (shown + hidden)[:limit]


def top_topics(event: Event, query: ReportQuery, limit: int = 10) -> list[dict]:
    """The topics with the highest figure for ``query``'s measure, filters and segment
    (its dimensions are not used): ``[{"id", "label", "value", "display", "suppressed"}]``."""
    k = min_cell(event)
    facts_q = facts(event, query)
    grouped = _grouped(facts_q, [facts_q.c.topic_id]) if facts_q is not None else {}
    names = _term_names(event, TaxonomyKind.topic)
    items = []
    for (topic_id,), (value, people) in grouped.items():
        if topic_id not in names:
            continue
        figure = _figure(value, people, k)
        items.append(
            {
                "id": topic_id,
                "label": names[topic_id],
                "value": figure["value"],
                "display": figure["display"],
                "suppressed": figure["suppressed"],
            }
        )
    return _ranked(items, limit)


def report_days(event: Event, query: ReportQuery) -> list[date]:
    """The days a trend covers: the query's range, else the event's days."""
    if query.since or query.until:
        first = query.since or query.until
        last = query.until or query.since
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return event_days(event)


def trend(event: Event, query: ReportQuery, limit: int = 5) -> dict:
    """The figure per event-local day of the ``limit`` top topics:
    ``{"days": [iso...], "series": [{"id", "label", "values": [int|null...]}]}``."""
    days = report_days(event, query)
    query = replace(query, since=days[0], until=days[-1]) if days else query
    top = [t for t in top_topics(event, query, limit) if not t["suppressed"]]
    answer = {"days": [d.isoformat() for d in days], "series": []}
    if not top or not days:
        return answer
    k = min_cell(event)
    facts_q = facts(event, query)
    ends = [local_day_bounds(event, day)[1] for day in days]
    # The day is worked out in a subquery so that GROUP BY names a column, not the
    # CASE with its parameters (PostgreSQL would not match those up).
    dayed = (
        sa.select(
            facts_q.c.topic_id,
            facts_q.c.user_id,
            facts_q.c.points,
            sa.case(
                *((facts_q.c.at < end, index) for index, end in enumerate(ends)),
                else_=len(days) - 1,
            ).label("day"),
        )
        .where(facts_q.c.topic_id.in_([t["id"] for t in top]))
        .subquery("dayed")
    )
    grouped = _grouped(dayed, [dayed.c.topic_id, dayed.c.day])
    for topic in top:
        values = []
        for index in range(len(days)):
            figure = _figure(*grouped.get((topic["id"], index), (0, 0)), k)
            values.append(figure["value"])
        answer["series"].append({"id": topic["id"], "label": topic["label"], "values": values})
    return answer


def top_sessions(event: Event, query: ReportQuery, limit: int = 10) -> list[dict]:
    """The sessions with the highest figure for the session-based part of ``query``
    (an action counts once, whatever its session's topics):
    ``[{"id", "title", "value", "display", "suppressed", "starts_at"}]``."""
    k = min_cell(event)
    facts_q = facts(event, query, by_topic=False)
    grouped = (
        _grouped(facts_q, [facts_q.c.session_id], facts_q.c.session_id.is_not(None))
        if facts_q is not None
        else {}
    )
    if not grouped:
        return []
    sessions = {
        s.id: s
        for s in db.session.scalars(
            sa.select(ProgramSession).where(
                ProgramSession.event_id == event.id,
                ProgramSession.id.in_([key[0] for key in grouped]),
            )
        )
    }
    items = []
    for (session_id,), (value, people) in grouped.items():
        session = sessions.get(session_id)
        if session is None:
            continue
        figure = _figure(value, people, k)
        items.append(
            {
                "id": session_id,
                "title": session.title,
                "value": figure["value"],
                "display": figure["display"],
                "suppressed": figure["suppressed"],
                "starts_at": session.starts_at.isoformat(),
            }
        )
    return _ranked(items, limit)


def compare(event: Event, query: ReportQuery, a: Segment, b: Segment) -> dict:
    """The top topics of two segments under the same measure and filters:
    ``{"a": {"label", "topics"}, "b": {...}}``."""
    return {
        name: {
            "label": segment.label(event),
            "topics": top_topics(event, replace(query, segment=segment)),
        }
        for name, segment in (("a", a), ("b", b))
    }


# --- CSV ----------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel reads any script), formula-safe."""
    return spreadsheet_csv([header, *rows])


def _shown(figure: dict) -> str:
    """A figure in a CSV: the plain number, or "< k" when suppressed."""
    return figure["display"] if figure["suppressed"] else str(figure["value"])


def topic_report(event: Event, query: ReportQuery, other: Segment | None = None) -> dict:
    """Everything the topic page shows, computed once: the cross-tab, the top topics,
    the trend, the top sessions and, with ``other``, the comparison with it. The page
    renders it and hands the same dict to its charts; ``topics.json`` answers it."""
    return {
        "segment": query.segment.label(event),
        "crosstab": crosstab(event, query),
        "top_topics": top_topics(event, query),
        "trend": trend(event, query),
        "top_sessions": top_sessions(event, query),
        "compare": compare(event, query, query.segment, other) if other else None,
    }


def crosstab_csv(event: Event, report: dict) -> bytes:
    """``crosstab``'s answer as CSV: one line per row, a column per column, totals."""
    total = gettext("Total")
    head = report["rows_label"]
    if report["columns_dimension"]:
        head = f"{report['rows_label']} / {report['columns_label']}"
        header = [head, *(c["label"] for c in report["columns"]), total]
        lines = [
            [row["label"], *(_shown(cell) for cell in cells), _shown(row_total)]
            for row, cells, row_total in zip(
                report["rows"], report["cells"], report["row_totals"], strict=True
            )
        ]
        lines.append(
            [total, *(_shown(c) for c in report["column_totals"]), _shown(report["total"])]
        )
    else:
        header = [head, report["measure_label"]]
        lines = [
            [row["label"], _shown(cells[0])]
            for row, cells in zip(report["rows"], report["cells"], strict=True)
        ]
        lines.append([total, _shown(report["total"])])
    return _csv(header, lines)


def topics_csv(event: Event, query: ReportQuery, topics: list[dict]) -> bytes:
    """``top_topics``'s answer as CSV."""
    return _csv(
        [gettext("Topic"), str(MEASURE_LABELS[query.measure])],
        [[t["label"], t["display"] if t["suppressed"] else t["value"]] for t in topics],
    )


def trend_csv(event: Event, query: ReportQuery, answer: dict) -> bytes:
    """``trend``'s answer as CSV: a line per day, a column per topic."""
    k = min_cell(event)
    hidden = gettext("< %(k)s", k=k)
    return _csv(
        [gettext("Day"), *(s["label"] for s in answer["series"])],
        [
            [day, *(hidden if s["values"][i] is None else s["values"][i] for s in answer["series"])]
            for i, day in enumerate(answer["days"])
        ],
    )


def sessions_csv(event: Event, query: ReportQuery, sessions: list[dict]) -> bytes:
    """``top_sessions``'s answer as CSV."""
    return _csv(
        [gettext("Session"), gettext("Starts (UTC)"), str(MEASURE_LABELS[query.measure])],
        [
            [s["title"], s["starts_at"], s["display"] if s["suppressed"] else s["value"]]
            for s in sessions
        ],
    )


def compare_csv(event: Event, query: ReportQuery, answer: dict) -> bytes:
    """``compare``'s answer as CSV: a line per topic, a column per segment."""
    labels: dict[int, str] = {}
    shown: dict[str, dict[int, object]] = {"a": {}, "b": {}}
    for side in ("a", "b"):
        for topic in answer[side]["topics"]:
            labels.setdefault(topic["id"], topic["label"])
            shown[side][topic["id"]] = topic["display"] if topic["suppressed"] else topic["value"]
    return _csv(
        [gettext("Topic"), answer["a"]["label"], answer["b"]["label"]],
        [[label, shown["a"].get(i, ""), shown["b"].get(i, "")] for i, label in labels.items()],
    )


# --- per person ---------------------------------------------------------------------------


def engagement_scores(event: Event, user_ids=None) -> dict[int, int]:
    """Each person's engagement score in ``event`` with ``ENGAGEMENT_WEIGHTS``: every
    declared interest, session action and accepted meeting worth its points, an action
    counted once whatever its session's topics. ``user_ids`` limits it to those people
    (each present, 0 when they did nothing); None: everyone who scored."""
    facts_q = facts(event, ReportQuery(measure="engagement"), by_topic=False)
    select = sa.select(facts_q.c.user_id, sa.func.sum(facts_q.c.points)).where(
        facts_q.c.user_id.is_not(None)
    )
    wanted = None
    if user_ids is not None:
        wanted = list(user_ids)
        if not wanted:
            return {}
        if len(wanted) <= SCORE_FILTER_LIMIT:
            select = select.where(facts_q.c.user_id.in_(wanted))
    scores = {
        int(user_id): int(points or 0)
        for user_id, points in db.session.execute(select.group_by(facts_q.c.user_id))
    }
    if wanted is not None:
        return {user_id: scores.get(user_id, 0) for user_id in wanted}
    return scores
