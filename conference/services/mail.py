"""Outgoing email, through one module.

With ``SMTP_HOST`` set, mail goes to that server; without it, each message is
written as an ``.eml`` file to ``MAIL_OUTBOX`` so the embedded default works
and a person (or a test) can open what would have been sent.

Services render a message while they work (in the recipient's language) and hand it
to ``send_after_commit``: it leaves as a background job once the transaction has
committed, so a request never waits for the mail server and one that is down is
retried instead of losing the email or failing the request.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from conference import jobs


def in_language(locale: str | None) -> AbstractContextManager:
    """Render what follows in ``locale`` (a person's chosen language), or in the current
    one when they chose none: emails, notices and feeds speak to their reader."""
    return force_locale(locale) if locale else nullcontext()


@dataclass(frozen=True)
class Attachment:
    filename: str
    #: e.g. "text/calendar; method=REQUEST" (parameters after the type are kept).
    content_type: str
    content: bytes


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    attachments: Sequence[Attachment] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A message from ``MAIL_DEFAULT_SENDER``; ``headers`` adds e.g. ``List-Unsubscribe``.

    An attachment of type ``text/calendar`` is also put inline as an alternative
    part, which is where Outlook and Gmail look for an invitation to show its
    Accept/Decline buttons.
    """
    config = current_app.config
    msg = EmailMessage()
    msg["From"] = config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="conference.local")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *params = [part.strip() for part in rest.split(";")]
        extra = dict(param.split("=", 1) for param in params if "=" in param)
        if maintype == "text" and subtype == "calendar":
            msg.add_alternative(
                attachment.content.decode("utf-8"), subtype="calendar", params=extra
            )
        msg.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=extra,
        )
    return msg


def _open_smtp(config) -> smtplib.SMTP:
    host = config["MAIL_SERVER"]
    port = config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, context=ssl.create_default_context(), timeout=20
        )
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
    try:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _write_to_outbox(outbox: Path, msg: EmailMessage) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(msg.as_bytes())


@contextmanager
def connection() -> Iterator[Callable[[EmailMessage], None]]:
    """Yield a ``send(msg)`` that reuses one SMTP connection (or the outbox) for many
    messages, as a mailing does. A refused recipient raises ``smtplib.SMTPException``
    for that message only; the connection stays usable."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        outbox = Path(config["MAIL_OUTBOX"])
        yield lambda msg: _write_to_outbox(outbox, msg)
        return
    smtp = _open_smtp(config)
    try:
        yield smtp.send_message
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            smtp.close()


def send(msg: EmailMessage) -> None:
    """Send one message (or write it to the outbox when no SMTP server is set)."""
    with connection() as deliver:
        deliver(msg)


@jobs.job(retries=12, retry_delay=300)
def deliver(msg: EmailMessage) -> None:
    """The job that sends one queued message; retried every 5 minutes for an hour while
    the mail server refuses."""
    send(msg)


def send_after_commit(msg: EmailMessage) -> None:
    """Send ``msg`` as a background job once the current transaction commits."""
    jobs.enqueue_after_commit(deliver, msg)


def send_template(to: str, subject: str, template: str, **context) -> None:
    """Render ``templates/emails/<template>.txt`` (and ``.html`` if present) and send it
    once the current transaction commits."""
    text = render_template(f"emails/{template}.txt", **context)
    try:
        html = render_template(f"emails/{template}.html", **context)
    except TemplateNotFound:
        html = None
    send_after_commit(build_message(to, subject, text, html))
