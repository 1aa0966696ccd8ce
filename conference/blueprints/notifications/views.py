"""The notification centre and its settings.

- ``/me/notifications``: newest first, unread marked; opening one (a POST, so it can be
  marked read) leads to what it is about; mark one or all read. ``notifications.js``
  adds new rows live and marks read without reloading; the page works without it.
- ``/me/notifications/settings``: per kind, in-app only, email at once or daily digest.
- ``/me/announcements/<id>``: an announcement as its recipients read it in the app (those
  who chose not to get it by email read it here).
- ``/unsubscribe/notifications/<token>``: the one-click unsubscribe of notification
  emails (RFC 8058). No login: the signed token is the permission, so the form carries
  no CSRF token (a forged POST could at most switch the link holder's emails of that
  kind to in-app only).

The menu's bell (``unread_notifications``) is a template global here.
"""

from __future__ import annotations

from datetime import time
from types import SimpleNamespace

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import authorize
from conference.blueprints.notifications import bp
from conference.enums import MailingKind, NotificationKind
from conference.extensions import csrf, db
from conference.models import Event, Mailing, Notification, Sponsor, User
from conference.services import ServiceError
from conference.services import notifications as service


def _me() -> User:
    return current_user._get_current_object()


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


class ActionForm(FlaskForm):
    """A button's form: only its CSRF token."""


#: What the settings page adds under a kind's name, where the choice needs explaining.
KIND_DESCRIPTIONS = {
    NotificationKind.network: _l(
        "About a week before an event's network closes, you are told what stays and "
        "until when. It is emailed as you choose here: at once, in your daily digest, "
        "or not at all with “in the app only”."
    ),
}


def digest_time() -> str:
    """The daily digest's hour (UTC) in the person's language's way of writing times."""
    return format_time(time(service.DIGEST_HOUR_UTC), "short", rebase=False)


def _delivery_field(kind: NotificationKind) -> RadioField:
    return RadioField(
        str(service.KIND_LABELS[kind]),
        choices=[SelectChoice(str(d), label) for d, label in service.DELIVERY_LABELS.items()],
        validators=[InputRequired()],
    )


def _settings_form(current: dict, formdata=None) -> FlaskForm:
    class SettingsForm(FlaskForm):
        pass

    for kind in service.CHOOSABLE:
        setattr(SettingsForm, str(kind), _delivery_field(kind))
    form = SettingsForm(formdata=formdata, data={str(k): str(v) for k, v in current.items()})
    return form


# --- the centre ------------------------------------------------------------------------------


@bp.get("/me/notifications")
@login_required
def centre():
    authorize("notifications.use")
    before = request.args.get("before", type=int)
    rows, more = service.page_of(_me(), before_id=before)
    events = {}
    event_ids = {row.event_id for row in rows if row.event_id is not None}
    if event_ids:
        events = {
            e.id: e for e in db.session.scalars(db.select(Event).where(Event.id.in_(event_ids)))
        }
    return render_template(
        "notifications/centre.html",
        rows=rows,
        events=events,
        when={row.id: format_datetime(row.created_at, "medium") for row in rows},
        kind_labels=service.KIND_LABELS,
        template_row=_template_row,
        more=more,
        older_url=url_for("notifications.centre", before=rows[-1].id) if more else None,
        first_page=before is None,
        unread=service.unread_count(current_user.id),
        form=ActionForm(),
    )


def _template_row(kind: NotificationKind) -> SimpleNamespace:
    """What the row template of the page script is rendered from (id 0, no text)."""
    return SimpleNamespace(id=0, kind=kind, text="", count=1, read_at=None)


