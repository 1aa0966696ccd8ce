"""Forms of the organizer's sponsor pages: a package with its entitlements, a sponsor.

Rules that need the database (unique names, packages in use, free seats) live in
``conference.services.sponsors``; these forms only check what a field alone can tell.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from conference.blueprints.events.forms import email_syntax
from conference.models import SponsorPackage
from conference.services import sponsors as service


class PackageForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=service.NAME_MAX)])
    price_text = StringField(
        _l("Price"),
        validators=[Length(max=service.PRICE_MAX)],
        description=_l("As shown to people, with the currency, e.g. “€25,000”."),
    )
    staff_seats = IntegerField(
        _l("Staff seats"),
        default=2,
        validators=[InputRequired(), NumberRange(min=0, max=service.SEATS_MAX)],
        description=_l("People on the sponsor's staff, counting open invitations."),
    )
    booth = BooleanField(
        _l("Booth page"), default=True, description=_l("Participants can open its booth.")
    )
    logo_on_event_page = BooleanField(_l("Logo on the event page"))
    logo_on_agenda = BooleanField(_l("Logo on the agenda"))
    logo_on_badges = BooleanField(_l("Logo on its staff's badges"))
    lead_retrieval = BooleanField(
        _l("Lead retrieval"),
        description=_l(
            "Staff scan badges and receive the details of people who agreed to share them."
        ),
    )
    lead_export = BooleanField(
        _l("Lead export"), description=_l("Staff download the lead list (with lead retrieval).")
    )
    meeting_request_quota = IntegerField(
        _l("Meeting requests"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=service.QUOTA_MAX)],
        description=_l("Requests its staff may send in all; leave empty for no limit."),
    )
    sponsored_sessions = IntegerField(
        _l("Sponsored sessions"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=service.SESSIONS_MAX)],
        description=_l("Program sessions you may mark as presented by the sponsor."),
    )
    sponsored_announcement = BooleanField(
        _l("One sponsored announcement"),
        description=_l("Mailed to attendees who accept sponsors' offers."),
    )
    news_posts = BooleanField(
        _l("News posts"),
        description=_l("Staff post news to the event's feed, shown as from the sponsor."),
    )
    directory_featured = BooleanField(
        _l("Featured placement"),
        description=_l("Shown first among sponsors and above the directory."),
    )

    def service_fields(self) -> dict:
        """The arguments of ``add_package`` / ``update_package``."""
        return {
            "name": self.name.data,
            "price_text": self.price_text.data or "",
            **{key: getattr(self, key).data for key in service.ENTITLEMENTS},
        }


class SponsorForm(FlaskForm):
    name = StringField(
        _l("Company name"), validators=[DataRequired(), Length(max=service.SPONSOR_NAME_MAX)]
    )
    package = SelectField(_l("Package"), coerce=int, validate_choice=False)
    contact_email = EmailField(
        _l("Contact email"),
        validators=[Optional(), Length(max=service.EMAIL_MAX), email_syntax],
        description=_l("Where you reach the company; shown on its booth."),
    )

    @classmethod
    def for_packages(cls, packages: list[SponsorPackage], **kwargs) -> SponsorForm:
        form = cls(**kwargs)
        form.package.choices = [
            SelectChoice(p.id, f"{p.name} · {p.price_text}" if p.price_text else p.name)
            for p in packages
        ]
        return form

    def service_fields(self) -> dict:
        """The arguments of ``create_sponsor`` / ``update_sponsor``."""
        return {
            "name": self.name.data,
            "package_id": self.package.data,
            "contact_email": self.contact_email.data or "",
        }


class NewSponsorForm(SponsorForm):
    admin_email = EmailField(
        _l("First admin's email"),
        validators=[Optional(), Length(max=service.EMAIL_MAX), email_syntax],
        description=_l(
            "They get an invitation link to join as the sponsor's admin, and then invite "
            "their colleagues. Leave empty to invite someone later."
        ),
    )

    def service_fields(self) -> dict:
        return {**super().service_fields(), "admin_email": self.admin_email.data or ""}
