"""The one mail module: message building with attachments and headers, the outbox, and
one SMTP connection reused for many messages against a real server on loopback."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from conference import jobs
from conference.services import mail

INVITE = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


class Recorder:
    def __init__(self):
        self.envelopes = []
        self.sessions = set()

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(app, monkeypatch):
    recorder = Recorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    yield recorder
    controller.stop()


def test_calendar_attachment_is_also_an_inline_alternative(app):
    msg = mail.build_message(
        "ann@example.test",
        "Meeting",
        "text",
        "<p>html</p>",
        attachments=[mail.Attachment("invite.ics", "text/calendar; method=REQUEST", INVITE)],
        headers={"List-Unsubscribe": "<https://example.test/u/x>"},
    )

    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    parts = [(p.get_content_type(), p.get_filename()) for p in parsed.walk()]
    assert parts == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/html", None),
        ("text/calendar", None),
        ("text/calendar", "invite.ics"),
    ]
    inline = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert inline.get_param("method") == "REQUEST"
    assert inline.get_content().splitlines() == INVITE.decode().splitlines()
    assert parsed["List-Unsubscribe"] == "<https://example.test/u/x>"


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_an_invitation_keeps_its_inline_calendar_without_html(app, method):
    invite = INVITE.replace(b"REQUEST", method.encode())
    content_type = f"text/calendar; method={method}; charset=utf-8"
    msg = mail.build_message(
        "ann@example.test",
        "Meeting",
        "text",
        attachments=[mail.Attachment("invite.ics", content_type, invite)],
    )

    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert [(p.get_content_type(), p.get_filename()) for p in parsed.walk()] == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/calendar", None),
        ("text/calendar", "invite.ics"),
    ]
    inline, attached = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert (inline.get_param("method"), attached.get_param("method")) == (method, method)
    assert inline.get_content().splitlines() == invite.decode().splitlines()
    assert attached.get_payload(decode=True) == invite


def test_a_published_calendar_is_only_attached(app):
    agenda = INVITE.replace(b"REQUEST", b"PUBLISH")
    msg = mail.build_message(
        "ann@example.test",
        "Your agenda",
        "text",
        "<p>html</p>",
        attachments=[mail.Attachment("agenda.ics", "text/calendar; method=PUBLISH", agenda)],
    )

    parsed = email.message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert [(p.get_content_type(), p.get_filename()) for p in parsed.walk()] == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("text/html", None),
        ("text/calendar", "agenda.ics"),
    ]
    (attached,) = parsed.iter_attachments()
    assert attached.get_param("method") == "PUBLISH"
    assert attached.get_payload(decode=True) == agenda


def test_non_ascii_subject_names_and_bodies_round_trip(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "Конференция <noreply@example.test>")
    subject = "会議のお知らせ: 明日の午前十時から第三会議室で、四半期の数字について話します"
    text = "アンナさん、こんにちは。\n" * 20
    html = "<p>Здравствуйте, Анна!</p>\n<p>" + "long line of html " * 20 + "</p>\n"
    invite = "BEGIN:VCALENDAR\r\nSUMMARY:Встреча\r\nEND:VCALENDAR\r\n".encode()
    unsubscribe = "<https://example.test/unsubscribe/" + "t" * 90 + ">"
    msg = mail.build_message(
        "Анна Петрова <anna@example.test>",
        subject,
        text,
        html,
        attachments=[mail.Attachment("議題.ics", "text/calendar; method=PUBLISH", invite)],
        headers={"List-Unsubscribe": unsubscribe},
    )

    raw = msg.as_bytes()
    raw.decode("ascii")  # every header and body encoded, nothing sent as raw 8-bit
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    (recipient,) = parsed["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == ("Анна Петрова", "anna@example.test")
    (sender,) = parsed["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Конференция", "noreply@example.test")
    assert parsed["List-Unsubscribe"].strip() == unsubscribe
    assert parsed["Message-ID"].endswith("@conference.local>")
    assert parsed["Date"].datetime is not None
    assert parsed.get_body(preferencelist=("plain",)).get_content() == text
    assert parsed.get_body(preferencelist=("html",)).get_content() == html
    (attached,) = parsed.iter_attachments()
    assert attached.get_filename() == "議題.ics"
    assert attached.get_payload(decode=True) == invite


def test_without_smtp_each_message_is_an_eml_in_the_outbox(app, outbox):
    with mail.connection() as deliver:
        for n in range(3):
            deliver(mail.build_message(f"p{n}@example.test", f"Hello {n}", "text"))

    assert sorted(m["To"] for m in outbox.messages) == [
        "p0@example.test",
        "p1@example.test",
        "p2@example.test",
    ]


def test_one_connection_carries_many_messages(app, smtp_server):
    with mail.connection() as deliver:
        for n in range(5):
            deliver(mail.build_message(f"p{n}@example.test", "Agenda", "text"))

    assert [e.rcpt_tos for e in smtp_server.envelopes] == [[f"p{n}@example.test"] for n in range(5)]
    assert len(smtp_server.sessions) == 1


def test_mail_after_commit_leaves_as_a_job_and_waits_for_the_commit(app, outbox):
    from conference.extensions import db

    mail.send_after_commit(mail.build_message("ann@example.test", "Hello", "text"))
    assert jobs.huey.pending_count() == 0

    db.session.commit()

    assert jobs.huey.pending_count() == 1
    assert [m["To"] for m in outbox.messages] == ["ann@example.test"]


def test_mail_job_is_retried_later_while_the_server_is_down(app, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)

    mail.deliver(mail.build_message("ann@example.test", "Hello", "text"))
    jobs.run_pending()

    (retry,) = jobs.huey.scheduled()
    assert (retry.name, retry.retries) == ("deliver", 11)
