"""Webhooks: an organizer's URLs told about registrations and check-ins, signed, retried
and logged.

- ``emit`` is called by the services that change registrations (created, approved,
  cancelled) and admit people (first check-in). In the caller's transaction it writes
  one ``WebhookDelivery`` per active webhook of the event that wants the kind, all with
  the same ``event_uid``, and queues ``deliver_webhook`` for after the commit: a change
  that is rolled back tells nobody.
- ``attempt`` sends one delivery. It first *claims* it with one conditional UPDATE
  (pending, due, and the attempt counter moved on by one, the next attempt pushed past
  the send's timeout), commits, and only then sends: two consumers that pick up the
  same delivery never both send it, and a consumer that dies while sending leaves a
  delivery the sweep retries once the claim runs out. The outcome is written only if
  the claim is still this attempt's.
- A 2xx answer is delivered. Anything else (another status, a refused address, a
  timeout, a network error) waits ``RETRY_DELAYS[n]`` for the next attempt; after the
  last one the delivery has failed. Each attempt is logged (``log``) and its status
  code or error kept on the delivery for the organizer's log. Redirects are not
  followed.
- ``sweep_webhooks`` runs every minute on the consumer that runs periodic jobs and
  queues every due delivery: retries, and first attempts whose job was lost.
- A replay from the log is a new delivery with a new ``event_uid`` and ``replay_of_id``;
  its body names the uid it replays.

Addresses: only http(s), and a host whose every address is public. The host is
resolved when the webhook is saved and again at each send, and the request goes to
the address just checked (TLS still verifies the host's name), so a name that later
resolves to an internal address (DNS rebinding) is refused at send time. The platform
setting ``WEBHOOKS_ALLOW_PRIVATE`` lifts the address rule (receivers on the organizer's
own network; the tests' local receiver).

What a receiver gets: a JSON body ``{"id": event_uid, "type": kind, "created_at",
"event": {"id", "slug", "name"}, "data": {...}}`` (``"test": true`` on a test send,
``"replay_of": uid`` on a replay) and the headers ``X-Conference-Event``,
``X-Conference-Delivery`` (the uid), ``X-Conference-Timestamp`` (Unix seconds) and
``X-Conference-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"``
with the webhook's secret.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from huey import crontab

from conference import jobs
from conference.enums import WebhookDeliveryStatus, WebhookEventKind
from conference.extensions import db
from conference.models import Event, Registration, User
from conference.models.integrations import Webhook, WebhookDelivery
from conference.models.types import utcnow
from conference.services import ServiceError
from conference.services.aftercommit import before_commit

log = logging.getLogger(__name__)

URL_MAX = 1000
DESCRIPTION_MAX = 200
#: Waits before the 2nd, 3rd, ... attempt; after the last the delivery has failed.
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: How long a claim lasts beyond the send's own timeout before the sweep may retry.
CLAIM_MARGIN = timedelta(seconds=60)
#: Most due deliveries one sweep queues.
SWEEP_BATCH = 500
LOG_PAGE_SIZE = 50
#: How much of a receiver's answer is read (only its status matters).
RESPONSE_READ_MAX = 1024
ERROR_MAX = 300
USER_AGENT = "Conference-Webhooks/1"

KIND_LABELS = {
    WebhookEventKind.registration_created: _l("Registration created"),
    WebhookEventKind.registration_approved: _l("Registration approved"),
    WebhookEventKind.registration_cancelled: _l("Registration cancelled"),
    WebhookEventKind.checked_in: _l("Checked in"),
}
KIND_HELP = {
    WebhookEventKind.registration_created: _l(
        "Someone registered (pending or approved at once), or was registered at the desk."
    ),
    WebhookEventKind.registration_approved: _l(
        "A registration was approved, including those approved at once when they were made."
    ),
    WebhookEventKind.registration_cancelled: _l(
        "A registration was cancelled by its person or an organizer."
    ),
    WebhookEventKind.checked_in: _l("Someone was admitted at the entrance for the first time."),
}
STATUS_LABELS = {
    WebhookDeliveryStatus.pending: _l("Pending"),
    WebhookDeliveryStatus.delivered: _l("Delivered"),
    WebhookDeliveryStatus.failed: _l("Failed"),
}


# --- addresses ----------------------------------------------------------------------------


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


#: IPv6 ranges that carry an IPv4 address inside (NAT64, its local form, and the old
#: IPv4-compatible form): judged by the IPv4 address they lead to.
_EMBEDDING_V4 = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96"))


def _is_public(address: str) -> bool:
    """Not loopback, private, link-local, multicast, reserved or otherwise non-global,
    including through an IPv4 address carried inside an IPv6 one (mapped, 6to4, Teredo,
    NAT64)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if any(ip in network for network in _EMBEDDING_V4):
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if any(v4 is not None and not _is_public(str(v4)) for v4 in inner):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    """Where a webhook's requests go: the URL's parts and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _url_error(message: str) -> ServiceError:
    return ServiceError("invalid_url", message, "url")


def _parse_url(url: str) -> tuple[str, str, int, str]:
    text = (url or "").strip()
    if not text:
        raise ServiceError("required", gettext("Enter the URL to send to."), "url")
    if len(text) > URL_MAX:
        raise _url_error(gettext("Please use at most %(limit)d characters.", limit=URL_MAX))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _url_error(gettext("This is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise _url_error(gettext("Use an http:// or https:// address."))
    if not parts.hostname:
        raise _url_error(gettext("The URL needs a host name."))
    if parts.username is not None or parts.password is not None:
        raise _url_error(gettext("Leave names and passwords out of the URL."))
    if any(c.isspace() for c in text):
        raise _url_error(gettext("This is not a valid URL."))
    # Requests carry ASCII only: a path or query in another script goes percent-encoded.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default_port, path


def check_url(url: str) -> Target:
    """The target of ``url``, or ``ServiceError(field="url")``: not http(s), carrying
    credentials, a host that does not resolve, or one with any address that is not
    public (unless ``WEBHOOKS_ALLOW_PRIVATE``). Called on save and again on each send."""
    scheme, host, port, path = _parse_url(url)
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError):
        raise _url_error(gettext("The host %(host)s could not be found.", host=host)) from None
    if not addresses:
        raise _url_error(gettext("The host %(host)s could not be found.", host=host))
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE"]:
        refused = [a for a in addresses if not _is_public(a)]
        if refused:
            raise _url_error(
                gettext(
                    "%(host)s leads to a private or local address: webhooks only go to "
                    "public hosts.",
                    host=host,
                )
            )
    return Target(scheme, host, port, path, addresses[0])


# --- webhooks -----------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhooks_of(event: Event) -> list[Webhook]:
    return list(
        db.session.scalars(
            sa.select(Webhook).where(Webhook.event_id == event.id).order_by(Webhook.id)
        )
    )


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    try:
        wanted = {WebhookEventKind(k) for k in kinds}
    except ValueError:
        raise ServiceError(
            "invalid_kind", gettext("Choose among the listed events."), "kinds"
        ) from None
    if not wanted:
        raise ServiceError(
            "required", gettext("Choose at least one event to be told about."), "kinds"
        )
    return [k.value for k in WebhookEventKind if k in wanted]


def _clean_description(description: str | None) -> str:
    text = (description or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ServiceError(
            "too_long",
            gettext("Please use at most %(limit)d characters.", limit=DESCRIPTION_MAX),
            "description",
        )
    return text


def create_webhook(
    actor: User,
    event: Event,
    *,
    url: str,
    description: str | None,
    kinds: Iterable[str],
    active: bool = True,
) -> Webhook:
    """Register a webhook of ``event`` with a new secret.

    Side effects: writes the webhook. Flushes.
    """
    description = _clean_description(description)
    kinds = _clean_kinds(kinds)
    check_url(url)
    webhook = Webhook(
        event_id=event.id,
        url=url.strip(),
        description=description,
        secret=new_secret(),
        kinds=kinds,
        active=active,
        created_by_id=actor.id,
    )
    db.session.add(webhook)
    db.session.flush()
    return webhook


def update_webhook(
    webhook: Webhook, *, url: str, description: str | None, kinds: Iterable[str], active: bool
) -> Webhook:
    """Change a webhook's URL, description, kinds and whether it is on.

    Side effects: writes the webhook; deliveries already written go to the new URL.
    Flushes.
    """
    description = _clean_description(description)
    kinds = _clean_kinds(kinds)
    check_url(url)
    webhook.url = url.strip()
    webhook.description = description
    webhook.kinds = kinds
    webhook.active = active
    db.session.flush()
    return webhook


def regenerate_secret(webhook: Webhook) -> Webhook:
    """Give ``webhook`` a new secret; deliveries sent from now on are signed with it.

    Side effects: writes the webhook. Flushes.
    """
    webhook.secret = new_secret()
    db.session.flush()
    return webhook


def delete_webhook(webhook: Webhook) -> None:
    """Delete ``webhook``; its delivery log goes with it (the foreign key cascades) and
    pending deliveries are never sent.

    Side effects: deletes the webhook and its deliveries. Flushes.
    """
    db.session.delete(webhook)
    db.session.flush()


# --- emitting -----------------------------------------------------------------------------


def _event_block(event: Event) -> dict:
    return {"id": event.id, "slug": event.slug, "name": event.name}


def _queue(deliveries: Iterable[WebhookDelivery]) -> None:
    for delivery in deliveries:
        jobs.enqueue_after_commit(deliver_webhook, delivery.id)


def emit(
    event: Event, kind: WebhookEventKind, payload: dict | Callable[[], dict]
) -> list[WebhookDelivery]:
    """Tell ``event``'s active webhooks that want ``kind`` that it happened.

    ``payload`` is the body's ``data`` (or a function making it, called only when some
    webhook wants it). Side effects: writes one pending delivery per such webhook, all
    with one new ``event_uid``, in the caller's transaction; queues ``deliver_webhook``
    for each once committed. Flushes.
    """
    hooks = [
        hook
        for hook in db.session.scalars(
            sa.select(Webhook).where(Webhook.event_id == event.id, Webhook.active.is_(True))
        )
        if kind.value in hook.kinds
    ]
    if not hooks:
        return []
    uid = uuid.uuid4().hex
    deliveries = [
        WebhookDelivery(webhook_id=hook.id, event_id=event.id, kind=kind, event_uid=uid)
        for hook in hooks
    ]

    def write_payload() -> None:
        body = {"event": _event_block(event), "data": payload() if callable(payload) else payload}
        for delivery in deliveries:
            delivery.payload = body

    # The payload is what the transaction commits: a registration view that records the
    # person's answers after ``register`` has them in the "created" payload too.
    before_commit(write_payload)
    db.session.add_all(deliveries)
    db.session.flush()
    _queue(deliveries)
    return deliveries


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _term(term) -> dict | None:
    return {"id": term.id, "name": term.name} if term is not None else None


def registration_payload(registration: Registration) -> dict:
    """What a receiver learns about a registration: its answers and the person's basics
    (the organizers see all of it on the registration's page already)."""
    person = registration.user
    return {
        "registration": {
            "id": registration.id,
            "status": registration.status.value,
            "created_at": _iso(registration.created_at),
            "decided_at": _iso(registration.decided_at),
            "ticket_type": _term(registration.ticket_type),
            "industry": _term(registration.industry),
            "region": _term(registration.region),
            "job_role": _term(registration.job_role),
            "interests": [_term(t) for t in registration.interests],
            # Whether the person agreed to hear from the organizer after the event: a CRM
            # fed by webhooks keeps only those who did, like the CRM export.
            "organizer_contact": registration.organizer_contact,
        },
        "person": {
            "id": person.id,
            "name": person.display_name,
            "email": person.email,
            "company": person.profile.company if person.profile else "",
            "job_title": person.profile.job_title if person.profile else "",
        },
    }


def emit_registration(
    kind: WebhookEventKind, registration: Registration, **extra
) -> list[WebhookDelivery]:
    """``emit`` for a registration: the payload is ``registration_payload`` plus
    ``extra`` (e.g. ``checked_in_at``)."""

    def payload() -> dict:
        data = registration_payload(registration)
        data["registration"].update({k: _iso(v) for k, v in extra.items()})
        return data

    return emit(registration.event, kind, payload)


def _sample_payload(event: Event) -> dict:
    """A registration that does not exist, for a test send."""
    now = utcnow()
    return {
        "registration": {
            "id": 0,
            "status": "approved",
            "created_at": now.isoformat(),
            "decided_at": now.isoformat(),
            "ticket_type": {"id": 0, "name": "Standard"},
            "industry": {"id": 0, "name": "Software"},
            "region": {"id": 0, "name": "EMEA"},
            "job_role": {"id": 0, "name": "Engineer"},
            "interests": [{"id": 0, "name": "AI"}],
        },
        "person": {
            "id": 0,
            "name": "Test Person",
            "email": "test.person@example.com",
            "company": "Example Ltd",
            "job_title": "Engineer",
        },
    }


def send_test(webhook: Webhook, kind: WebhookEventKind) -> WebhookDelivery:
    """Queue a test delivery of ``kind`` to ``webhook`` (even a switched-off one): a
    made-up registration, with ``"test": true`` in the body.

    Side effects: writes a pending delivery with a new uid; queues ``deliver_webhook``
    once committed. Flushes.
    """
    delivery = WebhookDelivery(
        webhook_id=webhook.id,
        event_id=webhook.event_id,
        kind=kind,
        event_uid=uuid.uuid4().hex,
        payload={
            "test": True,
            "event": _event_block(webhook.event),
            "data": _sample_payload(webhook.event),
        },
    )
    db.session.add(delivery)
    db.session.flush()
    _queue([delivery])
    return delivery


def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send ``delivery``'s body again as a new delivery, with a new uid and
    ``replay_of_id``; the body names the uid it replays.

    Refused for a switched-off webhook. Side effects: writes a pending delivery;
    queues ``deliver_webhook`` once committed. Flushes.
    """
    if not delivery.webhook.active:
        raise ServiceError(
            "webhook_off", gettext("Switch the webhook on before sending anything again.")
        )
    payload = {k: v for k, v in delivery.payload.items() if k != "replay_of"}
    copy = WebhookDelivery(
        webhook_id=delivery.webhook_id,
        event_id=delivery.event_id,
        kind=delivery.kind,
        event_uid=uuid.uuid4().hex,
        payload={**payload, "replay_of": delivery.event_uid},
        replay_of_id=delivery.id,
    )
    db.session.add(copy)
    db.session.flush()
    _queue([copy])
    return copy


# --- sending ------------------------------------------------------------------------------


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The exact bytes sent (and signed) for ``delivery``."""
    body = {
        "id": delivery.event_uid,
        "type": delivery.kind.value,
        "created_at": _iso(delivery.created_at),
        **delivery.payload,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>.<body>"`` with ``secret``."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def delivery_headers(webhook: Webhook, delivery: WebhookDelivery, body: bytes, timestamp: int):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Conference-Event": delivery.kind.value,
        "X-Conference-Delivery": delivery.event_uid,
        "X-Conference-Timestamp": str(timestamp),
        "X-Conference-Signature": signature(webhook.secret, timestamp, body),
    }


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address already checked, whatever the name resolves to now."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As ``_PinnedHTTPConnection``, with TLS verifying the URL's host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code, or why there was none."""

    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _post(target: Target, body: bytes, headers: dict, timeout: float) -> Outcome:
    """One POST that ends within about ``timeout`` seconds in all: each socket wait is
    cut to what is left of it, so a receiver trickling its answer cannot hold the
    delivery past its claim. Errors say what happened without repeating addresses."""
    deadline = time.monotonic() + timeout
    conn_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = conn_class(target, timeout)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        sock = conn.sock  # the response keeps reading from it after the connection lets go
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = conn.getresponse()
        left = RESPONSE_READ_MAX
        while left > 0 and time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.001))
            chunk = response.read1(min(left, 8192))
            if not chunk:
                break
            left -= len(chunk)
        return Outcome(response.status)
    except TimeoutError:
        return Outcome(None, gettext("No answer within %(seconds)g s.", seconds=timeout))
    except ConnectionRefusedError:
        return Outcome(None, gettext("The receiver refused the connection."))
    except ssl.SSLError:
        return Outcome(None, gettext("The secure connection failed (TLS)."))
    except (OSError, http.client.HTTPException):
        return Outcome(None, gettext("The request failed before an answer came."))
    except Exception as exc:  # any other failure is one failed attempt, never a stuck delivery
        current_app.logger.exception("webhook request failed: %s", type(exc).__name__)
        return Outcome(None, gettext("The request could not be sent."))
    finally:
        conn.close()


