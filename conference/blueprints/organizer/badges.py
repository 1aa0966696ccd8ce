"""Organizer: badge designs with a live preview, the event logo, and bulk printing.

- ``/badges``: the designs, which ticket types and roles print with which, the logo;
- a design's form, whose preview (``preview.png``) is the real PDF rendered to an
  image for the event's longest names; static/js/badge-design.js refreshes it as the
  form changes, and without the script it shows the saved or last submitted values;
- ``/badges/print``: filters with a live count (``count.json``, static/js/badge-print.js),
  "Generate PDF" queues a batch; the batch page follows the job through
  ``progress.json`` (static/js/badge-batch.js) and offers the download when done.

Every view requires ``badges.manage`` on the event of the address; a design or batch
of another event is a 404. The registration page's "Badge" card reads its print
history and reissue form through the ``badge_card`` template global defined here.
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference.badges.render import PALETTE, preview_png
from conference.blueprints.common import form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.badge_forms import (
    SORT_LABELS,
    DesignForm,
    LogoForm,
    PrintForm,
    ReissueForm,
)
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import event_row_or_404, managed_event
from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import BadgeBatch, BadgeDesign, Event, Registration
from conference.permissions import can
from conference.services import ServiceError
from conference.services import badge_designs as designs
from conference.services import badges as service
from conference.services.segments import STATUS_LABELS

#: Width of the preview image in pixels (shown at up to half that on the page, sharp
#: on high-density screens).
PREVIEW_WIDTH = 720


def _manage(slug: str) -> Event:
    return managed_event(slug, "badges.manage")


def _batch_or_404(event: Event, batch_id: int) -> BadgeBatch:
    return event_row_or_404(BadgeBatch, event, batch_id)


def _design_or_404(event: Event, design_id: int) -> BadgeDesign:
    design = designs.design_of(event, design_id)
    if design is None:
        abort(404)
    return design


def _json_error(exc: ServiceError, status: int = 400):
    return jsonify(
        {"ok": False, "error": exc.code, "message": exc.message, "field": exc.field}
    ), status


def _invalid_form(form):
    """The first error of a form read from a query string, as a JSON answer."""
    field, errors = next(iter(form.errors.items()))
    return jsonify({"ok": False, "error": "invalid", "message": errors[0], "field": field}), 400


# --- designs ------------------------------------------------------------------------------


@bp.get("/badges")
@login_required
def badges(slug: str):
    event = _manage(slug)
    rows = designs.designs_of(event)
    return render_template(
        "organizer/badges.html",
        event=event,
        designs=rows,
        usage=designs.usage(event, rows),
        layout_labels=designs.LAYOUT_LABELS,
        role_labels=designs.ROLE_LABELS,
        target_labels=dict(designs.target_choices(event)),
        target_of=designs.target_of,
        palette=PALETTE,
        logo_form=LogoForm(),
        button_form=ButtonForm(),
        batches=service.recent_batches(event, limit=5),
    )


def _preview_query(form: DesignForm, design: BadgeDesign | None) -> dict:
    """The preview's query string for the form's current values; a colour typed wrong
    is left out (the preview shows the built-in one while the form says what is wrong)."""
    query = {}
    for f in (form.name, form.layout, form.target):
        query[f.name] = f.data or ""
    for f in form.color_fields:
        if designs.COLOR_RE.match(f.data or ""):
            query[f.name] = f.data
    for f in form.toggle_fields:
        if f.data:
            query[f.name] = "y"
    if design is not None:
        query["design_id"] = design.id
    sample = request.args.get("sample", type=int)
    if sample:
        query["sample"] = sample
    return query


def _design_page(event: Event, form: DesignForm, design: BadgeDesign | None):
    return render_template(
        "organizer/badges_design.html",
        event=event,
        form=form,
        design=design,
        preview_query=_preview_query(form, design),
        samples=service.sample_badges(event, design),
        role_labels=designs.ROLE_LABELS,
        has_logo=designs.logo_path(event) is not None,
        button_form=ButtonForm(),
    )


@bp.route("/badges/designs/new", methods=["GET", "POST"])
@login_required
def badge_design_new(slug: str):
    event = _manage(slug)
    form = DesignForm.for_event(event, data=DesignForm.data_of(None))
    if form.validate_on_submit():
        try:
            design = designs.create_design(current_user, event, form.values())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The design “%(name)s” is saved.", name=design.name), "success")
            return redirect(url_for("organizer.badge_design", slug=event.slug, design_id=design.id))
    return _design_page(event, form, None)


@bp.route("/badges/designs/<int:design_id>", methods=["GET", "POST"])
@login_required
def badge_design(slug: str, design_id: int):
    event = _manage(slug)
    design = _design_or_404(event, design_id)
    form = DesignForm.for_event(event, data=DesignForm.data_of(design))
    if form.validate_on_submit():
        try:
            designs.update_design(current_user, design, form.values())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The design “%(name)s” is saved.", name=design.name), "success")
            return redirect(url_for("organizer.badge_design", slug=event.slug, design_id=design.id))
    return _design_page(event, form, design)


@bp.post("/badges/designs/<int:design_id>/delete")
@login_required
def badge_design_delete(slug: str, design_id: int):
    event = _manage(slug)
    design = _design_or_404(event, design_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name = design.name
    designs.delete_design(current_user, design)
    db.session.commit()
    flash(_("The design “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("organizer.badges", slug=event.slug))


@bp.get("/badges/preview.png")
@login_required
def badge_preview(slug: str):
    """The badge as the design form's values (in the query string) would print it, for
    one of the event's sample people (``sample``), as a PNG of the real PDF."""
    event = _manage(slug)
    design_id = request.args.get("design_id", type=int)
    if design_id is not None:
        _design_or_404(event, design_id)
    args = request.args.copy()
    args["name"] = "preview"  # the design's own name is not on the badge
    form = DesignForm.for_event(event, formdata=args, meta={"csrf": False})
    if not form.validate():
        return _invalid_form(form)
    try:
        design = designs.unsaved_design(event, form.values(), design_id)
    except ServiceError as exc:
        return _json_error(exc)
    samples = service.sample_badges(event, design)
    index = request.args.get("sample", 0, type=int)
    badge = samples[index] if 0 <= index < len(samples) else samples[0]
    response = Response(preview_png(badge, width_px=PREVIEW_WIDTH), mimetype="image/png")
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the logo -----------------------------------------------------------------------------


