"""Who-to-meet benchmark: the app's recommendations against one hand-written SQL
candidate query, for 200 random people of an event of 100,000 participants.

Builds (or reuses) the bench event: 100,000 participants
(``conference.demo.ensure_bench_event``) with the bench program and its 2,000,000
bookmarks (``bench/program.py``), and adds once, in bulk: "looking for" / "can offer"
texts on 60% / 50% of the profiles, "I want to meet" terms on 30% of the
registrations, and booth visits to ten sponsors by 30% of the people.

Then, for 200 random participants (seeded):

- **app, uncached**: ``matchmaking.suggestions_for`` after marking the person's list
  stale: the candidate query, scoring (text matching included), reasons, storing the
  30 suggestions, reading them back, and the commit;
- **app, cached**: ``suggestions_for`` again on the fresh list;
- **raw**: one hand-written SQL statement computing the same candidate set (shared
  topics, wished industries, regions and roles, the person's eight least-bookmarked
  sessions, booths visited; minus blocked people, contacts and dismissals; the best
  2,000 by the same pre-score), checked to return the same people as the app's
  candidate query.

It ends with::

    matchmaking ratio app/raw: R (app X ms, raw Y ms per person)

where X is the mean uncached app time and Y the mean raw time per person (the cached
figure is printed on the line before).

Usage::

    .venv/bin/python bench/matchmaking.py [--people 200]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/matchmaking.py

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.common import SLUG, bench_app
from bench.program import PARTICIPANTS, ensure_program
from conference.demo import ensure_bench_event
from conference.enums import RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Activity,
    Event,
    Registration,
    Sponsor,
    SponsorPackage,
    User,
    registration_meet_wishes,
)
from conference.services import matchmaking

LOOKING_FOR = (
    "Engineers who have run Kubernetes in production",
    "Early customers for a logistics product",
    "Investors for our seed round",
    "Partners for a pilot project next quarter",
    "People to swap hiring stories with",
    "Feedback on our onboarding flow from practitioners",
)
CAN_OFFER = (
    "Lessons learned from running Kubernetes in production",
    "An intro to investors in Berlin",
    "Advice on hiring stories that end well",
    "A demo of our onboarding flow",
    "Mentoring for first-time founders",
    "Help with a pilot project in logistics",
)
SPONSORS = 10

#: The candidate set by hand: the same signals, weights, exclusions, order and limit as
#: ``matchmaking.candidate_query``, from the person's id alone.
RAW = """
WITH me AS (
    SELECT id FROM registrations WHERE event_id = :event_id AND user_id = :user_id
), my_wishes AS (
    SELECT w.term_id, t.kind FROM registration_meet_wishes w
    JOIN taxonomy_terms t ON t.id = w.term_id
    WHERE w.registration_id = (SELECT id FROM me)
), my_sessions AS (
    SELECT b.session_id FROM bookmarks b
    WHERE b.session_id IN (
        SELECT session_id FROM bookmarks WHERE event_id = :event_id AND user_id = :user_id
    )
    GROUP BY b.session_id ORDER BY COUNT(*), b.session_id LIMIT :sessions
), hits AS (
    SELECT r.user_id AS person_id, 3.0 AS weight
    FROM registration_interests ri JOIN registrations r ON r.id = ri.registration_id
    WHERE ri.term_id IN (
        SELECT term_id FROM registration_interests WHERE registration_id = (SELECT id FROM me)
    ) AND r.event_id = :event_id
    UNION ALL
    SELECT user_id, 4.0 FROM registrations WHERE event_id = :event_id
      AND industry_id IN (SELECT term_id FROM my_wishes WHERE kind = 'industry')
    UNION ALL
    SELECT user_id, 4.0 FROM registrations WHERE event_id = :event_id
      AND region_id IN (SELECT term_id FROM my_wishes WHERE kind = 'region')
    UNION ALL
    SELECT user_id, 4.0 FROM registrations WHERE event_id = :event_id
      AND job_role_id IN (SELECT term_id FROM my_wishes WHERE kind = 'job_role')
    UNION ALL
    SELECT user_id, 1.0 FROM bookmarks WHERE session_id IN (SELECT session_id FROM my_sessions)
    UNION ALL
    SELECT v.user_id, 1.0 FROM (
        SELECT DISTINCT user_id, sponsor_id FROM activities
        WHERE event_id = :event_id AND kind = 'booth_visit' AND user_id IS NOT NULL
          AND sponsor_id IN (
            SELECT sponsor_id FROM activities
            WHERE event_id = :event_id AND user_id = :user_id AND kind = 'booth_visit'
          )
    ) v
)
SELECT person_id, SUM(weight) AS pre FROM hits
WHERE person_id <> :user_id
  AND person_id NOT IN (SELECT blocked_id FROM blocks WHERE blocker_id = :user_id)
  AND person_id NOT IN (SELECT blocker_id FROM blocks WHERE blocked_id = :user_id)
  AND person_id NOT IN (SELECT person_id FROM contacts WHERE owner_id = :user_id)
  AND person_id NOT IN (
    SELECT person_id FROM suggestion_feedback
    WHERE event_id = :event_id AND user_id = :user_id AND verdict = 'dismissed'
  )