def send(webhook: Webhook, delivery: WebhookDelivery, now: datetime) -> Outcome:
    """POST ``delivery`` to ``webhook``'s URL once, checking the address again first."""
    try:
        target = check_url(webhook.url)
    except ServiceError as exc:
        return Outcome(None, exc.message[:ERROR_MAX])
    body = delivery_body(delivery)
    headers = delivery_headers(webhook, delivery, body, int(now.timestamp()))
    return _post(target, body, headers, current_app.config["WEBHOOK_TIMEOUT"])


def claim(delivery_id: int, now: datetime) -> int | None:
    """Take a due pending delivery for one attempt; the attempt's number, or None when
    it is not due, already done, or another consumer holds it. Flushes the UPDATE; the
    caller commits before sending."""
    lease = timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT"]) + CLAIM_MARGIN
    claimed = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == WebhookDeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.attempts < MAX_ATTEMPTS,
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + lease)
        .returning(WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    ).scalar()
    return claimed


def _record(delivery_id: int, attempt: int, outcome: Outcome, now: datetime, *, final: bool):
    """Write ``outcome`` if the claim is still attempt number ``attempt``'s; the
    delivery's new status, or None when it was not ours any more."""
    if outcome.ok:
        values = {
            "status": WebhookDeliveryStatus.delivered,
            "delivered_at": now,
            "next_attempt_at": None,
        }
    elif final or attempt >= MAX_ATTEMPTS:
        values = {"status": WebhookDeliveryStatus.failed, "next_attempt_at": None}
    else:
        values = {"next_attempt_at": now + RETRY_DELAYS[attempt - 1]}
    status = values.get("status", WebhookDeliveryStatus.pending)
    written = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.attempts == attempt,
            WebhookDelivery.status == WebhookDeliveryStatus.pending,
        )
        .values(last_status_code=outcome.status_code, last_error=outcome.error, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return status if written else None


def attempt(delivery_id: int, now: datetime | None = None) -> WebhookDeliveryStatus | None:
    """Claim, send and record one attempt of a delivery; its status afterwards, or None
    when there was nothing to do (not due, done, or claimed by another consumer).

    Side effects: commits the claim before sending and the outcome after it; a
    switched-off webhook's delivery (other than a test) fails without a request.
    """
    now = now or utcnow()
    number = claim(delivery_id, now)
    db.session.commit()
    if number is None:
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if delivery is None:  # its webhook was deleted in the meantime
        return None
    webhook = delivery.webhook
    switched_off = not webhook.active and not delivery.payload.get("test")
    if switched_off:
        outcome = Outcome(None, gettext("The webhook is switched off."))
    else:
        outcome = send(webhook, delivery, now)
    status = _record(delivery_id, number, outcome, now, final=switched_off)
    db.session.commit()
    log.info(
        "webhook %s delivery %s attempt %s: %s %s -> %s",
        webhook.id,
        delivery_id,
        number,
        outcome.status_code,
        outcome.error,
        status,
    )
    return status


@jobs.job()
def deliver_webhook(delivery_id: int) -> None:
    """The job that makes one attempt of a delivery (safe to run any number of times)."""
    attempt(delivery_id)


def give_up_interrupted(now: datetime) -> int:
    """Fail the deliveries whose last attempt was claimed but never recorded (its
    consumer died mid-send) once that claim ran out: no attempt is left to make.
    Returns how many. Flushes the UPDATE."""
    return db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.status == WebhookDeliveryStatus.pending,
            WebhookDelivery.next_attempt_at <= now,
            WebhookDelivery.attempts >= MAX_ATTEMPTS,
        )
        .values(
            status=WebhookDeliveryStatus.failed,
            next_attempt_at=None,
            last_error=gettext("The last attempt was interrupted."),
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def due_ids(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == WebhookDeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


@jobs.periodic(crontab(minute="*"))
def sweep_webhooks() -> None:
    """Every minute: queue the due deliveries (retries, and first attempts whose job
    was lost); fail those whose last attempt was interrupted."""
    now = utcnow()
    if give_up_interrupted(now):
        db.session.commit()
    for delivery_id in due_ids(now):
        deliver_webhook(delivery_id)


# --- the organizer's log ------------------------------------------------------------------


def _deliveries(webhook: Webhook) -> sa.Select:
    return (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
    )


def deliveries_page(webhook: Webhook, page: int):
    """One page of ``webhook``'s deliveries, newest first."""
    return db.paginate(_deliveries(webhook), page=page, per_page=LOG_PAGE_SIZE, error_out=False)


def delivery_in(event: Event, webhook: Webhook, delivery_id: int) -> WebhookDelivery | None:
    """``webhook``'s delivery with ``delivery_id``; None for any other."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id or delivery.event_id != event.id:
        return None
    return delivery


def status_counts(event: Event) -> dict[int, dict[WebhookDeliveryStatus, int]]:
    """Deliveries per webhook of ``event`` and status."""
    counts: dict[int, dict[WebhookDeliveryStatus, int]] = {}
    rows = db.session.execute(
        sa.select(WebhookDelivery.webhook_id, WebhookDelivery.status, sa.func.count())
        .where(WebhookDelivery.event_id == event.id)
        .group_by(WebhookDelivery.webhook_id, WebhookDelivery.status)
    )
    for webhook_id, status, n in rows:
        counts.setdefault(webhook_id, {})[status] = n
    return counts


def last_deliveries(event: Event) -> dict[int, WebhookDelivery]:
    """The newest delivery of each webhook of ``event``."""
    newest = (
        sa.select(sa.func.max(WebhookDelivery.id))
        .where(WebhookDelivery.event_id == event.id)
        .group_by(WebhookDelivery.webhook_id)
    )
    rows = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(newest)))
    return {row.webhook_id: row for row in rows}