@bp.post("/badges/logo")
@login_required
def badge_logo(slug: str):
    event = _manage(slug)
    form = LogoForm()
    if form.validate_on_submit():
        try:
            designs.set_logo(current_user, event, form.logo.data.read())
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("The logo is saved; badges print with it from now on."), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("organizer.badges", slug=event.slug) + "#logo")


@bp.post("/badges/logo/remove")
@login_required
def badge_logo_remove(slug: str):
    event = _manage(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    designs.remove_logo(current_user, event)
    db.session.commit()
    flash(_("The logo is removed."), "success")
    return redirect(url_for("organizer.badges", slug=event.slug) + "#logo")


@bp.get("/badges/logo.png")
@login_required
def badge_logo_image(slug: str):
    event = _manage(slug)
    path = designs.logo_path(event)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/png", max_age=0)
    response.cache_control.private = True
    return response


# --- bulk printing ------------------------------------------------------------------------


def _print_form(event: Event) -> PrintForm:
    """The print form: from the query string on a GET (no CSRF: it only counts), from
    the posted values on a POST."""
    if request.method == "GET":
        return PrintForm.for_event(event, formdata=request.args or None, meta={"csrf": False})
    return PrintForm.for_event(event)


def _filter_summary(event: Event, flt: service.BadgeFilter) -> str:
    """A filter in words, for the batch history: "Approved · Speakers · not printed"."""
    tickets = {t.id: t.name for t in event.ticket_types}
    parts = [", ".join(str(STATUS_LABELS[s]) for s in flt.statuses)]
    if flt.ticket_type_ids:
        parts.append(", ".join(tickets.get(i, "?") for i in flt.ticket_type_ids))
    if flt.roles:
        parts.append(", ".join(str(designs.ROLE_LABELS[r]) for r in flt.roles))
    if flt.not_printed:
        parts.append(_("not printed yet"))
    if flt.changed_since_print:
        parts.append(_("changed since last printed"))
    if flt.query:
        parts.append(_("“%(text)s”", text=flt.query))
    return " · ".join(parts)


def _count_label(count: int) -> str:
    return ngettext("%(num)d badge matches.", "%(num)d badges match.", count)


@bp.route("/badges/print", methods=["GET", "POST"])
@login_required
def badge_print(slug: str):
    """The filters and the history; POST ``action=count`` recounts (without the
    script), ``action=generate`` queues the batch and opens its page."""
    event = _manage(slug)
    form = _print_form(event)
    count = None
    valid = form.validate() if request.method == "GET" else form.validate_on_submit()
    if valid:
        flt = form.badge_filter()
        count = service.count_matching(event, flt)
        if request.method == "POST" and request.form.get("action") == "generate":
            try:
                batch = service.create_batch(event, current_user, flt, form.sort_value())
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "warning")
            else:
                db.session.commit()
                return redirect(
                    url_for("organizer.badge_batch", slug=event.slug, batch_id=batch.id)
                )
    batches = service.recent_batches(event)
    return render_template(
        "organizer/badges_print.html",
        event=event,
        form=form,
        count=count,
        count_label=_count_label(count) if count is not None else "",
        batches=batches,
        summaries={
            b.id: _filter_summary(event, service.BadgeFilter.from_dict(b.filters)) for b in batches
        },
        sort_labels=SORT_LABELS,
    ), (400 if form.errors else 200)


