"""The organizer's mailing form: what to send, and to whom (a segment's filters).

Choices come from the event (``MailingForm.for_event``); whether a posted id really
is one of the event's is checked by ``conference.services.segments.build``, so a
forged id gets the same refusal as any other door would give.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from conference.blueprints.fields import MultiCheckboxField
from conference.enums import MailingKind
from conference.models import Event
from conference.services import mailings as service
from conference.services import segments

KIND_LABELS = {
    MailingKind.announcement: _l("Announcement"),
    MailingKind.agenda: _l("Personal agenda"),
}

#: The segment's filters of the event's vocabularies, by form field.
_TERM_FIELDS = {name: kind for name, kind, _label in segments.TERM_FILTERS}


class MailingForm(FlaskForm):
    kind = RadioField(
        _l("What to send"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=MailingKind.announcement.value,
        validators=[DataRequired()],
    )
    subject = StringField(
        _l("Subject"), validators=[DataRequired(), Length(max=service.SUBJECT_MAX)]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[Length(max=service.BODY_MAX)],
        description=_l(
            "Markdown: **bold**, *italic*, [links](https://example.org), lists. "
            "For an agenda it is an optional introduction above each person's agenda."
        ),
    )
    statuses = MultiCheckboxField(
        _l("Registration status"),
        choices=[SelectChoice(s.value, label) for s, label in segments.STATUS_LABELS.items()],
        validate_choice=False,
        description=_l("None ticked: approved participants and the event's team."),
    )
    roles = MultiCheckboxField(
        _l("Role"),
        choices=[SelectChoice(r.value, label) for r, label in segments.ROLE_LABELS.items()],
        validate_choice=False,
    )
    ticket_types = MultiCheckboxField(_l("Ticket"), coerce=int, validate_choice=False)
    industries = MultiCheckboxField(_l("Industry"), coerce=int, validate_choice=False)
    regions = MultiCheckboxField(_l("Region"), coerce=int, validate_choice=False)
    job_roles = MultiCheckboxField(_l("Job role"), coerce=int, validate_choice=False)
    topics = MultiCheckboxField(_l("Interest"), coerce=int, validate_choice=False)

    @classmethod
    def for_event(cls, event: Event, **kwargs) -> MailingForm:
        """The form with ``event``'s ticket types and vocabularies as choices; a filter
        the event has no values for is left out."""
        form = cls(**kwargs)
        form.ticket_types.choices = [SelectChoice(t.id, t.name) for t in event.ticket_types]
        for name, kind in _TERM_FIELDS.items():
            form[name].choices = [
                SelectChoice(term.id, term.name) for term in event.terms if term.kind == kind
            ]
        for name in ("ticket_types", *_TERM_FIELDS):
            if not form[name].choices:
                delattr(form, name)
        return form

    @property
    def segment_fields(self) -> list:
        """The fields that choose the segment, in the order the page shows them."""
        names = ("statuses", "roles", "ticket_types", *_TERM_FIELDS)
        return [self[name] for name in names if name in self]

    def segment_values(self) -> dict:
        """The chosen filters, as ``segments.build`` takes them."""
        return {field.name: field.data or [] for field in self.segment_fields}
