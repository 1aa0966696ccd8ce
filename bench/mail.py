"""Mail benchmark: the app's agenda mailing against a plain ``smtplib`` loop.

Starts an SMTP sink (aiosmtpd, in a process of its own on loopback), makes (or
reuses) an event of 10,000 approved participants with a few bookmarks each and a
program with keynotes, then in the same run:

(a) sends every participant their personal agenda (body and ``.ics``) through the
    app: ``create_mailing`` and the ``deliver`` job, run in this process;
(b) sends the same number of pre-rendered messages, each the size of the app's
    copy for that person, through one ``smtplib`` connection in a plain loop;

alternately for ``--rounds`` rounds (3; a shared machine's noise then weighs less),
and finally (c) runs (a) once more with mail going to the outbox folder instead
(context). Each time it checks that the sink (or the folder) got exactly one
message per recipient, and ends with::

    mail ratio app/raw: R (app X msg/s, raw Y msg/s)

where X and Y come from the median times and R = X / Y. ``MAILING_RATE`` is 0 (no
pacing) for the run.

Usage::

    .venv/bin/python bench/mail.py [--participants 10000] [--rounds 3]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/mail.py

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import smtplib
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench.common import bench_app, organizer_of
from conference.demo import ensure_bench_event
from conference.enums import SessionFormat
from conference.extensions import db
from conference.models import (
    Bookmark,
    Event,
    Mailing,
    MailingRecipient,
    ProgramSession,
    Registration,
    Room,
    User,
)
from conference.services import mailings
from conference.services.segments import Segment

SLUG = "bench-mail"
SESSIONS_PER_DAY = 12
KEYNOTES = 3
BOOKMARKS_EACH = (2, 6)
SENDER = "bench@conference.local"


# --- the sink, in its own process ----------------------------------------------------------


class _Recorder:
    """Keeps (recipient, size) of every message it accepts."""

    def __init__(self):
        self.received: list[tuple[str, int]] = []

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            self.received.append((address, len(envelope.content)))
        return "250 OK"


def _sink(port: int, pipe) -> None:
    """Serve SMTP on ``port`` until told to stop; answer "take" with what arrived since."""
    from aiosmtpd.controller import Controller

    recorder = _Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "take":
            taken, recorder.received = recorder.received, []
            pipe.send(taken)
        else:
            break
    controller.stop()


class Sink:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        context = multiprocessing.get_context("spawn")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=_sink, args=(self.port, theirs), daemon=True)
        self.process.start()
        assert self.pipe.recv() == "ready"

    def take(self) -> list[tuple[str, int]]:
        self.pipe.send("take")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


def exactly_once(received: list[str], expected: set[str], what: str) -> None:
    counts = Counter(received)
    twice = [address for address, n in counts.items() if n > 1]
    assert not twice, f"{what}: {len(twice)} people got more than one message"
    assert set(counts) == expected, (
        f"{what}: {len(expected - set(counts))} missing, {len(set(counts) - expected)} unexpected"
    )


# --- data ------------------------------------------------------------------------------------


def ensure_program(event: Event) -> bool:
    """Sessions over the event's first two days (the first ``KEYNOTES`` are keynotes) and
    a few bookmarks per participant, written once; return whether it wrote them."""
    if db.session.scalar(sa.select(ProgramSession.id).where(ProgramSession.event_id == event.id)):
        return False
    event.timezone = "Europe/Berlin"
    rooms = [Room(event_id=event.id, name=f"Hall {n}", position=n) for n in range(1, 4)]
    db.session.add_all(rooms)
    db.session.flush()
    zone = ZoneInfo(event.timezone)
    sessions = []
    for day in range(2):
        date = event.starts_on + timedelta(days=day)
        for slot in range(SESSIONS_PER_DAY):
            start = datetime.combine(date, clock_time(9), tzinfo=zone) + timedelta(
                minutes=45 * slot
            )
            number = len(sessions)
            sessions.append(
                ProgramSession(
                    event_id=event.id,
                    title=f"Session {number + 1}: scaling payments, privacy and people",
                    abstract="We share what worked, what did not, and the numbers behind both.",
                    format=SessionFormat.keynote if number < KEYNOTES else SessionFormat.talk,
                    starts_at=start.astimezone(UTC),
                    ends_at=(start + timedelta(minutes=40)).astimezone(UTC),
                    room_id=rooms[number % len(rooms)].id,
                    published=True,
                )
            )
    db.session.add_all(sessions)
    db.session.flush()
    rng = random.Random(11)
    user_ids = db.session.scalars(
        sa.select(Registration.user_id).where(Registration.event_id == event.id)
    ).all()
    rows = []
    for user_id in user_ids:
        for session in rng.sample(sessions, rng.randint(*BOOKMARKS_EACH)):
            rows.append({"event_id": event.id, "user_id": user_id, "session_id": session.id})
    db.session.execute(sa.insert(Bookmark), rows)
    db.session.flush()
    return True


# --- the three runs ----------------------------------------------------------------------------


def app_run(event_id: int, organizer_id: int) -> float:
    """Create the agenda mailing for everyone and run its job here; return the seconds.

    The ORM session starts empty, as the job's would."""
    db.session.expunge_all()
    started = time.perf_counter()
    mailing = mailings.create_mailing(
        db.session.get(User, organizer_id),
        db.session.get(Event, event_id),
        "agenda",
        "Your agenda for the benchmark event",
        "Welcome! Here is **your** agenda; the attached file puts it in your calendar.",
        Segment(),
    )
    db.session.commit()
    mailing_id = mailing.id
    db.session.expunge_all()
    mailings.deliver.call_local(mailing_id)
    took = time.perf_counter() - started
    unsent = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MailingRecipient)
        .where(MailingRecipient.mailing_id == mailing_id, MailingRecipient.status != "sent")
    )
    assert unsent == 0, f"{unsent} copies were not sent"
    return took


