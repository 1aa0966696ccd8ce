"""A sponsor's lead pages for its staff (and, read only, the event's organizers): the
shared lead list with search and filters, one lead with its consent record and
qualification, the exports, the sponsor's own questions and its dashboard.

Every lead shown comes from ``leads.active_leads`` (through ``services.lead_lists``):
a withdrawn person is only ever a number here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference.blueprints.common import attachment, authorize, form_errors_from
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import posted_direction
from conference.blueprints.sponsors import bp
from conference.blueprints.sponsors.common import sponsor_or_404, workspace_nav
from conference.blueprints.sponsors.lead_forms import QualifyForm, QuestionForm
from conference.enums import LeadFollowUp, LeadRating, LeadSource
from conference.extensions import db
from conference.models import Event, Sponsor
from conference.permissions import can
from conference.services import ServiceError, lead_lists
from conference.services.leads import withdrawn_count

#: The list's query-string filters, kept across pages and exports.
FILTER_ARGS = ("q", "rating", "follow_up", "source", "tag", "by")

_LABELS = {
    "source_labels": lead_lists.SOURCE_LABELS,
    "rating_labels": lead_lists.RATING_LABELS,
    "follow_up_labels": lead_lists.FOLLOW_UP_LABELS,
}


def _enum_arg(name: str, enum):
    value = request.args.get(name, "")
    return enum(value) if value in enum.__members__ else None


def _filters() -> lead_lists.LeadFilters:
    """The filters in the query string; values that are not known are ignored."""
    by = request.args.get("by", "")
    return lead_lists.LeadFilters(
        q=request.args.get("q", "")[:200],
        rating=_enum_arg("rating", LeadRating),
        follow_up=_enum_arg("follow_up", LeadFollowUp),
        source=_enum_arg("source", LeadSource),
        tag=request.args.get("tag", "")[:100],
        captured_by=int(by) if by.isdigit() else None,
    )


def _filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _workspace(slug: str, sponsor_id: int, action: str) -> tuple[Event, Sponsor]:
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize(action, sponsor)
    return event, sponsor


@bp.get("/e/<slug>/sponsors/<int:sponsor_id>/leads/")
@login_required
def leads(slug: str, sponsor_id: int):
    event, sponsor = _workspace(slug, sponsor_id, "leads.view")
    filters = _filters()
    page = lead_lists.leads_page(sponsor, filters, request.args.get("page", 1, type=int))
    return render_template(
        "sponsors/leads.html",
        event=event,
        sponsor=sponsor,
        filters=filters,
        filter_args=_filter_args(),
        page=page,
        total=lead_lists.visible_count(sponsor),
        withdrawn=withdrawn_count(sponsor),
        tags=lead_lists.tags_in_use(sponsor),
        capturers=lead_lists.capturers(sponsor),
        may_export=can(current_user, "leads.export", sponsor),
        export_formats=lead_lists.EXPORT_FORMATS,
        **_LABELS,
        **workspace_nav(event, sponsor),
    )


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/leads/<int:lead_id>", methods=["GET", "POST"])
@login_required
def lead(slug: str, sponsor_id: int, lead_id: int):
    """One lead: staff who may qualify it get the form, organizers read it."""
    event, sponsor = _workspace(slug, sponsor_id, "leads.view")
    row = lead_lists.lead_with_details(sponsor, lead_id)
    if row is None:
        abort(404)
    may_qualify = can(current_user, "lead.qualify", row)
    if request.method == "POST" and not may_qualify:
        abort(403)
    questions = lead_lists.questions_of(sponsor)
    answers = lead_lists.answers_of(row)
    form = QualifyForm.for_lead(row, questions, answers) if may_qualify else None
    if form is not None and form.validate_on_submit():
        try:
            lead_lists.qualify(current_user, row, **form.service_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Saved what you know about %(name)s.", name=row.user.display_name), "success")
            return redirect(
                url_for("sponsors.lead", slug=slug, sponsor_id=sponsor_id, lead_id=lead_id)
            )
    return render_template(
        "sponsors/lead.html",
        event=event,
        sponsor=sponsor,
        lead=row,
        person=row.user,
        registration=row.registration,
        form=form,
        questions=questions,
        answers=answers,
        yes_no_labels=lead_lists.YES_NO_LABELS,
        back=url_for("sponsors.leads", slug=slug, sponsor_id=sponsor_id),
        **_LABELS,
        **workspace_nav(event, sponsor),
    )


@bp.get("/e/<slug>/sponsors/<int:sponsor_id>/leads/export.<fmt>")
@login_required
def leads_export(slug: str, sponsor_id: int, fmt: str):
    """The list (with the filters of the query string) as CSV, vCard or XLSX; each
    download is recorded for the organizers."""
    _event, sponsor = _workspace(slug, sponsor_id, "leads.export")
    if fmt not in lead_lists.EXPORT_FORMATS:
        abort(404)
    file = lead_lists.export(current_user, sponsor, fmt, _filters())
    db.session.commit()
    return attachment(file.data, file.content_type, file.filename)


# --- the sponsor's questions ----------------------------------------------------------------


def _edit_form(question) -> QuestionForm:
    return QuestionForm(
        prefix="edit",
        formdata=None,
        data={
            "prompt": question.prompt,
            "kind": question.kind.value,
            "choices": "\n".join(question.choices),
        },
    )


def _posted_question(sponsor: Sponsor):
    question = lead_lists.question_in(sponsor, request.form.get("question_id", type=int))
    if question is None:
        abort(404)
    return question


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/questions", methods=["GET", "POST"])
@login_required
def questions(slug: str, sponsor_id: int):
    """The sponsor's qualification questions: GET lists them (``?edit=<id>`` opens one),
    POST does the posted ``action`` (add, update, up, down, delete) and comes back.
    Deleting a question that leads have answered asks first."""
    event, sponsor = _workspace(slug, sponsor_id, "leads.questions")
    add_form = QuestionForm(prefix="new", formdata=None)
    editing = edit_form = confirm = None

    def back():
        return redirect(url_for("sponsors.questions", slug=slug, sponsor_id=sponsor_id))

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = lead_lists.question_in(sponsor, edit_id)
        if editing is None:
            abort(404)
        edit_form = _edit_form(editing)

    if request.method == "POST":
        action = request.form.get("action")
        form = None
        try:
            if action == "add":
                form = add_form = QuestionForm(prefix="new")
                if form.validate_on_submit():
                    lead_lists.add_question(current_user, sponsor, **form.service_fields())
                    db.session.commit()
                    flash(_("The question is added."), "success")
                    return back()
            elif action == "update":
                editing = _posted_question(sponsor)
                form = edit_form = QuestionForm(prefix="edit")
                if form.validate_on_submit():
                    lead_lists.update_question(current_user, editing, **form.service_fields())
                    db.session.commit()
                    flash(_("The question is saved."), "success")
                    return back()
            elif action in ("up", "down"):
                if not ButtonForm().validate_on_submit():
                    abort(400)
                lead_lists.move_question(
                    current_user, _posted_question(sponsor), posted_direction()
                )
                db.session.commit()
                return back()
            elif action == "delete":
                if not ButtonForm().validate_on_submit():
                    abort(400)
                question = _posted_question(sponsor)
                answered = lead_lists.answer_counts(sponsor).get(question.id, 0)
                if answered and request.form.get("confirm") != "yes":
                    confirm = (question, answered)
                else:
                    removed = lead_lists.delete_question(current_user, question)
                    db.session.commit()
                    flash(
                        ngettext(
                            "The question is deleted, with %(num)d answer.",
                            "The question is deleted, with %(num)d answers.",
                            removed,
                        )
                        if removed
                        else _("The question is deleted."),
                        "success",
                    )
                    return back()
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        "sponsors/questions.html",
        event=event,
        sponsor=sponsor,
        questions=lead_lists.questions_of(sponsor),
        usage=lead_lists.answer_counts(sponsor),
        kind_labels=lead_lists.QUESTION_KIND_LABELS,
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        confirm=confirm,
        button_form=ButtonForm(),
        **workspace_nav(event, sponsor),
    )


# --- the dashboard ----------------------------------------------------------------------------


@bp.get("/e/<slug>/sponsors/<int:sponsor_id>/dashboard")
@login_required
def dashboard(slug: str, sponsor_id: int):
    """Leads (for those who may see them), booth visits, downloads and meetings."""
    event, sponsor = _workspace(slug, sponsor_id, "sponsor.workspace")
    may_see_leads = can(current_user, "leads.view", sponsor)
    return render_template(
        "sponsors/dashboard.html",
        event=event,
        sponsor=sponsor,
        stats=lead_lists.dashboard(sponsor, with_leads=may_see_leads),
        package=sponsor.package,
        **workspace_nav(event, sponsor),
    )