GROUP BY person_id
ORDER BY pre DESC, person_id
LIMIT :limit
"""


def ensure_matchmaking_data(event: Event, rng: random.Random) -> bool:
    """Add texts, wishes and booth visits unless they are there; whether it added."""
    have = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(registration_meet_wishes)
        .join(Registration, Registration.id == registration_meet_wishes.c.registration_id)
        .where(Registration.event_id == event.id)
    )
    if have:
        return False
    people = "SELECT user_id FROM registrations WHERE event_id = :event_id"
    for column, texts, bucket in (
        ("looking_for", LOOKING_FOR, "user_id % 10"),
        ("can_offer", CAN_OFFER[:5], "(user_id / 10) % 10"),
    ):
        for n, text in enumerate(texts):
            db.session.execute(
                sa.text(
                    f"UPDATE profiles SET {column} = :text"
                    f" WHERE {bucket} = :n AND user_id IN ({people})"
                ),
                {"text": text, "n": n, "event_id": event.id},
            )
    wishable = [
        t.id
        for t in event.terms
        if t.kind in (TaxonomyKind.industry, TaxonomyKind.region, TaxonomyKind.job_role)
    ]
    registrations = db.session.execute(
        sa.select(Registration.id, Registration.user_id)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    ).all()
    wishes = []
    for registration_id, _user_id in registrations:
        if rng.random() < 0.3:
            for term_id in rng.sample(wishable, rng.randint(1, 2)):
                wishes.append({"registration_id": registration_id, "term_id": term_id})
    db.session.execute(sa.insert(registration_meet_wishes), wishes)

    package = SponsorPackage(event_id=event.id, name="Bench", position=0)
    db.session.add(package)
    db.session.flush()
    sponsors = [
        Sponsor(event_id=event.id, package_id=package.id, name=f"Bench sponsor {n + 1}")
        for n in range(SPONSORS)
    ]
    db.session.add_all(sponsors)
    db.session.flush()
    visits = []
    for _registration_id, user_id in registrations:
        if rng.random() < 0.3:
            for sponsor in rng.sample(sponsors, rng.randint(1, 3)):
                visits.append(
                    {
                        "event_id": event.id,
                        "user_id": user_id,
                        "kind": "booth_visit",
                        "sponsor_id": sponsor.id,
                    }
                )
    db.session.execute(sa.insert(Activity), visits)
    return True


def refresh_statistics() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(
                "VACUUM ANALYZE registrations, registration_interests, registration_meet_wishes,"
                " bookmarks, activities, profiles, users"
            )
        return
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()

    with bench_app():
        started = time.perf_counter()
        event, added_people = ensure_bench_event(SLUG, PARTICIPANTS)
        db.session.commit()
        added_sessions, _bookmarks = ensure_program(event, random.Random(f"program-{SLUG}"))
        db.session.commit()
        added = ensure_matchmaking_data(event, random.Random(f"matchmaking-{SLUG}"))
        db.session.commit()
        if added_people or added_sessions or added:
            refresh_statistics()
        dialect = db.engine.dialect.name
        print(
            f"{dialect}: event {SLUG!r}: {PARTICIPANTS} participants"
            f" (ready in {time.perf_counter() - started:.1f} s)"
        )

        candidates = db.session.scalars(
            sa.select(Registration.user_id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
            )
            .order_by(Registration.user_id)
        ).all()
        chosen = random.Random(f"people-{SLUG}").sample(candidates, args.people)
        raw_query = sa.text(RAW)

        uncached, cached, raw, suggested = [], [], [], []
        for user_id in chosen:
            user = db.session.get(User, user_id)
            matchmaking.mark_stale(event.id, user.id)
            db.session.commit()
            db.session.expire_all()

            moment = time.perf_counter()
            people = matchmaking.suggestions_for(event, user)
            db.session.commit()
            uncached.append(time.perf_counter() - moment)
            suggested.append(len(people))

            moment = time.perf_counter()
            again = matchmaking.suggestions_for(event, user)
            db.session.commit()
            cached.append(time.perf_counter() - moment)
            assert [p.user_id for p in again] == [p.user_id for p in people]

            moment = time.perf_counter()
            rows = db.session.execute(
                raw_query,
                {
                    "event_id": event.id,
                    "user_id": user.id,
                    "sessions": matchmaking.CANDIDATE_SESSIONS,
                    "limit": matchmaking.CANDIDATES,
                },
            ).all()
            raw.append(time.perf_counter() - moment)

            app_ids = matchmaking.candidate_ids(event, user)
            assert [r.person_id for r in rows] == app_ids, f"candidates differ for {user.id}"
            db.session.rollback()

        def ms(values):
            return statistics.mean(values) * 1000

        print(
            f"{args.people} people, {statistics.mean(suggested):.1f} suggestions each;"
            f" median app uncached {statistics.median(uncached) * 1000:.1f} ms,"
            f" cached {statistics.median(cached) * 1000:.1f} ms,"
            f" raw {statistics.median(raw) * 1000:.1f} ms"
        )
        print(
            f"cached: app {ms(cached):.1f} ms per person (ratio to raw {ms(cached) / ms(raw):.2f})"
        )
        print(
            f"matchmaking ratio app/raw: {ms(uncached) / ms(raw):.2f}"
            f" (app {ms(uncached):.0f} ms, raw {ms(raw):.0f} ms per person)"
        )


if __name__ == "__main__":
    main()
