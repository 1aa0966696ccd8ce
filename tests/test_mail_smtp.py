"""Mailings against a real SMTP server on loopback (aiosmtpd, started by the test).

What arrives is checked on the server's side: who each message was for (the
envelope), that the segment chose them, that agendas carry their ``.ics`` and every
copy its ``List-Unsubscribe`` headers, that one connection carries the whole run,
and that a send interrupted by the server never gives anyone a second copy.
"""

from __future__ import annotations

import asyncio
import email
import smtplib
import socket
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from conference import jobs
from conference.enums import DeliveryStatus, SessionFormat
from conference.extensions import db
from conference.models import Bookmark, MailingRecipient
from conference.services import mailings
from conference.services.segments import Segment
from tests import factories, program_helpers
from tests.ics_check import check


class Sink:
    """An SMTP handler that keeps every message it accepts.

    ``refuse`` names addresses whose RCPT is refused (550); after ``crash_after``
    accepted messages it accepts one more and then drops the connection before
    answering, as a server that dies mid-conversation does.
    """

    def __init__(self, refuse=(), crash_after: int | None = None):
        self.refuse = set(refuse)
        self.crash_after = crash_after
        self.envelopes = []
        self.sessions = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sessions.add(id(session))
        self.envelopes.append(envelope)
        if self.crash_after is not None and len(self.envelopes) > self.crash_after:
            self.crash_after = None
            server.transport.close()
            await asyncio.sleep(0)
        return "250 Message accepted"

    @property
    def recipients(self) -> list[str]:
        return sorted(address for e in self.envelopes for address in e.rcpt_tos)

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


@pytest.fixture
def smtp(app, monkeypatch):
    """Start a sink on a free loopback port and point the app's mail at it."""
    started = []

    def start(**options) -> Sink:
        sink = Sink(**options)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
        monkeypatch.setitem(app.config, "MAIL_USE_SSL", False)
        monkeypatch.setitem(app.config, "MAIL_USERNAME", None)
        return sink

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture(autouse=True)
def _empty_queue():
    jobs.huey.flush()
    yield
    jobs.huey.flush()


@pytest.fixture
def crowd(event, organizer):
    """Six participants, three of them in Finance, and a program with a keynote."""
    people = {
        name: factories.participant(event, name=name, industry=industry)
        for name, industry in [
            ("Alma Able", "Finance"),
            ("Bert Baker", "Software"),
            ("Cleo Cook", "Finance"),
            ("Dora Dean", "Healthcare"),
            ("Emil Eck", "Finance"),
            ("Fay Fox", "Software"),
        ]
    }
    keynote = program_helpers.session(
        event, "Opening keynote", "09:00", "09:45", format=SessionFormat.keynote
    )
    talk = program_helpers.session(event, "Ledgers", "11:00", "11:30")
    db.session.add(Bookmark(event_id=event.id, user_id=people["Alma Able"].id, session_id=talk.id))
    db.session.commit()
    return {"people": people, "keynote": keynote, "talk": talk}


def create(organizer, event, segment, kind="agenda"):
    mailing = mailings.create_mailing(organizer, event, kind, "Your agenda", "Welcome!", segment)
    db.session.commit()
    return mailing


def delivery(mailing) -> dict[str, tuple[DeliveryStatus, str]]:
    rows = db.session.execute(
        sa.select(MailingRecipient.email, MailingRecipient.status, MailingRecipient.error).where(
            MailingRecipient.mailing_id == mailing.id
        )
    )
    return {row.email: (DeliveryStatus(row.status), row.error) for row in rows}


