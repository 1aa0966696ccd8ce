"""``/healthz``, ``/readyz`` and ``/metrics``: who may read them and what they say."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from conference.blueprints.health import views


@pytest.fixture
def no_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


# --- /healthz -------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client):
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(Engine, "before_cursor_execute", count)
    try:
        response = client.get("/healthz")
    finally:
        sa.event.remove(Engine, "before_cursor_execute", count)

    assert (response.status_code, response.json) == (200, {"status": "ok"})
    assert response.headers["Cache-Control"] == "no-store"
    assert statements == []


# --- /readyz --------------------------------------------------------------------------


def test_readyz_ready_checks_database_and_jobs(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json == {"ready": True, "checks": {"database": "ok", "jobs": "ok"}}


def test_readyz_with_redis_checks_it_too(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/0")

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "jobs": "ok", "redis": "ok"}


def test_readyz_unready_when_redis_does_not_answer_and_says_nothing_of_it(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json == {
        "ready": False,
        "checks": {"database": "ok", "jobs": "ok", "redis": "failed"},
    }
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "127.0.0.1" not in text


def test_readyz_unready_when_the_database_fails_without_its_error(client, monkeypatch):
    def broken():
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("db.internal:5432 user=app"))

    monkeypatch.setattr(views, "_database", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json["checks"]["database"] == "failed"
    assert "db.internal" not in response.get_data(as_text=True)


def test_readyz_unready_when_the_job_queue_fails(client, monkeypatch):
    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setattr(views, "_jobs", broken)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json == {"ready": False, "checks": {"database": "ok", "jobs": "failed"}}


# --- request ids ----------------------------------------------------------------------


def test_a_sane_request_id_is_answered_back(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-42.a:b"})

    assert response.headers["X-Request-ID"] == "edge-42.a:b"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 65, "<script>"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_fresh_one(client, given):
    headers = {} if given is None else {"X-Request-ID": given}

    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]

    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


# --- /metrics -------------------------------------------------------------------------


def test_metrics_from_loopback_without_a_token_counts_requests(client, no_token):
    client.get("/healthz")
    client.get("/no/such/page")
    before = _samples(client.get("/metrics").get_data(as_text=True))
    client.get("/healthz")
    client.get("/no/such/page")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    after = _samples(response.get_data(as_text=True))
    for labels in (
        (("endpoint", "health.healthz"), ("status", "200")),
        (("endpoint", "unmatched"), ("status", "404")),
    ):
        key = ("conference_http_requests_total", labels)
        assert after[key] == before[key] + 1
    count = ("conference_http_request_duration_seconds_count", (("endpoint", "health.healthz"),))
    assert after[count] == before[count] + 1
    for name in (
        "conference_connected_sockets",
        "conference_messages_sent",
        "conference_jobs_queued",
        "conference_db_connections_in_use",
        "conference_db_pool_size",
    ):
        assert (name, ()) in after


def test_metrics_refused_to_other_machines_without_a_token(client, no_token):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})

    assert response.status_code == 403
    assert "conference_" not in response.get_data(as_text=True)


def test_metrics_refused_through_a_proxy_without_a_token(client, no_token):
    response = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "header", [None, "Bearer wrong", "Basic c2NyYXBlOnNjcmFwZQ==", "Bearer s3cret-scrape-tokenX"]
)
def test_metrics_with_a_token_needs_it_even_from_loopback(app, client, monkeypatch, header):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")
    headers = {"Authorization": header} if header else {}

    response = client.get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_metrics_with_the_token_from_anywhere(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-scrape-token")

    response = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-scrape-token", "X-Forwarded-For": "203.0.113.9"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )

    assert response.status_code == 200
    assert "conference_http_requests_total" in response.get_data(as_text=True)
