"""Organizer: announcements and personal agendas mailed to a segment, with progress.

The list of the event's mailings; the compose page, whose "Preview" shows how many
people match and the copy the first of them would get, and whose "Send" queues the
mailing; and the mailing's page, which answers at once and follows the job through
``progress.json`` (static/js/mailing_progress.js), with a retry of failed copies.

Every view requires ``mailings.send`` (``mailing.view`` for one mailing) on the event
of the address; a mailing of another event is a 404.

A sponsor's announcement (``Mailing.sponsor_id`` set, sent by the sponsor from its
booth) has no segment: it goes to the approved participants who accept sponsors'
offers, and its pages say so with the sponsor's name.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference.blueprints.common import authorize, form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import managed_event
from conference.blueprints.organizer.mailing_forms import KIND_LABELS, MailingForm
from conference.enums import DeliveryStatus, MailingKind
from conference.extensions import db
from conference.models import Event, Mailing
from conference.services import ServiceError, segments
from conference.services import mailings as service
from conference.services.sponsors import sponsor_names


def _mailing_or_404(event: Event, mailing_id: int) -> Mailing:
    mailing = service.mailing_of(event, mailing_id)
    if mailing is None:
        abort(404)
    authorize("mailing.view", mailing)
    return mailing


def _audience(event: Event, mailing: Mailing, sponsors: dict[int, str]) -> str:
    """Whom ``mailing`` went to, in words; ``sponsors``: the event's sponsor names by id."""
    if mailing.sponsor_id is not None:
        return _(
            "Sponsor announcement: %(sponsor)s (to approved participants who accept "
            "sponsors' offers)",
            sponsor=sponsors.get(mailing.sponsor_id, ""),
        )
    return segments.summary(event, segments.Segment.from_json(mailing.segment))


def _summaries(event: Event, rows: list[Mailing]) -> dict[int, str]:
    sponsors = sponsor_names(event) if any(m.sponsor_id is not None for m in rows) else {}
    return {m.id: _audience(event, m, sponsors) for m in rows}


@bp.get("/mailings")
@login_required
def mailings(slug: str):
    event = managed_event(slug, "mailings.send")
    rows = service.mailings_of(event)
    return render_template(
        "organizer/mailings.html",
        event=event,
        mailings=rows,
        counts=service.counts_of([m.id for m in rows]),
        summaries=_summaries(event, rows),
        kind_labels=KIND_LABELS,
    )


def _default_subject(event: Event, kind: str) -> str:
    if kind == MailingKind.agenda:
        return _("Your agenda for %(event)s", event=event.name)
    return ""


@bp.route("/mailings/new", methods=["GET", "POST"])
@login_required
def mailing_new(slug: str):
    """Compose; ``action=preview`` shows the match and a copy, ``action=send`` queues."""
    event = managed_event(slug, "mailings.send")
    if request.method == "GET":
        kind = request.args.get("kind", MailingKind.announcement.value)
        if kind not in MailingKind.__members__:
            kind = MailingKind.announcement.value
        form = MailingForm.for_event(event, kind=kind, subject=_default_subject(event, kind))
    else:
        form = MailingForm.for_event(event)
    preview = None
    match = None
    if form.validate_on_submit():
        try:
            segment = segments.build(event, **form.segment_values())
            match = {
                "count": segments.count(event, segment),
                "opted_out": segments.opted_out(event, segment),
                "summary": segments.summary(event, segment),
            }
            if request.form.get("action") == "send":
                mailing = service.create_mailing(
                    current_user, event, form.kind.data, form.subject.data, form.body.data, segment
                )
            else:
                first = segments.first_recipient(event, segment)
                if first is not None:
                    preview = service.preview(
                        current_user,
                        event,
                        form.kind.data,
                        form.subject.data,
                        form.body.data,
                        first,
                    )
                    match["first"] = first
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            if request.form.get("action") == "send":
                db.session.commit()
                flash(
                    ngettext(
                        "The mailing is on its way to %(num)d person.",
                        "The mailing is on its way to %(num)d people.",
                        match["count"],
                    ),
                    "success",
                )
                return redirect(
                    url_for("organizer.mailing", slug=event.slug, mailing_id=mailing.id)
                )
    return render_template(
        "organizer/mailing_new.html",
        event=event,
        form=form,
        preview=preview,
        match=match,
    )


@bp.get("/mailings/<int:mailing_id>")
@login_required
def mailing(slug: str, mailing_id: int):
    event = managed_event(slug, "mailings.send")
    found = _mailing_or_404(event, mailing_id)
    return render_template(
        "organizer/mailing.html",
        event=event,
        mailing=found,
        progress=service.progress(found),
        summary=_summaries(event, [found])[found.id],
        kind_labels=KIND_LABELS,
        statuses=list(DeliveryStatus),
        button_form=ButtonForm(),
    )


@bp.get("/mailings/<int:mailing_id>/progress.json")
@login_required
def mailing_progress(slug: str, mailing_id: int):
    event = managed_event(slug, "mailings.send")
    found = _mailing_or_404(event, mailing_id)
    response = jsonify(service.progress(found).as_json())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/mailings/<int:mailing_id>/retry")
@login_required
def mailing_retry(slug: str, mailing_id: int):
    event = managed_event(slug, "mailings.send")
    found = _mailing_or_404(event, mailing_id)
    back = url_for("organizer.mailing", slug=event.slug, mailing_id=found.id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        requeued = service.retry_failed(current_user, found)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(back)
    db.session.commit()
    if requeued:
        flash(
            ngettext(
                "%(num)d failed copy is sent again.",
                "%(num)d failed copies are sent again.",
                requeued,
            ),
            "success",
        )
    else:
        flash(_("Sending resumes."), "success")
    return redirect(back)
