"""The organizer's settings of one event: overview, event details, taxonomy,
ticket types, team and invitation codes.

Every view loads the event, requires ``event.manage``, calls one service
function, commits once and redirects (post/redirect/get); on a refusal it
rolls back and shows the page again with the message and what was typed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import form_errors_from
from conference.blueprints.events.forms import EditEventForm
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import (
    ButtonForm,
    InvitationForm,
    RoleForm,
    TermForm,
    TicketTypeForm,
)
from conference.blueprints.organizer.lookups import (
    event_row_or_404,
    managed_event,
    posted_direction,
    posted_row_or_404,
)
from conference.enums import EventRoleKind, TaxonomyKind
from conference.extensions import db
from conference.models import Event, EventRole, InvitationCode, TaxonomyTerm, TicketType
from conference.permissions import can
from conference.services import ServiceError
from conference.services import events as event_service


@bp.get("/")
@login_required
def dashboard(slug: str):
    event = managed_event(slug)
    return render_template(
        "organizer/dashboard.html",
        event=event,
        stats=event_service.event_stats(event),
        labels=event_service.TAXONOMY_LABELS,
    )


@bp.route("/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    event = managed_event(slug)
    form = EditEventForm(obj=event)
    if form.validate_on_submit():
        try:
            event_service.update_event(event, **form.event_fields())
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("The event's settings are saved."), "success")
            return redirect(url_for("organizer.edit", slug=event.slug))
    return render_template("organizer/edit.html", event=event, form=form)


@bp.route("/taxonomy", methods=["GET", "POST"])
@login_required
def taxonomy(slug: str):
    event = managed_event(slug)
    add_forms = {kind: TermForm(prefix=f"add-{kind.value}", formdata=None) for kind in TaxonomyKind}
    editing: TaxonomyTerm | None = None
    rename_form: TermForm | None = None
    confirm: tuple[TaxonomyTerm, int] | None = None

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = event_row_or_404(TaxonomyTerm, event, edit_id)
        rename_form = TermForm(prefix="rename", formdata=None, obj=editing)

    if request.method == "POST":
        action = request.form.get("action")
        form: TermForm | None = None
        try:
            if action == "add":
                kind = _posted_kind()
                form = add_forms[kind] = TermForm(prefix=f"add-{kind.value}")
                if form.validate_on_submit():
                    term = event_service.add_term(event, kind, form.name.data)
                    db.session.commit()
                    flash(_("“%(name)s” is added.", name=term.name), "success")
                    return _back_to_taxonomy(event, kind)
            elif action == "rename":
                editing = posted_row_or_404(TaxonomyTerm, event, "term_id")
                form = rename_form = TermForm(prefix="rename")
                if form.validate_on_submit():
                    event_service.rename_term(editing, form.name.data)
                    db.session.commit()
                    flash(_("Renamed to “%(name)s”.", name=editing.name), "success")
                    return _back_to_taxonomy(event, editing.kind)
            elif action in ("up", "down"):
                term = posted_row_or_404(TaxonomyTerm, event, "term_id")
                event_service.move_term(term, posted_direction())
                db.session.commit()
                return _back_to_taxonomy(event, term.kind)
            elif action == "delete":
                term = posted_row_or_404(TaxonomyTerm, event, "term_id")
                used = event_service.term_usage(term)
                if used and request.form.get("confirm") != "yes":
                    confirm = (term, used)
                else:
                    name, kind = term.name, term.kind
                    event_service.delete_term(term, confirmed=True)
                    db.session.commit()
                    flash(_("“%(name)s” is deleted.", name=name), "success")
                    return _back_to_taxonomy(event, kind)
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        "organizer/taxonomy.html",
        event=event,
        kinds=[(kind, event_service.TAXONOMY_LABELS[kind]) for kind in TaxonomyKind],
        terms={kind: event_service.terms_of(event, kind) for kind in TaxonomyKind},
        usage=event_service.term_usages(event),
        add_forms=add_forms,
        editing=editing,
        rename_form=rename_form,
        confirm=confirm,
        button_form=ButtonForm(),
    )


def _posted_kind() -> TaxonomyKind:
    try:
        return TaxonomyKind(request.form.get("kind", ""))
    except ValueError:
        abort(400)


def _back_to_taxonomy(event: Event, kind: TaxonomyKind):
    return redirect(url_for("organizer.taxonomy", slug=event.slug, _anchor=f"list-{kind.value}"))


@bp.route("/ticket-types", methods=["GET", "POST"])
@login_required
def ticket_types(slug: str):
    event = managed_event(slug)
    add_form = TicketTypeForm(prefix="new", formdata=None)
    editing: TicketType | None = None
    edit_form: TicketTypeForm | None = None

    if request.method == "GET" and (edit_id := request.args.get("edit", type=int)):
        editing = event_row_or_404(TicketType, event, edit_id)
        edit_form = TicketTypeForm(prefix="edit", formdata=None, obj=editing)

    if request.method == "POST":
        action = request.form.get("action")
        form = None
        try:
            if action == "add":
                form = add_form = TicketTypeForm(prefix="new")
                if form.validate_on_submit():
                    ticket = event_service.add_ticket_type(
                        event, form.name.data, form.description.data, form.capacity.data
                    )
                    db.session.commit()
                    flash(_("Ticket type “%(name)s” is added.", name=ticket.name), "success")
                    return redirect(url_for("organizer.ticket_types", slug=event.slug))
            elif action == "update":
                editing = posted_row_or_404(TicketType, event, "ticket_id")
                form = edit_form = TicketTypeForm(prefix="edit")
                if form.validate_on_submit():
                    event_service.update_ticket_type(
                        editing, form.name.data, form.description.data, form.capacity.data
                    )
                    db.session.commit()
                    flash(_("Ticket type “%(name)s” is saved.", name=editing.name), "success")
                    return redirect(url_for("organizer.ticket_types", slug=event.slug))
            elif action in ("up", "down"):
                ticket = posted_row_or_404(TicketType, event, "ticket_id")
                event_service.move_ticket_type(ticket, posted_direction())
                db.session.commit()
                return redirect(url_for("organizer.ticket_types", slug=event.slug))
            elif action == "delete":
                ticket = posted_row_or_404(TicketType, event, "ticket_id")
                name = ticket.name
                event_service.delete_ticket_type(ticket)
                db.session.commit()
                flash(_("Ticket type “%(name)s” is deleted.", name=name), "success")
                return redirect(url_for("organizer.ticket_types", slug=event.slug))
            else:
                abort(400)
        except ServiceError as exc:
            db.session.rollback()
            if form is not None:
                form_errors_from(exc, form)
            else:
                flash(exc.message, "danger")

    return render_template(
        "organizer/ticket_types.html",
        event=event,
        usage=event_service.ticket_type_usages(event),
        add_form=add_form,
        editing=editing,
        edit_form=edit_form,
        button_form=ButtonForm(),
    )


@bp.route("/team", methods=["GET", "POST"])
@login_required
def team(slug: str):
    event = managed_event(slug)
    form = RoleForm(formdata=None)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "grant":
            form = RoleForm()
            if form.validate_on_submit():
                try:
                    granted = event_service.grant_role(
                        event, form.email.data, EventRoleKind(form.role.data)
                    )
                except ServiceError as exc:
                    db.session.rollback()
                    form_errors_from(exc, form)
                else:
                    db.session.commit()
                    flash(
                        _(
                            "%(name)s is now %(role)s.",
                            name=granted.user.display_name,
                            role=str(event_service.ROLE_LABELS[granted.role]).lower(),
                        ),
                        "success",
                    )
                    return redirect(url_for("organizer.team", slug=event.slug))
        elif action == "revoke":
            role = posted_row_or_404(EventRole, event, "role_id")
            if role.role == EventRoleKind.sponsor_staff:
                flash(_("Sponsor staff are removed on their sponsor's team page."), "danger")
                return redirect(url_for("organizer.sponsors", slug=event.slug))
            name, label = role.user.display_name, event_service.ROLE_LABELS[role.role]
            try:
                event_service.revoke_role(role)
            except ServiceError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                db.session.commit()
                flash(
                    _("%(name)s is no longer %(role)s.", name=name, role=str(label).lower()),
                    "success",
                )
                if not can(current_user, "event.manage", event):
                    return redirect(url_for("events.landing", slug=event.slug))
                return redirect(url_for("organizer.team", slug=event.slug))
        else:
            abort(400)

    people: dict[int, list[EventRole]] = {}
    for role in event_service.team_roles(event):
        people.setdefault(role.user_id, []).append(role)
    return render_template(
        "organizer/team.html",
        event=event,
        people=list(people.values()),
        role_labels=event_service.ROLE_LABELS,
        form=form,
        button_form=ButtonForm(),
    )


@bp.route("/invitations", methods=["GET", "POST"])
@login_required
def invitations(slug: str):
    event = managed_event(slug)
    form = InvitationForm(formdata=None)
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            form = InvitationForm()
            if form.validate_on_submit():
                try:
                    code = event_service.create_invitation_code(
                        event, form.note.data, form.max_uses.data
                    )
                except ServiceError as exc:
                    db.session.rollback()
                    form_errors_from(exc, form)
                else:
                    db.session.commit()
                    flash(_("New invitation code: %(code)s", code=code.code), "success")
                    return redirect(url_for("organizer.invitations", slug=event.slug))
        elif action == "revoke":
            code = posted_row_or_404(InvitationCode, event, "code_id")
            event_service.revoke_invitation_code(code)
            db.session.commit()
            flash(_("Code %(code)s no longer admits anyone.", code=code.code), "success")
            return redirect(url_for("organizer.invitations", slug=event.slug))
        else:
            abort(400)

    codes = event_service.invitation_codes(event)
    return render_template(
        "organizer/invitations.html",
        event=event,
        codes=codes,
        links={
            code.id: url_for(
                "registration.register", slug=event.slug, code=code.code, _external=True
            )
            for code in codes
        },
        form=form,
        button_form=ButtonForm(),
    )
