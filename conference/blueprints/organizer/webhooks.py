"""Organizer: webhooks, the URLs told about registrations and check-ins, and their
delivery log.

- ``/integrations/webhooks``: every webhook with what it sends and how its latest
  delivery went;
- ``/integrations/webhooks/new`` and ``.../<id>/edit``: URL, description, events,
  on/off (the address is checked against the rules of ``services.webhooks``);
- ``/integrations/webhooks/<id>``: the secret (with "regenerate"), how to verify a
  signature, "send a test", and the delivery log, paged, each with "send again".

Every view requires ``integrations.manage`` on the event of the address; a webhook or
delivery of another event is a 404. Views commit once and redirect; a refusal rolls
back and shows the form again with the message next to its field. Sending happens in
the background job (``services.webhooks.deliver_webhook``), never in the request.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import event_row_or_404, managed_event
from conference.blueprints.organizer.webhook_forms import TestSendForm, WebhookForm
from conference.enums import WebhookEventKind
from conference.extensions import db
from conference.models import Event
from conference.models.integrations import Webhook
from conference.services import ServiceError
from conference.services import webhooks as service


def _manage(slug: str) -> Event:
    return managed_event(slug, "integrations.manage")


def _labels() -> dict:
    return {"kind_labels": service.KIND_LABELS, "status_labels": service.STATUS_LABELS}


@bp.get("/integrations/webhooks")
@login_required
def webhooks(slug: str):
    event = _manage(slug)
    return render_template(
        "organizer/webhooks.html",
        event=event,
        hooks=service.webhooks_of(event),
        counts=service.status_counts(event),
        latest=service.last_deliveries(event),
        **_labels(),
    )


def _form_page(event: Event, form: WebhookForm, webhook: Webhook | None):
    return render_template(
        "organizer/webhooks_form.html",
        event=event,
        form=form,
        webhook=webhook,
        kind_help=service.KIND_HELP,
        button_form=ButtonForm(),
        **_labels(),
    )


@bp.route("/integrations/webhooks/new", methods=["GET", "POST"])
@login_required
def webhook_new(slug: str):
    event = _manage(slug)
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            webhook = service.create_webhook(current_user, event, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The webhook is added. Copy its secret to verify the signatures."), "success")
            return redirect(url_for("organizer.webhook", slug=event.slug, webhook_id=webhook.id))
    return _form_page(event, form, None)


@bp.route("/integrations/webhooks/<int:webhook_id>/edit", methods=["GET", "POST"])
@login_required
def webhook_edit(slug: str, webhook_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    form = WebhookForm(obj=webhook)
    if form.validate_on_submit():
        try:
            service.update_webhook(webhook, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The webhook is saved."), "success")
            return redirect(url_for("organizer.webhook", slug=event.slug, webhook_id=webhook.id))
    return _form_page(event, form, webhook)


@bp.get("/integrations/webhooks/<int:webhook_id>")
@login_required
def webhook(slug: str, webhook_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    test_form = TestSendForm()
    if webhook.kinds:
        test_form.kind.data = webhook.kinds[0]
    response = make_response(
        render_template(
            "organizer/webhooks_detail.html",
            event=event,
            webhook=webhook,
            page=service.deliveries_page(webhook, request.args.get("page", 1, type=int)),
            counts=service.status_counts(event).get(webhook.id, {}),
            test_form=test_form,
            button_form=ButtonForm(),
            max_attempts=service.MAX_ATTEMPTS,
            **_labels(),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the page shows the secret
    return response


def _back_to(webhook: Webhook):
    return redirect(url_for("organizer.webhook", slug=webhook.event.slug, webhook_id=webhook.id))


@bp.post("/integrations/webhooks/<int:webhook_id>/secret")
@login_required
def webhook_secret(slug: str, webhook_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    service.regenerate_secret(webhook)
    db.session.commit()
    flash(_("A new secret is made: deliveries from now on are signed with it."), "success")
    return _back_to(webhook)


@bp.post("/integrations/webhooks/<int:webhook_id>/test")
@login_required
def webhook_test(slug: str, webhook_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    form = TestSendForm()
    if not form.validate_on_submit():
        abort(400)
    service.send_test(webhook, WebhookEventKind(form.kind.data))
    db.session.commit()
    flash(_("A test is on its way; its delivery appears in the log below."), "success")
    return _back_to(webhook)


@bp.post("/integrations/webhooks/<int:webhook_id>/delete")
@login_required
def webhook_delete(slug: str, webhook_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    service.delete_webhook(webhook)
    db.session.commit()
    flash(_("The webhook and its delivery log are deleted."), "success")
    return redirect(url_for("organizer.webhooks", slug=event.slug))


@bp.post("/integrations/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/replay")
@login_required
def webhook_delivery_replay(slug: str, webhook_id: int, delivery_id: int):
    event = _manage(slug)
    webhook = event_row_or_404(Webhook, event, webhook_id)
    delivery = service.delivery_in(event, webhook, delivery_id)
    if delivery is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        service.replay(delivery)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("The delivery is sent again, as a new delivery at the top of the log."), "success")
    return _back_to(webhook)
