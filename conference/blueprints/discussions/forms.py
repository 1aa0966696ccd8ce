"""Forms of the discussion pages: a new thread, a post (reply or edit), lock and
follow buttons, and the organizers' posting rights and held words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.blueprints.fields import MultiCheckboxField
from conference.services.discussions import BODY_MAX, TITLE_MAX

TOO_LONG = _l("At most %(max)d characters, please.")
BODY_HELP = _l("Markdown works: **bold**, *italic*, lists and links. Type @ to mention someone.")


class ButtonForm(FlaskForm):
    """A form that is only a button (follow, unfollow): its CSRF token."""


class ThreadForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX, message=TOO_LONG)]
    )
    body = TextAreaField(
        _l("Your post"),
        validators=[DataRequired(), Length(max=BODY_MAX, message=TOO_LONG)],
        description=BODY_HELP,
    )


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your reply"),
        validators=[DataRequired(), Length(max=BODY_MAX, message=TOO_LONG)],
        description=BODY_HELP,
    )
    reply_to = IntegerField(validators=[Optional()])


class EditForm(FlaskForm):
    body = TextAreaField(
        _l("Your post"),
        validators=[DataRequired(), Length(max=BODY_MAX, message=TOO_LONG)],
        description=BODY_HELP,
    )


class LockForm(FlaskForm):
    locked = HiddenField()
    reason = StringField(_l("Reason (for the log)"), validators=[Optional(), Length(max=500)])


class SettingsForm(FlaskForm):
    tickets = MultiCheckboxField(_l("Ticket types"), coerce=int, validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"), validators=[Optional()])
    held_words = TextAreaField(
        _l("Held words"),
        validators=[Optional(), Length(max=20_000, message=TOO_LONG)],
        description=_l(
            "One word or phrase per line. Questions, posts and news containing one wait "
            "for a moderator before anyone else sees them."
        ),
    )
