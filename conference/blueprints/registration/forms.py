"""Forms for registering, changing one's registration, and organizers' registration pages.

Choices come from the event (``for_event``). The forms only check shape (a number, a
length, something chosen); whether a chosen id belongs to the event is the service's
rule, so a forged id gets the same refusal from every door.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from conference.blueprints.fields import MultiCheckboxField
from conference.enums import RegistrationStatus, TaxonomyKind
from conference.models import Event, Registration
from conference.services import contacts, leads
from conference.services import registrations as service


def optional_int(value) -> int | None:
    """Coerce a submitted id; the empty "choose..." option means None."""
    if value is None or value == "":
        return None
    return int(value)


def _id_choice(label, required: str | None = None, field_class=SelectField) -> SelectField:
    """A choice of one of the event's ids; the empty "choose..." option means None.

    ``required`` is the message shown when nothing is chosen; without it the
    choice may stay empty.
    """
    return field_class(
        label,
        coerce=optional_int,
        validate_choice=False,
        validators=[InputRequired(message=required)] if required else [],
    )


def _term_choices(event: Event, kind: TaxonomyKind) -> list[SelectChoice]:
    return [
        SelectChoice(value=term.id, label=term.name) for term in event.terms if term.kind == kind
    ]


class _ChoicesForm(FlaskForm):
    """Ticket type and the event's vocabularies, shared by the forms below."""

    _VOCABULARIES = (
        ("industry", TaxonomyKind.industry),
        ("region", TaxonomyKind.region),
        ("job_role", TaxonomyKind.job_role),
    )

    def setup(self, event: Event) -> None:
        """Fill the choices from ``event`` and drop questions the event does not ask."""
        kinds = {term.kind for term in event.terms}
        for name, kind in self._VOCABULARIES:
            if kind in kinds:
                choices = _term_choices(event, kind)
                self[name].choices = [SelectChoice(value="", label=_l("Choose…")), *choices]
            else:
                delattr(self, name)
        if TaxonomyKind.topic in kinds:
            self.interests.choices = _term_choices(event, TaxonomyKind.topic)
        else:
            del self.interests

    def value(self, name: str, default=None):
        """A field's data, or ``default`` when the form does not have that field."""
        field = self._fields.get(name)
        return default if field is None else field.data

    def choices(self) -> dict:
        """The chosen ids, as the service functions take them."""
        return {
            "ticket_type_id": self.value("ticket_type"),
            "industry_id": self.value("industry"),
            "region_id": self.value("region"),
            "job_role_id": self.value("job_role"),
            "interest_ids": self.value("interests", []) or [],
        }


