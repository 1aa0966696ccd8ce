"""Webhooks: which changes write deliveries, the signed request a real receiver gets,
retries with backoff under a controlled clock, no second send of one delivery, replay,
and the address rules (loopback, private and rebinding hosts refused)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import RegistrationStatus, ScanAction, WebhookDeliveryStatus
from conference.enums import WebhookEventKind as Kind
from conference.extensions import db
from conference.models.integrations import Webhook, WebhookDelivery
from conference.services import ServiceError, checkin, registrations
from conference.services import webhooks as service
from tests import factories
from tests.factories import registration_of as reg_of

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PUBLIC_IP = "93.184.216.34"


class Receiver:
    """A real HTTP server on loopback that records what it gets and answers with the
    next status of ``statuses`` (the last one repeats)."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = (
                    receiver.statuses.pop(0)
                    if len(receiver.statuses) > 1
                    else (receiver.statuses[0])
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/conference?src=test"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


@pytest.fixture
def receiver(allow_private):
    with Receiver() as r:
        yield r


@pytest.fixture
def public_dns(monkeypatch):
    """Every host name resolves to a public address unless the test says otherwise
    (no DNS in tests); IP literals stay themselves."""
    answers = {}

    def resolve(host, port):
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            return answers.get(host, [PUBLIC_IP])

    monkeypatch.setattr(service, "_resolve", resolve)
    return answers


def hook(event, organizer, url, kinds=tuple(Kind), active=True) -> Webhook:
    webhook = service.create_webhook(
        organizer, event, url=url, description="CRM", kinds=[k.value for k in kinds], active=active
    )
    db.session.commit()
    return webhook


def deliveries(webhook=None) -> list[WebhookDelivery]:
    query = sa.select(WebhookDelivery).order_by(WebhookDelivery.id)
    if webhook is not None:
        query = query.where(WebhookDelivery.webhook_id == webhook.id)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def register(event, person):
    registration = registrations.register(
        person,
        event,
        ticket_type_id=factories.ticket(event).id,
        industry_id=factories.term(event, "industry", "Finance").id,
        region_id=factories.term(event, "region", "APAC").id,
        job_role_id=factories.term(event, "job_role", "CTO").id,
        interest_ids=[factories.term(event, "topic", "AI").id],
        company="Globex",
        job_title="CTO",
    )
    db.session.commit()
    return registration


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# --- emitting -----------------------------------------------------------------------------


def test_emit_writes_one_delivery_per_active_webhook_that_wants_the_kind(
    event, other_event, organizer, public_dns
):
    crm = hook(event, organizer, "https://crm.example.com/in", kinds=[Kind.registration_created])
    approvals = hook(event, organizer, "https://a.example.com/", kinds=[Kind.registration_approved])
    off = hook(event, organizer, "https://off.example.com/", active=False)
    elsewhere = hook(other_event, factories.organizer(other_event), "https://b.example.com/")

    registration = register(event, factories.user("Grace Globex"))

    rows = deliveries()
    assert [(d.webhook_id, d.kind) for d in rows] == [
        (crm.id, Kind.registration_created),
        (approvals.id, Kind.registration_approved),
    ]
    assert rows[0].event_uid != rows[1].event_uid
    assert deliveries(off) == [] and deliveries(elsewhere) == []
    data = rows[0].payload["data"]
    assert rows[0].payload["event"] == {"id": event.id, "slug": "northwind", "name": event.name}
    assert data["registration"]["id"] == registration.id
    assert data["registration"]["status"] == "approved"
    assert data["registration"]["industry"]["name"] == "Finance"
    assert data["registration"]["interests"] == [
        {"id": factories.term(event, "topic", "AI").id, "name": "AI"}
    ]
    assert data["person"]["name"] == "Grace Globex"
    assert data["person"]["company"] == "Globex"


def test_one_happening_has_one_uid_for_every_webhook(event, organizer, public_dns):
    first = hook(event, organizer, "https://one.example.com/", kinds=[Kind.registration_created])
    second = hook(event, organizer, "https://two.example.com/", kinds=[Kind.registration_created])

    register(event, factories.user())

    (a,), (b,) = deliveries(first), deliveries(second)
    assert a.event_uid == b.event_uid


