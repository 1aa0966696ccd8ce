"""Points pages: the organizers' values and caps (``/e/<slug>/manage/points``), the
leaderboard (``/e/<slug>/leaderboard``) and "My points" (``/e/<slug>/points/mine``),
where a participant also keeps themselves off the leaderboard.

The rules form has one value and one optional daily cap per kind, built from
``PointKind`` so a new kind shows up by itself; the service checks the ranges again and
names the field it refuses.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional

from conference.blueprints.common import authorize_participant, event_or_404, form_errors_from
from conference.blueprints.organizer.lookups import managed_event
from conference.blueprints.points import bp
from conference.enums import PointKind
from conference.extensions import db
from conference.models import Event
from conference.permissions import can
from conference.services import ServiceError
from conference.services import points as service


class RulesForm(FlaskForm):
    """``<kind>_points`` and ``<kind>_daily_cap`` for every kind (added below), and
    whether participants see the leaderboard."""

    leaderboard_visible = BooleanField(
        _l("Show the leaderboard to participants"),
        description=_l("Organizers always see it. Participants can keep themselves off it."),
    )

    def rows(self):
        """(label, value field, cap field) per kind, in the enum's order."""
        return [
            (
                service.KIND_LABELS[kind],
                self[f"{kind}_points"],
                self[f"{kind}_daily_cap"],
            )
            for kind in PointKind
        ]

    def rules(self) -> dict[PointKind, service.Rule]:
        return {
            kind: service.Rule(self[f"{kind}_points"].data, self[f"{kind}_daily_cap"].data)
            for kind in PointKind
        }

    @classmethod
    def for_event(cls, event: Event) -> RulesForm:
        rules = service.rules_of(event)
        data = {"leaderboard_visible": event.leaderboard_visible}
        for kind, rule in rules.items():
            data[f"{kind}_points"] = rule.points
            data[f"{kind}_daily_cap"] = rule.daily_cap
        return cls(data=data)


for _kind in PointKind:
    setattr(
        RulesForm,
        f"{_kind}_points",
        IntegerField(
            _l("Points each"),
            validators=[
                InputRequired(message=_l("Enter a number of points.")),
                NumberRange(min=0, max=service.MAX_POINTS),
            ],
        ),
    )
    setattr(
        RulesForm,
        f"{_kind}_daily_cap",
        IntegerField(
            _l("Most per day"),
            validators=[Optional(), NumberRange(min=0, max=service.MAX_CAP)],
        ),
    )


class HideForm(FlaskForm):
    """Keep me off the leaderboard (or put me back)."""

    hidden = BooleanField(_l("Keep me off the leaderboard"))


@bp.route("/e/<slug>/manage/points", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    event = managed_event(slug, "points.manage")
    form = RulesForm() if RulesForm().is_submitted() else RulesForm.for_event(event)
    if form.validate_on_submit():
        try:
            service.save_rules(event, form.rules(), form.leaderboard_visible.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Points are saved; every total follows the new values."), "success")
            return redirect(url_for("points.manage", slug=event.slug))
    return render_template(
        "points/manage.html",
        event=event,
        form=form,
        board=service.leaderboard(event, limit=10),
    )


@bp.route("/e/<slug>/leaderboard")
def leaderboard(slug: str):
    event = event_or_404(slug)
    if not can(current_user, "leaderboard.view", event) and can(current_user, "points.mine", event):
        # A participant, while the organizers keep the leaderboard to themselves.
        return render_template("points/leaderboard_off.html", event=event), 403
    authorize_participant("leaderboard.view", event)
    return render_template(
        "points/leaderboard.html",
        event=event,
        board=service.leaderboard(event),
        me=current_user.id if current_user.is_authenticated else None,
        can_see_mine=can(current_user, "points.mine", event),
    )


@bp.route("/e/<slug>/points/mine", methods=["GET", "POST"])
def mine(slug: str):
    event = event_or_404(slug)
    authorize_participant("points.mine", event)
    user = current_user._get_current_object()
    registered = service.registration_of(event, user) is not None
    form = HideForm()
    if registered and form.validate_on_submit():
        service.set_hidden(event, user, form.hidden.data)
        db.session.commit()
        if form.hidden.data:
            flash(_("You are off the leaderboard. Your points still count."), "success")
        else:
            flash(_("You are on the leaderboard again."), "success")
        return redirect(url_for("points.mine", slug=event.slug))
    summary = service.my_points(event, user)
    form.hidden.data = summary.hidden
    return render_template(
        "points/mine.html",
        event=event,
        summary=summary,
        form=form,
        registered=registered,
        board_visible=event.leaderboard_visible,
    )
