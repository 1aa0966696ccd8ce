"""Topic popularity reports on a hand-built event: known people, known actions, exact
figures for every measure and dimension, suppression below k, event-local days."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta

import pytest

from conference.enums import ActivityKind, MeetingStatus
from conference.extensions import db
from conference.models import Meeting
from conference.services import ServiceError, activity, reports
from conference.services.reports import ReportQuery, Segment
from tests import factories
from tests.program_helpers import at, session, track

DAY0 = date(2026, 11, 24)

#: The people of the hand-built event: industry, region, job role, ticket, interests.
PEOPLE = {
    "ana": ("Finance", "EMEA", "CTO", "Standard", ["AI", "Payments"]),
    "ben": ("Healthcare", "APAC", "Engineer", "VIP", ["AI"]),
    "cem": ("Finance", "APAC", "CTO", "VIP", ["Security"]),
}
#: Session topics.
SESSIONS = {"s1": ["AI"], "s2": ["AI", "Payments"], "s3": ["Security"]}
#: (person, measure, session) of every action; all at 10:00 on the first day.
ACTIONS = [
    ("ana", "bookmark", "s1"),
    ("ana", "bookmark", "s2"),
    ("ana", "attendance", "s2"),
    ("ana", "download", "s2"),
    ("ana", "question", "s1"),
    ("ben", "bookmark", "s2"),
    ("ben", "attendance", "s1"),
    ("ben", "attendance", "s3"),
    ("cem", "download", "s3"),
    ("cem", "question", "s3"),
]
#: One accepted meeting (ana with ben); a pending one (ana with cem) does not count.
MEETINGS = [("ana", "ben", MeetingStatus.accepted), ("ana", "cem", MeetingStatus.pending)]


def expected_facts(measure: str) -> list[tuple[str, str, int]]:
    """(person, topic, points) by hand from the tables above."""
    weights = reports.ENGAGEMENT_WEIGHTS if measure == "engagement" else {measure: 1}
    out = []
    for name, (*_answers, interests) in PEOPLE.items():
        if "interest" in weights:
            out += [(name, topic, weights["interest"]) for topic in interests]
    for name, kind, key in ACTIONS:
        if kind in weights:
            out += [(name, topic, weights[kind]) for topic in SESSIONS[key]]
    for a, b, status in MEETINGS:
        if "meeting" in weights and status == MeetingStatus.accepted:
            for name in (a, b):
                out += [(name, topic, weights["meeting"]) for topic in PEOPLE[name][4]]
    return out


DIMENSION_INDEX = {"industry": 0, "region": 1, "job_role": 2, "ticket_type": 3}


@pytest.fixture
def built():
    ev = factories.event(starts_on=DAY0, ends_on=DAY0 + timedelta(days=1))
    ev.report_min_cell = 1
    people = {}
    for name, (industry, region, role, ticket, interests) in PEOPLE.items():
        people[name] = factories.participant(
            ev,
            name.title(),
            industry=industry,
            region=region,
            job_role=role,
            ticket_type=ticket,
            interests=interests,
        )
    tracks = {"Deep": track(ev, "Deep")}
    sessions = {
        key: session(ev, key.upper(), topics=topics, track=tracks["Deep"] if key == "s3" else None)
        for key, topics in SESSIONS.items()
    }
    kinds = {
        "bookmark": ActivityKind.bookmark,
        "attendance": ActivityKind.attendance,
        "download": ActivityKind.material_download,
        "question": ActivityKind.question_asked,
    }
    for name, kind, key in ACTIONS:
        act(people[name], ev, kinds[kind], sessions[key], at(ev, 0, "10:00"))
    for a, b, status in MEETINGS:
        db.session.add(
            Meeting(
                event_id=ev.id,
                requester_id=people[a].id,
                invitee_id=people[b].id,
                starts_at=at(ev, 0, "14:00"),
                ends_at=at(ev, 0, "14:30"),
                status=status,
            )
        )
    db.session.commit()
    return ev, people, sessions, tracks


def act(person, ev, kind, program_session, when):
    row = activity.record(person, ev, kind, session=program_session)
    row.created_at = when
    db.session.commit()
    return row


def label_ids(ev, dimension):
    return {name: i for i, name in reports.dimension_names(ev, dimension).items()}


def table(report) -> dict[tuple, int]:
    """A cross-tab's cells as {(row label, column label): value}, zeros left out."""
    out = {}
    for row, cells in zip(report["rows"], report["cells"], strict=True):
        for column, cell in zip(report["columns"] or [{"label": None}], cells, strict=True):
            if cell["value"]:
                out[(row["label"], column["label"])] = cell["value"]
    return out


