"""Booths over HTTP: the sponsors' page, each booth (visits, "share my contact details",
materials behind their consent prompt), the logo, and for the sponsor's admins the
booth editor and the one sponsored announcement.

A booth refused to a participant (its package has no booth) is a 404; anyone who is
no participant gets the event's participants-only page.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup

from conference.blueprints.common import (
    ParticipantsOnly,
    authorize,
    authorize_participant,
    event_or_404,
    form_errors_from,
    material_file,
    material_response,
)
from conference.blueprints.sponsors import bp
from conference.blueprints.sponsors.booth_forms import (
    AnnouncementForm,
    BoothForm,
    BoothMaterialForm,
    ConsentForm,
)
from conference.blueprints.sponsors.common import sponsor_or_404, workspace_nav
from conference.extensions import db
from conference.models import BoothMaterial, Event, Sponsor
from conference.permissions import can
from conference.services import ServiceError, booths, leads
from conference.services import materials as material_service
from conference.services import sponsors as sponsors_service


def _me():
    return current_user._get_current_object()


def _booth_or_refuse(slug: str, sponsor_id: int) -> tuple[Event, Sponsor]:
    """The sponsor of the address, if the current user may see its booth."""
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    if not can(current_user, "booth.view", sponsor):
        if can(current_user, "sponsors.view", event):
            abort(404)
        raise ParticipantsOnly(event)
    return event, sponsor


def _privacy_url() -> str | None:
    """Where a person withdraws what they shared (the privacy page, once it exists)."""
    if "profiles.privacy" in current_app.view_functions:
        return url_for("profiles.privacy")
    return None


def _booth_url(event: Event, sponsor: Sponsor, **args) -> str:
    return url_for("sponsors.booth", slug=event.slug, sponsor_id=sponsor.id, **args)


# --- participants ------------------------------------------------------------------------


@bp.get("/e/<slug>/sponsors/")
def index(slug: str):
    """The event's sponsors, grouped by tier in package order."""
    event = event_or_404(slug)
    authorize_participant("sponsors.view", event)
    return render_template(
        "sponsors/index.html", event=event, tiers=sponsors_service.sponsors_by_tier(event)
    )


@bp.get("/e/<slug>/sponsors/<int:sponsor_id>")
def booth(slug: str, sponsor_id: int):
    """The booth; ``?share=1`` shows the confirmation of "share my contact details"."""
    event, sponsor = _booth_or_refuse(slug, sponsor_id)
    me = _me()
    if booths.record_visit(me, sponsor):
        db.session.commit()
    may_share = can(me, "lead.share", sponsor)
    confirming = may_share and request.args.get("share") == "1"
    return render_template(
        "sponsors/booth.html",
        event=event,
        sponsor=sponsor,
        staff=booths.staff_of(sponsor),
        materials=booths.materials_of(sponsor),
        sessions=booths.sponsored_sessions(me, sponsor),
        may_share=may_share,
        shared=booths.has_shared(me, sponsor),
        confirming=confirming,
        share_text=leads.share_text(sponsor),
        share_form=ConsentForm(formdata=None),
        may_edit=can(me, "booth.edit", sponsor),
        privacy_url=_privacy_url(),
        is_staff=can(me, "sponsor.workspace", sponsor),
    )