def _own(notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        abort(404)
    authorize("notification.read", notification)
    return notification


def _refused():
    if _wants_json():
        return jsonify(
            {"ok": False, "error": "csrf", "message": _("Please reload the page and retry.")}
        ), 400
    flash(_("Please try again."), "danger")
    return redirect(url_for("notifications.centre"))


@bp.post("/me/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notification read (JSON for the page script, else back to the centre)."""
    notification = _own(notification_id)
    if not ActionForm().validate_on_submit():
        return _refused()
    unread = service.mark_read(_me(), notification)
    db.session.commit()
    if _wants_json():
        return jsonify({"ok": True, "id": notification_id, "unread": unread})
    return redirect(url_for("notifications.centre"))


@bp.post("/me/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    """Mark one notification read and go where it leads."""
    notification = _own(notification_id)
    if not ActionForm().validate_on_submit():
        return _refused()
    service.mark_read(_me(), notification)
    target = safe_next(notification.url) or url_for("notifications.centre")
    db.session.commit()
    return redirect(target)


@bp.post("/me/notifications/read-all")
@login_required
def read_all():
    authorize("notifications.use")
    if not ActionForm().validate_on_submit():
        return _refused()
    service.mark_all_read(_me())
    db.session.commit()
    if _wants_json():
        return jsonify({"ok": True, "unread": 0})
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.centre"))


# --- choices ---------------------------------------------------------------------------------


@bp.route("/me/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    authorize("notifications.use")
    me = _me()
    current = service.deliveries(me)
    form = _settings_form(current, request.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.validate():
            choices = {kind: form[str(kind)].data for kind in service.CHOOSABLE}
            try:
                service.set_deliveries(me, choices)
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                db.session.commit()
                flash(_("Your notification choices are saved."), "success")
                return redirect(url_for("notifications.settings"))
        status = 400
    else:
        status = 200
    return render_template(
        "notifications/settings.html",
        form=form,
        kinds=list(service.CHOOSABLE),
        transactional=service.TRANSACTIONAL,
        descriptions=KIND_DESCRIPTIONS,
        digest_time=digest_time(),
        email=me.email,
        verified=me.is_verified,
    ), status


# --- announcements ---------------------------------------------------------------------------


@bp.get("/me/announcements/<int:mailing_id>")
@login_required
def announcement(mailing_id: int):
    """An announcement its recipient reads in the app; only recipients may."""
    notification = db.session.scalar(
        db.select(Notification).where(
            Notification.user_id == current_user.id,
            Notification.group_key == f"mailing:{mailing_id}",
        )
    )
    mailing = db.session.get(Mailing, mailing_id)
    if notification is None or mailing is None or mailing.kind != MailingKind.announcement:
        abort(404)
    authorize("notification.read", notification)
    sponsor_name = None
    if mailing.sponsor_id is not None:
        sponsor_name = db.session.scalar(
            db.select(Sponsor.name).where(Sponsor.id == mailing.sponsor_id)
        )
    if notification.read_at is None:
        service.mark_read(_me(), notification)
        db.session.commit()
    return render_template(
        "notifications/announcement.html",
        mailing=mailing,
        announcement_event=mailing.event,
        sponsor_name=sponsor_name,
    )


# --- one-click unsubscribe -------------------------------------------------------------------


@bp.get("/unsubscribe/notifications/<token>")
def unsubscribe(token: str):
    try:
        unsubscription = service.unsubscription_of(token)
    except ServiceError as exc:
        return render_template("notifications/unsubscribe.html", error=exc.message), 404
    return render_template(
        "notifications/unsubscribe.html",
        token=token,
        unsubscription=unsubscription,
        state="confirm",
    )


@bp.post("/unsubscribe/notifications/<token>")
@csrf.exempt
def unsubscribe_post(token: str):
    """Stop the emails of the link (the button, or a mail app's one-click POST)."""
    try:
        unsubscription = service.unsubscription_of(token)
        service.unsubscribe(unsubscription)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("notifications/unsubscribe.html", error=exc.message), 404
    db.session.commit()
    return render_template(
        "notifications/unsubscribe.html",
        unsubscription=unsubscription,
        state="unsubscribed",
    )


# --- the menu --------------------------------------------------------------------------------


@bp.app_template_global("unread_notifications")
def unread_notifications() -> int:
    """The signed-in person's unread notifications (counted once per request)."""
    if not current_user.is_authenticated:
        return 0
    if "_unread_notifications" not in g:
        g._unread_notifications = service.unread_count(current_user.id)
    return g._unread_notifications