@bp.get("/badges/print/count.json")
@login_required
def badge_print_count(slug: str):
    """How many badges the filters in the query string match (the live count)."""
    event = _manage(slug)
    form = PrintForm.for_event(event, formdata=request.args, meta={"csrf": False})
    if not form.validate():
        return _invalid_form(form)
    count = service.count_matching(event, form.badge_filter())
    response = jsonify({"ok": True, "count": count, "label": _count_label(count)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/badges/batches/<int:batch_id>")
@login_required
def badge_batch(slug: str, batch_id: int):
    event = _manage(slug)
    batch = _batch_or_404(event, batch_id)
    return render_template(
        "organizer/badges_batch.html",
        event=event,
        batch=batch,
        progress=service.batch_progress(batch),
        summary=_filter_summary(event, service.BadgeFilter.from_dict(batch.filters)),
        sort_labels=SORT_LABELS,
    )


@bp.get("/badges/batches/<int:batch_id>/progress.json")
@login_required
def badge_batch_progress(slug: str, batch_id: int):
    event = _manage(slug)
    batch = _batch_or_404(event, batch_id)
    response = jsonify({"ok": True, **service.batch_progress(batch)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/badges/batches/<int:batch_id>.pdf")
@login_required
def badge_batch_download(slug: str, batch_id: int):
    """The batch's PDF, streamed from disk; 404 until it is done."""
    event = _manage(slug)
    batch = _batch_or_404(event, batch_id)
    path = service.batch_file(batch)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{event.slug}-badges-{batch.id}.pdf",
        max_age=0,
    )
    response.cache_control.private = True
    return response


# --- the registration page's badge card ---------------------------------------------------


@bp.app_template_global("badge_card")
def badge_card(registration: Registration) -> dict | None:
    """What the organizer's registration page shows in its "Badge" card: the print
    history and the reissue form; None for someone who may not print this badge."""
    if not can(current_user, "badge.print", registration):
        return None
    return {
        "prints": service.prints_of(registration),
        "approved": registration.status == RegistrationStatus.approved,
        "reissue_form": ReissueForm(),
    }
