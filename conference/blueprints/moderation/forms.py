"""Forms of the moderation pages: a participant's report and a moderator's action."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from conference.enums import ReportTarget
from conference.services.moderation import REASON_MAX


class ReportForm(FlaskForm):
    """What a "Report" button posts: form fields, or the same keys as JSON."""

    target = SelectField(
        choices=[SelectChoice(target.value, target.value) for target in ReportTarget],
        validators=[DataRequired()],
    )
    target_id = IntegerField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("What is wrong with it?"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )
    next = HiddenField()


ACTIONS = (
    "hide",
    "restore",
    "approve",
    "dismiss",
    "warn",
    "suspend_posting",
    "suspend_messaging",
    "lift_posting",
    "lift_messaging",
)


class ActionForm(FlaskForm):
    """One moderator action on a queue item or on a person."""

    action = SelectField(choices=[SelectChoice(a, a) for a in ACTIONS], validators=[DataRequired()])
    target = SelectField(
        choices=[SelectChoice("", "")]
        + [SelectChoice(target.value, target.value) for target in ReportTarget],
        validators=[Optional()],
    )
    target_id = IntegerField(validators=[Optional()])
    user_id = IntegerField(validators=[Optional()])
    length = SelectField(
        _l("For"),
        choices=[
            SelectChoice("hour", _l("1 hour")),
            SelectChoice("day", _l("1 day")),
            SelectChoice("week", _l("1 week")),
            SelectChoice("lifted", _l("Until lifted")),
        ],
        default="day",
        validators=[Optional()],
    )
    reason = TextAreaField(
        _l("Reason (the person is told)"),
        validators=[
            Optional(),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters, please.")),
        ],
    )
