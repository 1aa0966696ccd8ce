"""Organizer: sponsor packages and their entitlements, the sponsors, and the overview of
what each sponsor used (seats, meeting requests, leads, exports, booth visits) with the
log of every lead export.

- ``/sponsors/``: packages with price and number sold, one line per sponsor, the
  latest exports;
- ``/sponsors/packages``: the tiers in order (move, delete one nobody bought), and a
  form per package for its name, price and entitlements;
- ``/sponsors/new`` and ``/sponsors/<id>``: a sponsor's name, package and contact (a
  new one with its first admin's email, who gets an invitation); its staff are managed
  on the sponsor's own team page (``sponsors.team``), which organizers may open too;
- ``/sponsors/exports``: every lead export, newest first, paged.

Every view requires ``sponsors.manage`` on the event of the address; a package or
sponsor of another event is a 404. Views commit once and redirect; a refusal rolls
back and shows the form again with the message next to its field.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import (
    event_row_or_404,
    managed_event,
    posted_direction,
    posted_row_or_404,
)
from conference.blueprints.organizer.sponsor_forms import (
    NewSponsorForm,
    PackageForm,
    SponsorForm,
)
from conference.extensions import db
from conference.models import Event, Sponsor, SponsorPackage
from conference.services import ServiceError
from conference.services import sponsors as service


def _manage(slug: str) -> Event:
    return managed_event(slug, "sponsors.manage")


def _sponsor_or_404(event: Event, sponsor_id: int) -> Sponsor:
    sponsor = service.sponsor_in(event, sponsor_id)
    if sponsor is None:
        abort(404)
    return sponsor


@bp.get("/sponsors/")
@login_required
def sponsors(slug: str):
    event = _manage(slug)
    packages = service.packages_of(event)
    return render_template(
        "organizer/sponsors.html",
        event=event,
        packages=packages,
        sold=service.package_usages(event),
        rows=service.overview(event),
        exports=service.recent_exports(event),
        names=service.sponsor_names(event),
        format_labels=service.EXPORT_FORMAT_LABELS,
    )


@bp.get("/sponsors/exports")
@login_required
def sponsor_exports(slug: str):
    event = _manage(slug)
    return render_template(
        "organizer/sponsors_exports.html",
        event=event,
        page=service.exports_page(event, request.args.get("page", 1, type=int)),
        names=service.sponsor_names(event),
        format_labels=service.EXPORT_FORMAT_LABELS,
    )


# --- packages -----------------------------------------------------------------------------


@bp.route("/sponsors/packages", methods=["GET", "POST"])
@login_required
def sponsor_packages(slug: str):
    event = _manage(slug)
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        package = posted_row_or_404(SponsorPackage, event, "package_id")
        action = request.form.get("action")
        try:
            if action in ("up", "down"):
                service.move_package(package, posted_direction())
            elif action == "delete":
                name = package.name
                service.delete_package(package)
                flash(_("The package “%(name)s” is deleted.", name=name), "success")
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
        return redirect(url_for("organizer.sponsor_packages", slug=event.slug))
    return render_template(
        "organizer/sponsors_packages.html",
        event=event,
        packages=service.packages_of(event),
        sold=service.package_usages(event),
        button_form=ButtonForm(),
    )


@bp.route("/sponsors/packages/new", methods=["GET", "POST"])
@login_required
def sponsor_package_new(slug: str):
    event = _manage(slug)
    form = PackageForm()
    if form.validate_on_submit():
        try:
            package = service.add_package(event, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The package “%(name)s” is added.", name=package.name), "success")
            return redirect(url_for("organizer.sponsor_packages", slug=event.slug))
    return render_template(
        "organizer/sponsors_package_form.html", event=event, form=form, package=None
    )


@bp.route("/sponsors/packages/<int:package_id>", methods=["GET", "POST"])
@login_required
def sponsor_package_edit(slug: str, package_id: int):
    event = _manage(slug)
    package = event_row_or_404(SponsorPackage, event, package_id)
    form = PackageForm(obj=package)
    if form.validate_on_submit():
        try:
            service.update_package(package, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            package = event_row_or_404(SponsorPackage, event, package_id)
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(
                _(
                    "The package “%(name)s” is saved; its sponsors have its entitlements now.",
                    name=package.name,
                ),
                "success",
            )
            return redirect(url_for("organizer.sponsor_packages", slug=event.slug))
    return render_template(
        "organizer/sponsors_package_form.html",
        event=event,
        form=form,
        package=package,
        sold=service.package_usages(event).get(package.id, 0),
    )


# --- sponsors -----------------------------------------------------------------------------


@bp.route("/sponsors/new", methods=["GET", "POST"])
@login_required
def sponsor_new(slug: str):
    event = _manage(slug)
    packages = service.packages_of(event)
    form = NewSponsorForm.for_packages(packages)
    if packages and form.validate_on_submit():
        try:
            sponsor = service.create_sponsor(current_user, event, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if form.admin_email.data:
                flash(
                    _(
                        "%(name)s is added; %(email)s is invited as its admin.",
                        name=sponsor.name,
                        email=form.admin_email.data.strip().lower(),
                    ),
                    "success",
                )
            else:
                flash(_("%(name)s is added.", name=sponsor.name), "success")
            return redirect(url_for("organizer.sponsors", slug=event.slug))
    return render_template(
        "organizer/sponsors_form.html", event=event, form=form, sponsor=None, packages=packages
    )


@bp.route("/sponsors/<int:sponsor_id>", methods=["GET", "POST"])
@login_required
def sponsor_edit(slug: str, sponsor_id: int):
    event = _manage(slug)
    sponsor = _sponsor_or_404(event, sponsor_id)
    packages = service.packages_of(event)
    form = SponsorForm.for_packages(
        packages,
        data={
            "name": sponsor.name,
            "package": sponsor.package_id,
            "contact_email": sponsor.contact_email,
        },
    )
    if form.validate_on_submit():
        try:
            service.update_sponsor(sponsor, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            sponsor = _sponsor_or_404(event, sponsor_id)
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("%(name)s is saved.", name=sponsor.name), "success")
            return redirect(url_for("organizer.sponsors", slug=event.slug))
    return render_template(
        "organizer/sponsors_form.html",
        event=event,
        form=form,
        sponsor=sponsor,
        packages=packages,
        seats=service.seats(sponsor),
        members=service.members_of(sponsor),
        usage=service.sponsor_usage(sponsor),
        delete_form=ButtonForm(),
    )


@bp.post("/sponsors/<int:sponsor_id>/delete")
@login_required
def sponsor_delete(slug: str, sponsor_id: int):
    event = _manage(slug)
    sponsor = _sponsor_or_404(event, sponsor_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name = sponsor.name
    service.delete_sponsor(sponsor)
    db.session.commit()
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("organizer.sponsors", slug=event.slug))
