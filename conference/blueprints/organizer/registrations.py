"""The organizer's registrations pages: the table with search, filters and bulk
decisions, editing one registration, and the CSV export.

Every view requires ``event.manage`` on the event of the address, and every
registration is looked up within that event (another event's id is a 404).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from conference.blueprints.common import attachment, form_errors_from
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.lookups import event_row_or_404, managed_event
from conference.blueprints.registration.forms import BulkDecisionForm, OrganizerRegistrationForm
from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import Event, Registration
from conference.services import ServiceError
from conference.services import registrations as service

#: The table's query-string filters, kept across pages, exports and bulk actions.
FILTER_ARGS = ("q", "status", "ticket", "industry", "region", "role")
STATUS_VALUES = frozenset(status.value for status in RegistrationStatus)


def _filters() -> service.RegistrationFilters:
    """The filters in the query string; values that are not ids or statuses are ignored."""
    args = request.args
    status = args.get("status", "")
    return service.RegistrationFilters(
        q=args.get("q", "")[:200],
        status=RegistrationStatus(status) if status in STATUS_VALUES else None,
        ticket_type_id=args.get("ticket", type=int),
        industry_id=args.get("industry", type=int),
        region_id=args.get("region", type=int),
        job_role_id=args.get("role", type=int),
    )


def _filter_args() -> dict[str, str]:
    return {name: request.args[name] for name in FILTER_ARGS if request.args.get(name)}


def _table_url(event: Event) -> str:
    return url_for("organizer.registrations", slug=event.slug)


def _return_to(event: Event, target: str | None) -> str:
    """``target`` if it is this event's registrations table (with its filters), else the table."""
    base = _table_url(event)
    if target and (target == base or target.startswith(base + "?")) and "\\" not in target:
        return target
    return base


@bp.get("/registrations")
@login_required
def registrations(slug: str):
    event = managed_event(slug)
    filters = _filters()
    page = service.registrations_page(event, filters, request.args.get("page", 1, type=int))
    return render_template(
        "organizer/registrations.html",
        event=event,
        active="registrations",
        filters=filters,
        filter_args=_filter_args(),
        tab_args={k: v for k, v in _filter_args().items() if k != "status"},
        page=page,
        counts=service.status_counts(event, filters),
        bulk_form=BulkDecisionForm(return_to=request.full_path.rstrip("?")),
        statuses=list(RegistrationStatus),
    )


@bp.post("/registrations/bulk")
@login_required
def registrations_bulk(slug: str):
    """Approve at once; declining and cancelling ask for confirmation (and a note) first."""
    event = managed_event(slug)
    form = BulkDecisionForm()
    back = _return_to(event, form.return_to.data)
    if not form.validate():
        flash(_("Choose what to do with the selected registrations."), "danger")
        return redirect(back)
    ids = form.registration_ids.data or []
    if not ids:
        flash(_("Select at least one registration first."), "warning")
        return redirect(back)
    status = RegistrationStatus(form.action.data)
    if status != RegistrationStatus.approved and not form.confirmed.data:
        selected = db.session.scalars(
            service.with_details(
                sa.select(Registration)
                .where(Registration.event_id == event.id, Registration.id.in_(ids))
                .order_by(Registration.sort_name, Registration.id)
            )
        ).all()
        return render_template(
            "organizer/registrations_confirm.html",
            event=event,
            active="registrations",
            form=form,
            status=status,
            selected=selected,
            back=back,
        )
    try:
        decision = service.decide(current_user, event, ids, status, form.note.data or "")
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(back)
    db.session.commit()
    done = len(decision.changed)
    messages = {
        RegistrationStatus.approved: ngettext(
            "%(num)d registration approved.", "%(num)d registrations approved.", done
        ),
        RegistrationStatus.declined: ngettext(
            "%(num)d registration declined.", "%(num)d registrations declined.", done
        ),
        RegistrationStatus.cancelled: ngettext(
            "%(num)d registration cancelled.", "%(num)d registrations cancelled.", done
        ),
    }
    flash(messages[status], "success" if done else "info")
    if decision.skipped:
        flash(
            ngettext(
                "%(num)d selected registration was left as it was (already in that state or "
                "not possible from its status).",
                "%(num)d selected registrations were left as they were (already in that "
                "state or not possible from their status).",
                len(decision.skipped),
            ),
            "info",
        )
    return redirect(back)


@bp.route("/registrations/<int:registration_id>", methods=["GET", "POST"])
@login_required
def registration_edit(slug: str, registration_id: int):
    event = managed_event(slug)
    registration = event_row_or_404(Registration, event, registration_id)
    form = OrganizerRegistrationForm.for_event(
        event,
        data={
            "status": registration.status.value,
            "ticket_type": registration.ticket_type_id,
            "industry": registration.industry_id,
            "region": registration.region_id,
            "job_role": registration.job_role_id,
            "interests": [term.id for term in registration.interests],
            "organizer_note": registration.organizer_note,
        },
    )
    if form.validate_on_submit():
        try:
            service.update_by_organizer(
                current_user,
                event,
                registration,
                status=RegistrationStatus(form.status.data),
                **form.choices(),
                organizer_note=form.organizer_note.data or "",
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(
                _("The registration of %(name)s is saved.", name=registration.user.display_name),
                "success",
            )
            return redirect(_return_to(event, request.args.get("back")))
    return render_template(
        "organizer/registrations_edit.html",
        event=event,
        active="registrations",
        registration=registration,
        person=registration.user,
        form=form,
        back=_return_to(event, request.args.get("back")),
    )


@bp.get("/registrations.csv")
@login_required
def registrations_export(slug: str):
    event = managed_event(slug)
    rows = db.session.scalars(service.with_details(service.filtered(event, _filters()))).all()
    filename = f"{event.slug}-registrations-{date.today():%Y%m%d}.csv"
    return attachment(service.registrations_csv(rows), "text/csv", filename)
