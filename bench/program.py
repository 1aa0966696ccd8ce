"""Program benchmark: the app's agenda and search against hand-written SQL.

Builds (or reuses) a program of 1,000 sessions over the three days of the
bench event (slug ``bench``, 100,000 participants, shared with
``bench/directory.py``): 21 rooms, 8 tracks, the default topics, 1-3 speakers
per session taken from the participants, and 2,000,000 bookmarks (20 per
participant, popular sessions more often), written in bulk.

Then, in the same run, it times

- ``agenda_day`` for one day filtered by a track and a topic, with bookmark
  counts and the viewer's bookmarks, against hand-written SQL that computes
  the same rows (sessions with room, track, count and "mine"; their speakers;
  their topics), and
- ``search_program`` for a Latin word, a Cyrillic word and a Japanese
  substring, against the same full-text (or ``LIKE``) query written by hand
  (with the sessions' details, room and track) plus their speakers and topics,

checks that both sides give equal results, takes the medians of several runs,
times the whole agenda page of that day (HTML through the test client, as a
participant, who is not shown counts) as context, and ends with::

    program ratio app/raw: R (agenda X ms, search Y ms; raw A ms, B ms)

where R = (X + Y) / (A + B); Y and B are the three searches together. Before
each app run the ORM session is emptied (except the event and the viewer a
request would already hold), so the app pays for loading its objects.

Usage::

    .venv/bin/python bench/program.py [--repeat 9]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/program.py

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``.
"""

# ruff: noqa: RUF001  (Cyrillic and Japanese titles and searches on purpose)

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.common import SLUG, bench_app, median_ms
from conference.demo import ensure_bench_event
from conference.enums import RegistrationStatus, SessionFormat, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Bookmark,
    Event,
    ProgramSession,
    Registration,
    Room,
    Track,
    User,
    session_speakers,
    session_topics,
)
from conference.models.types import UTCDateTime
from conference.services.agenda import agenda_day
from conference.services.program import TRACK_COLORS, event_days, local_day_bounds
from conference.services.program_search import (
    SQLITE_WEIGHTS,
    fold,
    reindex_event,
    search_program,
    search_words,
)

PARTICIPANTS = 100_000
SESSIONS = 1_000
ROOMS = 21
TRACKS = 8
BOOKMARKS_EACH = 20
SLOT_MINUTES = 45
TALK_MINUTES = 40
FIRST_SLOT = 8  # o'clock, in the event's zone
SEARCHES = ("security", "безопасность", "機械学習")

LATIN_OPENERS = (
    "Scaling", "Securing", "Debugging", "Designing", "Measuring", "Shipping", "Testing",
    "Operating", "Migrating", "Observing", "Automating", "Rethinking",
)  # fmt: skip
LATIN_SUBJECTS = (
    "Kubernetes clusters", "payment platforms", "data pipelines", "LLM features",
    "security reviews", "mobile releases", "search relevance", "event-driven systems",
    "design systems", "fintech APIs", "edge networks", "open source communities",
    "privacy programs", "supply-chain security", "cloud costs", "developer onboarding",
)  # fmt: skip
LATIN_ENDINGS = (
    "without heroics", "at scale", "in practice", "for small teams", "the hard way",
    "on a budget", "in regulated industries", "with open tools", "from first principles",
)  # fmt: skip
CYRILLIC_TITLES = (
    "Безопасность платёжных систем", "Машинное обучение в банке", "Наблюдаемость без боли",
    "Облачная инфраструктура для стартапов", "Данные и приватность", "Безопасность API",
    "Продуктовая аналитика на практике", "Как мы мигрировали монолит",
)  # fmt: skip
JAPANESE_TITLES = (
    "機械学習の実践入門", "決済システムのセキュリティ", "クラウド運用の自動化",
    "データ基盤の作り方", "大規模サービスの機械学習基盤", "開発者体験の改善",
    "オープンソースと企業", "モバイルアプリの品質管理",
)  # fmt: skip
SENTENCES = (
    "We share what worked, what did not, and the numbers behind both.",
    "Expect code, diagrams and a checklist you can use on Monday.",
    "The talk covers {subject} from design to production incidents.",
    "You will leave with a plan for {subject} in your own team.",
    "Security, cost and reliability trade-offs are discussed openly.",
    "A case study from a company running {subject} for millions of users.",
    "Bring your questions: half of the session is a live Q&A.",
)


# --- building the program ---------------------------------------------------------------


def _session_rows(event: Event, rng: random.Random, rooms, tracks, topics, speakers):
    """Rows for sessions, their speakers and their topics (session ids assigned later)."""
    days = event_days(event)
    slots = []
    for day in days:
        first = local_day_bounds(event, day)[0] + timedelta(hours=FIRST_SLOT)
        slots.extend(first + timedelta(minutes=SLOT_MINUTES * n) for n in range(16))
    places = [(start, room) for start in slots for room in rooms][:SESSIONS]
    now = datetime.now(UTC)
    sessions, speaker_picks, topic_picks = [], [], []
    for n, (start, room) in enumerate(places):
        script = rng.random()
        subject = rng.choice(LATIN_SUBJECTS)
        if script < 0.12:
            title = f"{rng.choice(CYRILLIC_TITLES)} ({n})"
        elif script < 0.22:
            title = f"{rng.choice(JAPANESE_TITLES)}（{n}）"
        else:
            title = f"{rng.choice(LATIN_OPENERS)} {subject} {rng.choice(LATIN_ENDINGS)}"
        abstract = " ".join(
            s.format(subject=subject) for s in rng.sample(SENTENCES, k=rng.randint(2, 4))
        )
        sessions.append(
            {
                "event_id": event.id,
                "title": title[:200],
                "abstract": abstract,
                "format": rng.choice([SessionFormat.talk] * 6 + [SessionFormat.workshop]).value,
                "starts_at": start,
                "ends_at": start + timedelta(minutes=TALK_MINUTES),
                "room_id": room.id,
                "track_id": rng.choice(tracks).id,
                "published": rng.random() >= 0.05,
                "created_at": now,
                "updated_at": now,
            }
        )
        speaker_picks.append(rng.sample(speakers, k=rng.randint(1, 3)))
        topic_picks.append(rng.sample(topics, k=rng.randint(1, 3)))
    return sessions, speaker_picks, topic_picks


def ensure_program(event: Event, rng: random.Random) -> tuple[int, int]:
    """Create the bench program and bookmarks unless they exist; (sessions, bookmarks) added.

    Side effects: writes rooms, tracks, sessions, their speakers and topics, the
    search index and bookmarks, in bulk. Flushes.
    """
    have = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ProgramSession)
        .where(ProgramSession.event_id == event.id)
    )
    if have not in (0, SESSIONS):
        raise SystemExit(f"Event {SLUG!r} has {have} sessions, expected 0 or {SESSIONS}.")
    added_sessions = 0
    if have == 0:
        rooms = [Room(event_id=event.id, name=f"Room {n + 1}", position=n) for n in range(ROOMS)]
        tracks = [
            Track(event_id=event.id, name=f"Track {n + 1}", color=TRACK_COLORS[n], position=n)
            for n in range(TRACKS)
        ]
        db.session.add_all(rooms + tracks)
        db.session.flush()
        topics = [t.id for t in event.terms if t.kind == TaxonomyKind.topic]
        speakers = list(
            db.session.scalars(
                sa.select(Registration.user_id)
                .where(Registration.event_id == event.id)
                .order_by(Registration.id)
                .limit(800)
            )
        )
        rows, speaker_picks, topic_picks = _session_rows(
            event, rng, rooms, tracks, topics, speakers
        )
        table = ProgramSession.__table__
        ids = []
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            returned = db.session.execute(
                sa.insert(table).returning(table.c.starts_at, table.c.room_id, table.c.id), chunk
            )
            by_place = {(row.starts_at, row.room_id): row.id for row in returned}
            ids.extend(by_place[(row["starts_at"], row["room_id"])] for row in chunk)
        db.session.execute(
            sa.insert(session_speakers),
            [
                {"session_id": sid, "user_id": uid, "position": position}
                for sid, picked in zip(ids, speaker_picks, strict=True)
                for position, uid in enumerate(picked)
            ],
        )
        db.session.execute(
            sa.insert(session_topics),
            [
                {"session_id": sid, "term_id": tid}
                for sid, picked in zip(ids, topic_picks, strict=True)
                for tid in picked
            ],
        )
        reindex_event(event)
        added_sessions = len(ids)

    wanted = PARTICIPANTS * BOOKMARKS_EACH
    have_bookmarks = db.session.scalar(
        sa.select(sa.func.count()).select_from(Bookmark).where(Bookmark.event_id == event.id)
    )
    if have_bookmarks not in (0, wanted):
        raise SystemExit(f"Event {SLUG!r} has {have_bookmarks} bookmarks, expected 0 or {wanted}.")
    if have_bookmarks == 0:
        insert_bookmarks(event, rng)
        return added_sessions, wanted
    return added_sessions, 0