@pytest.mark.parametrize("measure", reports.MEASURES)
@pytest.mark.parametrize("dimension", ["industry", "region", "job_role", "ticket_type"])
def test_every_measure_by_every_dimension_equals_the_hand_count(built, measure, dimension):
    ev, *_ = built
    expected = Counter()
    for name, topic, points in expected_facts(measure):
        expected[(topic, PEOPLE[name][DIMENSION_INDEX[dimension]])] += points

    report = reports.crosstab(ev, ReportQuery(measure=measure, rows="topic", columns=dimension))

    assert table(report) == dict(expected)
    assert report["total"]["value"] == sum(expected.values())
    by_row = {
        r["label"]: t["value"] for r, t in zip(report["rows"], report["row_totals"], strict=True)
    }
    for topic in ("AI", "Payments", "Security"):
        assert by_row[topic] == sum(v for (t, _c), v in expected.items() if t == topic)
    # The other way round (role by topic) gives the same figures.
    flipped = reports.crosstab(ev, ReportQuery(measure=measure, rows=dimension, columns="topic"))
    assert table(flipped) == {(c, r): v for (r, c), v in expected.items()}


def test_engagement_by_industry_in_numbers(built):
    ev, *_ = built
    report = reports.crosstab(ev, ReportQuery())
    assert [c["label"] for c in report["columns"]] == ["Finance", "Healthcare", "Software"]
    # AI by Finance: ana's interest 1, bookmarks s1 and s2 2+2, attendance s2 5,
    # download s2 3, question s1 4, meeting 5.
    assert table(report)[("AI", "Finance")] == 22
    # AI by Healthcare: ben's interest 1, bookmark s2 2, attendance s1 5, meeting 5.
    assert table(report)[("AI", "Healthcare")] == 13
    ai = report["rows"].index(next(r for r in report["rows"] if r["label"] == "AI"))
    assert report["row_totals"][ai]["value"] == 35
    assert report["cells"][ai][0]["share"] == round(22 / 35, 4)
    assert report["rows"][0]["label"] == "AI"  # rows by total, highest first


def test_one_dimension_shares_are_of_the_grand_total(built):
    ev, *_ = built
    report = reports.crosstab(ev, ReportQuery(measure="attendance", columns=None))
    assert report["columns"] == [] and report["columns_dimension"] is None
    values = {
        r["label"]: c[0]["value"] for r, c in zip(report["rows"], report["cells"], strict=True)
    }
    # ana s2 (AI, Payments), ben s1 (AI), ben s3 (Security).
    assert values == {"AI": 2, "Payments": 1, "Security": 1}
    assert report["total"]["value"] == 4
    assert report["cells"][0][0]["share"] == 0.5


