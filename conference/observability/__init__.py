"""Health, metrics and logs of a running installation (issue 12).

``init_app`` sets up logging (``LOG_FORMAT``, ``LOG_LEVEL``), gives every request an
id (``X-Request-ID``, answered back and put on its log lines and on the jobs it
queues), counts requests and their latency, and writes one access line per request.
The endpoints are in ``conference/blueprints/health``; the metrics in ``metrics``,
the log format in ``logs``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time

from flask import Flask, current_app, g, request
from flask.logging import default_handler

from conference.observability import logs, metrics

access_log = logging.getLogger("conference.access")


def init_app(app: Flask) -> None:
    from conference import jobs

    logs.configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)
    metrics.install_once(jobs.huey)
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_forget)
    with app.app_context():
        metrics.record_pool_size()


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = logs.accept(request.headers.get(logs.HEADER))
    logs.bind(g.request_id)


def _finish(response):
    started = g.pop("request_started", None)
    seconds = time.perf_counter() - started if started is not None else None
    endpoint = request.endpoint or "unmatched"
    metrics.observe_request(endpoint, response.status_code, seconds)
    if request_id := g.get("request_id"):
        response.headers[logs.HEADER] = request_id
    rule = request.url_rule.rule if request.url_rule else "unmatched"
    # Probes ask every few seconds: their lines only at DEBUG.
    access_log.log(
        logging.DEBUG if endpoint.startswith("health.") else logging.INFO,
        "%s %s %s %.1f ms",
        request.method,
        rule,
        response.status_code,
        (seconds or 0) * 1000,
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "route": rule,
            "status": response.status_code,
            "duration_ms": round((seconds or 0) * 1000, 1),
        },
    )
    return response


def _forget(_exc) -> None:
    logs.bind(None)


def metrics_allowed() -> bool:
    """Whether this request may read ``/metrics``.

    With ``METRICS_TOKEN`` set: only with ``Authorization: Bearer <token>``. Without:
    only from the machine itself (loopback) and not through a proxy, so nginx in front
    never hands it out to the internet.
    """
    token = current_app.config["METRICS_TOKEN"]
    if token:
        scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
