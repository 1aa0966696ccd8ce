"""Forms of the organizer's meeting pages: the settings (on/off, slot length, hours of
each day) and a meeting place.

Rules that need the event (days, times the clocks skip, meetings a change affects)
live in ``conference.services.meeting_settings``; these forms only check what a
field alone can tell.
"""

from __future__ import annotations

from datetime import date, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conference.models import MeetingHours
from conference.services import meeting_settings as service

#: What browsers send from a time input: minutes, or seconds when a value has them.
_TIME_FORMATS = ["%H:%M", "%H:%M:%S"]


class DayHoursForm(Form):
    """One day's meeting hours; both empty means no meetings that day."""

    day = HiddenField()
    starts_at = TimeField(
        _l("From"),
        format=_TIME_FORMATS,
        validators=[Optional()],
        render_kw={"step": 300},
    )
    ends_at = TimeField(
        _l("Until"),
        format=_TIME_FORMATS,
        validators=[Optional()],
        render_kw={"step": 300},
    )


class MeetingSettingsForm(FlaskForm):
    enabled = BooleanField(
        _l("Participants can book 1:1 meetings"),
        description=_l("When off, nobody can ask for a meeting; booked meetings stay booked."),
    )
    slot_minutes = IntegerField(
        _l("Slot length in minutes"),
        validators=[
            InputRequired(message=_l("Enter the slot length.")),
            NumberRange(min=service.SLOT_MINUTES_MIN, max=service.SLOT_MINUTES_MAX),
        ],
        description=_l(
            "From 10 to 120. New requests use it; booked meetings keep their own length."
        ),
        render_kw={"min": service.SLOT_MINUTES_MIN, "max": service.SLOT_MINUTES_MAX},
    )
    hours = FieldList(FormField(DayHoursForm))

    @classmethod
    def for_event(
        cls, event, days: list[date], hours: dict[date, MeetingHours]
    ) -> MeetingSettingsForm:
        """The form with the event's current settings, a row per day of the event."""
        rows = []
        for day in days:
            row = hours.get(day)
            rows.append(
                {
                    "day": day.isoformat(),
                    "starts_at": row.starts_at if row else None,
                    "ends_at": row.ends_at if row else None,
                }
            )
        return cls(
            formdata=None,
            data={
                "enabled": event.meetings_enabled,
                "slot_minutes": event.meeting_slot_minutes,
                "hours": rows,
            },
        )

    def posted_hours(self, days: list[date]) -> dict[date, tuple[time | None, time | None]] | None:
        """The typed hours by day, or None when the rows are not the event's days (its
        dates changed since the page was opened)."""
        by_day: dict[date, tuple[time | None, time | None]] = {}
        for row in self.hours:
            try:
                day = date.fromisoformat(row.day.data or "")
            except ValueError:
                return None
            by_day[day] = (row.starts_at.data, row.ends_at.data)
        if sorted(by_day) != days or len(self.hours) != len(days):
            return None
        return by_day


class PlaceForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=service.PLACE_NAME_MAX)],
        description=_l("A table, a room or an area, e.g. “Table 4” or “Lounge”."),
    )
    capacity = IntegerField(
        _l("Meetings at once"),
        validators=[Optional(), NumberRange(min=1, max=service.PLACE_CAPACITY_MAX)],
        description=_l(
            "How many meetings it holds at the same time; leave empty for no limit "
            "(“anywhere”: the two people agree where)."
        ),
    )

    def service_fields(self) -> dict:
        """The arguments of ``add_place`` / ``apply_place_update``."""
        return {"name": self.name.data, "capacity": self.capacity.data}