def test_figures_about_fewer_than_k_people_are_suppressed_and_totals_stay_right(built):
    ev, *_ = built
    ev.report_min_cell = 2
    report = reports.crosstab(ev, ReportQuery(measure="engagement", columns="industry"))
    rows = {r["label"]: i for i, r in enumerate(report["rows"])}
    columns = {c["label"]: i for i, c in enumerate(report["columns"])}
    healthcare = report["cells"][rows["AI"]][columns["Healthcare"]]
    assert healthcare == {"value": None, "display": "< 2", "share": None, "suppressed": True}
    # AI by Finance is ana alone too; the AI row is ana and ben: shown, and right.
    assert report["cells"][rows["AI"]][columns["Finance"]]["suppressed"]
    assert report["row_totals"][rows["AI"]]["value"] == 35
    # A suppressed figure is not in the answer at all.
    assert "13" not in json.dumps(report["cells"])

    # Downloads: ana (s2: AI and Payments) and cem (s3: Security), both in Finance.
    report = reports.crosstab(ev, ReportQuery(measure="download", columns="industry"))
    rows = {r["label"]: i for i, r in enumerate(report["rows"])}
    # Every topic is one person: each row total is suppressed...
    assert all(total["suppressed"] for total in report["row_totals"])
    # ...but Finance is two people, each of its cells one: counted, shown, right.
    assert report["column_totals"][columns["Finance"]]["value"] == 3
    assert report["total"]["value"] == 3
    assert report["cells"][rows["AI"]][columns["Finance"]]["suppressed"]


def test_zero_is_shown_and_not_suppressed(built):
    ev, *_ = built
    ev.report_min_cell = 5
    report = reports.crosstab(ev, ReportQuery(measure="question", columns="region"))
    rows = {r["label"]: i for i, r in enumerate(report["rows"])}
    payments = report["cells"][rows["Payments"]]
    assert all(cell["display"] == "0" and not cell["suppressed"] for cell in payments)


def test_people_without_an_answer_count_under_not_stated(built):
    ev, _people, sessions, _tracks = built
    unregistered = factories.user("Host")
    act(unregistered, ev, ActivityKind.attendance, sessions["s3"], at(ev, 0, "11:00"))
    report = reports.crosstab(ev, ReportQuery(measure="attendance", columns="industry"))
    assert report["columns"][-1] == {"id": None, "label": "Not stated"}
    assert table(report)[("Security", "Not stated")] == 1
    assert report["total"]["value"] == 5


def test_trend_days_follow_the_event_zone_at_midnight(built):
    ev, people, sessions, _tracks = built
    # Berlin is UTC+1 in November: 22:59 UTC is 23:59 on the first day, 23:00 UTC is
    # midnight of the second.
    first = at(ev, 0, "23:59")
    second = at(ev, 1, "00:00")
    assert (first.hour, second.hour) == (22, 23)
    act(people["cem"], ev, ActivityKind.bookmark, sessions["s3"], first)
    act(people["cem"], ev, ActivityKind.bookmark, sessions["s3"], second)
    act(people["cem"], ev, ActivityKind.bookmark, sessions["s3"], second)

    answer = reports.trend(ev, ReportQuery(measure="bookmark"))
    assert answer["days"] == ["2026-11-24", "2026-11-25"]
    series = {s["label"]: s["values"] for s in answer["series"]}
    assert series["Security"] == [1, 2]
    assert series["AI"] == [3, 0]

    only_first = reports.crosstab(
        ev, ReportQuery(measure="bookmark", columns=None, since=DAY0, until=DAY0)
    )
    values = {
        r["label"]: c[0]["value"]
        for r, c in zip(only_first["rows"], only_first["cells"], strict=True)
    }
    assert values["Security"] == 1
    only_second = reports.crosstab(
        ev, ReportQuery(measure="bookmark", columns=None, since=DAY0 + timedelta(days=1))
    )
    values = {
        r["label"]: c[0]["value"]
        for r, c in zip(only_second["rows"], only_second["cells"], strict=True)
    }
    assert values == {"AI": 0, "Payments": 0, "Security": 2}


