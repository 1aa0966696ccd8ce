"""Test fixtures: one database per xdist worker, a rolled-back transaction per test.

The suite runs on the database named by ``TEST_DATABASE_URL``: ``sqlite`` (the
default) or a PostgreSQL URL. Each worker gets its own database, built with the
real migrations; each test runs inside a transaction that is rolled back, and
the code under test commits to SAVEPOINTs within it.

Identities of the permission matrix are fixtures here (``anonymous``,
``outsider``, ``other_participant``, ``pending``, ``attendee``, ``speaker``,
``sponsor_staff``, ``rival_staff``, ``checkin_staff``, ``organizer``), all built on one
``event``; ``sponsor_staff`` works for ``sponsor``, ``rival_staff`` for another sponsor
of the same event.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_started
from flask_migrate import upgrade

from conference import create_app, jobs
from conference.config import normalize_database_url
from conference.extensions import db, limiter, socketio
from tests import factories

PASSWORD = factories.PASSWORD


def _database_url(tmp_root: Path, worker: str) -> str:
    wanted = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if wanted == "sqlite":
        return f"sqlite:///{tmp_root / f'test-{worker}.db'}"
    base = sa.make_url(normalize_database_url(wanted))
    name = f"{base.database}_{worker}_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def make_test_app(tmp_root: Path, database_url: str, **extra):
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_root / "instance"),
        "UPLOAD_FOLDER": str(tmp_root / "uploads"),
        "MAIL_OUTBOX": str(tmp_root / "outbox"),
        "MAIL_SERVER": None,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "localhost",
        "REDIS_URL": None,
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        # Tests run queued jobs themselves, with ``conference.jobs.run_pending``.
        "JOBS_BACKEND": "memory",
        "JOBS_EMBEDDED": False,
        "MAILING_RATE": 0,
    }
    settings.update(extra)
    return create_app(settings)


@pytest.fixture(scope="session")
def worker_id_safe(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _drop_database(url: str) -> None:
    target = sa.make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory, worker_id_safe):
    root = tmp_path_factory.mktemp("app")
    url = _database_url(root, worker_id_safe)
    app = make_test_app(root, url)
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    _drop_database(url)


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Run each test in a transaction that is rolled back; commits become savepoints."""
    if request.node.get_closest_marker("browser"):
        yield
        return
    ctx = app.app_context()
    ctx.push()
    engines = db._app_engines[app]
    engine = engines[None]
    connection = engine.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.remove()
        engines[None] = engine
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture(autouse=True)
def _empty_job_queue(app):
    """Start each test with no jobs left queued by an earlier one (its mail, say)."""
    jobs.huey.flush()


@pytest.fixture(autouse=True)
def _fresh_request_globals(app):
    """Give every test request a clean ``g``.

    Test requests reuse the test's app context, so Flask-Login's user,
    Flask-Babel's locale and the permission cache would otherwise carry over
    from one request to the next.
    """

    def clear(sender, **_extra):
        for key in list(g):
            g.pop(key)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def separate_app(tmp_path, monkeypatch):
    """Build another app (own settings, own SQLite file) without disturbing the session app.

    ``create_app`` re-binds module-level extensions; their shared state is put
    back after the test.
    """
    for name in ("enabled", "initialized", "_storage", "_limiter"):
        monkeypatch.setattr(limiter, name, getattr(limiter, name))
    monkeypatch.setattr(socketio, "server", socketio.server)
    monkeypatch.setattr(jobs, "_app", jobs._app)
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)
    built = []

    def build(**settings):
        other = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'separate.db'}", **settings)
        with other.app_context():
            upgrade()
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Messages written to the outbox during the test, oldest first."""
    folder = Path(app.config["MAIL_OUTBOX"])
    folder.mkdir(parents=True, exist_ok=True)
    box = factories.Outbox(folder)
    box.clear()  # mail queued by fixtures set up before this one is not the test's
    return box


# --- the permission matrix's identities -----------------------------------


@pytest.fixture
def event():
    return factories.event(name="Northwind Summit", slug="northwind")


@pytest.fixture
def other_event():
    return factories.event(name="Other Conf", slug="other-conf")


@pytest.fixture
def organizer(event):
    return factories.organizer(event, name="Olga Organizer")


@pytest.fixture
def attendee(event):
    return factories.participant(event, name="Anna Attendee", company="Acme")


@pytest.fixture
def speaker(event):
    return factories.participant(event, name="Sam Speaker", roles=["speaker"])


@pytest.fixture
def sponsor(event):
    """Acme Corp, on a package with every entitlement."""
    return factories.sponsor(event, "Acme Corp")


@pytest.fixture
def sponsor_staff(event, sponsor):
    """The admin of ``sponsor``'s staff."""
    person = factories.participant(event, name="Sid Sponsor", roles=["sponsor_staff"])
    factories.sponsor_member(sponsor, person, admin=True)
    return person


@pytest.fixture
def rival_sponsor(event):
    """Globex, a second sponsor of the same event on its own full package."""
    return factories.sponsor(event, "Globex", tier="Silver")


@pytest.fixture
def rival_staff(event, rival_sponsor):
    """The admin of ``rival_sponsor``: a sponsor's staff, but not ``sponsor``'s."""
    person = factories.participant(event, name="Rita Rival", roles=["sponsor_staff"])
    factories.sponsor_member(rival_sponsor, person, admin=True)
    return person


@pytest.fixture
def checkin_staff(event):
    return factories.participant(event, name="Chris Checkin", roles=["checkin_staff"])


@pytest.fixture
def pending(event):
    return factories.participant(event, name="Pat Pending", status="pending")


@pytest.fixture
def outsider():
    return factories.user(name="Otto Outsider")


@pytest.fixture
def platform_admin():
    person = factories.user(name="Ada Admin")
    person.is_platform_admin = True
    db.session.commit()
    return person


@pytest.fixture
def other_participant(other_event):
    return factories.participant(other_event, name="Oscar Other")


@pytest.fixture
def login(client):
    """Log ``user`` in on the test client (through the real login form)."""

    def do(user, password: str = PASSWORD):
        response = client.post(
            "/login", data={"email": user.email, "password": password}, follow_redirects=False
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


IDENTITIES = [
    "anonymous",
    "outsider",
    "other_participant",
    "pending",
    "attendee",
    "speaker",
    "sponsor_staff",
    "rival_staff",
    "checkin_staff",
    "organizer",
]


@pytest.fixture
def as_identity(request, client, login):
    """Log in as the named identity of the matrix (``anonymous`` stays logged out)."""

    def do(name: str):
        if name == "anonymous":
            return None
        user = request.getfixturevalue(name)
        login(user)
        return user

    return do