@bp.post("/e/<slug>/sponsors/<int:sponsor_id>/share")
@login_required
def share(slug: str, sponsor_id: int):
    """The person confirmed sharing their details with the sponsor."""
    event, sponsor = _booth_or_refuse(slug, sponsor_id)
    authorize("lead.share", sponsor)
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        leads.share_from_booth(_me(), sponsor, form.shown.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(_booth_url(event, sponsor, share=1) + "#share")
    db.session.commit()
    flash(_("%(sponsor)s now has your contact details.", sponsor=sponsor.name), "success")
    return redirect(_booth_url(event, sponsor) + "#share")


def _material_or_404(sponsor: Sponsor, material_id: int) -> BoothMaterial:
    material = booths.material_in(sponsor, material_id)
    if material is None:
        abort(404)
    return material


@bp.route(
    "/e/<slug>/sponsors/<int:sponsor_id>/materials/<int:material_id>", methods=["GET", "POST"]
)
def material(slug: str, sponsor_id: int, material_id: int):
    """GET: the prompt before a material; POST ``action=share`` (agreeing to ``shown``)
    or ``action=download`` (without sharing, where allowed): the material itself."""
    event, sponsor = _booth_or_refuse(slug, sponsor_id)
    material = _material_or_404(sponsor, material_id)
    me = _me()
    form = ConsentForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        path = material_file(material)
        try:
            booths.take_material(
                me, material, share=request.form.get("action") == "share", shown=form.shown.data
            )
        except ServiceError as exc:
            db.session.rollback()
            if exc.code == "forbidden":
                abort(403)
            flash(exc.message, "warning")
        else:
            db.session.commit()
            return material_response(material, path)
    may_share = can(me, "lead.share", sponsor)
    shared = booths.has_shared(me, sponsor)
    return render_template(
        "sponsors/material.html",
        event=event,
        sponsor=sponsor,
        material=material,
        type_label=material_service.type_label(material),
        may_share=may_share,
        shared=shared,
        without_sharing=not material.requires_consent or shared or not may_share,
        share_text=leads.share_text(sponsor),
        form=ConsentForm(formdata=None),
    ), (200 if request.method == "GET" else 400)


@bp.get("/e/<slug>/sponsors/<int:sponsor_id>/logo")
def logo(slug: str, sponsor_id: int):
    """The sponsor's logo: public when the event page shows it, else for participants."""
    _event, sponsor = sponsor_or_404(slug, sponsor_id)
    path = booths.logo_path(sponsor)
    if not booths.logo_is_visible(current_user, sponsor) or path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=300)
    if not sponsor.package.logo_on_event_page:
        response.cache_control.private = True
    return response


# --- the sponsor's admins: the booth ----------------------------------------------------------


def _editable(slug: str, sponsor_id: int) -> tuple[Event, Sponsor]:
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize("booth.edit", sponsor)
    return event, sponsor


def _booth_form(sponsor: Sponsor, *, posted: bool) -> BoothForm:
    """The booth form as posted, or filled from the sponsor; with empty link rows."""
    if posted:
        form = BoothForm()
    else:
        # Not ``obj=sponsor``: its ``links`` would win over the rows the form needs.
        form = BoothForm(
            formdata=None,
            tagline=sponsor.tagline,
            description=sponsor.description,
            website=sponsor.website,
            booth_location=sponsor.booth_location,
            contact_email=sponsor.contact_email,
            links=[{"text": i.get("label", ""), "url": i.get("url", "")} for i in sponsor.links],
        )
    form.pad_links()
    return form


def _render_editor(event, sponsor, form, material_form, status=200):
    return render_template(
        "sponsors/booth_edit.html",
        event=event,
        sponsor=sponsor,
        form=form,
        material_form=material_form,
        materials=booths.materials_of(sponsor),
        type_label=material_service.type_label,
        button_form=FlaskForm(formdata=None),
        has_logo=booths.logo_path(sponsor) is not None,
        **workspace_nav(event, sponsor),
    ), status


def _save_booth(form: BoothForm, sponsor: Sponsor) -> None:
    me = _me()
    booths.update_booth(me, sponsor, form.values())
    upload = form.logo.data
    if upload and getattr(upload, "filename", ""):
        booths.set_logo(me, sponsor, upload.read())
    elif form.remove_logo.data:
        booths.remove_logo(me, sponsor)


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/booth", methods=["GET", "POST"])
@login_required
def booth_edit(slug: str, sponsor_id: int):
    event, sponsor = _editable(slug, sponsor_id)
    form = _booth_form(sponsor, posted=request.method == "POST")
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                _save_booth(form, sponsor)
            except ServiceError as exc:
                db.session.rollback()
                form_errors_from(exc, form)
            else:
                db.session.commit()
                flash(_("The booth is saved."), "success")
                return redirect(url_for(".booth_edit", slug=event.slug, sponsor_id=sponsor.id))
        status = 400
    return _render_editor(event, sponsor, form, BoothMaterialForm(formdata=None), status)


