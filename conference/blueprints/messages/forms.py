"""Forms of the messaging pages; the composer also works without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from conference.services.messaging import BODY_MAX, REASON_MAX


class MessageForm(FlaskForm):
    """The composer. ``client_id`` is made when the page is rendered, so submitting the
    same page twice stores one message."""

    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(message=_l("Write a message first.")),
            Length(max=BODY_MAX, message=_l("A message has at most %(max)d characters.")),
        ],
    )
    client_id = HiddenField(validators=[DataRequired(), Length(min=1, max=64)])


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this message?"),
        validators=[
            DataRequired(message=_l("Tell the organizers what is wrong.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )


class ModerationForm(FlaskForm):
    """One moderator action on a report or on a suspended person."""

    action = SelectField(
        choices=[
            SelectChoice("hide", _l("Hide the message")),
            SelectChoice("dismiss", _l("Dismiss the report")),
            SelectChoice("suspend", _l("Suspend the sender's messaging")),
            SelectChoice("lift", _l("Lift the suspension")),
        ],
        validators=[DataRequired()],
    )
    report_id = IntegerField(validators=[Optional()])
    user_id = IntegerField(validators=[Optional()])
    reason = TextAreaField(
        _l("Reason (kept for the organizers)"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )
