"""The session Q&A over HTTP.

The box on the session page comes from the ``qa_panel`` template global (the session
page includes ``qa/_session_qa.html``); its script then works over the page's socket
(``conference.realtime.qa``). The POST routes here are the same actions for pages
without the script: each checks its rule, calls the service, commits and comes back to
the session page (or answers JSON when asked for it). ``questions`` gives the list as
the viewer may see it, for the script to catch up after a reconnect. The presenter view
is a page of its own in large type for the room's screen.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import (
    authorize_participant,
    event_or_404,
    form_errors_from,
    json_refusal,
)
from conference.blueprints.qa import bp
from conference.blueprints.qa.forms import AskForm, HideForm, SwitchForm
from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import Event, ProgramSession, Question
from conference.permissions import can, moderates
from conference.services import ServiceError
from conference.services import qa as service
from conference.services.program import session_of


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _session(slug: str, session_id: int) -> tuple[Event, ProgramSession]:
    event = event_or_404(slug)
    session = session_of(event, session_id)
    if session is None:
        abort(404)
    return event, session


def _back(event: Event, session: ProgramSession):
    return redirect(url_for("program.session", slug=event.slug, session_id=session.id) + "#qa")


def _refuse(event: Event, session: ProgramSession, message: str, status: int = 403):
    if _wants_json():
        return json_refusal("forbidden", message, status)
    if not can(current_user, "qa.view", session):
        authorize_participant("qa.view", event, session)
    flash(message, "danger")
    return _back(event, session)


def _question(session: ProgramSession, question_id: int) -> Question:
    """A question of the session the current user may see, else 404."""
    question = service.question_of(session, question_id)
    if question is None or not can(current_user, "qa.view", session):
        abort(404)
    if question.status != ContentStatus.visible and not can(current_user, "qa.authors", session):
        abort(404)
    return question


@bp.app_template_global("qa_panel")
def qa_panel(session: ProgramSession) -> dict | None:
    """The Q&A box of the session page for the current user; None when they may not
    see it (the box then says who may)."""
    if not current_user.is_authenticated or not can(current_user, "qa.view", session):
        return None
    sort = request.args.get("qa_sort", "votes")
    viewer = current_user._get_current_object()
    panel = service.panel(viewer, session, sort)
    return {
        "panel": panel,
        "items": [
            (
                service.payload(q, moderator=panel.authors, mine=q.author_id == viewer.id),
                q.id in panel.voted,
            )
            for q in panel.questions
        ],
        "blank": service.BLANK,
        "ask_form": AskForm(formdata=None),
        "switch_form": SwitchForm(formdata=None),
        "hide_form": HideForm(formdata=None),
        "body_max": service.BODY_MAX,
        "can_report": can(viewer, "content.report", session.event),
        "can_present": can(viewer, "qa.present", session),
        "event_moderator": moderates(viewer, session.event),
    }


@bp.route("")
def questions(slug: str, session_id: int):
    _event, session = _session(slug, session_id)
    if not can(current_user, "qa.view", session):
        return json_refusal("forbidden", _("Only participants of the event see its Q&A."), 403)
    viewer = current_user._get_current_object()
    authors = can(viewer, "qa.authors", session)
    listed = service.questions_for(viewer, session, request.args.get("sort", "votes"))
    return jsonify(
        {
            "ok": True,
            "moderator": can(viewer, "question.moderate", session),
            "questions": [
                service.payload(q, moderator=authors, mine=q.author_id == viewer.id) for q in listed
            ],
            "voted": sorted(service.voted_by(viewer, listed)),
        }
    )


@bp.route("/present")
def present(slug: str, session_id: int):
    event, session = _session(slug, session_id)
    authorize_participant("qa.present", event, session)
    return render_template(
        "qa/present.html",
        event=event,
        session=session,
        questions=service.presented(session),
        limit=service.PRESENT_LIMIT,
    )


@bp.route("/ask", methods=["POST"])
@login_required
def ask(slug: str, session_id: int):
    event, session = _session(slug, session_id)
    if not can(current_user, "question.ask", session):
        return _refuse(event, session, _("You cannot ask questions here now."))
    form = AskForm()
    if not form.validate_on_submit():
        message = "; ".join(e for errors in form.errors.values() for e in errors)
        if _wants_json():
            return json_refusal("invalid", message, 400)
        flash(message, "danger")
        return _back(event, session)
    try:
        question = service.ask(
            current_user._get_current_object(), session, form.body.data, form.anonymous.data
        )
    except ServiceError as exc:
        db.session.rollback()
        if _wants_json():
            return json_refusal(exc.code, exc.message, 400)
        form_errors_from(exc, form)
        return _back(event, session)
    db.session.commit()
    if question.status == ContentStatus.held:
        message = _("Your question waits for a moderator before others see it.")
    else:
        message = _("Your question was posted.")
    if _wants_json():
        return {
            "ok": True,
            "message": message,
            "question": service.payload(question, moderator=False, mine=True),
        }
    flash(message, "success" if question.status == ContentStatus.visible else "info")
    return _back(event, session)


def _switch(slug: str, session_id: int, question_id: int, rule: str, change):
    """Run ``change(question, on, form)`` for a one-button form after checking ``rule``
    (on the question for votes, on the session otherwise)."""
    event, session = _session(slug, session_id)
    question = _question(session, question_id)
    subject = question if rule == "question.vote" else session
    if not can(current_user, rule, subject):
        return _refuse(event, session, _("You cannot do this here."))
    form = HideForm() if rule == "question.moderate" else SwitchForm()
    if not form.validate_on_submit():
        if _wants_json():
            return json_refusal("bad_request", _("Bad request"), 400)
        abort(400)
    try:
        message = change(question, form.on.data == "1", form)
    except ServiceError as exc:
        db.session.rollback()
        if _wants_json():
            return json_refusal(exc.code, exc.message, 400)
        flash(exc.message, "danger")
        return _back(event, session)
    db.session.commit()
    if _wants_json():
        data = service.payload(
            question,
            moderator=can(current_user, "qa.authors", session),
            mine=question.author_id == current_user.id,
        )
        return {"ok": True, "message": message, "question": data}
    flash(message, "success")
    return _back(event, session)


@bp.route("/<int:question_id>/vote", methods=["POST"])
@login_required
def vote(slug: str, session_id: int, question_id: int):
    def change(question, on, _form):
        user = current_user._get_current_object()
        if on:
            service.vote(user, question)
            return _("Your vote counts.")
        service.unvote(user, question)
        return _("Your vote was withdrawn.")

    return _switch(slug, session_id, question_id, "question.vote", change)


@bp.route("/<int:question_id>/answered", methods=["POST"])
@login_required
def answered(slug: str, session_id: int, question_id: int):
    def change(question, on, _form):
        service.set_answered(question, on)
        return _("Marked as answered.") if on else _("Marked as not answered.")

    return _switch(slug, session_id, question_id, "question.moderate", change)


@bp.route("/<int:question_id>/pin", methods=["POST"])
@login_required
def pin(slug: str, session_id: int, question_id: int):
    def change(question, on, _form):
        service.set_pinned(question, on)
        return _("The question is pinned.") if on else _("The question is no longer pinned.")

    return _switch(slug, session_id, question_id, "question.moderate", change)


@bp.route("/<int:question_id>/hide", methods=["POST"])
@login_required
def hide(slug: str, session_id: int, question_id: int):
    def change(question, on, form):
        user = current_user._get_current_object()
        reason = form.reason.data or ""
        if on:
            service.hide(user, question, reason)
            return _("The question is hidden from participants.")
        if question.status == ContentStatus.held:
            service.approve(user, question, reason)
        else:
            service.restore(user, question, reason)
        return _("The question shows again.")

    return _switch(slug, session_id, question_id, "question.moderate", change)
