"""Background jobs on Huey: long work (mailings, digests, later badges, webhooks and
exports) runs here, never in a request.

Where the queue lives is a setting, ``JOBS_BACKEND``:

- ``sqlite`` (the embedded default): a file under ``instance/``; ``make run`` starts
  a consumer in the server process (``start_embedded``), so nothing else is needed;
- ``redis`` (the default when ``REDIS_URL`` is set): consumers run as their own
  processes, ``flask --app conference jobs``, as many as the load needs;
- ``memory``: for tests, which run what is queued with ``run_pending()``.

A job is a plain function decorated with ``@job``; it runs in an application context
with a request context on ``BASE_URL`` so ``url_for(..., _external=True)`` makes links.
Jobs are enqueued after the transaction that asks for them commits
(``enqueue_after_commit``), so a job never looks for rows that are not there yet.
Jobs must be idempotent: a consumer may die half way and the job run again.

A job queued while a request runs carries that request's id (``REQUEST_ID``, an extra
keyword of the task) and runs with it as its own, so its log lines name the request.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from flask import Flask, has_app_context
from huey import Huey
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from conference.observability import logs
from conference.services import aftercommit

log = logging.getLogger(__name__)

#: The task keyword that carries the id of the request that queued the job.
REQUEST_ID = "_request_id"


class _Huey(Huey):
    """Huey that stamps each task it queues with the current request id, if any."""

    def enqueue(self, task):
        if (request_id := logs.current()) is not None:
            task.kwargs.setdefault(REQUEST_ID, request_id)
        return super().enqueue(task)


#: The queue every job goes through; ``configure`` gives it its storage.
huey = _Huey("conference", storage_class=MemoryStorage, utc=True)

_app: Flask | None = None


def configure(app: Flask) -> None:
    """Point the queue at the app's backend and remember the app that jobs run in."""
    global _app
    _app = app
    backend = app.config["JOBS_BACKEND"]
    if backend == "redis":
        huey.storage = RedisStorage(huey.name, url=app.config["REDIS_URL"])
    elif backend == "sqlite":
        path = Path(app.instance_path) / "jobs.db"
        huey.storage = SqliteStorage(huey.name, filename=str(path))
    elif backend == "memory":
        if not isinstance(huey.storage, MemoryStorage):
            huey.storage = MemoryStorage(huey.name)
    else:
        raise ValueError(f"JOBS_BACKEND must be sqlite, redis or memory, not {backend!r}")


def _in_app(fn: Callable, *args, **kwargs):
    with logs.bound(kwargs.pop(REQUEST_ID, None)):
        if has_app_context():
            return fn(*args, **kwargs)
        if _app is None:
            raise RuntimeError("conference.jobs.configure(app) was not called")
        from conference.extensions import db

        with _app.test_request_context(base_url=_app.config["BASE_URL"]):
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()


def job(**options) -> Callable[[Callable], Callable]:
    """Declare ``fn`` a job; calling the result enqueues it (Huey's ``TaskWrapper``)."""

    def declare(fn: Callable):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            return _in_app(fn, *args, **kwargs)

        return huey.task(name=fn.__name__, **options)(run)

    return declare


def periodic(schedule, **options) -> Callable[[Callable], Callable]:
    """Declare ``fn`` a job the consumer's scheduler runs on ``schedule`` (a ``crontab``)."""

    def declare(fn: Callable):
        @functools.wraps(fn)
        def run(**stamp):
            return _in_app(fn, **stamp)

        return huey.periodic_task(schedule, name=fn.__name__, **options)(run)

    return declare


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits."""
    aftercommit.on_commit(functools.partial(task, *args, **kwargs))


def run_pending(limit: int = 10_000) -> int:
    """Run queued jobs in this thread until the queue is empty (tests); return how many."""
    ran = 0
    while ran < limit and (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


class EmbeddedConsumer(Consumer):
    """A consumer whose workers are threads of the server process: ``make run``'s way.

    Huey's own consumer installs signal handlers, which only the main thread may do
    and which the web server owns; this one leaves them alone.
    """

    def _set_signal_handlers(self) -> None:
        pass


def start_embedded(app: Flask, workers: int = 2) -> EmbeddedConsumer | None:
    """Start a consumer inside this process unless the queue is served elsewhere."""
    if app.config["JOBS_BACKEND"] == "redis" or not app.config["JOBS_EMBEDDED"]:
        return None
    consumer = EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    log.info("background jobs run inside this process (%s workers)", workers)
    return consumer
