"""Forms of the session Q&A: asking, and the one-button switches on a question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from conference.services.moderation import REASON_MAX
from conference.services.qa import BODY_MAX


class AskForm(FlaskForm):
    body = TextAreaField(
        _l("Your question"),
        validators=[DataRequired(_l("Write your question first.")), Length(max=BODY_MAX)],
    )
    anonymous = BooleanField(
        _l("Ask anonymously (the speakers and moderators still see your name)")
    )


class SwitchForm(FlaskForm):
    """Vote, answered, pinned: ``on`` is "1" to switch on, "0" to switch off."""

    on = HiddenField(validators=[AnyOf(["0", "1"])])


class HideForm(SwitchForm):
    reason = StringField(_l("Reason (optional)"), validators=[Length(max=REASON_MAX)])
