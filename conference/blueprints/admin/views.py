"""Routes of the platform admin area; every view requires ``platform.admin``."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from conference.blueprints.admin import bp
from conference.blueprints.common import authorize
from conference.extensions import db
from conference.models import User
from conference.services import ServiceError, platform


@bp.get("/accounts")
@login_required
def accounts():
    authorize("platform.admin")
    query = request.args.get("q", "").strip()[:200]
    page = request.args.get("page", 1, type=int)
    people, total = platform.list_accounts(query, page=page)
    pages = max(1, -(-total // platform.PAGE_SIZE))
    return render_template(
        "admin/accounts.html",
        people=people,
        total=total,
        query=query,
        page=page,
        pages=pages,
        form=FlaskForm(),
        creation_mode=current_app.config["EVENT_CREATION"],
    )


@bp.post("/accounts/<int:user_id>")
@login_required
def account_update(user_id: int):
    authorize("platform.admin")
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    person = db.session.get(User, user_id) or abort(404)
    action = request.form.get("action")
    try:
        if action in ("allow_events", "forbid_events"):
            platform.set_event_creation(current_user, person, action == "allow_events")
        elif action in ("suspend", "restore"):
            platform.set_suspended(current_user, person, action == "suspend")
        else:
            abort(400)
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(_("%(name)s is updated.", name=person.display_name), "success")
    return redirect(url_for("admin.accounts", q=request.form.get("q") or None))
