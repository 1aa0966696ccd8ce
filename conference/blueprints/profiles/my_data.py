"""A person's control of their own data, on and around the privacy page (/me/privacy):
what the platform holds about them per event, hiding from directories and who may
message them, the ZIP export (start, progress, download) and deleting the account
(password and typed confirmation, an emailed link, a confirm page with a POST button).

Nothing here changes data on a GET: every change is a POST with the CSRF token, so a
cross-site page can neither start an export nor delete an account.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from conference.blueprints.common import authorize, form_errors_from
from conference.blueprints.profiles import bp
from conference.blueprints.profiles.forms import directory_visible_field, message_policy_field
from conference.enums import ActivityKind, DataExportStatus, EventRoleKind
from conference.extensions import db
from conference.models import DataExport, User
from conference.permissions import can
from conference.services import ServiceError, connections, registrations
from conference.services import privacy as service

#: Activity kinds as the page names them.
ACTIVITY_LABELS = {
    ActivityKind.bookmark: _l("bookmarks made"),
    ActivityKind.unbookmark: _l("bookmarks removed"),
    ActivityKind.session_view: _l("sessions viewed"),
    ActivityKind.material_download: _l("materials downloaded"),
    ActivityKind.meeting_request: _l("meetings asked for"),
    ActivityKind.meeting_accepted: _l("meetings accepted"),
    ActivityKind.check_in: _l("check-ins at the entrance"),
    ActivityKind.attendance: _l("sessions attended"),
    ActivityKind.booth_visit: _l("sponsor booths visited"),
    ActivityKind.booth_download: _l("sponsor materials downloaded"),
    ActivityKind.lead_shared: _l("details shared with sponsors"),
    ActivityKind.question_asked: _l("questions asked"),
}

#: Roles in an event as the page names them.
ROLE_LABELS = {
    EventRoleKind.organizer: _l("Organizer"),
    EventRoleKind.speaker: _l("Speaker"),
    EventRoleKind.sponsor_staff: _l("Sponsor staff"),
    EventRoleKind.moderator: _l("Moderator"),
    EventRoleKind.checkin_staff: _l("Check-in staff"),
}


class VisibilityForm(FlaskForm):
    """The privacy page's two questions, defined once with the profile editor's."""

    directory_visible = directory_visible_field()
    message_policy = message_policy_field()


class ExportForm(FlaskForm):
    """Start an export (CSRF only)."""


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    confirmation = StringField(
        _l("Type the email address of your account"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class ConfirmDeleteForm(FlaskForm):
    """The last step of a deletion (CSRF only)."""


def _me() -> User:
    return current_user._get_current_object()


def export_json(export: DataExport | None) -> dict:
    """What the page's script reads: the export's status and, when ready, its link."""
    if export is None:
        return {"status": None}
    ready = export.status == DataExportStatus.ready
    return {
        "status": str(export.status),
        "download_url": service.download_url(export) if ready else None,
        "size": export.size if ready else None,
    }


def page_context(me: User) -> dict:
    """What the privacy page shows about the person's data (see the module docstring)."""
    profile = me.profile
    visibility = VisibilityForm(
        formdata=None,
        data={
            "directory_visible": profile.directory_visible,
            "message_policy": str(profile.message_policy),
        },
    )
    return {
        "holdings": service.holdings(me),
        "activity_labels": ACTIVITY_LABELS,
        "role_labels": ROLE_LABELS,
        "status_label": registrations.status_label,
        "contact_count": connections.count_of(me),
        "visibility_form": visibility,
        "export": service.latest_export(me),
        "export_form": ExportForm(formdata=None),
        "export_days": service.EXPORT_DAYS,
    }


@bp.post("/me/privacy/visibility")
@login_required
def privacy_visibility():
    """Save "show me in directories" and "who may message me"."""
    authorize("profile.edit", _me())
    form = VisibilityForm()
    if not form.validate_on_submit():
        flash(_("Please try again."), "danger")
        return redirect(url_for("profiles.privacy", _anchor="visibility"))
    service.set_visibility(_me(), form.directory_visible.data, form.message_policy.data)
    db.session.commit()
    flash(_("Your visibility is saved."), "success")
    return redirect(url_for("profiles.privacy", _anchor="visibility"))


@bp.route("/me/data/export", methods=["GET", "POST"])
@login_required
def data_export():
    """GET: the newest export's status as JSON (the page follows it); POST: start one."""
    authorize("account.export")
    if request.method == "GET":
        return jsonify(export_json(service.latest_export(_me())))
    if not ExportForm().validate_on_submit():
        flash(_("Please try again."), "danger")
        return redirect(url_for("profiles.privacy", _anchor="my-data"))
    service.request_export(_me())
    db.session.commit()
    flash(_("Your export is being prepared. We will also email you when it is ready."), "info")
    return redirect(url_for("profiles.privacy", _anchor="my-data"))


@bp.get("/me/data/export/<token>.zip")
@login_required
def download_export(token: str):
    """The ZIP, for its owner while the link has not expired."""
    export = db.session.scalar(db.select(DataExport).where(DataExport.token == token))
    if export is None or export.user_id != current_user.id:
        abort(404)
    if not can(current_user, "data_export.download", export):
        abort(410)
    path = service.export_path(export)
    if path is None or not path.exists():
        abort(410)
    name = f"my-data-{export.finished_at:%Y-%m-%d}.zip"
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.route("/me/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Ask to delete the account: password and typed email; then a link is emailed."""
    authorize("account.delete", _me())
    form = DeleteAccountForm()
    status = 200
    if form.validate_on_submit():
        try:
            service.request_deletion(_me(), form.password.data, form.confirmation.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
            status = 400
        else:
            db.session.commit()
            return render_template("profiles/privacy_delete_sent.html", email=current_user.email)
    elif request.method == "POST":
        status = 400
    form.password.data = ""
    return render_template(
        "profiles/privacy_delete.html",
        form=form,
        blocking=service.blocking_events(_me()),
        hours=service.DELETE_LINK_HOURS,
    ), status


@bp.route("/me/delete/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_delete_account(token: str):
    """The emailed link: GET shows what will happen and a button; only the POST (with
    the CSRF token) deletes. The signed-in account must be the one the link names."""
    authorize("account.delete", _me())
    form = ConfirmDeleteForm()
    try:
        service.check_deletion_token(_me(), token)
    except ServiceError as exc:
        return render_template("profiles/privacy_delete_confirm.html", error=exc.message), 400
    if form.validate_on_submit():
        try:
            service.delete_account(_me(), token)
        except ServiceError as exc:
            db.session.rollback()
            return render_template("profiles/privacy_delete_confirm.html", error=exc.message), 400
        db.session.commit()
        logout_user()
        return render_template("profiles/privacy_deleted.html")
    return render_template(
        "profiles/privacy_delete_confirm.html",
        form=form,
        blocking=service.blocking_events(_me()),
        error=None,
    ), (400 if request.method == "POST" else 200)