def _attach(form: BoothMaterialForm, sponsor: Sponsor) -> BoothMaterial:
    upload = form.file.data
    has_file = bool(upload and upload.filename)
    url = (form.url.data or "").strip()
    consent = bool(form.requires_consent.data)
    if has_file and url:
        raise ServiceError("file_and_link", _("Attach a file or a link, not both at once."), "url")
    if has_file:
        data = upload.stream.read(current_app.config["MATERIAL_MAX_BYTES"] + 1)
        return booths.add_file(
            _me(),
            sponsor,
            title=form.title.data,
            filename=upload.filename,
            data=data,
            requires_consent=consent,
        )
    if url:
        return booths.add_link(
            _me(), sponsor, title=form.title.data, url=url, requires_consent=consent
        )
    raise ServiceError("nothing_attached", _("Choose a file or enter a link."), "file")


@bp.post("/e/<slug>/sponsors/<int:sponsor_id>/booth/materials")
@login_required
def booth_material_add(slug: str, sponsor_id: int):
    event, sponsor = _editable(slug, sponsor_id)
    form = BoothMaterialForm()
    if form.validate_on_submit():
        try:
            material = _attach(form, sponsor)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is on the booth.", title=material.title), "success")
            return redirect(
                url_for(".booth_edit", slug=event.slug, sponsor_id=sponsor.id) + "#materials"
            )
    return _render_editor(event, sponsor, _booth_form(sponsor, posted=False), form, 400)


@bp.post("/e/<slug>/sponsors/<int:sponsor_id>/booth/materials/<int:material_id>/delete")
@login_required
def booth_material_delete(slug: str, sponsor_id: int, material_id: int):
    event, sponsor = _editable(slug, sponsor_id)
    material = _material_or_404(sponsor, material_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    title = material.title
    booths.delete_material(_me(), material)
    db.session.commit()
    flash(_("“%(title)s” is removed.", title=title), "success")
    return redirect(url_for(".booth_edit", slug=event.slug, sponsor_id=sponsor.id) + "#materials")


# --- the sponsor's admins: the announcement ------------------------------------------------


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/announcement", methods=["GET", "POST"])
@login_required
def announcement(slug: str, sponsor_id: int):
    """Write, preview (``action=preview``) and send (``action=send``) the one announcement."""
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize("sponsor.announcement_view", sponsor)
    form = AnnouncementForm()
    preview = None
    status = 200
    if request.method == "POST":
        authorize("sponsor.announce", sponsor)
        if form.validate_on_submit():
            try:
                if request.form.get("action") == "send":
                    booths.send_announcement(_me(), sponsor, form.subject.data, form.body.data)
                else:
                    preview = booths.preview_announcement(
                        _me(), sponsor, form.subject.data, form.body.data
                    )
            except ServiceError as exc:
                db.session.rollback()
                form_errors_from(exc, form)
                status = 400
            else:
                if preview is None:
                    db.session.commit()
                    flash(_("Your announcement is on its way."), "success")
                    return redirect(
                        url_for(".announcement", slug=event.slug, sponsor_id=sponsor.id)
                    )
        else:
            status = 400
    return render_template(
        "sponsors/announcement.html",
        event=event,
        sponsor=sponsor,
        form=form,
        preview=Markup(preview.html_fragment) if preview is not None else None,
        sent=booths.announcement_of(sponsor),
        may_send=can(current_user, "sponsor.announce", sponsor),
        **workspace_nav(event, sponsor),
    ), status