def test_trend_suppresses_days_below_k(built):
    ev, people, sessions, _tracks = built
    ev.report_min_cell = 2
    act(people["ana"], ev, ActivityKind.attendance, sessions["s1"], at(ev, 1, "09:00"))
    answer = reports.trend(ev, ReportQuery(measure="attendance"))
    series = {s["label"]: s["values"] for s in answer["series"]}
    # AI: ana and ben on the first day (2 people), ana alone on the second.
    assert series == {"AI": [2, None]}


def test_a_track_keeps_its_sessions_and_leaves_out_interests_and_meetings(built):
    ev, _people, _sessions, tracks = built
    query = ReportQuery(columns=None, track_id=tracks["Deep"].id)
    report = reports.crosstab(ev, query)
    values = {
        r["label"]: c[0]["value"] for r, c in zip(report["rows"], report["cells"], strict=True)
    }
    # s3 only: ben's attendance 5, cem's download 3 and question 4.
    assert values == {"AI": 0, "Payments": 0, "Security": 12}
    assert (
        reports.crosstab(ev, ReportQuery(measure="interest", track_id=tracks["Deep"].id))["total"][
            "value"
        ]
        == 0
    )


def test_a_segment_counts_only_its_people_and_names_itself(built):
    ev, *_ = built
    regions = label_ids(ev, "region")
    roles = label_ids(ev, "job_role")
    apac_cto = Segment(regions=(regions["APAC"],), job_roles=(roles["CTO"],))
    assert apac_cto.label(ev) == "APAC · CTO"
    assert Segment().label(ev) == "Everyone"
    assert Segment(regions=(regions["EMEA"], regions["APAC"])).label(ev) == "EMEA or APAC"

    report = reports.crosstab(ev, ReportQuery(columns=None, segment=apac_cto))
    values = {
        r["label"]: c[0]["value"] for r, c in zip(report["rows"], report["cells"], strict=True)
    }
    # cem only: interest Security 1, download s3 3, question s3 4.
    assert values == {"AI": 0, "Payments": 0, "Security": 8}


def test_compare_puts_two_segments_side_by_side(built):
    ev, *_ = built
    regions = label_ids(ev, "region")
    emea, apac = Segment(regions=(regions["EMEA"],)), Segment(regions=(regions["APAC"],))
    answer = reports.compare(ev, ReportQuery(measure="attendance"), emea, apac)
    assert answer["a"]["label"] == "EMEA" and answer["b"]["label"] == "APAC"
    assert [(t["label"], t["value"]) for t in answer["a"]["topics"]] == [
        ("AI", 1),
        ("Payments", 1),
    ]
    assert [(t["label"], t["value"]) for t in answer["b"]["topics"]] == [
        ("AI", 1),
        ("Security", 1),
    ]


def test_custom_weights_change_the_engagement_score(built):
    ev, *_ = built
    weights = tuple({**reports.ENGAGEMENT_WEIGHTS, "meeting": 0, "question": 10}.items())
    report = reports.crosstab(ev, ReportQuery(weights=weights))
    # AI by Finance without the meeting and with questions at 10: 22 - 5 - 4 + 10.
    assert table(report)[("AI", "Finance")] == 23


def test_top_topics_and_top_sessions(built):
    ev, *_ = built
    top = reports.top_topics(ev, ReportQuery(), limit=2)
    assert [(t["label"], t["value"]) for t in top] == [("AI", 35), ("Payments", 18)]
    assert set(top[0]) == {"id", "label", "value", "display", "suppressed"}
    sessions = reports.top_sessions(ev, ReportQuery(measure="bookmark"))
    # An action counts once, though s2 has two topics.
    assert [(s["title"], s["value"]) for s in sessions] == [("S2", 2), ("S1", 1)]
    assert sessions[0]["starts_at"].startswith("2026-11-24T09:00:00")
    assert reports.top_sessions(ev, ReportQuery(measure="interest")) == []


