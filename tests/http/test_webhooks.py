"""The organizer's webhook pages: who may open them, adding and editing with the address
rules, the secret, a test send, the delivery log and sending again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference import jobs
from conference.enums import WebhookDeliveryStatus, WebhookEventKind
from conference.extensions import db
from conference.models.integrations import Webhook, WebhookDelivery
from conference.services import webhooks as service
from tests import factories
from tests.conftest import IDENTITIES
from tests.services.test_webhooks import Receiver, expected_signature

BASE = "/e/northwind/manage/integrations/webhooks"


@pytest.fixture
def as_organizer(login, organizer):
    return login(organizer)


@pytest.fixture
def allow_private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


@pytest.fixture
def webhook(event, organizer, allow_private):
    made = service.create_webhook(
        organizer,
        event,
        url="http://127.0.0.1:9/crm",
        description="Sync to our CRM",
        kinds=["registration.created", "registration.checked_in"],
    )
    db.session.commit()
    return made


def _form(**changes) -> dict:
    data = {
        "url": "http://127.0.0.1:8999/in",
        "description": "Zapier",
        "kinds": ["registration.approved", "registration.cancelled"],
        "active": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


PAGES = [BASE, f"{BASE}/new", f"{BASE}/{{id}}", f"{BASE}/{{id}}/edit"]
POSTS = [
    f"{BASE}/{{id}}/edit",
    f"{BASE}/{{id}}/secret",
    f"{BASE}/{{id}}/test",
    f"{BASE}/{{id}}/delete",
    f"{BASE}/new",
]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("page", PAGES)
def test_webhook_pages_are_for_the_events_organizers(page, identity, client, as_identity, webhook):
    as_identity(identity)

    response = client.get(page.format(id=webhook.id))

    if identity == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    elif identity == "organizer":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("identity", ["attendee", "checkin_staff", "outsider"])
@pytest.mark.parametrize("action", POSTS)
def test_nobody_else_changes_a_webhook(action, identity, client, as_identity, webhook):
    as_identity(identity)
    secret = webhook.secret

    response = client.post(action.format(id=webhook.id), data={**_form(), "kind": "x"})

    assert response.status_code == 403
    db.session.expire_all()
    assert _count(Webhook) == 1 and _count(WebhookDelivery) == 0
    assert db.session.get(Webhook, webhook.id).secret == secret


def test_organizer_of_another_event_is_refused(client, login, other_event, webhook):
    login(factories.organizer(other_event, "Olaf Elsewhere"))

    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/{webhook.id}").status_code == 403
    assert client.post(f"{BASE}/{webhook.id}/delete").status_code == 403
    assert _count(Webhook) == 1


def test_another_events_webhook_and_delivery_are_not_found(
    client, as_organizer, other_event, webhook, allow_private
):
    foreign = service.create_webhook(
        factories.organizer(other_event, "Olaf"),
        other_event,
        url="http://127.0.0.1:9/",
        description="",
        kinds=["registration.created"],
    )
    foreign_delivery = service.send_test(foreign, WebhookEventKind.registration_created)
    db.session.commit()

    assert client.get(f"{BASE}/{foreign.id}").status_code == 404
    assert client.get(f"{BASE}/{foreign.id}/edit").status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/delete").status_code == 404
    replay = f"{BASE}/{webhook.id}/deliveries/{foreign_delivery.id}/replay"
    assert client.post(replay).status_code == 404
    assert _count(Webhook) == 2 and _count(WebhookDelivery) == 1


def test_the_list_shows_each_webhook_and_its_last_delivery(client, as_organizer, webhook):
    service.send_test(webhook, WebhookEventKind.checked_in)
    db.session.commit()

    body = client.get(BASE).get_data(as_text=True)

    assert "http://127.0.0.1:9/crm" in body
    assert "Sync to our CRM" in body
    assert "Registration created" in body and "Checked in" in body
    assert "Pending" in body


def test_an_empty_list_offers_to_add_one(client, as_organizer, event):
    body = client.get(BASE).get_data(as_text=True)

    assert "No webhooks yet" in body
    assert f"{BASE}/new" in body


def test_adding_a_webhook_saves_it_with_a_secret(client, as_organizer, event, allow_private):
    response = client.post(f"{BASE}/new", data=_form())

    webhook = db.session.scalar(sa.select(Webhook))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/{webhook.id}"
    assert (webhook.url, webhook.description, webhook.active) == (
        "http://127.0.0.1:8999/in",
        "Zapier",
        True,
    )
    assert webhook.kinds == ["registration.approved", "registration.cancelled"]
    assert webhook.secret.startswith("whsec_")
    detail = client.get(f"{BASE}/{webhook.id}").get_data(as_text=True)
    assert webhook.secret in detail


def test_a_private_address_is_refused_next_to_the_field_and_kept(client, as_organizer, event):
    response = client.post(f"{BASE}/new", data=_form(url="http://192.168.0.7/typed"))

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "url-errors" in body
    assert "private or local address" in body
    assert 'value="http://192.168.0.7/typed"' in body
    assert _count(Webhook) == 0


def test_no_event_chosen_is_refused_next_to_the_field(client, as_organizer, allow_private):
    response = client.post(f"{BASE}/new", data=_form(kinds=None))

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "kinds-errors" in body
    assert "Choose at least one event" in body
    assert 'value="Zapier"' in body
    assert _count(Webhook) == 0


def test_editing_changes_url_kinds_and_switches_it_off(client, as_organizer, webhook):
    response = client.post(
        f"{BASE}/{webhook.id}/edit",
        data=_form(url="http://127.0.0.1:7000/new", kinds=["registration.checked_in"], active=None),
    )

    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Webhook, webhook.id)
    assert (changed.url, changed.kinds, changed.active) == (
        "http://127.0.0.1:7000/new",
        ["registration.checked_in"],
        False,
    )


def test_regenerating_the_secret_replaces_it(client, as_organizer, webhook):
    old = webhook.secret

    response = client.post(f"{BASE}/{webhook.id}/secret")

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Webhook, webhook.id).secret not in (old, "")


def test_a_test_send_reaches_the_receiver_signed_and_is_logged(
    client, as_organizer, event, organizer, allow_private
):
    with Receiver() as receiver:
        webhook = service.create_webhook(
            organizer, event, url=receiver.url, description="", kinds=["registration.created"]
        )
        db.session.commit()

        response = client.post(f"{BASE}/{webhook.id}/test", data={"kind": "registration.approved"})
        assert response.status_code == 302
        assert receiver.requests == []  # sent by the job, not the request
        jobs.run_pending()

    (request,) = receiver.requests
    headers = request["headers"]
    assert headers["X-Conference-Event"] == "registration.approved"
    assert headers["X-Conference-Signature"] == expected_signature(
        webhook.secret, headers["X-Conference-Timestamp"], request["body"]
    )
    body = client.get(f"{BASE}/{webhook.id}").get_data(as_text=True)
    assert "Delivered" in body and "HTTP 200" in body and "Test" in body


def test_sending_again_from_the_log_makes_a_new_delivery(client, as_organizer, webhook):
    original = service.send_test(webhook, WebhookEventKind.registration_created)
    original.attempts = 6
    original.status = WebhookDeliveryStatus.failed
    original.last_error = "ConnectionRefusedError: refused"
    db.session.commit()
    page = client.get(f"{BASE}/{webhook.id}").get_data(as_text=True)
    assert "ConnectionRefusedError: refused" in page and "Send again" in page

    response = client.post(f"{BASE}/{webhook.id}/deliveries/{original.id}/replay")

    assert response.status_code == 302
    copy = db.session.scalar(
        sa.select(WebhookDelivery).where(WebhookDelivery.replay_of_id == original.id)
    )
    assert copy.status == WebhookDeliveryStatus.pending
    assert copy.event_uid != original.event_uid


def test_sending_again_to_a_switched_off_webhook_is_refused(client, as_organizer, webhook):
    original = service.send_test(webhook, WebhookEventKind.registration_created)
    webhook.active = False
    db.session.commit()

    response = client.post(
        f"{BASE}/{webhook.id}/deliveries/{original.id}/replay", follow_redirects=True
    )

    assert "Switch the webhook on" in response.get_data(as_text=True)
    assert _count(WebhookDelivery) == 1


def test_deleting_removes_the_webhook_and_its_log(client, as_organizer, webhook):
    service.send_test(webhook, WebhookEventKind.registration_created)
    db.session.commit()

    response = client.post(f"{BASE}/{webhook.id}/delete")

    assert response.status_code == 302
    assert response.headers["Location"] == BASE
    assert _count(Webhook) == 0 and _count(WebhookDelivery) == 0