def test_a_rolled_back_change_writes_and_queues_nothing(event, organizer, public_dns):
    hook(event, organizer, "https://crm.example.com/")
    pat = factories.participant(event, "Pat Pending", status="pending")
    jobs.huey.flush()

    registrations.decide(organizer, event, [reg_of(event, pat).id], RegistrationStatus.approved)
    db.session.rollback()

    assert deliveries() == []
    assert jobs.run_pending() == 0


def test_decisions_cancellations_and_the_first_check_in_are_told(
    event, organizer, checkin_staff, public_dns
):
    webhook = hook(event, organizer, "https://crm.example.com/")
    pat = factories.participant(event, "Pat Pending", status="pending")
    registration = reg_of(event, pat)

    registrations.decide(organizer, event, [registration.id], RegistrationStatus.approved)
    db.session.commit()
    payload = factories.badge_payload(event, pat)
    checkin.scan(event, checkin_staff, payload, ScanAction.check_in)
    db.session.commit()
    checkin.scan(event, checkin_staff, payload, ScanAction.check_out)
    checkin.scan(event, checkin_staff, payload, ScanAction.check_in)
    db.session.commit()
    registrations.cancel_registration(pat, registration)
    db.session.commit()

    assert [d.kind for d in deliveries(webhook)] == [
        Kind.registration_approved,
        Kind.checked_in,
        Kind.registration_cancelled,
    ]
    checked_in = deliveries(webhook)[1].payload["data"]["registration"]
    assert checked_in["checked_in_at"] is not None


def test_a_walk_in_is_created_and_approved(event, organizer, checkin_staff, public_dns):
    webhook = hook(event, organizer, "https://crm.example.com/")

    checkin.walk_in(
        checkin_staff,
        event,
        name="Walter Walk-in",
        email="walter@example.test",
        ticket_type_id=factories.ticket(event).id,
    )
    db.session.commit()

    rows = deliveries(webhook)
    assert [d.kind for d in rows] == [Kind.registration_created, Kind.registration_approved]
    assert rows[0].payload["data"]["person"]["email"] == "walter@example.test"


# --- sending ------------------------------------------------------------------------------


def test_the_receiver_gets_a_signed_request_and_the_delivery_is_delivered(
    event, organizer, receiver
):
    webhook = hook(event, organizer, receiver.url, kinds=[Kind.registration_created])
    register(event, factories.user("Grace Globex"))

    assert jobs.run_pending() >= 1

    (request,) = receiver.requests
    (delivery,) = deliveries(webhook)
    headers, body = request["headers"], request["body"]
    assert request["path"] == "/hooks/conference?src=test"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Conference-Event"] == "registration.created"
    assert headers["X-Conference-Delivery"] == delivery.event_uid
    assert headers["X-Conference-Signature"] == expected_signature(
        webhook.secret, headers["X-Conference-Timestamp"], body
    )
    sent = json.loads(body)
    assert sent["id"] == delivery.event_uid
    assert sent["type"] == "registration.created"
    assert sent["event"]["slug"] == "northwind"
    assert sent["data"]["person"]["name"] == "Grace Globex"
    assert delivery.status == WebhookDeliveryStatus.delivered
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None


def test_a_regenerated_secret_signs_from_then_on(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url)
    old = webhook.secret
    service.regenerate_secret(webhook)
    db.session.commit()
    delivery = service.send_test(webhook, Kind.checked_in)
    db.session.commit()

    service.attempt(delivery.id, T0 + timedelta(days=3650))

    (request,) = receiver.requests
    headers = request["headers"]
    assert webhook.secret != old
    assert headers["X-Conference-Timestamp"] == str(int((T0 + timedelta(days=3650)).timestamp()))
    assert headers["X-Conference-Signature"] == expected_signature(
        webhook.secret, headers["X-Conference-Timestamp"], request["body"]
    )
    assert json.loads(request["body"])["test"] is True


def _pending(webhook, at=T0) -> WebhookDelivery:
    delivery = service.send_test(webhook, Kind.registration_created)
    delivery.next_attempt_at = at
    db.session.commit()
    return delivery


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(event, organizer, allow_private):
    with Receiver(statuses=[500]) as failing:
        webhook = hook(event, organizer, failing.url)
        delivery = _pending(webhook)
        now = T0
        seen = []
        for delay in (*service.RETRY_DELAYS, None):
            assert service.attempt(delivery.id, now - timedelta(seconds=1)) is None
            seen.append(service.attempt(delivery.id, now))
            (row,) = deliveries(webhook)
            if delay is not None:
                assert row.next_attempt_at == now + delay
                now += delay

    assert seen == [WebhookDeliveryStatus.pending] * 5 + [WebhookDeliveryStatus.failed]
    assert len(failing.requests) == 6
    assert row.attempts == 6
    assert row.last_status_code == 500
    assert row.next_attempt_at is None
    assert service.attempt(delivery.id, now + timedelta(days=1)) is None
    assert len(failing.requests) == 6


