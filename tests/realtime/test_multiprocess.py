"""Two app processes deliver each other's messages through a real Redis.

Two ``python -m conference.serve`` processes (threading mode) share one
database and use Redis as their Socket.IO message queue. One person is
connected to each process with a real python-socketio client, logged in
through the login form like a browser. A message sent on process 1, over the
socket or with the plain HTTP form, must reach the socket on process 2 live.

Redis is ``TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``); without an
answer from it the tests are skipped. The database is a temporary SQLite
file, or a fresh PostgreSQL database when ``TEST_DATABASE_URL`` names one.
Each run names its own Socket.IO channel in ``SOCKETIO_CHANNEL`` for the
servers (Redis pub/sub ignores database numbers: only a channel name keeps
parallel runs apart), and every check waits for the message with its own
``client_id``, so a run that shares Redis with another still judges only its
own messages. Run alone with ``pytest -m multiprocess tests/realtime``.
"""

from __future__ import annotations

import os
import queue
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
import socketio
import sqlalchemy as sa
from flask_migrate import upgrade

from conference.config import normalize_database_url
from conference.extensions import db, limiter
from conference.extensions import socketio as app_socketio
from conference.services import messaging
from tests import factories
from tests.conftest import make_test_app

pytestmark = pytest.mark.multiprocess

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: How long a message may take from one process to a socket on the other.
DELIVERY_SECONDS = 5
STARTUP_SECONDS = 30
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    id: int
    email: str


@dataclass(frozen=True)
class Cluster:
    urls: tuple[str, str]
    alice: Person
    bob: Person
    conversation_id: int


# --- the shared database ----------------------------------------------------------


def _create_database(tmp: Path) -> str:
    wanted = os.environ.get("TEST_DATABASE_URL", "sqlite")
    if wanted == "sqlite":
        return f"sqlite:///{tmp / 'shared.db'}"
    base = sa.make_url(normalize_database_url(wanted))
    name = f"{base.database}_mp_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    target = sa.make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    admin.dispose()


def _seed(tmp: Path, url: str) -> tuple[Person, Person, int]:
    """Two participants of one event and their conversation, committed through the services.

    Builds its own app on the shared database; ``create_app`` re-binds the
    module-level Socket.IO server and limiter, which are put back afterwards
    so the session's test app keeps working.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in ("enabled", "initialized", "_storage", "_limiter"):
            patch.setattr(limiter, name, getattr(limiter, name))
        patch.setattr(app_socketio, "server", app_socketio.server)
        seeding = make_test_app(tmp / "seeding", url)
        with seeding.app_context():
            upgrade()
            event = factories.event(name="Harbour Summit", slug="harbour")
            alice = factories.participant(event, name="Alice Anders")
            bob = factories.participant(event, name="Bob Brandt")
            conversation = messaging.get_or_create_conversation(alice, event, bob)
            db.session.commit()
            seeded = (Person(alice.id, alice.email), Person(bob.id, bob.email), conversation.id)
            db.session.remove()
            db.engine.dispose()
    return seeded


# --- the server processes ---------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppProcess:
    """``python -m conference.serve`` on a free port, its output kept in a log file."""

    def __init__(self, name: str, tmp: Path, database_url: str, channel: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"{name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SOCKETIO_CHANNEL": channel,
            "SOCKETIO_ASYNC_MODE": "threading",
            "INSTANCE_PATH": str(tmp / name),
            "SECRET_KEY": "multiprocess-test",
            "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "RATELIMIT_ENABLED": "0",
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "conference.serve", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server on port {self.port} exited:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        pytest.fail(f"server on port {self.port} not ready in {STARTUP_SECONDS} s")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Two app processes on one database and one Redis channel; always stopped after."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_URL} (TEST_REDIS_URL), which does not answer: {exc}")
    tmp = tmp_path_factory.mktemp("multiprocess")
    database_url = _create_database(tmp)
    processes: list[AppProcess] = []
    try:
        alice, bob, conversation_id = _seed(tmp, database_url)
        channel = f"conference-test-{uuid.uuid4().hex}"
        processes = [AppProcess(name, tmp, database_url, channel) for name in ("one", "two")]
        for process in processes:
            process.wait_until_ready()
        yield Cluster((processes[0].url, processes[1].url), alice, bob, conversation_id)
    finally:
        for process in processes:
            process.stop()
        _drop_database(database_url)


# --- the people's browsers ----------------------------------------------------------


def _log_in(base_url: str, person: Person) -> requests.Session:
    """Log in through the form, with the CSRF token from the page."""
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=10)
    answer = http.post(
        f"{base_url}/login",
        data={
            "email": person.email,
            "password": factories.PASSWORD,
            "csrf_token": CSRF_INPUT.search(page.text).group(1),
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return http


class Browser:
    """A logged-in person with a Socket.IO connection that keeps every ``message`` event."""

    def __init__(self, base_url: str, person: Person):
        self.base_url = base_url
        self.http = _log_in(base_url, person)
        self.received: queue.Queue[dict] = queue.Queue()
        self.sio = socketio.Client(http_session=self.http, reconnection=False)
        self.sio.on("message", self.received.put)
        self.sio.connect(base_url, wait_timeout=10)

    def wait_for(self, client_id: str) -> dict:
        """The ``message`` event carrying ``client_id``, received within DELIVERY_SECONDS."""
        deadline = time.monotonic() + DELIVERY_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                payload = self.received.get(timeout=left)
            except queue.Empty:
                break
            if payload.get("client_id") == client_id:
                return payload
        raise AssertionError(f"message {client_id} not received within {DELIVERY_SECONDS} s")

    def close(self) -> None:
        self.sio.disconnect()
        self.http.close()


@pytest.fixture
def browsers(cluster):
    """Alice connected to process 1, Bob to process 2."""
    opened: list[Browser] = []
    try:
        opened.append(Browser(cluster.urls[0], cluster.alice))
        opened.append(Browser(cluster.urls[1], cluster.bob))
        yield opened
    finally:
        for browser in opened:
            browser.close()


def test_socket_message_on_one_process_reaches_socket_on_other(cluster, browsers):
    alice, bob = browsers
    client_id = str(uuid.uuid4())

    ack = alice.sio.call(
        "send_message",
        {"conversation_id": cluster.conversation_id, "client_id": client_id, "body": "Hi Bob!"},
        timeout=10,
    )

    assert ack["ok"] is True, ack
    assert ack["created"] is True
    assert ack["message"]["body"] == "Hi Bob!"
    assert ack["message"]["sender_id"] == cluster.alice.id
    assert bob.wait_for(client_id) == ack["message"]
    assert alice.wait_for(client_id) == ack["message"]


def test_http_form_post_on_one_process_reaches_socket_on_other(cluster, browsers):
    alice, bob = browsers
    page_url = f"{alice.base_url}/messages/{cluster.conversation_id}"
    page = alice.http.get(page_url, timeout=10)
    assert page.status_code == 200
    client_id = str(uuid.uuid4())

    answer = alice.http.post(
        page_url,
        data={
            "csrf_token": CSRF_INPUT.search(page.text).group(1),
            "client_id": client_id,
            "body": "Sent from the form, no JavaScript",
        },
        allow_redirects=False,
        timeout=10,
    )

    assert answer.status_code == 302, answer.text
    received = bob.wait_for(client_id)
    assert received["body"] == "Sent from the form, no JavaScript"
    assert received["sender_id"] == cluster.alice.id
    assert received["conversation_id"] == cluster.conversation_id
