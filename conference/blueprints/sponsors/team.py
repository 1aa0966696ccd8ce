"""A sponsor's team: its staff and open invitations, inviting within the package's seats,
revoking invitations and removing staff (``sponsor.team``: the sponsor's admins and the
event's organizers); and the page an invitation link opens, where the invited person
accepts with the account of the invited address.

Views are thin: ``conference.services.sponsors`` checks the seats, the addresses and
the permission again, under a lock; a refusal rolls back and shows the page with the
message next to the field.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import authorize, form_errors_from
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.sponsors import bp
from conference.blueprints.sponsors.common import sponsor_or_404, workspace_nav
from conference.blueprints.sponsors.team_forms import InviteForm
from conference.extensions import db
from conference.models import Sponsor
from conference.permissions import can
from conference.services import ServiceError
from conference.services import sponsors as service

_BASE = "/e/<slug>/sponsors/<int:sponsor_id>/team"


def _team(slug: str, sponsor_id: int):
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize("sponsor.team", sponsor)
    return event, sponsor


def _back(sponsor: Sponsor):
    return redirect(url_for("sponsors.team", slug=sponsor.event.slug, sponsor_id=sponsor.id))


@bp.route(_BASE, methods=["GET", "POST"])
@login_required
def team(slug: str, sponsor_id: int):
    event, sponsor = _team(slug, sponsor_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation = service.invite(
                current_user, sponsor, form.email.data, as_admin=form.as_admin.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("An invitation is on its way to %(email)s.", email=invitation.email), "success")
            return _back(sponsor)
    return render_template(
        "sponsors/team.html",
        event=event,
        sponsor=sponsor,
        form=form,
        members=service.members_of(sponsor),
        invitations=service.open_invitations(sponsor),
        seats=service.seats(sponsor),
        button_form=ButtonForm(),
        **workspace_nav(event, sponsor),
    )


def _button_pressed() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


@bp.post(f"{_BASE}/invitations/<int:invitation_id>/revoke")
@login_required
def team_revoke(slug: str, sponsor_id: int, invitation_id: int):
    _event, sponsor = _team(slug, sponsor_id)
    invitation = service.invitation_in(sponsor, invitation_id)
    if invitation is None:
        abort(404)
    _button_pressed()
    try:
        service.revoke_invitation(current_user, invitation)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(_("The invitation to %(email)s is revoked.", email=invitation.email), "success")
    return _back(sponsor)


@bp.post(f"{_BASE}/members/<int:member_id>/remove")
@login_required
def team_remove(slug: str, sponsor_id: int, member_id: int):
    event, sponsor = _team(slug, sponsor_id)
    member = service.member_in(sponsor, member_id)
    if member is None:
        abort(404)
    _button_pressed()
    name = member.user.display_name
    try:
        service.remove_member(current_user, member)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _back(sponsor)
    db.session.commit()
    flash(_("%(name)s is no longer on the staff.", name=name), "success")
    if not can(current_user, "sponsor.team", sponsor):
        return redirect(url_for("events.landing", slug=event.slug))
    return _back(sponsor)


@bp.route("/sponsor-invitations/<token>", methods=["GET", "POST"])
@login_required
def accept_invitation(token: str):
    invitation = service.invitation_by_token(token)
    if invitation is None:
        abort(404)
    sponsor = invitation.sponsor
    event = sponsor.event
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            service.accept_invitation(current_user, invitation)
        except ServiceError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Welcome to the staff of %(sponsor)s.", sponsor=sponsor.name), "success")
            tabs = workspace_nav(event, sponsor)["tabs"]
            return redirect(tabs[0].href if tabs else url_for("events.landing", slug=event.slug))
        invitation = service.invitation_by_token(token)
    return render_template(
        "sponsors/invitation.html",
        event=event,
        sponsor=sponsor,
        invitation=invitation,
        refusal=service.invitation_refusal(current_user, invitation),
        form=form,
    )