def test_agenda_to_a_segment_over_smtp(smtp, event, organizer, crowd):
    sink = smtp()
    finance = Segment(industries=(factories.term(event, "industry", "Finance").id,))
    mailing = create(organizer, event, finance)

    assert jobs.run_pending() == 1

    people = crowd["people"]
    expected = sorted(people[name].email for name in ("Alma Able", "Cleo Cook", "Emil Eck"))
    assert sink.recipients == expected
    assert len(sink.sessions) == 1
    assert {status for status, _error in delivery(mailing).values()} == {DeliveryStatus.sent}

    by_address = {m["To"]: m for m in sink.messages()}
    alma = by_address[people["Alma Able"].email]
    assert alma["Subject"] == "Your agenda"
    unsubscribe = alma["List-Unsubscribe"].strip()
    assert unsubscribe.startswith("<http://localhost/unsubscribe/")
    assert alma["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in alma.get_body(preferencelist=("plain",)).get_content()
    (attachment,) = [p for p in alma.iter_attachments() if p.get_filename() == "agenda.ics"]
    calendar = check(attachment.get_payload(decode=True))
    assert sorted(e.uid for e in calendar.events) == sorted(
        [
            f"session-{crowd['keynote'].id}-{event.id}@localhost",
            f"session-{crowd['talk'].id}-{event.id}@localhost",
        ]
    )
    cleo = by_address[people["Cleo Cook"].email]
    (attachment,) = [p for p in cleo.iter_attachments() if p.get_filename() == "agenda.ics"]
    assert [e.uid for e in check(attachment.get_payload(decode=True)).events] == [
        f"session-{crowd['keynote'].id}-{event.id}@localhost"
    ]
    links = {m["List-Unsubscribe"].strip() for m in sink.messages()}
    assert len(links) == 3


def test_announcement_skips_who_unsubscribed_over_smtp(smtp, client, event, organizer, crowd):
    sink = smtp()
    first = create(organizer, event, Segment(), kind="announcement")
    jobs.run_pending()
    dora = crowd["people"]["Dora Dean"]
    (copy,) = [m for m in sink.messages() if m["To"] == dora.email]
    path = copy["List-Unsubscribe"].strip()[1:-1].replace("http://localhost", "")
    assert client.post(path, data="List-Unsubscribe=One-Click").status_code == 200
    assert len(delivery(first)) == 7

    second = create(organizer, event, Segment(), kind="announcement")
    jobs.run_pending()
    assert dora.email not in delivery(second)
    assert sink.recipients.count(dora.email) == 1
    assert len(sink.envelopes) == 7 + 6


def test_refused_address_fails_alone_over_smtp(smtp, event, organizer, crowd):
    bert = crowd["people"]["Bert Baker"]
    sink = smtp(refuse={bert.email})
    mailing = create(organizer, event, Segment())

    jobs.run_pending()

    assert bert.email not in sink.recipients
    assert len(sink.recipients) == 6
    assert delivery(mailing)[bert.email] == (
        DeliveryStatus.failed,
        "550 5.1.1 No such mailbox here",
    )
    assert len(sink.sessions) == 1


def test_server_crash_mid_send_never_duplicates(smtp, event, organizer, crowd):
    """The server takes the third message and drops the line before answering: the
    client cannot know it arrived. That copy is "interrupted"; the restarted job sends
    the rest; nobody ever receives two copies unless the organizer retries it."""
    sink = smtp(crash_after=2)
    mailing = create(organizer, event, Segment())
    jobs.huey.flush()

    with pytest.raises(smtplib.SMTPServerDisconnected):
        mailings.deliver.call_local(mailing.id)

    assert len(sink.envelopes) == 3
    states = delivery(mailing)
    interrupted = [e for e, (s, error) in states.items() if error == mailings.INTERRUPTED]
    assert len(interrupted) == 1
    assert interrupted[0] == sink.envelopes[2].rcpt_tos[0]
    assert sorted(s for s, _error in states.values()) == sorted(
        [DeliveryStatus.sent] * 2 + [DeliveryStatus.failed] + [DeliveryStatus.queued] * 4
    )

    mailings.deliver.call_local(mailing.id)

    assert len(sink.envelopes) == 7
    assert sink.recipients == sorted(set(sink.recipients))
    assert sorted(sink.recipients) == sorted(states)
    assert delivery(mailing)[interrupted[0]] == (DeliveryStatus.failed, mailings.INTERRUPTED)
    assert len(sink.sessions) == 2
