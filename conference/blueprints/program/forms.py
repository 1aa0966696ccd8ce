"""Forms of the participants' program: agenda filters, search, bookmarks."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, Length, Optional

#: Longest search accepted (words beyond ``program_search.MAX_WORDS`` are ignored anyway).
QUERY_MAX = 200


def _optional_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class AgendaFilterForm(FlaskForm):
    """The agenda's day and filters, read from the query string (shareable links)."""

    class Meta:
        csrf = False

    day = HiddenField(_l("Day"))
    track = SelectField(_l("Track"), coerce=_optional_int, validate_choice=False)
    topic = SelectField(_l("Topic"), coerce=_optional_int, validate_choice=False)
    speaker = SelectField(_l("Speaker"), coerce=_optional_int, validate_choice=False)

    FILTERS = ("track", "topic", "speaker")

    def chosen(self, name: str) -> list[int]:
        value = getattr(self, name).data
        return [value] if value is not None else []

    @property
    def active_count(self) -> int:
        return sum(len(self.chosen(name)) for name in self.FILTERS)


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search the program"), validators=[Optional(), Length(max=QUERY_MAX)])


class BookmarkForm(FlaskForm):
    """Add a session to one's agenda (``on=1``) or remove it (``on=0``)."""

    on = HiddenField(validators=[AnyOf(["0", "1"])])
    next = HiddenField(validators=[Optional(), Length(max=2000)])
