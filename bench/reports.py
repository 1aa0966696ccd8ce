"""Topic popularity benchmark: the app's cross-tabs against one hand-written GROUP BY each.

Builds (or reuses) the bench event: 100,000 participants
(``conference.demo.ensure_bench_event``), the bench program of ``bench/program.py``
(sessions with topics) and 5,000,000 activity rows written by one INSERT ... SELECT
(bookmarks, session views, attendance, downloads and questions, spread over the
participants, sessions and the three event days). Then, for topic by industry,
topic by region and topic by job role with the engagement score (the page's default,
every measure at once), it runs ``conference.services.reports.crosstab`` and a
hand-written GROUP BY over the same facts, checks that every figure the app shows
equals the raw one (and that the ones it hides describe fewer than k people), and
ends with::

    reports ratio app/raw: R (app X ms, raw Y ms)

where R is the sum of the app's medians over the sum of the raw medians and X, Y the
mean per report.

Usage::

    .venv/bin/python bench/reports.py [--rows 5000000] [--repeat 5]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/reports.py

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``. The
activity rows are added once; a later run with another ``--rows`` is refused (use a
fresh database).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.common import SLUG, bench_app, median_ms
from bench.program import PARTICIPANTS, ensure_program
from conference.demo import ensure_bench_event
from conference.extensions import db
from conference.models import Activity, Event
from conference.services import reports
from conference.services.program import local_day_bounds

#: The kinds of the generated rows, in tenths: bookmark 3, session view 2 (not
#: counted by any measure), attendance 2, download 2, question 1.
KINDS = [
    "bookmark",
    "bookmark",
    "bookmark",
    "session_view",
    "session_view",
    "attendance",
    "attendance",
    "material_download",
    "material_download",
    "question_asked",
]
SECONDS = 3 * 86_400

#: The facts of the engagement score by hand: session actions under each topic of
#: their session, declared interests, accepted meetings under each interest of both
#: people. ``{dim}`` is the column of the second dimension.
RAW = """
SELECT f.topic_id, f.dim, SUM(f.points) AS points, COUNT(DISTINCT f.user_id) AS people
FROM (
    SELECT a.user_id, st.term_id AS topic_id, a.{dim} AS dim,
           CASE a.kind WHEN 'bookmark' THEN 2 WHEN 'attendance' THEN 5
                       WHEN 'material_download' THEN 3 ELSE 4 END AS points
    FROM activities a
    JOIN session_topics st ON st.session_id = a.session_id
    WHERE a.event_id = :event_id
      AND a.kind IN ('bookmark', 'attendance', 'material_download', 'question_asked')
    UNION ALL
    SELECT r.user_id, ri.term_id, r.{dim}, 1
    FROM registrations r
    JOIN registration_interests ri ON ri.registration_id = r.id
    WHERE r.event_id = :event_id AND r.status = 'approved'
    UNION ALL
    SELECT m.user_id, ri.term_id, r.{dim}, 5
    FROM (SELECT requester_id AS user_id FROM meetings
          WHERE event_id = :event_id AND status = 'accepted'
          UNION ALL
          SELECT invitee_id FROM meetings
          WHERE event_id = :event_id AND status = 'accepted') m
    JOIN registrations r ON r.user_id = m.user_id
         AND r.event_id = :event_id AND r.status = 'approved'
    JOIN registration_interests ri ON ri.registration_id = r.id
) f
GROUP BY f.topic_id, f.dim
"""


def ensure_activity(event: Event, rows: int) -> int:
    """Add ``rows`` activity rows to ``event`` in one INSERT ... SELECT unless it has
    them; returns how many were added."""
    have = db.session.scalar(
        sa.select(sa.func.count()).select_from(Activity).where(Activity.event_id == event.id)
    )
    if have == rows:
        return 0
    if have:
        raise SystemExit(f"Event {SLUG!r} has {have} activity rows, expected 0 or {rows}.")
    postgres = db.engine.dialect.name == "postgresql"
    for table in ("bench_people", "bench_sessions", "bench_kinds"):
        db.session.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    db.session.execute(
        sa.text(
            "CREATE TABLE bench_people AS SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS idx,"
            " user_id, industry_id, region_id, job_role_id, ticket_type_id"
            " FROM registrations WHERE event_id = :event_id AND status = 'approved'"
        ),
        {"event_id": event.id},
    )
    db.session.execute(
        sa.text(
            "CREATE TABLE bench_sessions AS SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS idx,"
            " id AS session_id FROM program_sessions WHERE event_id = :event_id"
        ),
        {"event_id": event.id},
    )
    db.session.execute(sa.text("CREATE TABLE bench_kinds (idx INTEGER, kind VARCHAR(20))"))
    db.session.execute(
        sa.text("INSERT INTO bench_kinds VALUES (:idx, :kind)"),
        [{"idx": i, "kind": kind} for i, kind in enumerate(KINDS)],
    )
    for table in ("bench_people", "bench_sessions"):
        db.session.execute(sa.text(f"CREATE UNIQUE INDEX ix_{table}_idx ON {table} (idx)"))
    people = db.session.scalar(sa.text("SELECT COUNT(*) FROM bench_people"))
    sessions = db.session.scalar(sa.text("SELECT COUNT(*) FROM bench_sessions"))
    start = local_day_bounds(event, event.starts_on)[0]
    if postgres:
        numbers = "SELECT generate_series(CAST(0 AS BIGINT), :rows - 1) AS i"
        moment = "CAST(:start AS timestamptz) + (n.i * 7 % :seconds) * INTERVAL '1 second'"
        start_value = start
    else:
        numbers = (
            "WITH RECURSIVE nums(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM nums"
            " WHERE i < :rows - 1) SELECT i FROM nums"
        )
        moment = "datetime(:start, '+' || (n.i * 7 % :seconds) || ' seconds') || '.000000'"
        start_value = start.strftime("%Y-%m-%d %H:%M:%S")
    pick = "(n.i * 2654435761 % 1000003) % :sessions"
    db.session.execute(
        sa.text(
            f"INSERT INTO activities (event_id, user_id, kind, session_id, industry_id,"
            f" region_id, job_role_id, ticket_type_id, created_at)"
            f" SELECT :event_id, p.user_id, k.kind, s.session_id, p.industry_id,"
            f" p.region_id, p.job_role_id, p.ticket_type_id, {moment}"
            f" FROM ({numbers}) n"
            f" JOIN bench_people p ON p.idx = (n.i * 7919 % :people)"
            f" JOIN bench_sessions s ON s.idx = {pick}"
            f" JOIN bench_kinds k ON k.idx = (n.i * 31 % 10)"
        ),
        {
            "event_id": event.id,
            "rows": rows,
            "people": people,
            "sessions": sessions,
            "seconds": SECONDS,
            "start": start_value,
        },
    )
    for table in ("bench_people", "bench_sessions", "bench_kinds"):
        db.session.execute(sa.text(f"DROP TABLE {table}"))
    return rows


def refresh_statistics() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(
                "VACUUM ANALYZE activities, session_topics, registrations,"
                " registration_interests, meetings"
            )
        return
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def check(report: dict, raw: dict[tuple, tuple[int, int]], name: str) -> int:
    """Every figure the app shows equals the raw one; the hidden ones describe fewer
    than k people; totals are the raw sums. Returns how many cells were compared."""
    k = report["k"]
    seen = 0
    for row, cells, total in zip(
        report["rows"], report["cells"], report["row_totals"], strict=True
    ):
        row_sum = 0
        for column, cell in zip(report["columns"], cells, strict=True):
            value, people = raw.get((row["id"], column["id"]), (0, 0))
            row_sum += value
            if cell["suppressed"]:
                assert value and people < k, f"{name}: {row} x {column} hidden wrongly"
            else:
                assert cell["value"] == value, f"{name}: {row} x {column}: {cell} != {value}"
            seen += 1
        if not total["suppressed"]:
            assert total["value"] == row_sum, f"{name}: total of {row} differs"
    assert report["total"]["value"] == sum(v for v, _p in raw.values()), f"{name}: grand total"
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with bench_app():
        started = time.perf_counter()
        event, added_people = ensure_bench_event(SLUG, PARTICIPANTS)
        db.session.commit()
        added_sessions, _bookmarks = ensure_program(event, random.Random(f"program-{SLUG}"))
        db.session.commit()
        added_rows = ensure_activity(event, args.rows)
        db.session.commit()
        if added_people or added_sessions or added_rows:
            refresh_statistics()
        dialect = db.engine.dialect.name
        print(
            f"{dialect}: event {SLUG!r}: {PARTICIPANTS} participants, {args.rows} activity rows"
            f" ({added_people} people, {added_sessions} sessions, {added_rows} rows added"
            f" in {time.perf_counter() - started:.1f} s)"
        )

        app_total = raw_total = 0.0
        dimensions = ("industry", "region", "job_role")
        for dimension in dimensions:
            query = reports.ReportQuery(measure="engagement", rows="topic", columns=dimension)

            def run_app(query=query):
                db.session.expire_all()
                return reports.crosstab(event, query)

            def run_raw(dimension=dimension):
                result = db.session.execute(
                    sa.text(RAW.format(dim=f"{dimension}_id")), {"event_id": event.id}
                )
                return {(r.topic_id, r.dim): (int(r.points), int(r.people)) for r in result}

            app_ms, report = median_ms(run_app, args.repeat)
            raw_ms, raw = median_ms(run_raw, args.repeat)
            cells = check(report, raw, dimension)
            app_total += app_ms
            raw_total += raw_ms
            print(
                f"topic x {dimension:<9} {cells:>4} cells, total {report['total']['value']:>10};"
                f" app {app_ms:>8.1f} ms, raw {raw_ms:>8.1f} ms, ratio {app_ms / raw_ms:.2f}"
            )
        n = len(dimensions)
        print(
            f"reports ratio app/raw: {app_total / raw_total:.2f}"
            f" (app {app_total / n:.0f} ms, raw {raw_total / n:.0f} ms)"
        )


if __name__ == "__main__":
    main()