def raw_messages(sizes: list[tuple[str, int]]) -> list[tuple[str, bytes]]:
    """Pre-rendered messages, one per (address, size), each exactly that size."""
    filler = ("x" * 76 + "\r\n").encode()
    messages = []
    for n, (address, size) in enumerate(sizes):
        head = (
            f"From: {SENDER}\r\nTo: {address}\r\nSubject: Your agenda\r\n"
            f"Message-ID: <raw-{n}@conference.local>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        ).encode()
        body = (filler * (max(size - len(head), 0) // len(filler) + 1))[: max(size - len(head), 0)]
        messages.append((address, head + body))
    return messages


def raw_run(port: int, messages: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for address, content in messages:
        smtp.sendmail(SENDER, [address], content)
    smtp.quit()
    return time.perf_counter() - started


def outbox_addresses(folder: Path) -> list[str]:
    found = []
    for path in folder.glob("*.eml"):
        with path.open("rb") as handle:
            for line in handle:
                if line.startswith(b"To: "):
                    found.append(line[4:].strip().decode())
                    break
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--slug", default=SLUG, help="the bench event (made once, reused)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="app and raw runs, alternated (medians count)"
    )
    args = parser.parse_args()

    sink = Sink()
    try:
        with bench_app() as app:
            started = time.perf_counter()
            event, added = ensure_bench_event(args.slug, args.participants)
            if ensure_program(event):
                db.session.commit()
                db.session.execute(sa.text("ANALYZE"))
            organizer_id = organizer_of(event).id
            event_id = event.id
            db.session.execute(sa.delete(Mailing).where(Mailing.event_id == event_id))
            db.session.commit()
            expected = set(
                db.session.scalars(
                    sa.select(User.email)
                    .join(Registration, Registration.user_id == User.id)
                    .where(Registration.event_id == event_id)
                )
            )
            print(
                f"{db.engine.dialect.name}: event {args.slug!r} with {len(expected)} participants"
                f" ({added} added in {time.perf_counter() - started:.1f} s)"
            )
            smtp = {
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": sink.port,
                "MAIL_USE_TLS": False,
                "MAIL_USE_SSL": False,
                "MAIL_USERNAME": None,
                "MAILING_RATE": 0,
            }
            app.config.update(smtp)
            print(f"{'round':<6} {'app s':>7} {'raw s':>7} {'ratio':>6}")
            app_times, raw_times = [], []
            for number in range(1, args.rounds + 1):
                with app.test_request_context(base_url=app.config["BASE_URL"]):
                    app_times.append(app_run(event_id, organizer_id))
                received = sink.take()
                exactly_once([address for address, _size in received], expected, "app")
                sizes = sorted(received)
                messages = raw_messages(sizes)
                raw_times.append(raw_run(sink.port, messages))
                raw_received = sink.take()
                exactly_once([address for address, _size in raw_received], expected, "raw")
                print(
                    f"{number:<6} {app_times[-1]:>7.2f} {raw_times[-1]:>7.2f}"
                    f" {raw_times[-1] / app_times[-1]:>6.2f}"
                )
            average = sum(size for _address, size in sizes) / len(sizes)

            outbox = Path(tempfile.mkdtemp(prefix="bench-mail-outbox-"))
            app.config.update(MAIL_SERVER=None, MAIL_OUTBOX=str(outbox))
            try:
                with app.test_request_context(base_url=app.config["BASE_URL"]):
                    outbox_seconds = app_run(event_id, organizer_id)
                exactly_once(outbox_addresses(outbox), expected, "outbox")
            finally:
                shutil.rmtree(outbox, ignore_errors=True)

            n = len(expected)
            app_rate = n / statistics.median(app_times)
            raw_rate = n / statistics.median(raw_times)
            print(f"average message: {average / 1024:.1f} KiB (agenda text, HTML and .ics)")
            print(
                f"to the outbox folder: {outbox_seconds:.2f} s for {n} messages"
                f" ({n / outbox_seconds:.0f} msg/s)"
            )
            print(
                f"mail ratio app/raw: {app_rate / raw_rate:.2f}"
                f" (app {app_rate:.0f} msg/s, raw {raw_rate:.0f} msg/s)"
            )
    finally:
        sink.close()


if __name__ == "__main__":
    main()
