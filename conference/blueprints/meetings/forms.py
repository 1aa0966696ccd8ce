"""Forms of the meeting pages; every one works without JavaScript.

The slot and place choices are filled by the view from the slots free for both people
on the chosen day. Their values are not checked against those choices here: a slot
taken between showing the form and sending it is refused by the service, which says
why (taken, full, passed) next to the field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.services.meetings import MESSAGE_MAX, NOTE_MAX


class SlotForm(FlaskForm):
    """A day's slot and a place: the part of requesting and of moving a meeting."""

    day = HiddenField()
    slot = RadioField(
        _l("Time"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a time."))],
    )
    place = SelectField(
        _l("Place"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a place."))],
    )


class ShareFields:
    """ "Share my contact details with {sponsor}", offered (never ticked) when the other
    person is the staff of a sponsor collecting leads; the words shown come back in
    ``share_shown`` and are what is recorded as agreed."""

    share = BooleanField()
    share_shown = HiddenField()


class RequestForm(ShareFields, SlotForm):
    message = TextAreaField(
        _l("Message"),
        description=_l("Say what you would like to talk about."),
        validators=[
            Optional(),
            Length(max=MESSAGE_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )


class MoveForm(SlotForm):
    """Propose another slot (the awaited person) or reschedule (either person)."""

    note = TextAreaField(
        _l("Note"),
        description=_l("Optional: why this time suits you better."),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )


class NoteForm(FlaskForm):
    """Decline or cancel, with an optional note for the other person."""

    note = TextAreaField(
        _l("Note (optional)"),
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )


class ButtonForm(FlaskForm):
    """A form that is only a button (accept): its CSRF token."""


class AcceptForm(ShareFields, ButtonForm):
    """Accept, with the sharing box when the other person is a sponsor's staff."""
