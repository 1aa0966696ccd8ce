"""Moderation over HTTP: the "Report" action every kind of content posts to, the event's
one queue of reports and held items with the moderators' actions, and the log.

Reports answer JSON to scripts (``Accept: application/json`` or a JSON body) and redirect
back with a flash otherwise, so the buttons work without JavaScript.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.auth.views import safe_next
from conference.blueprints.common import authorize, event_or_404, json_refusal
from conference.blueprints.moderation import bp
from conference.blueprints.moderation.forms import ActionForm, ReportForm
from conference.enums import ReportTarget
from conference.extensions import db
from conference.models import Event, User
from conference.permissions import can, standing
from conference.services import ServiceError
from conference.services import moderation as service


def _me() -> User:
    return current_user._get_current_object()


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


@bp.post("/e/<slug>/report")
@login_required
def report(slug: str):
    """Report a question, post, news item, message or profile of the event."""
    event = event_or_404(slug)
    authorize("content.report", event)
    form = ReportForm()
    back = safe_next(form.next.data) or url_for("events.landing", slug=event.slug)
    if not form.validate_on_submit():
        message = _("That report could not be read. Please try again.")
        if form.reason.errors:
            message = form.reason.errors[0]
        if _wants_json():
            return json_refusal("invalid", message, fields=sorted(form.errors))
        flash(message, "danger")
        return redirect(back)
    try:
        service.report(
            _me(), event, ReportTarget(form.target.data), form.target_id.data, form.reason.data
        )
    except ServiceError as exc:
        db.session.rollback()
        if _wants_json():
            return json_refusal(exc.code, exc.message, 404 if exc.code == "not_found" else 400)
        flash(exc.message, "warning")
        return redirect(back)
    db.session.commit()
    thanks = _("Thank you. The moderators will look at it.")
    if _wants_json():
        return jsonify({"ok": True, "message": thanks})
    flash(thanks, "success")
    return redirect(back)


# --- the queue ---------------------------------------------------------------------------------


def _person(event: Event, user_id: int | None) -> User:
    """A person who takes part in ``event`` (404 for anybody else)."""
    person = db.session.get(User, user_id) if user_id else None
    if person is None or not standing(person, event).is_participant:
        abort(404)
    return person


def _apply(me: User, event: Event, form: ActionForm) -> str:
    """Run one moderator action; returns what to tell the moderator."""
    action = form.action.data
    reason = (form.reason.data or "").strip()
    target = ReportTarget(form.target.data) if form.target.data else None
    target_id = form.target_id.data
    if action in ("hide", "restore", "approve", "dismiss"):
        if target is None or not target_id:
            abort(400)
        getattr(service, action)(me, event, target, target_id, reason)
        return {
            "hide": _("Hidden. The author was told."),
            "restore": _("Restored. The author was told."),
            "approve": _("Approved: everyone can see it now."),
            "dismiss": _("The report is dismissed."),
        }[action]
    person = _person(event, form.user_id.data)
    if action == "warn":
        service.warn(me, event, person, reason, target, target_id)
        return _("%(name)s was warned.", name=person.display_name)
    if action in ("suspend_posting", "suspend_messaging"):
        scope = action.removeprefix("suspend_")
        service.suspend(me, event, person, scope, form.length.data, reason, target, target_id)
        return _("%(name)s is suspended.", name=person.display_name)
    scope = action.removeprefix("lift_")
    service.lift(me, event, person, scope, reason)
    return _("%(name)s's suspension is lifted.", name=person.display_name)


@bp.route("/e/<slug>/moderation/", methods=["GET", "POST"])
@login_required
def queue(slug: str):
    """The one queue: reported messages, questions, posts, news and profiles, the word
    filter's held items, and the suspensions in force."""
    event = event_or_404(slug)
    authorize("moderation.queue", event)
    me = _me()
    form = ActionForm()
    if form.validate_on_submit():
        try:
            done = _apply(me, event, form)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "warning")
        else:
            db.session.commit()
            flash(done, "success")
        return redirect(url_for(".queue", slug=event.slug))
    if form.is_submitted():
        flash(_("That action could not be read. Please try again."), "danger")
    return render_template(
        "moderation/queue.html",
        event=event,
        entries=service.queue(event),
        suspensions=service.suspensions(event),
        organizer=can(me, "event.manage", event),
        reason_max=service.REASON_MAX,
    )


@bp.get("/e/<slug>/moderation/log")
@login_required
def log(slug: str):
    """Every moderator action of the event: who, what, about whom, why and when."""
    event = event_or_404(slug)
    authorize("moderation.queue", event)
    return render_template(
        "moderation/log.html",
        event=event,
        entries=service.log(event),
        organizer=can(_me(), "event.manage", event),
        limit=service.LOG_LIMIT,
    )
