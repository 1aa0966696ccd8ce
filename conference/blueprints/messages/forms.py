"""Forms of the messaging pages; the composer also works without JavaScript."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

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
