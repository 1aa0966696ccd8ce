"""Forms of the contacts pages: asking, a contact's note and tags, a typed badge code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conference.services.checkin import PAYLOAD_MAX
from conference.services.connections import NOTE_MAX, REQUEST_MESSAGE_MAX, TAG_MAX, TAGS_MAX

TOO_LONG = _l("At most %(max)d characters, please.")


class ButtonForm(FlaskForm):
    """A form that is only a button (accept, decline, withdraw, remove): its CSRF token."""


class AskForm(FlaskForm):
    message = TextAreaField(
        _l("A note with your request (optional)"),
        validators=[Optional(), Length(max=REQUEST_MESSAGE_MAX, message=TOO_LONG)],
        description=_l("Remind them where you met, or say why you would like to stay in touch."),
    )


class ContactForm(FlaskForm):
    """The owner's private note and tags for one contact."""

    note = TextAreaField(
        _l("Private note"),
        validators=[Optional(), Length(max=NOTE_MAX, message=TOO_LONG)],
        description=_l("Only you see it."),
    )
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=TAGS_MAX * (TAG_MAX + 2), message=TOO_LONG)],
        description=_l("Separated by commas, e.g. “investor, follow up”. Only you see them."),
    )


class CodeForm(FlaskForm):
    """The scanner page without JavaScript: a code typed (or read by a hand scanner)."""

    code = StringField(_l("Badge code"), validators=[DataRequired(), Length(max=PAYLOAD_MAX)])


def split_tags(text: str | None) -> list[str]:
    return [part for part in (text or "").split(",") if part.strip()]
