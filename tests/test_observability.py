"""Logs and metrics: JSON lines with the request id, the id carried into jobs, and no
message text, email address, password or token in either."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from conference import jobs
from conference.extensions import db
from conference.observability import logs
from conference.services import messaging
from tests import factories

probe_log = logging.getLogger("tests.observability")


@jobs.job()
def observability_probe(word: str) -> None:
    probe_log.info("probe ran with %s", word)


@pytest.fixture
def json_log(app, monkeypatch):
    """Everything logged during the test, as the JSON lines production writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.INFO)
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_request_writes_one_json_access_line_with_its_id(client, json_log):
    response = client.get("/?token=query-secret-123", headers={"X-Request-ID": "front-1"})

    (line,) = [entry for entry in _lines(json_log) if entry["logger"] == "conference.access"]
    assert line["request_id"] == "front-1" == response.headers["X-Request-ID"]
    assert (line["method"], line["endpoint"], line["route"], line["status"]) == (
        "GET",
        "events.home",
        "/",
        200,
    )
    assert "query-secret-123" not in json_log.getvalue()
    assert logs.current() is None


def test_a_job_queued_by_a_request_carries_its_id(client, json_log):
    response = client.post(
        "/signup",
        data={
            "display_name": "Rita Rush",
            "email": "rita@example.com",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
        },
        headers={"X-Request-ID": "signup-7"},
    )

    assert response.status_code == 302
    (task,) = jobs.huey.pending()
    assert task.kwargs[jobs.REQUEST_ID] == "signup-7"
    assert jobs.run_pending() == 1


def test_a_job_logs_with_the_id_of_the_request_that_queued_it(app, json_log):
    with logs.bound("req-42"):
        observability_probe("first")
    observability_probe("second")

    assert logs.current() is None
    assert jobs.run_pending() == 2
    ran = {
        entry["message"]: entry.get("request_id")
        for entry in _lines(json_log)
        if entry["logger"] == "tests.observability"
    }
    assert ran == {"probe ran with first": "req-42", "probe ran with second": None}


def test_text_lines_carry_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id = "abc"

    assert re.search(r" INFO x \[abc\] hello$", logs.TextFormatter().format(record))


def test_no_message_text_email_password_or_token_in_logs_or_metrics(
    client, login, json_log, event, attendee, speaker, outbox
):
    body = "Meet me by the lighthouse at nine"
    conversation = messaging.get_or_create_conversation(attendee, event, speaker)
    db.session.commit()
    scrape = client.get("/metrics").get_data(as_text=True)
    sent_before = float(re.search(r"^conference_messages_sent (\S+)$", scrape, re.M).group(1))

    client.post(
        "/signup",
        data={
            "display_name": "Rita Rush",
            "email": "rita@example.com",
            "password": "a-very-private-passphrase",
            "confirm": "a-very-private-passphrase",
        },
    )
    jobs.run_pending()
    (mail,) = outbox.to("rita@example.com")
    token_path = re.search(r"http://localhost(/verify/(\S+))", outbox.text(mail))
    client.get(token_path.group(1))
    client.post("/logout")
    client.post("/login", data={"email": speaker.email, "password": "wrong-password-typed"})
    login(speaker)
    sent = client.post(f"/messages/{conversation.id}", data={"body": body, "client_id": "obs-1"})
    jobs.run_pending()
    scrape = client.get("/metrics").get_data(as_text=True)

    assert sent.status_code == 302
    sent_after = float(re.search(r"^conference_messages_sent (\S+)$", scrape, re.M).group(1))
    assert sent_after == sent_before + 1
    logged = json_log.getvalue()
    answered = [
        (entry["endpoint"], entry["status"])
        for entry in _lines(json_log)
        if entry["logger"] == "conference.access"
    ]
    assert ("auth.signup", 302) in answered
    assert ("auth.verify", 302) in answered
    assert ("messages.send", 302) in answered
    for secret in (
        body,
        "lighthouse",
        "rita@example.com",
        speaker.email,
        attendee.email,
        "a-very-private-passphrase",
        "wrong-password-typed",
        factories.PASSWORD,
        token_path.group(2),
        "Rita Rush",
    ):
        assert secret not in logged, secret
        assert secret not in scrape, secret
