"""Organizer: the event's API tokens (``/integrations/api-tokens``).

Creating a token answers the POST with the page itself, showing the secret this once
(never redirected through the session, never cached); afterwards only its prefix is
shown. Revoking takes effect on the token's next request. Every view requires
``integrations.manage``; a token of another event is a 404. The webhook pages of the
same tab live in ``organizer/webhooks.py``.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from conference.blueprints.common import form_errors_from
from conference.blueprints.fields import MultiCheckboxField
from conference.blueprints.organizer import bp
from conference.blueprints.organizer.forms import ButtonForm
from conference.blueprints.organizer.lookups import event_row_or_404, managed_event
from conference.enums import ApiScope
from conference.extensions import db
from conference.models import ApiToken
from conference.services import ServiceError
from conference.services import api_tokens as service


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=service.NAME_LIMIT)],
        description=_l("Which system uses it, e.g. “CRM sync”."),
    )
    scopes = MultiCheckboxField(
        _l("May read"),
        choices=[SelectChoice(scope.value, label) for scope, label in service.SCOPE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one thing the token may read."))],
    )


def _page(event, form: TokenForm, created: tuple[ApiToken, str] | None = None):
    response = render_template(
        "organizer/integrations_tokens.html",
        event=event,
        form=form,
        tokens=service.tokens_of(event),
        created=created,
        scope_labels=service.SCOPE_LABELS,
        button_form=ButtonForm(),
    )
    return response, 200, {"Cache-Control": "no-store"}


@bp.route("/integrations/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens(slug: str):
    event = managed_event(slug, "integrations.manage")
    form = TokenForm()
    if request.method == "GET":
        form.scopes.data = [ApiScope.events.value]
        return _page(event, form)
    if form.validate_on_submit():
        try:
            created = service.create_token(current_user, event, form.name.data, form.scopes.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            return _page(event, TokenForm(formdata=None, scopes=[]), created)
    return _page(event, form)


@bp.post("/integrations/api-tokens/<int:token_id>/revoke")
@login_required
def api_token_revoke(slug: str, token_id: int):
    event = managed_event(slug, "integrations.manage")
    token = event_row_or_404(ApiToken, event, token_id)
    if ButtonForm().validate_on_submit():
        service.revoke_token(current_user, token)
        db.session.commit()
        flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("organizer.api_tokens", slug=event.slug))