def insert_bookmarks(event: Event, rng: random.Random) -> None:
    """20 distinct published sessions per participant, popular ones more often.

    SQLite gets ``executemany`` in chunks; PostgreSQL gets ``COPY``.
    """
    published = list(
        db.session.scalars(
            sa.select(ProgramSession.id)
            .where(ProgramSession.event_id == event.id, ProgramSession.published.is_(True))
            .order_by(ProgramSession.id)
        )
    )
    popularity = [1.0 / (rank + 10) for rank in range(len(published))]
    rng.shuffle(popularity)
    cumulative, total = [], 0.0
    for weight in popularity:
        total += weight
        cumulative.append(total)
    people = list(
        db.session.scalars(
            sa.select(Registration.user_id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
            )
            .order_by(Registration.user_id)
            .limit(PARTICIPANTS)
        )
    )
    if len(people) < PARTICIPANTS:
        people += list(
            db.session.scalars(
                sa.select(Registration.user_id)
                .where(
                    Registration.event_id == event.id,
                    Registration.status != RegistrationStatus.approved,
                )
                .limit(PARTICIPANTS - len(people))
            )
        )

    def picks(user_id: int) -> set[int]:
        chosen: set[int] = set()
        while len(chosen) < BOOKMARKS_EACH:
            chosen.update(
                rng.choices(published, cum_weights=cumulative, k=BOOKMARKS_EACH - len(chosen))
            )
        return chosen

    now = datetime.now(UTC)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(
                "COPY bookmarks (event_id, user_id, session_id, attending, created_at) FROM STDIN"
            ) as copy,
        ):
            for user_id in people:
                for session_id in picks(user_id):
                    copy.write_row((event.id, user_id, session_id, True, now))
        return
    stamp = now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    batch: list[tuple] = []
    insert = (
        "INSERT INTO bookmarks (event_id, user_id, session_id, attending, created_at)"
        " VALUES (?, ?, ?, 1, ?)"
    )
    for user_id in people:
        batch.extend((event.id, user_id, session_id, stamp) for session_id in picks(user_id))
        if len(batch) >= 100_000:
            connection.exec_driver_sql(insert, batch)
            batch = []
    if batch:
        connection.exec_driver_sql(insert, batch)


def refresh_statistics() -> None:
    """ANALYZE after bulk loading; on PostgreSQL also VACUUM, which sets the visibility
    map that index-only scans (the bookmark counts) need, as autovacuum would later."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(
                "VACUUM ANALYZE bookmarks, program_sessions, session_speakers, session_topics,"
                " program_search, registrations, users, profiles"
            )
        return
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


# --- the agenda, both ways -------------------------------------------------------------------

RAW_AGENDA = """
SELECT s.id, s.title, s.starts_at, s.ends_at, r.name AS room, t.name AS track,
       (SELECT COUNT(*) FROM bookmarks b WHERE b.session_id = s.id) AS bookmarks,
       EXISTS (SELECT 1 FROM bookmarks m WHERE m.session_id = s.id AND m.user_id = :viewer)
           AS mine
FROM program_sessions s
LEFT JOIN rooms r ON r.id = s.room_id
LEFT JOIN tracks t ON t.id = s.track_id
WHERE s.event_id = :event AND s.published = :published
  AND s.starts_at >= :start AND s.starts_at < :end
  AND s.track_id = :track
  AND EXISTS (SELECT 1 FROM session_topics st WHERE st.session_id = s.id AND st.term_id = :topic)
