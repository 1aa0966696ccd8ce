"""A live server on its own database and a headless system Chromium driven by Playwright.

The server runs in a thread of the test process on a port of its own, with a
database separate from the per-test transactions of the other tests; each
browser test starts from a freshly seeded small demo event.
"""

from __future__ import annotations

import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from playwright.sync_api import expect
from werkzeug.serving import make_server

from conference import jobs
from conference.extensions import db, socketio
from tests.conftest import _database_url, _drop_database, make_test_app

#: Assertions wait as long as actions do (the contexts' default timeout below): on a
#: 2-core machine running the suite in parallel, a live update can take more than
#: Playwright's 5 s default to arrive.
expect.set_options(timeout=10_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


#: Werkzeug's development server leaves a static file's handle to the garbage collector when
#: the browser drops the connection mid-response (it skips the iterable's ``close()`` on that
#: path), which Chromium does when a page navigates away. That is the test server's, not the
#: app's, so it is ignored for browser tests only.
_DROPPED_STATIC_FILE = [
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings(
        "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
    ),
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            for mark in _DROPPED_STATIC_FILE:
                item.add_marker(mark)


class LiveServer:
    def __init__(self, app, root: Path):
        self.app = app
        self.root = root
        #: The Socket.IO server bound to this app. ``create_app`` re-binds the one module-level
        #: ``socketio`` to the newest app, and handlers and emits go through it.
        self.socketio_server = socketio.server
        # Werkzeug's threaded server carries Socket.IO too (long-polling and, through
        # simple-websocket, WebSocket) since Flask-SocketIO's middleware wraps the app.
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def run_jobs(self) -> threading.Event:
        """Run queued background jobs (mail) in this server's app until the returned event
        is set: the consumer of the test's live server, started for one test at a time
        so it never picks up the jobs of other tests in this process."""
        stop = threading.Event()

        def drain() -> None:
            while not stop.is_set():
                with self.app.test_request_context(base_url=self.url):
                    try:
                        jobs.run_pending()
                    finally:
                        db.session.remove()
                stop.wait(0.05)

        threading.Thread(target=drain, daemon=True).start()
        return stop

    def mails_to(
        self, address: str, *, at_least: int = 1, timeout: float = 10
    ) -> list[EmailMessage]:
        """The messages sent to ``address``, oldest first, waiting for the mail jobs."""
        deadline = time.monotonic() + timeout
        while True:
            files = sorted(self.outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
            mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]
            mine = [m for m in mails if m["To"] == address]
            if len(mine) >= at_least or time.monotonic() > deadline:
                return mine
            time.sleep(0.05)

    @property
    def outbox(self) -> Path:
        return Path(self.app.config["MAIL_OUTBOX"])

    def reset_database(self) -> None:
        """Empty every table (children first) so each test starts the same way."""
        with self.app.app_context(), db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(sa.delete(table))
        for eml in self.outbox.glob("*.eml"):
            eml.unlink()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, worker_id_safe):
    root = tmp_path_factory.mktemp("live")
    url = _database_url(root, f"live_{worker_id_safe}")
    app = make_test_app(root, url, SERVER_NAME=None, WTF_CSRF_ENABLED=True)
    with app.app_context():
        upgrade()
    server = LiveServer(app, root)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()
    _drop_database(url)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server, request, monkeypatch):
    """A fresh browser context (no cookies) on a freshly reset database."""
    monkeypatch.setattr(socketio, "server", live_server.socketio_server)
    live_server.reset_database()
    context = chromium.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    stop_jobs = live_server.run_jobs()
    yield page
    stop_jobs.set()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shots = Path("test-artifacts")
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
