"""The background-job runner: the queue a setting chooses, jobs in an app context, and
the embedded consumer that ``make run`` relies on."""

from __future__ import annotations

import time

import pytest
from flask import url_for

from conference import jobs

ran: list = []


@jobs.job()
def remember(value):
    """A job that records what it got and a link it can build."""
    ran.append((value, url_for("events.home", _external=True)))


@pytest.fixture(autouse=True)
def _clean():
    ran.clear()
    jobs.huey.flush()
    yield
    jobs.huey.flush()


def test_enqueued_job_waits_for_the_consumer(app):
    remember(1)

    assert ran == []
    assert jobs.run_pending() == 1
    assert ran == [(1, "http://localhost/")]


def test_enqueue_after_commit_waits_for_the_commit(app):
    from conference.extensions import db

    jobs.enqueue_after_commit(remember, 2)
    assert jobs.run_pending() == 0

    db.session.commit()

    assert jobs.run_pending() == 1
    assert [value for value, _link in ran] == [2]


def test_enqueue_after_commit_is_dropped_on_rollback(app):
    from conference.extensions import db

    jobs.enqueue_after_commit(remember, 3)
    db.session.rollback()

    assert jobs.run_pending() == 0


def test_unknown_backend_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rabbit")
    monkeypatch.setattr(jobs.huey, "storage", jobs.huey.storage)

    with pytest.raises(ValueError, match="sqlite, redis or memory"):
        jobs.configure(app)


def test_embedded_consumer_runs_jobs_from_the_sqlite_queue(separate_app):
    other = separate_app(
        JOBS_BACKEND="sqlite", JOBS_EMBEDDED=True, BASE_URL="https://ev.example", SERVER_NAME=None
    )
    consumer = jobs.start_embedded(other, workers=1)
    try:
        remember(4)
        deadline = time.monotonic() + 10
        while not ran and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        consumer.stop(graceful=True)

    assert ran == [(4, "https://ev.example/")]


def test_no_embedded_consumer_with_redis(separate_app):
    other = separate_app(JOBS_BACKEND="redis", REDIS_URL="redis://127.0.0.1:6379/0")

    assert jobs.start_embedded(other) is None