def _at_least_one(form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose at least one interest."))


class RegistrationForm(_ChoicesForm):
    """Registering for an event, and a participant changing their registration."""

    ticket_type = _id_choice(_l("Ticket"), _l("Choose a ticket."), field_class=RadioField)
    company = StringField(
        _l("Company or organization"), validators=[Length(max=service.COMPANY_MAX)]
    )
    job_title = StringField(_l("Job title"), validators=[Length(max=service.JOB_TITLE_MAX)])
    industry = _id_choice(_l("Industry"), _l("Choose your industry."))
    region = _id_choice(_l("Region"), _l("Choose your region."))
    job_role = _id_choice(_l("Job role"), _l("Choose your job role."))
    interests = MultiCheckboxField(
        _l("Interests"), coerce=int, validate_choice=False, validators=[_at_least_one]
    )
    code = StringField(
        _l("Invitation code"),
        description=_l("The code from your invitation email; capitals do not matter."),
        validators=[Length(max=32)],
    )
    #: The event's scan question (its words are the label); never ticked for the person.
    scan_consent = BooleanField()
    #: The question as the page showed it, compared with the current one by the service.
    scan_question_shown = HiddenField()
    sponsor_offers = BooleanField(
        _l("Send me the announcements sponsors make through the organizers"),
        description=_l(
            "Each sponsor may send one announcement. The organizers send it: sponsors never "
            "see who receives it."
        ),
    )
    #: The event's organizer-contact question (its words are the label); never ticked
    #: for the person.
    organizer_contact = BooleanField()
    #: That question as the page showed it, compared with the current one by the service.
    contact_question_shown = HiddenField()
    # "I want to meet": industries, regions and job roles (recommendations favour them).
    meet_industries = MultiCheckboxField(_l("Industries"), coerce=int, validate_choice=False)
    meet_regions = MultiCheckboxField(_l("Regions"), coerce=int, validate_choice=False)
    meet_roles = MultiCheckboxField(_l("Job roles"), coerce=int, validate_choice=False)

    #: The "I want to meet" fields, with the vocabulary each offers.
    MEET_FIELDS = (
        ("meet_industries", TaxonomyKind.industry),
        ("meet_regions", TaxonomyKind.region),
        ("meet_roles", TaxonomyKind.job_role),
    )

    @classmethod
    def for_event(cls, event: Event, *, ask_code: bool, **kwargs) -> RegistrationForm:
        """The form for ``event``; ``ask_code`` keeps the invitation code field."""
        form = cls(**kwargs)
        form.setup(event)
        for name, kind in cls.MEET_FIELDS:
            choices = _term_choices(event, kind)
            if choices:
                form[name].choices = choices
            else:
                delattr(form, name)
        form.scan_consent.label.text = leads.scan_consent_question(event)
        form.organizer_contact.label.text = contacts.contact_question(event)
        if not event.ticket_types:
            del form.ticket_type
        if not ask_code:
            del form.code
        elif not event.is_public:
            form.code.validators = [
                InputRequired(message=_l("This event is by invitation: enter your code.")),
                Length(max=32),
            ]
            form.code.flags.required = True
        return form

    def answers(self) -> dict:
        """The choices and the profile answers, as the service functions take them."""
        return {
            **self.choices(),
            "company": self.company.data,
            "job_title": self.job_title.data,
            "meet_wish_ids": [
                term_id for name, _kind in self.MEET_FIELDS for term_id in self.value(name) or []
            ],
        }

    @property
    def meet_fields(self) -> list:
        """The "I want to meet" fields this event asks (those with choices)."""
        return [self[name] for name, _kind in self.MEET_FIELDS if name in self]

    def privacy_choices(self, registration: Registration) -> dict:
        """The sponsor answers, as ``leads.set_privacy_choices`` takes them: an unticked
        box takes back an earlier yes, and otherwise leaves the question unanswered."""
        if self.scan_consent.data:
            scan_consent = True
        else:
            scan_consent = False if registration.sponsor_scan_consent else None
        return {
            "scan_consent": scan_consent,
            "shown": self.scan_question_shown.data,
            "sponsor_offers": self.sponsor_offers.data,
        }

    def contact_choice(self, registration: Registration) -> dict:
        """The organizer-contact answer, as ``contacts.set_organizer_contact`` takes it:
        like the scan question, an unticked box takes back an earlier yes and otherwise
        leaves the question unanswered."""
        if self.organizer_contact.data:
            agreed = True
        else:
            agreed = False if registration.organizer_contact else None
        return {"agreed": agreed, "shown": self.contact_question_shown.data}


def _status_choices() -> list[SelectChoice]:
    return [
        SelectChoice(value=status.value, label=service.status_label(status))
        for status in RegistrationStatus
    ]


class OrganizerRegistrationForm(_ChoicesForm):
    """An organizer's edit of one registration; every answer may be left empty."""

    status = SelectField(_l("Status"), validators=[InputRequired()])
    ticket_type = _id_choice(_l("Ticket"))
    industry = _id_choice(_l("Industry"))
    region = _id_choice(_l("Region"))
    job_role = _id_choice(_l("Job role"))
    interests = MultiCheckboxField(_l("Interests"), coerce=int, validate_choice=False)
    organizer_note = TextAreaField(
        _l("Note to the person"),
        description=_l(
            "Shown on their registration page and included in the email when the status changes."
        ),
        validators=[Optional(), Length(max=service.NOTE_MAX)],
    )

    @classmethod
    def for_event(cls, event: Event, **kwargs) -> OrganizerRegistrationForm:
        form = cls(**kwargs)
        form.setup(event)
        form.status.choices = _status_choices()
        form.ticket_type.choices = [SelectChoice(value="", label=_l("No ticket"))] + [
            SelectChoice(value=ticket.id, label=ticket.name) for ticket in event.ticket_types
        ]
        if not event.ticket_types:
            del form.ticket_type
        return form


BULK_ACTIONS = ("approved", "declined", "cancelled")


class BulkDecisionForm(FlaskForm):
    """Approve, decline or cancel the rows ticked in the organizer's table.

    Declining and cancelling first show a confirmation page (``confirmed`` empty) where
    the organizer may add a note for the people concerned.
    """

    registration_ids = SelectMultipleField(coerce=int, validate_choice=False)
    action = StringField(validators=[InputRequired(), AnyOf(BULK_ACTIONS)])
    note = TextAreaField(
        _l("Note to the people concerned (optional)"),
        description=_l("Included in the email each of them receives."),
        validators=[Optional(), Length(max=service.NOTE_MAX)],
    )
    confirmed = HiddenField()
    return_to = HiddenField()


class CancelForm(FlaskForm):
    """The confirmation step of cancelling one's own registration (CSRF only)."""
