"""Forms of the organizer's program pages: a session, a room, a track, a CSV upload.

Choices that depend on the event (days, rooms, tracks, topics) are filled in by
``SessionForm.for_event``. Rules that need the database (times in the event's
zone, clashes, speakers taking part) live in ``conference.services.program``;
these forms only check what a field alone can tell.
"""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from conference.blueprints.fields import MultiCheckboxField
from conference.enums import SessionFormat, TaxonomyKind
from conference.models import Event, Room, Sponsor, Track
from conference.services import program as program_service


def _optional_id(value) -> int | None:
    """A select's value as an id, or None for the empty choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _optional_date(value) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class SessionForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(), Length(max=program_service.TITLE_MAX)]
    )
    format = SelectField(
        _l("Format"),
        choices=[
            SelectChoice(f.value, label) for f, label in program_service.FORMAT_LABELS.items()
        ],
        default=SessionFormat.talk.value,
    )
    abstract = TextAreaField(
        _l("Abstract"),
        validators=[Length(max=program_service.ABSTRACT_MAX)],
        description=_l("What the session is about. Markdown works: **bold**, lists, links."),
    )
    day = SelectField(
        _l("Day"),
        coerce=_optional_date,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose the day."))],
    )
    start = TimeField(_l("Starts at"), validators=[DataRequired(message=_l("Enter a time."))])
    end = TimeField(_l("Ends at"), validators=[DataRequired(message=_l("Enter a time."))])
    room = SelectField(_l("Room"), coerce=_optional_id, validate_choice=False)
    track = SelectField(_l("Track"), coerce=_optional_id, validate_choice=False)
    topics = MultiCheckboxField(_l("Topics"), coerce=int, validate_choice=False)
    speakers = TextAreaField(
        _l("Speakers"),
        validators=[Length(max=5000)],
        description=_l(
            "Email addresses of the speakers, one per line, in the order they are shown. "
            "They must take part in the event; they get the speaker role."
        ),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional(), NumberRange(min=1, max=program_service.CAPACITY_MAX)],
        description=_l("Most people admitted; leave empty for the room's size or no limit."),
    )
    published = BooleanField(
        _l("Published"),
        description=_l("Drafts are seen only by organizers and the session's speakers."),
    )
    sponsor = SelectField(
        _l("Sponsored by"),
        coerce=_optional_id,
        validate_choice=False,
        description=_l("Only sponsors whose package includes sponsored sessions are listed."),
    )

    @classmethod
    def for_event(
        cls,
        event: Event,
        rooms: list[Room],
        tracks: list[Track],
        *,
        extra_day: date | None = None,
        sponsors: list[Sponsor] = (),
        **kwargs,
    ) -> SessionForm:
        """The form with the event's days, rooms, tracks, topics and ``sponsors`` to
        choose from.

        ``extra_day`` keeps a session's current day selectable when the event's
        dates have moved away from it (saving then says why it cannot stay).
        """
        form = cls(**kwargs)
        days = program_service.event_days(event)
        if extra_day is not None and extra_day not in days:
            days = sorted([*days, extra_day])
        form.day.choices = [SelectChoice(d, format_date(d, "full")) for d in days]
        form.room.choices = [
            SelectChoice("", _l("No room")),
            *(
                SelectChoice(
                    room.id, f"{room.name} ({room.capacity})" if room.capacity else room.name
                )
                for room in rooms
            ),
        ]
        form.track.choices = [
            SelectChoice("", _l("No track")),
            *(SelectChoice(t.id, t.name) for t in tracks),
        ]
        form.topics.choices = [
            SelectChoice(term.id, term.name)
            for term in event.terms
            if term.kind == TaxonomyKind.topic
        ]
        form.sponsor.choices = [
            SelectChoice("", _l("No sponsor")),
            *(SelectChoice(s.id, s.name) for s in sponsors),
        ]
        return form


class _NamedForm(FlaskForm):
    """A room's or a track's form: a name, unique in the event (the service checks that)."""

    name = StringField(
        _l("Name"), validators=[DataRequired(), Length(max=program_service.NAME_MAX)]
    )


class RoomForm(_NamedForm):
    capacity = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(min=1, max=program_service.CAPACITY_MAX)],
        description=_l("Leave empty if unknown."),
    )

    def service_fields(self) -> dict:
        """The arguments of ``add_room`` / ``update_room``."""
        return {"name": self.name.data, "capacity": self.capacity.data}


class TrackForm(_NamedForm):
    color = RadioField(
        _l("Colour"),
        choices=[SelectChoice(c, label) for c, label in program_service.TRACK_COLOR_LABELS.items()],
        default=program_service.TRACK_COLORS[0],
    )
    description = StringField(
        _l("Description"),
        validators=[Length(max=program_service.DESCRIPTION_MAX)],
        description=_l("One line shown with the agenda's track filter."),
    )

    def service_fields(self) -> dict:
        """The arguments of ``add_track`` / ``update_track``."""
        return {
            "name": self.name.data,
            "color": self.color.data,
            "description": self.description.data or "",
        }


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=_l("Choose a CSV file to upload."))],
        description=_l("UTF-8 text, comma-separated, with the template's header row."),
    )


class ImportCommitForm(FlaskForm):
    """Carries the checked file from the dry run to the import, signed by the server."""

    token = HiddenField()
