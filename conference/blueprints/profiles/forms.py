"""Forms of the profile editor and of the directory's search and filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from conference.blueprints.fields import MultiCheckboxField
from conference.enums import MessagePolicy
from conference.services.profiles import LIMITS

PHOTO_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp"]


def directory_visible_field() -> BooleanField:
    """The "show me in directories" question of the profile editor and the privacy page."""
    return BooleanField(
        _l("Show me in the participants' directories of my events"),
        description=_l("When off, only organizers can see your profile."),
    )


def message_policy_field() -> SelectField:
    """The "who may message me" question of the profile editor and the privacy page."""
    return SelectField(
        _l("Who may message me"),
        choices=[
            SelectChoice(MessagePolicy.participants.value, _l("Any participant of my events")),
            SelectChoice(MessagePolicy.contacts.value, _l("Only my contacts")),
            SelectChoice(MessagePolicy.nobody.value, _l("Nobody")),
        ],
        default=MessagePolicy.participants.value,
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=LIMITS["display_name"])],
        description=_l("As other participants will see it, in any script."),
    )
    headline = StringField(
        _l("Headline"),
        validators=[Length(max=LIMITS["headline"])],
        description=_l("One line under your name, e.g. “Payments infrastructure at Acme”."),
    )
    job_title = StringField(_l("Job title"), validators=[Length(max=LIMITS["job_title"])])
    company = StringField(_l("Company"), validators=[Length(max=LIMITS["company"])])
    bio = TextAreaField(
        _l("Bio"),
        validators=[Length(max=LIMITS["bio"])],
        description=_l("Markdown: **bold**, *italic*, lists and links. No images or HTML."),
    )
    looking_for = TextAreaField(
        _l("Looking for"),
        validators=[Length(max=LIMITS["looking_for"])],
        description=_l("Who or what you hope to find: partners, jobs, advice, investors…"),
    )
    can_offer = TextAreaField(
        _l("Can offer"),
        validators=[Length(max=LIMITS["can_offer"])],
        description=_l("What you can help others with."),
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=LIMITS["website"])],
        description=_l("An http:// or https:// address."),
    )
    linkedin = StringField(
        _l("LinkedIn"),
        validators=[Optional(), Length(max=LIMITS["linkedin"])],
        description=_l("The address of your LinkedIn profile."),
    )
    photo = FileField(
        _l("Upload a new photo"),
        validators=[
            FileAllowed(PHOTO_EXTENSIONS, _l("Choose a JPEG, PNG, GIF or WebP image.")),
        ],
        description=_l("JPEG, PNG, GIF or WebP. We crop it to a square."),
        render_kw={"accept": "image/jpeg,image/png,image/gif,image/webp"},
    )
    remove_photo = BooleanField(_l("Remove my photo"))
    directory_visible = directory_visible_field()
    message_policy = message_policy_field()
    contact_after_meeting = BooleanField(
        _l("Add the people I meet to my contacts"),
        description=_l(
            "After a 1:1 meeting that took place, you become contacts with the other person "
            "if they chose this too."
        ),
    )
    contact_on_badge_scan = BooleanField(
        _l("Connect at once when someone scans my badge"),
        description=_l(
            "When off, a participant who scans your badge sends you a contact request to "
            "accept or decline."
        ),
    )
    save = SubmitField(_l("Save profile"))
    preview = SubmitField(_l("Preview bio"))


class DirectoryFilterForm(FlaskForm):
    """The directory's search box and filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    industry = MultiCheckboxField(_l("Industry"), coerce=int, validate_choice=False)
    region = MultiCheckboxField(_l("Region"), coerce=int, validate_choice=False)
    job_role = MultiCheckboxField(_l("Job role"), coerce=int, validate_choice=False)
    topic = MultiCheckboxField(_l("Interests"), coerce=int, validate_choice=False)
    ticket = MultiCheckboxField(_l("Ticket"), coerce=int, validate_choice=False)

    FILTERS = ("industry", "region", "job_role", "topic", "ticket")

    def chosen(self, name: str) -> list[int]:
        return list(getattr(self, name).data or ())

    @property
    def active_count(self) -> int:
        return sum(len(self.chosen(name)) for name in self.FILTERS)
