"""``/healthz`` says the process answers; ``/readyz`` that what it needs answers too
(database, Redis when configured, the job queue); ``/metrics`` is Prometheus's page.

Answers name checks and say ok or failed, never why: error texts carry hosts, ports
and user names. The reason goes to the log, as the exception's type only.
"""

from __future__ import annotations

import logging

import redis
import sqlalchemy as sa
from flask import Response, current_app, jsonify

from conference import jobs
from conference.blueprints.health import bp
from conference.extensions import db
from conference.observability import metrics, metrics_allowed

log = logging.getLogger(__name__)

#: Seconds a readiness probe waits for Redis before calling it failed.
REDIS_TIMEOUT = 1.0


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    return _no_store(jsonify({"status": "ok"}))


def _database() -> None:
    db.session.execute(sa.text("SELECT 1"))


def _redis() -> None:
    url = current_app.config["REDIS_URL"]
    clients = current_app.extensions.setdefault("readyz_redis", {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
        )
    clients[url].ping()


def _jobs() -> None:
    jobs.huey.pending_count()


@bp.get("/readyz")
def readyz():
    checks = {"database": _database, "jobs": _jobs}
    if current_app.config["REDIS_URL"]:
        checks["redis"] = _redis
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:
            if name == "database":
                db.session.rollback()
            log.warning("readiness check %s failed: %s", name, type(exc).__name__)
            results[name] = "failed"
        else:
            results[name] = "ok"
    ready = all(value == "ok" for value in results.values())
    response = jsonify({"ready": ready, "checks": results})
    response.status_code = 200 if ready else 503
    return _no_store(response)


@bp.get("/metrics", endpoint="metrics")
def metrics_page():
    if not metrics_allowed():
        if current_app.config["METRICS_TOKEN"]:
            return Response(
                "A bearer token is needed.\n",
                401,
                {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain; charset=utf-8"},
            )
        return Response(
            "Metrics are served to this machine only.\n",
            403,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
    return _no_store(Response(metrics.exposition(jobs.huey), content_type=metrics.CONTENT_TYPE))