ORDER BY s.starts_at, r.id IS NULL, r.position, s.ends_at, s.id
"""

RAW_SPEAKERS = """
SELECT ss.session_id, u.id, u.display_name FROM session_speakers ss
JOIN users u ON u.id = ss.user_id
WHERE ss.session_id IN :ids ORDER BY ss.session_id, ss.position, u.id
"""

RAW_TOPICS = """
SELECT st.session_id, t.id, t.name FROM session_topics st
JOIN taxonomy_terms t ON t.id = st.term_id
WHERE st.session_id IN :ids ORDER BY st.session_id, t.position, t.id
"""


def _grouped(sql: str, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    if not ids:
        return found
    statement = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
    for session_id, item_id, _name in db.session.execute(statement, {"ids": ids}):
        found.setdefault(session_id, []).append(item_id)
    return found


def raw_agenda(event, day, track_id, topic_id, viewer_id) -> list[tuple]:
    start, end = local_day_bounds(event, day)
    statement = (
        sa.text(RAW_AGENDA)
        .bindparams(
            sa.bindparam("start", type_=UTCDateTime()), sa.bindparam("end", type_=UTCDateTime())
        )
        .columns(starts_at=UTCDateTime(), ends_at=UTCDateTime())
    )
    rows = db.session.execute(
        statement,
        {
            "event": event.id,
            "published": True,
            "start": start,
            "end": end,
            "track": track_id,
            "topic": topic_id,
            "viewer": viewer_id,
        },
    ).all()
    ids = [row.id for row in rows]
    speakers = _grouped(RAW_SPEAKERS, ids)
    topics = _grouped(RAW_TOPICS, ids)
    return [
        (
            row.id,
            row.title,
            row.starts_at,
            row.ends_at,
            row.room,
            row.track,
            row.bookmarks,
            bool(row.mine),
            tuple(speakers.get(row.id, ())),
            tuple(topics.get(row.id, ())),
        )
        for row in rows
    ]


def app_agenda(event, day, track_id, topic_id, viewer) -> list[tuple]:
    result = agenda_day(event, day, track_ids=[track_id], topic_ids=[topic_id], viewer=viewer)
    return [
        (
            item.session.id,
            item.session.title,
            item.session.starts_at,
            item.session.ends_at,
            item.room.name if item.room else None,
            item.track.name if item.track else None,
            item.bookmark_count,
            item.bookmarked,
            tuple(p.id for p in item.speakers),
            tuple(t.id for t in item.topics),
        )
        for item in result.items
    ]


# --- search, both ways ---------------------------------------------------------------------

#: The columns every search returns: the session's details with its room and track.
HIT_COLUMNS = "s.id, s.title, s.abstract, s.starts_at, s.ends_at, r.name AS room, t.name AS track"
HIT_JOINS = """
JOIN program_sessions s ON s.id = ps.session_id
LEFT JOIN rooms r ON r.id = s.room_id
LEFT JOIN tracks t ON t.id = s.track_id"""

RAW_SEARCH_SQLITE = f"""
SELECT {HIT_COLUMNS}, -bm25(program_search_fts, {SQLITE_WEIGHTS}) AS score
FROM program_search_fts
JOIN program_search ps ON ps.session_id = program_search_fts.rowid {HIT_JOINS}
WHERE program_search_fts MATCH :match AND ps.event_id = :event AND s.published = :published
ORDER BY score DESC, s.starts_at, s.id LIMIT 50
"""

RAW_SEARCH_POSTGRESQL = f"""
SELECT {HIT_COLUMNS}, ts_rank(ps.document, to_tsquery('simple', :match)) AS score
FROM program_search ps {HIT_JOINS}
WHERE ps.document @@ to_tsquery('simple', :match) AND ps.event_id = :event
  AND s.published = :published
ORDER BY score DESC, s.starts_at, s.id LIMIT 50
"""

RAW_SEARCH_SUBSTRING = f"""
SELECT {HIT_COLUMNS}, 0.0 AS score
FROM program_search ps {HIT_JOINS}
WHERE ps.event_id = :event AND s.published = :published
  AND (ps.title || :newline || ps.speakers || :newline || ps.abstract) LIKE :pattern