def test_a_receiver_that_recovers_gets_the_delivery_on_the_retry(event, organizer, allow_private):
    with Receiver(statuses=[503, 204]) as flaky:
        webhook = hook(event, organizer, flaky.url)
        delivery = _pending(webhook)

        assert service.attempt(delivery.id, T0) == WebhookDeliveryStatus.pending
        assert service.attempt(delivery.id, T0 + timedelta(seconds=30)) == (
            WebhookDeliveryStatus.delivered
        )

    (row,) = deliveries(webhook)
    assert row.attempts == 2
    assert row.last_status_code == 204
    assert [r["headers"]["X-Conference-Delivery"] for r in flaky.requests] == [row.event_uid] * 2


def test_an_unreachable_receiver_is_an_attempt_with_its_error(event, organizer, allow_private):
    with Receiver() as gone:
        url = gone.url
    webhook = hook(event, organizer, url)
    delivery = _pending(webhook)

    assert service.attempt(delivery.id, T0) == WebhookDeliveryStatus.pending

    (row,) = deliveries(webhook)
    assert row.last_status_code is None
    assert row.last_error == "The receiver refused the connection."
    assert row.next_attempt_at == T0 + timedelta(seconds=30)


def test_running_the_job_twice_sends_once(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url, kinds=[Kind.registration_created])
    register(event, factories.user())
    (delivery,) = deliveries(webhook)
    service.deliver_webhook(delivery.id)

    service.deliver_webhook(delivery.id)
    service.attempt(delivery.id, datetime.now(UTC) + timedelta(days=1))

    assert len(receiver.requests) == 1
    assert deliveries(webhook)[0].attempts == 1


def test_a_claimed_delivery_is_not_claimed_again_until_the_claim_runs_out(
    app, event, organizer, receiver
):
    webhook = hook(event, organizer, receiver.url)
    delivery = _pending(webhook)

    first = service.claim(delivery.id, T0)
    db.session.commit()
    second = service.claim(delivery.id, T0 + timedelta(seconds=5))

    assert (first, second) == (1, None)
    lease = timedelta(seconds=app.config["WEBHOOK_TIMEOUT"]) + service.CLAIM_MARGIN
    later = T0 + lease
    assert service.attempt(delivery.id, later) == WebhookDeliveryStatus.delivered
    assert len(receiver.requests) == 1
    assert deliveries(webhook)[0].attempts == 2
    # The first consumer's late answer finds the claim gone and writes nothing.
    assert service._record(delivery.id, 1, service.Outcome(500), T0, final=False) is None
    assert deliveries(webhook)[0].status == WebhookDeliveryStatus.delivered


def test_a_last_attempt_that_never_came_back_is_failed_not_retried(app, event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url)
    delivery = _pending(webhook)
    delivery.attempts = service.MAX_ATTEMPTS - 1
    db.session.commit()
    assert service.claim(delivery.id, T0) == service.MAX_ATTEMPTS
    db.session.commit()  # ... and the consumer died before recording its outcome

    lease = timedelta(seconds=app.config["WEBHOOK_TIMEOUT"]) + service.CLAIM_MARGIN
    assert service.claim(delivery.id, T0 + lease) is None
    assert service.give_up_interrupted(T0 + lease) == 1
    db.session.commit()

    row = deliveries(webhook)[0]
    assert (row.status, row.attempts) == (WebhookDeliveryStatus.failed, service.MAX_ATTEMPTS)
    assert receiver.requests == []


def test_the_sweep_queues_due_deliveries_only(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url)
    due = _pending(webhook, T0)
    later = _pending(webhook, datetime.now(UTC) + timedelta(hours=1))

    assert service.due_ids(datetime.now(UTC)) == [due.id]
    assert later.id not in service.due_ids(datetime.now(UTC))


def test_a_switched_off_webhooks_delivery_fails_without_a_request(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url)
    register(event, factories.user())
    service.update_webhook(
        webhook, url=webhook.url, description="", kinds=webhook.kinds, active=False
    )
    db.session.commit()
    (delivery, _approved) = deliveries(webhook)

    assert service.attempt(delivery.id) == WebhookDeliveryStatus.failed
    assert receiver.requests == []
    assert deliveries(webhook)[0].last_error == "The webhook is switched off."


