"""Directory benchmark: the app's ``search_directory`` against hand-written SQL.

For a fixed mix of searches and filters over an event with many participants
(100,000 by default), each case is run through the app's service and through
one hand-written SQL query computing the same page of user ids and the total
(over the same connection). Both must agree; the medians of several runs are
compared, and the last line reads::

    directory ratio app/raw: R (app X ms, raw Y ms per page)

where R is the sum of the app's medians over the sum of the raw medians.

Usage::

    .venv/bin/python bench/directory.py [--participants 100000] [--repeat 7]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/directory.py

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``; a
PostgreSQL database named in ``DATABASE_URL`` is created if it is missing. The
bench event (slug ``bench``) is made by the same code as ``flask bench-data``
and reused by later runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.common import SLUG, bench_app, median_ms
from conference.demo import ensure_bench_event
from conference.enums import TaxonomyKind
from conference.extensions import db
from conference.models import Event
from conference.models.types import search_key
from conference.services.directory import like_pattern, search_directory

PER_PAGE = 24

#: The raw query of every case: the page of user ids from the directory index and
#: the total as a subquery. Each case completes the WHERE clause by hand, once for
#: the page (alias ``r``) and once for the count (alias ``c``).
RAW = """
SELECT r.user_id,
       (SELECT COUNT(*) FROM registrations c
        WHERE c.event_id = :event_id AND c.status = 'approved' AND c.directory_visible = :visible
        {where_c}) AS total
FROM registrations r
WHERE r.event_id = :event_id AND r.status = 'approved' AND r.directory_visible = :visible
{where_r}
ORDER BY r.sort_name, r.id
LIMIT :limit OFFSET :offset
"""


@dataclass
class Case:
    name: str
    #: Keyword arguments for ``search_directory``.
    app: dict
    #: Extra WHERE conditions of the raw query, ``{t}`` standing for the table alias.
    where: str = ""
    params: dict = field(default_factory=dict)


def cases(event: Event) -> list[Case]:
    def term(kind: TaxonomyKind, position: int) -> int:
        return [t for t in event.terms if t.kind == kind][position].id

    industry = term(TaxonomyKind.industry, 0)
    region = term(TaxonomyKind.region, 2)
    role = term(TaxonomyKind.job_role, 2)
    topic = term(TaxonomyKind.topic, 0)
    visible = search_directory(event, False, per_page=1).total
    deep = max(1, (visible // PER_PAGE) // 2)
    like = "AND {t}.search_text LIKE :w1 ESCAPE '\\'"
    interest = (
        "AND EXISTS (SELECT 1 FROM registration_interests ri"
        " WHERE ri.registration_id = {t}.id AND ri.term_id = :topic)"
    )

    def word(text: str) -> str:
        return like_pattern(search_key(text))

    return [
        Case("no filter, page 1", {}),
        Case(f"no filter, page {deep}", {"page": deep}),
        Case("name, Latin", {"q": "Anna"}, like, {"w1": word("Anna")}),
        Case("name, Cyrillic", {"q": "иван"}, like, {"w1": word("иван")}),
        Case("name, Japanese", {"q": "山田"}, like, {"w1": word("山田")}),
        Case("company", {"q": "Globex"}, like, {"w1": word("Globex")}),
        Case(
            "industry",
            {"industry_ids": [industry]},
            "AND {t}.industry_id = :industry",
            {"industry": industry},
        ),
        Case(
            "region + role",
            {"region_ids": [region], "job_role_ids": [role]},
            "AND {t}.region_id = :region AND {t}.job_role_id = :role",
            {"region": region, "role": role},
        ),
        Case("interest", {"topic_ids": [topic]}, interest, {"topic": topic}),
        Case(
            "search + filters",
            {"q": "anna", "industry_ids": [industry], "topic_ids": [topic]},
            f"{like} AND {{t}}.industry_id = :industry {interest}",
            {"w1": word("anna"), "industry": industry, "topic": topic},
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with bench_app():
        started = time.perf_counter()
        event, added = ensure_bench_event(SLUG, args.participants)
        db.session.commit()
        if added:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        backend = db.engine.dialect.name
        print(
            f"{backend}: event {SLUG!r} with {args.participants} participants"
            f" ({added} added in {time.perf_counter() - started:.1f} s)"
        )

        print(f"{'case':<22} {'total':>7} {'app ms':>8} {'raw ms':>8} {'ratio':>6}")
        app_total = raw_total = 0.0
        all_cases = cases(event)
        for case in all_cases:
            page = case.app.get("page", 1)

            def run_app(case=case):
                db.session.expire(event, ["terms", "ticket_types"])
                return search_directory(event, False, per_page=PER_PAGE, **case.app)

            def run_raw(case=case, page=page):
                return db.session.execute(
                    sa.text(
                        RAW.format(
                            where_c=case.where.format(t="c"), where_r=case.where.format(t="r")
                        )
                    ),
                    {
                        "event_id": event.id,
                        "visible": True,
                        "limit": PER_PAGE,
                        "offset": (page - 1) * PER_PAGE,
                        **case.params,
                    },
                ).all()

            app_ms, app_page = median_ms(run_app, args.repeat)
            raw_ms, raw_rows = median_ms(run_raw, args.repeat)
            raw_ids = [row.user_id for row in raw_rows]
            raw_count = raw_rows[0].total if raw_rows else 0
            app_ids = [item.user_id for item in app_page.items]
            assert app_ids == raw_ids, f"{case.name}: pages differ"
            assert app_page.total == raw_count, f"{case.name}: totals differ"
            assert app_ids, f"{case.name}: nothing found; the case measures nothing"
            app_total += app_ms
            raw_total += raw_ms
            print(
                f"{case.name:<22} {app_page.total:>7} {app_ms:>8.2f} {raw_ms:>8.2f}"
                f" {app_ms / raw_ms:>6.2f}"
            )
        n = len(all_cases)
        print(
            f"directory ratio app/raw: {app_total / raw_total:.2f}"
            f" (app {app_total / n:.1f} ms, raw {raw_total / n:.1f} ms per page)"
        )


if __name__ == "__main__":
    main()