ORDER BY s.starts_at, s.id LIMIT 50
"""


def raw_search(event, query: str, dialect: str) -> list[tuple]:
    """The hits by hand-written SQL; the speakers whose (folded) names start with a
    searched word are picked in Python, as the app does, since it is not a query."""
    words = search_words(query)
    params = {"event": event.id, "published": True}
    if words.indexed:
        if dialect == "sqlite":
            sql, params["match"] = RAW_SEARCH_SQLITE, " ".join(f'"{w}"*' for w in words.indexed)
        else:
            sql, params["match"] = (
                RAW_SEARCH_POSTGRESQL,
                " & ".join(f"{w}:*" for w in words.indexed),
            )
    else:
        (word,) = words.substrings
        sql, params["pattern"], params["newline"] = RAW_SEARCH_SUBSTRING, f"%{word}%", "\n"
    hits = db.session.execute(
        sa.text(sql).columns(starts_at=UTCDateTime(), ends_at=UTCDateTime()), params
    ).all()
    ids = [row.id for row in hits]
    if not ids:
        return []
    statement = sa.text(RAW_SPEAKERS).bindparams(sa.bindparam("ids", expanding=True))
    speakers: dict[int, list[tuple[int, str]]] = {}
    for session_id, user_id, name in db.session.execute(statement, {"ids": ids}):
        speakers.setdefault(session_id, []).append((user_id, name))
    topics = _grouped(RAW_TOPICS, ids)

    def matched(people):
        def hit(word: str, name: str) -> bool:
            if word in words.substrings:
                return word in name
            return any(token.startswith(word) for token in re.findall(r"[^\W_]+", name))

        return tuple(
            user_id for user_id, name in people if any(hit(w, fold(name)) for w in words.all)
        )

    return [
        (
            row.id,
            row.title,
            row.starts_at,
            row.room,
            row.track,
            tuple(uid for uid, _name in speakers.get(row.id, ())),
            tuple(topics.get(row.id, ())),
            matched(speakers.get(row.id, ())),
        )
        for row in hits
    ]


def app_search(event, query: str) -> list[tuple]:
    return [
        (
            hit.session.id,
            hit.session.title,
            hit.session.starts_at,
            hit.session.room.name if hit.session.room else None,
            hit.session.track.name if hit.session.track else None,
            tuple(p.id for p in hit.lineup),
            tuple(t.id for t in hit.topics),
            tuple(p.id for p in hit.speakers),
        )
        for hit in search_program(event, query)
    ]


# --- the run -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    with bench_app() as app:
        started = time.perf_counter()
        event, added_people = ensure_bench_event(SLUG, PARTICIPANTS)
        db.session.commit()
        added_sessions, added_bookmarks = ensure_program(event, random.Random(f"program-{SLUG}"))
        db.session.commit()
        if added_people or added_sessions or added_bookmarks:
            refresh_statistics()
        dialect = db.engine.dialect.name
        print(
            f"{dialect}: event {SLUG!r}: {PARTICIPANTS} participants, {SESSIONS} sessions,"
            f" {PARTICIPANTS * BOOKMARKS_EACH} bookmarks ({added_people} people,"
            f" {added_sessions} sessions, {added_bookmarks} bookmarks added"
            f" in {time.perf_counter() - started:.1f} s)"
        )

        day = event.starts_on
        track = db.session.scalar(
            sa.select(Track).where(Track.event_id == event.id).order_by(Track.position)
        )
        topic = next(t for t in event.terms if t.kind == TaxonomyKind.topic and t.position == 2)
        viewer = db.session.get(
            User,
            db.session.scalar(
                sa.select(Bookmark.user_id).where(Bookmark.event_id == event.id).limit(1)
            ),
        )
        keep = {event, viewer}

        def cold() -> None:
            """What a new request has: the event and the signed-in person, nothing else."""
            for obj in list(db.session):
                if obj not in keep:
                    db.session.expunge(obj)

        agenda_app_ms, app_rows = median_ms(
            lambda: app_agenda(event, day, track.id, topic.id, viewer), args.repeat, cold
        )
        agenda_raw_ms, raw_rows = median_ms(
            lambda: raw_agenda(event, day, track.id, topic.id, viewer.id), args.repeat
        )
        assert app_rows == raw_rows, "agenda: app and raw SQL differ"
        assert app_rows, "agenda: nothing found; the case measures nothing"
        print(
            f"agenda {day} track {track.name!r} topic {topic.name!r}: {len(app_rows)} sessions,"
            f" {sum(row[6] for row in app_rows)} bookmarks;"
            f" app {agenda_app_ms:.2f} ms, raw {agenda_raw_ms:.2f} ms"
        )

        search_app_ms = search_raw_ms = 0.0
        for query in SEARCHES:
            app_ms, app_hits = median_ms(lambda q=query: app_search(event, q), args.repeat, cold)
            raw_ms, raw_hits = median_ms(lambda q=query: raw_search(event, q, dialect), args.repeat)
            assert app_hits == raw_hits, f"search {query!r}: app and raw SQL differ"
            assert app_hits, f"search {query!r}: nothing found; the case measures nothing"
            search_app_ms += app_ms
            search_raw_ms += raw_ms
            print(
                f"search {query!r}: {len(app_hits)} hits; app {app_ms:.2f} ms, raw {raw_ms:.2f} ms"
            )

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = viewer.get_id()
            session["_fresh"] = True
        page_url = f"/e/{SLUG}/program/?day={day.isoformat()}"
        page_ms, response = median_ms(lambda: client.get(page_url), max(3, args.repeat // 2))
        assert response.status_code == 200, response.status_code
        shown = response.get_data(as_text=True).count('class="card session-card')
        print(f"context: full agenda page of {day} ({shown} sessions, HTML) {page_ms:.1f} ms")

        ratio = (agenda_app_ms + search_app_ms) / (agenda_raw_ms + search_raw_ms)
        print(
            f"program ratio app/raw: {ratio:.2f} (agenda {agenda_app_ms:.1f} ms,"
            f" search {search_app_ms:.1f} ms; raw {agenda_raw_ms:.1f} ms, {search_raw_ms:.1f} ms)"
        )


if __name__ == "__main__":
    main()
