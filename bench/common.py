"""What the benchmarks share: the database they run on, the app on it, and timing.

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``; a
PostgreSQL database named in ``DATABASE_URL`` is created if it is missing. The
bench event (slug ``SLUG``) is made by ``conference.demo.ensure_bench_event`` and
reused by later runs of every benchmark.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from flask_migrate import upgrade

from conference import create_app
from conference.config import BASE_DIR, normalize_database_url
from conference.enums import EventRoleKind
from conference.extensions import db
from conference.models import Event, EventRole, Registration, User

SLUG = "bench"


def database_url() -> str:
    if url := os.environ.get("DATABASE_URL"):
        return normalize_database_url(url)
    (BASE_DIR / "instance").mkdir(exist_ok=True)
    return f"sqlite:///{BASE_DIR / 'instance' / 'bench.db'}"


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    target = sa.make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


@contextmanager
def bench_app() -> Iterator[Flask]:
    """The app on the bench database, migrated to the latest revision, inside an app
    context with English messages (the benchmarks compare texts and print in English)."""
    url = database_url()
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), force_locale("en"):
        upgrade()
        yield app


def median_ms(
    run: Callable[[], object], repeat: int, before: Callable[[], None] | None = None
) -> tuple[float, object]:
    """The median time of ``repeat`` runs in milliseconds, and the last run's result.

    One run before the timed ones warms caches; ``before`` (not timed) runs ahead of each.
    """
    if before:
        before()
    result = run()
    times = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def organizer_of(event: Event) -> User:
    """The event's organizer, making its first participant one if it has none (benchmark
    events are made in bulk, without the organizer a real event has); commits."""
    role = db.session.scalar(
        sa.select(EventRole).where(
            EventRole.event_id == event.id, EventRole.role == EventRoleKind.organizer
        )
    )
    if role is None:
        user_id = db.session.scalar(
            sa.select(Registration.user_id)
            .where(Registration.event_id == event.id)
            .order_by(Registration.id)
            .limit(1)
        )
        role = EventRole(event_id=event.id, user_id=user_id, role=EventRoleKind.organizer)
        db.session.add(role)
        db.session.commit()
    return role.user