def test_engagement_scores_per_person(built):
    ev, people, *_ = built
    scores = reports.engagement_scores(ev, [p.id for p in people.values()])
    # ana: interests 2, bookmarks 2x2, attendance 5, download 3, question 4, meeting 5.
    assert scores[people["ana"].id] == 2 + 4 + 5 + 3 + 4 + 5
    # ben: interest 1, bookmark 2, attendance 2x5, meeting 5.
    assert scores[people["ben"].id] == 1 + 2 + 10 + 5
    # cem: interest 1, download 3, question 4 (the pending meeting does not count).
    assert scores[people["cem"].id] == 1 + 3 + 4
    assert reports.engagement_scores(ev) == scores
    stranger = factories.user("Stranger")
    assert reports.engagement_scores(ev, [stranger.id]) == {stranger.id: 0}


def test_parse_query_and_query_args_are_inverse(built):
    ev, _people, _sessions, tracks = built
    regions = label_ids(ev, "region")
    args = {
        "measure": "attendance",
        "rows": "job_role",
        "columns": "topic",
        "since": "2026-11-24",
        "until": "2026-11-25",
        "track": str(tracks["Deep"].id),
        "region": f"{regions['EMEA']},{regions['APAC']}",
    }
    query = reports.parse_query(ev, args)
    assert query.rows == "job_role" and query.columns == "topic"
    assert query.segment.regions == tuple(sorted((regions["EMEA"], regions["APAC"])))
    assert reports.parse_query(ev, reports.query_args(query)) == query
    assert reports.parse_query(ev, reports.query_args(query, "b_"), "b_") == query
    assert reports.parse_query(ev, {}) == ReportQuery()
    weighted = reports.parse_query(ev, {"w_meeting": "0"})
    assert dict(weighted.weights)["meeting"] == 0
    assert reports.parse_query(ev, reports.query_args(weighted)) == weighted


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"measure": "likes"}, "measure"),
        ({"rows": "industry", "columns": "region"}, "columns"),
        ({"rows": "topic", "columns": "topic"}, "columns"),
        ({"since": "24.11.2026"}, "since"),
        ({"since": "2026-11-25", "until": "2026-11-24"}, "until"),
        ({"track": "999999"}, "track"),
        ({"region": "abc"}, "region"),
        ({"w_bookmark": "-1"}, "w_bookmark"),
        ({"w_bookmark": "101"}, "w_bookmark"),
    ],
)
def test_bad_arguments_name_their_field(built, args, field):
    ev, *_ = built
    with pytest.raises(ServiceError) as refused:
        reports.parse_query(ev, args)
    assert refused.value.field == field


def test_ids_of_another_event_are_refused(built, other_event):
    ev, *_ = built
    foreign = label_ids(other_event, "region")["EMEA"]
    with pytest.raises(ServiceError) as refused:
        reports.parse_query(ev, {"b_region": str(foreign)}, "b_")
    assert refused.value.field == "b_region"


def test_csv_has_every_figure_and_hides_small_ones(built):
    ev, *_ = built
    ev.report_min_cell = 2
    report = reports.crosstab(ev, ReportQuery(measure="engagement", columns="industry"))
    lines = reports.crosstab_csv(ev, report).decode("utf-8-sig").splitlines()
    assert lines[0] == "Topic / Industry,Finance,Healthcare,Software,Total"
    assert lines[1] == "AI,< 2,< 2,0,35"
    assert lines[-1].startswith("Total,")
    factories.term(ev, "topic", "AI").name = "=HYPERLINK()"
    report = reports.crosstab(ev, ReportQuery(columns=None))
    assert "'=HYPERLINK()" in reports.crosstab_csv(ev, report).decode("utf-8-sig")


def test_an_event_without_activity_reports_zeros(event):
    report = reports.crosstab(event, ReportQuery())
    assert report["total"] == {"value": 0, "display": "0", "share": 0.0, "suppressed": False}
    assert reports.top_topics(event, ReportQuery()) == []
    assert reports.trend(event, ReportQuery())["series"] == []
    assert reports.top_sessions(event, ReportQuery()) == []