def test_replay_is_a_new_delivery_naming_the_one_it_replays(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url, kinds=[Kind.registration_created])
    register(event, factories.user())
    jobs.run_pending()
    (original,) = deliveries(webhook)

    copy = service.replay(original)
    db.session.commit()
    jobs.run_pending()

    assert copy.replay_of_id == original.id
    assert copy.event_uid != original.event_uid
    assert copy.kind == original.kind
    first, second = (json.loads(r["body"]) for r in receiver.requests)
    assert second["id"] == copy.event_uid
    assert second["replay_of"] == original.event_uid
    assert second["data"] == first["data"]
    assert deliveries(webhook)[1].status == WebhookDeliveryStatus.delivered


def test_deleting_a_webhook_deletes_its_log(event, organizer, receiver):
    webhook = hook(event, organizer, receiver.url)
    original = _pending(webhook)
    service.replay(original)
    db.session.commit()

    service.delete_webhook(webhook)
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


# --- addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8080/hook",
        "http://10.1.2.3/",
        "http://172.16.0.9/",
        "https://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://100.64.0.1/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[64:ff9b:1::a00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[::7f00:1]/",
    ],
)
def test_local_private_and_reserved_addresses_are_refused(app, url):
    with pytest.raises(ServiceError) as refused:
        service.check_url(url)

    assert refused.value.field == "url"
    assert "private or local address" in refused.value.message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.com/",
        "file:///etc/passwd",
        "gopher://example.com/",
        "https://user:secret@example.com/",
        "https:///nohost",
        "https://exa mple.com/",
        "",
    ],
)
def test_other_schemes_credentials_and_garbage_are_refused(app, url, public_dns):
    with pytest.raises(ServiceError) as refused:
        service.check_url(url)

    assert refused.value.field == "url"


def test_a_name_that_resolves_to_a_private_address_is_refused(app, public_dns):
    public_dns["intranet.example.com"] = [PUBLIC_IP, "10.0.0.5"]

    with pytest.raises(ServiceError) as refused:
        service.check_url("https://intranet.example.com/hook")

    # The organizer learns that the name is refused, not what the network behind it is.
    assert "private or local address" in refused.value.message
    assert "10.0.0.5" not in refused.value.message


def test_a_path_in_another_script_is_sent_percent_encoded(app, public_dns):
    target = service.check_url("https://crm.example.com/hooks/ü?name=Zoë")

    assert target.path == "/hooks/%C3%BC?name=Zo%C3%AB"


def test_a_public_name_is_accepted_and_pinned_to_its_address(app, public_dns):
    target = service.check_url("https://crm.example.com:8443/in?x=1")

    assert target == service.Target("https", "crm.example.com", 8443, "/in?x=1", PUBLIC_IP)


def test_the_platform_setting_allows_local_receivers(app, allow_private):
    assert service.check_url("http://127.0.0.1:9000/").address == "127.0.0.1"


def test_a_name_rebound_to_loopback_after_saving_is_refused_at_send_time(
    event, organizer, public_dns
):
    with Receiver() as local:
        port = local.server.server_port
        webhook = hook(event, organizer, f"http://hooks.example.com:{port}/")
        delivery = _pending(webhook)
        public_dns["hooks.example.com"] = ["127.0.0.1"]

        assert service.attempt(delivery.id, T0) == WebhookDeliveryStatus.pending

    assert local.requests == []
    assert "private or local address" in deliveries(webhook)[0].last_error


def test_creating_needs_a_kind_and_a_valid_url(event, organizer, public_dns):
    with pytest.raises(ServiceError) as no_kind:
        service.create_webhook(
            organizer, event, url="https://a.example.com/", description="", kinds=[]
        )
    with pytest.raises(ServiceError) as bad_url:
        service.create_webhook(
            organizer, event, url="http://10.0.0.1/", description="", kinds=["registration.created"]
        )

    assert no_kind.value.field == "kinds"
    assert bad_url.value.field == "url"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0


def test_signature_is_the_hmac_of_timestamp_dot_body():
    assert service.signature("s3cret", 1700000000, b'{"a":1}') == expected_signature(
        "s3cret", "1700000000", b'{"a":1}'
    )
