"""Forms of the booth pages: the booth editor (texts, links, logo), booth materials,
the consent prompts, and the sponsored announcement."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional

from conference.blueprints.program.materials import MaterialForm
from conference.services import booths, mailings
from conference.services.badge_designs import MAX_LOGO_BYTES


class LinkForm(Form):
    """One further link of the booth (no CSRF of its own: it is part of ``BoothForm``);
    ``text`` is the link's label (a field called ``label`` would hide the field's own)."""

    text = StringField(_l("Label"), validators=[Optional(), Length(max=booths.LINK_LABEL_MAX)])
    url = StringField(_l("Address"), validators=[Optional(), Length(max=1000)])


class BoothForm(FlaskForm):
    tagline = StringField(
        _l("Tagline"),
        validators=[Optional(), Length(max=booths.TAGLINE_MAX)],
        description=_l("One line under your name, e.g. “Payments infrastructure for Europe”."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=booths.DESCRIPTION_MAX)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
    website = StringField(_l("Website"), validators=[Optional(), Length(max=1000)])
    booth_location = StringField(
        _l("Where to find you"),
        validators=[Optional(), Length(max=booths.LOCATION_MAX)],
        description=_l("E.g. “Hall B, stand 12”."),
    )
    contact_email = StringField(
        _l("Contact email"),
        validators=[Optional(), Length(max=booths.EMAIL_MAX)],
        description=_l("Shown on the booth for participants."),
    )
    links = FieldList(FormField(LinkForm), min_entries=0, max_entries=booths.LINKS_MAX)
    logo = FileField(
        _l("Logo"),
        description=_l(
            "JPEG, PNG, GIF or WebP, up to %(mb)s MB; a wide logo on a transparent "
            "background looks best.",
            mb=f"{MAX_LOGO_BYTES / 1048576:g}",
        ),
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )
    remove_logo = BooleanField(_l("Remove the logo"))

    def link_pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple((entry.text.data or "", entry.url.data or "") for entry in self.links)

    def values(self) -> booths.BoothValues:
        return booths.BoothValues(
            tagline=self.tagline.data or "",
            description=self.description.data or "",
            website=self.website.data or "",
            booth_location=self.booth_location.data or "",
            contact_email=self.contact_email.data or "",
            links=self.link_pairs(),
        )

    def pad_links(self) -> None:
        """Offer empty rows for new links, two more than are filled, up to the limit."""
        wanted = min(booths.LINKS_MAX, max(3, len(self.links.entries) + 2))
        while len(self.links.entries) < wanted:
            self.links.append_entry()


class BoothMaterialForm(MaterialForm):
    """A session material's form, plus whether only people who share may have it."""

    requires_consent = BooleanField(
        _l("Only for people who share their contact details"),
        description=_l("Without it, people may also download without sharing."),
    )


class ConsentForm(FlaskForm):
    """A consent prompt: ``shown`` carries back the exact words the page displayed."""

    shown = HiddenField()


class AnnouncementForm(FlaskForm):
    subject = StringField(
        _l("Subject"), validators=[InputRequired(), Length(max=mailings.SUBJECT_MAX)]
    )
    body = TextAreaField(
        _l("Message"),
        validators=[InputRequired(), Length(max=mailings.BODY_MAX)],
        description=_l("Markdown: **bold**, *italic*, lists and links."),
    )
