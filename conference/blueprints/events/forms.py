"""The event form, shared by "New event" and the organizer's settings page."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from conference.enums import EventVisibility, NetworkClosing
from conference.services.contacts import CONTACT_QUESTION
from conference.services.events import (
    EVENT_FIELDS,
    NETWORK_OPEN_DAYS_MAX,
    REPORT_MIN_CELL_DEFAULT,
    REPORT_MIN_CELL_RANGE,
    SLUG_MAX,
    SLUG_MIN,
    SLUG_RE,
    timezone_names,
)
from conference.services.leads import SCAN_QUESTION


def email_syntax(_form, field) -> None:
    """A well-formed address. Reserved domains (``.example``, ``.test``) pass, so demo
    and test events stay editable; nothing is sent to this address by the app."""
    try:
        validate_email(
            field.data,
            check_deliverability=False,
            globally_deliverable=False,
            test_environment=True,
        )
    except EmailNotValidError as exc:
        raise ValidationError(_l("Enter a valid email address.")) from exc


def _slug_field(presence, description) -> StringField:
    """The event's web address; ``presence`` says whether it may be left empty."""
    return StringField(
        _l("Web address"),
        validators=[
            presence,
            Length(min=SLUG_MIN, max=SLUG_MAX),
            Regexp(
                SLUG_RE,
                message=_l("Use lower-case letters, digits and single dashes, e.g. “summit-2026”."),
            ),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
        description=description,
    )


class EventForm(FlaskForm):
    name = StringField(_l("Event name"), validators=[DataRequired(), Length(max=200)])
    slug = _slug_field(
        Optional(),
        _l(
            "The event's page will be at /e/this-address/. Leave it empty to make one "
            "from the name."
        ),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=20000)],
        description=_l("Shown on the public page. Markdown: **bold**, *italic*, lists, links."),
    )
    organizer_text = TextAreaField(
        _l("About the organizer"),
        validators=[Length(max=5000)],
        description=_l("Who runs the event and how to reach the team. Markdown."),
    )
    contact_email = EmailField(
        _l("Contact email"),
        validators=[Optional(), Length(max=254), email_syntax],
        description=_l("Participants and visitors write here with questions."),
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    timezone = SelectField(
        _l("Time zone"),
        default="UTC",
        validators=[DataRequired()],
        description=_l("Every time of the event is shown in this zone."),
    )
    venue = StringField(_l("Venue"), validators=[Length(max=200)])
    city = StringField(_l("City"), validators=[Length(max=120)])
    country = StringField(_l("Country"), validators=[Length(max=120)])
    visibility = SelectField(
        _l("Who can find the event"),
        choices=[
            SelectChoice(
                EventVisibility.public.value,
                _l("Public: listed on the home page and in search engines"),
            ),
            SelectChoice(
                EventVisibility.invitation.value,
                _l("Invitation only: unlisted; registering needs an invitation code"),
            ),
        ],
        default=EventVisibility.public.value,
    )
    registration_open = BooleanField(_l("Registration is open"), default=True)
    approval_required = BooleanField(
        _l("Organizers approve each registration"),
        description=_l("New registrations wait as pending until an organizer approves them."),
    )
    network_open_days = IntegerField(
        _l("Days the network stays open after the event"),
        validators=[Optional(), NumberRange(min=0, max=NETWORK_OPEN_DAYS_MAX)],
        description=_l(
            "Participants keep their profiles, the directory, messaging with the people they "
            "talked to, the materials and their agenda; nothing new can be booked. Leave it "
            "empty to keep the network open for good; 0 closes it when the event ends."
        ),
        render_kw={"min": 0, "max": NETWORK_OPEN_DAYS_MAX, "placeholder": _l("for good")},
    )
    network_directory_read_only = BooleanField(
        _l("After the event, the directory is read-only"),
        description=_l(
            "People can still look each other up, but contact only those they already talked "
            "to or connected with."
        ),
    )
    network_closing = SelectField(
        _l("When the network closes"),
        choices=[
            SelectChoice(
                NetworkClosing.read_only.value,
                _l("Keep the program, materials, agendas and directory to look at"),
            ),
            SelectChoice(
                NetworkClosing.hidden.value,
                _l("Take everything away except contacts and their conversations"),
            ),
        ],
        default=NetworkClosing.read_only.value,
        description=_l("Participants are told by email a week before it closes."),
    )
    remove_messages_of_deleted = BooleanField(
        _l("Remove the messages of people who delete their account"),
        description=_l(
            "Otherwise they stay in the other person's history, as from a deleted participant."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = [
            SelectChoice(name, name.replace("_", " ")) for name in timezone_names()
        ]

    def validate_ends_on(self, field) -> None:
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))

    def event_fields(self) -> dict:
        """The typed values, as ``conference.services.events`` takes them."""
        return {name: getattr(self, name).data for name in EVENT_FIELDS if name in self}


class CreateEventForm(EventForm):
    suggested_lists = BooleanField(
        _l("Start with the suggested lists"),
        default=True,
        description=_l(
            "Common industries, regions, job roles, topics and two ticket types "
            "(Standard, VIP). You can edit them afterwards."
        ),
    )


class EditEventForm(EventForm):
    slug = _slug_field(
        DataRequired(),
        _l("Changing it breaks links to the old address that people already have."),
    )
    sponsor_consent_question = TextAreaField(
        _l("Badge-scan question"),
        validators=[Length(max=500)],
        description=_l(
            "Asked at registration and in each participant's privacy settings, next to a box "
            "that is never ticked for them. Leave it empty to use the wording shown."
        ),
        render_kw={"placeholder": SCAN_QUESTION},
    )
    organizer_contact_question = TextAreaField(
        _l("Question about staying in touch"),
        validators=[Length(max=500)],
        description=_l(
            "Asked at registration and in each participant's privacy settings, next to a box "
            "that is never ticked for them; the CRM export holds only the people who agreed. "
            "Leave it empty to use the wording shown."
        ),
        render_kw={"placeholder": CONTACT_QUESTION},
    )
    report_min_cell = IntegerField(
        _l("Smallest group a report shows"),
        validators=[Optional(), NumberRange(*REPORT_MIN_CELL_RANGE)],
        description=_l(
            "Reports show any figure about fewer people than this as “< n”, so no one can "
            "be singled out. Leave it empty for %(default)d.",
            default=REPORT_MIN_CELL_DEFAULT,
        ),
    )
