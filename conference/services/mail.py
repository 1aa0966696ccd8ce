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

import secrets
import smtplib
import ssl
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from email import encoders
from email.charset import BASE64, QP, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, getaddresses, make_msgid
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


#: Calendar methods of an invitation (RFC 5546): only these also go inline, where
#: Outlook and Gmail look for an invitation to show its Accept/Decline buttons. A
#: ``PUBLISH`` calendar (an agenda) is only attached.
INVITATION_METHODS = frozenset({"REQUEST", "CANCEL"})

_ASCII = bytes(range(128))
_UTF8_QUOTED_PRINTABLE = Charset("utf-8")
_UTF8_QUOTED_PRINTABLE.body_encoding = QP
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.body_encoding = BASE64
#: RFC 5322's recommended line length: longer 7-bit text goes quoted-printable.
_LINE_LENGTH = 78


def _text_part(text: str, subtype: str) -> MIMEText:
    """A ``text/<subtype>`` part: plain 7-bit when it is short-lined ASCII, else UTF-8
    in whichever of quoted-printable (mostly Latin text) and base64 (e.g. Japanese)
    comes out shorter."""
    raw = text.encode("utf-8")
    non_ascii = len(raw.translate(None, _ASCII))
    if not non_ascii and max(map(len, text.splitlines()), default=0) <= _LINE_LENGTH:
        charset: Charset | str = "us-ascii"
    elif non_ascii * 6 < len(raw):
        # Quoted-printable triples each non-ASCII byte; base64 adds a third to all.
        charset = _UTF8_QUOTED_PRINTABLE
    else:
        charset = _UTF8_BASE64
    part = MIMEText(text, subtype, charset)
    del part["MIME-Version"]
    return part


def _file_part(attachment: Attachment, content_type: Message) -> MIMEBase:
    part = MIMEBase(
        content_type.get_content_maintype(),
        content_type.get_content_subtype(),
        **dict(content_type.get_params()[1:]),
    )
    del part["MIME-Version"]
    part.set_payload(attachment.content)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def _addresses(value: str) -> str:
    """An address header's value with display names (e.g. Cyrillic) as RFC 2047 encoded
    words and the addresses themselves left readable."""
    return ", ".join(formataddr(pair, charset="utf-8") for pair in getaddresses([value]))


def _multipart(subtype: str, parts: list[Message]) -> MIMEMultipart:
    """A ``multipart/<subtype>`` of ``parts`` with a boundary chosen here: "=_" cannot
    occur in a quoted-printable or base64 body and 128 random bits cannot be guessed
    by whoever writes a 7-bit one, which spares the generator searching every body
    for its own guess (a regular expression compiled per message)."""
    part = MIMEMultipart(subtype, boundary=f"=_{secrets.token_hex(16)}", _subparts=parts)
    del part["MIME-Version"]
    return part


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    attachments: Sequence[Attachment] = (),
    headers: dict[str, str] | None = None,
) -> Message:
    """A message from ``MAIL_DEFAULT_SENDER``; ``headers`` adds e.g. ``List-Unsubscribe``.

    The text (and HTML) are alternatives, attachments follow them. An invitation (a
    ``text/calendar`` attachment whose method is in ``INVITATION_METHODS``) is also
    put inline as an alternative part.

    Built with the standard library's ``email.mime`` classes (``compat32`` policy):
    ``EmailMessage`` with ``email.policy.default`` makes the same message several
    times slower, which a mailing to thousands of people feels. Non-ASCII subjects
    and names are RFC 2047 encoded words, non-ASCII file names RFC 2231 parameters.
    """
    config = current_app.config
    alternatives = [_text_part(text, "plain")]
    if html:
        alternatives.append(_text_part(html, "html"))
    files = []
    for attachment in attachments:
        content_type = Message()
        content_type["Content-Type"] = attachment.content_type
        method = str(content_type.get_param("method") or "").upper()
        if content_type.get_content_type() == "text/calendar" and method in INVITATION_METHODS:
            inline = _text_part(attachment.content.decode("utf-8"), "calendar")
            for name, value in content_type.get_params()[1:]:
                if name != "charset":
                    inline.set_param(name, value)
            alternatives.append(inline)
        files.append(_file_part(attachment, content_type))
    body: Message = alternatives[0]
    if len(alternatives) > 1:
        body = _multipart("alternative", alternatives)
    msg = _multipart("mixed", [body, *files]) if files else body
    del msg["MIME-Version"]
    msg["MIME-Version"] = "1.0"
    msg["From"] = _addresses(config["MAIL_DEFAULT_SENDER"])
    msg["To"] = _addresses(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="conference.local")
    for name, value in (headers or {}).items():
        msg[name] = value
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


def _write_to_outbox(outbox: Path, msg: Message) -> None:
    outbox.mkdir(parents=True, exist_ok=True)
    (outbox / f"{uuid.uuid4().hex}.eml").write_bytes(msg.as_bytes())


@contextmanager
def connection() -> Iterator[Callable[[Message], None]]:
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


def send(msg: Message) -> None:
    """Send one message (or write it to the outbox when no SMTP server is set)."""
    with connection() as deliver:
        deliver(msg)


@jobs.job(retries=12, retry_delay=300)
def deliver(msg: Message) -> None:
    """The job that sends one queued message; retried every 5 minutes for an hour while
    the mail server refuses."""
    send(msg)


def send_after_commit(msg: Message) -> None:
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
