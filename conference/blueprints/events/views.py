"""Public pages: the home page, an event's landing page, the sitemap; and "New event"."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import authorize, event_or_404, form_errors_from
from conference.blueprints.events import bp
from conference.blueprints.events.forms import CreateEventForm
from conference.extensions import db
from conference.services import ServiceError, placements
from conference.services import events as event_service


@bp.get("/")
def home():
    mine = event_service.my_events(current_user) if current_user.is_authenticated else []
    return render_template(
        "events/home.html",
        mine=mine,
        upcoming=event_service.upcoming_public_events(),
        role_labels=event_service.ROLE_LABELS,
    )


@bp.get("/e/<slug>/")
def landing(slug: str):
    event = event_or_404(slug)
    authorize("event.view", event)
    return render_template(
        "events/landing.html",
        event=event,
        phase=event_service.event_phase(event),
        sponsor_tiers=placements.event_page_sponsors(current_user._get_current_object(), event),
    )


@bp.get("/sitemap.xml")
def sitemap():
    body = render_template("events/sitemap.xml", events=event_service.public_events())
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def create():
    authorize("event.create")
    form = CreateEventForm()
    if form.validate_on_submit():
        try:
            event = event_service.create_event(
                current_user,
                suggested_lists=form.suggested_lists.data,
                **form.event_fields(),
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("“%(name)s” is ready. Here is its control room.", name=event.name), "success")
            return redirect(url_for("organizer.dashboard", slug=event.slug))
    return render_template("events/create.html", form=form)
