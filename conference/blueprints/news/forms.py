"""Forms of the news pages: writing an item, and the follow buttons."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from conference.services import news as service

TOO_LONG = _l("At most %(max)d characters, please.")


def _optional_id(value):
    return int(value) if value not in (None, "", "None") else None


class NewsForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=service.TITLE_MAX, message=TOO_LONG)]
    )
    body = TextAreaField(
        _l("Text"),
        validators=[DataRequired(), Length(max=service.BODY_MAX, message=TOO_LONG)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
    topic_id = SelectField(_l("Topic"), coerce=_optional_id, validate_choice=False)
    track_id = SelectField(_l("Track"), coerce=_optional_id, validate_choice=False)
    is_public = BooleanField(
        _l("Public"),
        description=_l(
            "Also on the event's public page and in its Atom feeds (public events only). "
            "Otherwise only participants read it."
        ),
    )

    @classmethod
    def for_event(cls, event, **kwargs) -> NewsForm:
        form = cls(**kwargs)
        form.topic_id.choices = [SelectChoice("", _l("No topic"))] + [
            SelectChoice(t.id, t.name) for t in service.topics_of(event)
        ]
        form.track_id.choices = [SelectChoice("", _l("No track"))] + [
            SelectChoice(t.id, t.name) for t in service.tracks_of(event)
        ]
        return form

    def values(self) -> dict:
        """The arguments of ``news.post`` / ``news.edit``."""
        return {
            "title": self.title.data,
            "body": self.body.data,
            "topic_id": self.topic_id.data,
            "track_id": self.track_id.data,
            "is_public": self.is_public.data,
        }


class FollowForm(FlaskForm):
    """Follow or unfollow one feed (``feed`` is its key, ``action`` which)."""

    feed = HiddenField(validators=[DataRequired()])
    action = HiddenField(validators=[DataRequired()])


class ButtonForm(FlaskForm):
    """A form that is only a button (delete): its CSRF token."""
