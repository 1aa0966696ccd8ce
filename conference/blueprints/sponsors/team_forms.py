"""The form a sponsor's admin (or an organizer) invites staff with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Length

from conference.blueprints.events.forms import email_syntax
from conference.services.sponsors import EMAIL_MAX


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Length(max=EMAIL_MAX), email_syntax],
        description=_l("They get a link to join; they sign in or sign up with this address."),
    )
    as_admin = BooleanField(
        _l("Admin"),
        description=_l("Admins invite and remove staff and edit the booth."),
    )
