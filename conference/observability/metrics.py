"""Prometheus metrics: what each process counts, and what is read from the database
when ``/metrics`` is scraped.

Counted per process (``prometheus_client`` metrics): requests by endpoint and status,
request latency by endpoint, failed job runs, database connections in use and pool
size. With several worker processes set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory shared by all of them (app workers and job consumers) before they start:
each process then writes its numbers there and a scrape of any worker adds them up
(``prometheus_client``'s multiprocess mode). Empty the directory when the whole
installation restarts.

Read at scrape time, the same for every worker: sockets connected (``SocketPresence``
rows), direct messages sent (``Message`` rows) and jobs waiting in the queue.
"""

from __future__ import annotations

import atexit
import os

import sqlalchemy as sa
from huey.signals import SIGNAL_ERROR
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import event as sa_event
from sqlalchemy.pool import Pool

from conference.extensions import db

REQUESTS = Counter(
    "conference_http_requests",
    "HTTP requests answered, by endpoint and status.",
    ["endpoint", "status"],
)
LATENCY = Histogram(
    "conference_http_request_duration_seconds",
    "Time from the start of a request to its answer, by endpoint.",
    ["endpoint"],
)
JOBS_FAILED = Counter(
    "conference_jobs_failed",
    "Background job runs that raised (a retried job counts once per failed run).",
    ["job"],
)
DB_IN_USE = Gauge(
    "conference_db_connections_in_use",
    "Database connections checked out of the pool.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "conference_db_pool_size",
    "Connections each process's pool keeps (its overflow comes on top).",
    multiprocess_mode="livesum",
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def observe_request(endpoint: str, status: int, seconds: float | None) -> None:
    REQUESTS.labels(endpoint=endpoint, status=str(status)).inc()
    if seconds is not None:
        LATENCY.labels(endpoint=endpoint).observe(seconds)


def _checked_out(*_args) -> None:
    DB_IN_USE.inc()


def _checked_in(*_args) -> None:
    DB_IN_USE.dec()


def install_once(huey) -> None:
    """Count pool checkouts and failed jobs; leave this process's numbers behind on exit."""
    if not sa_event.contains(Pool, "checkout", _checked_out):
        sa_event.listen(Pool, "checkout", _checked_out)
        sa_event.listen(Pool, "checkin", _checked_in)
        huey.signal(SIGNAL_ERROR)(_job_failed)
        if multiprocess():
            atexit.register(mark_process_dead, os.getpid())


def _job_failed(_signal, task, *_args) -> None:
    JOBS_FAILED.labels(job=task.name).inc()


def record_pool_size() -> None:
    """Publish the size of the app's connection pool (needs an app context)."""
    size = getattr(db.engine.pool, "size", None)
    DB_POOL_SIZE.set(size() if callable(size) else 0)


class LiveCollector:
    """Numbers read when scraped, from the database and the job queue: the same answer
    from any worker, and nothing to add up across processes."""

    def __init__(self, huey) -> None:
        self.huey = huey

    def collect(self):
        from conference.models import Message, SocketPresence

        sockets = db.session.scalar(sa.select(sa.func.count()).select_from(SocketPresence))
        messages = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
        yield GaugeMetricFamily(
            "conference_connected_sockets",
            "Socket.IO connections open on all workers (presence rows).",
            value=sockets,
        )
        yield GaugeMetricFamily(
            "conference_messages_sent",
            "Direct messages sent and still stored; its growth is the sending rate.",
            value=messages,
        )
        yield GaugeMetricFamily(
            "conference_jobs_queued",
            "Background jobs waiting for a consumer.",
            value=self.huey.pending_count(),
        )


def exposition(huey) -> bytes:
    """The text a scrape gets: this process's (or all processes') metrics, then the live ones."""
    if multiprocess():
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveCollector(huey))
    return generate_latest(counted) + generate_latest(live)
