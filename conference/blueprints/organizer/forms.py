"""Forms of the organizer's settings pages (the event form itself lives in ``events.forms``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conference.enums import EventRoleKind
from conference.services.events import ROLE_LABELS


class ButtonForm(FlaskForm):
    """A form that is only a button (move, delete, revoke): it carries the CSRF token;
    the view reads the item id and action from the posted values."""


class TermForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])


class TicketTypeForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = StringField(
        _l("Description"),
        validators=[Length(max=500)],
        description=_l("What this ticket includes; shown when people register."),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000)],
        description=_l("Most registrations of this type; leave empty for no limit."),
    )


class RoleForm(FlaskForm):
    email = EmailField(
        _l("Email of their account"),
        validators=[DataRequired(), Length(max=254)],
    )
    #: Sponsor staff are not granted here: they join through their sponsor's invitations
    #: (``sponsors.team``), which keep seats and memberships in step with the role.
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in ROLE_LABELS.items()
            if kind != EventRoleKind.sponsor_staff
        ],
        default=EventRoleKind.speaker.value,
    )


class InvitationForm(FlaskForm):
    note = StringField(
        _l("Note"),
        validators=[Length(max=200)],
        description=_l("Who it is for, e.g. “Partners of Acme”. Only organizers see it."),
    )
    max_uses = IntegerField(
        _l("Maximum uses"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
        description=_l("How many people can register with it; leave empty for no limit."),
    )
