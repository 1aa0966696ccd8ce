"""The organizer's badge forms: a design, the event logo, and what to print.

Choices come from the event (``for_event``); whether a posted ticket type really is
one of the event's is checked again by the services, so a forged id is refused the
same way whichever door it comes through.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, ColorField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from conference.badges.render import PALETTE
from conference.blueprints.fields import MultiCheckboxField
from conference.enums import BadgeRole, RegistrationStatus
from conference.models import BadgeDesign, Event
from conference.services import badge_designs as designs
from conference.services import badges as badge_service
from conference.services.segments import STATUS_LABELS

SORT_LABELS = {"name": _l("Name"), "company": _l("Company, then name")}


def color_field_name(role: BadgeRole) -> str:
    return f"color_{role.value}"


class DesignForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=designs.NAME_MAX)],
        description=_l("Only organizers see it, e.g. “Speakers, A6”."),
    )
    layout = SelectField(
        _l("Format"),
        choices=[
            SelectChoice(layout.value, label) for layout, label in designs.LAYOUT_LABELS.items()
        ],
    )
    target = SelectField(
        _l("For whom"),
        description=_l(
            "A role's design wins over a ticket type's; everyone else gets the default."
        ),
    )

    @classmethod
    def for_event(cls, event: Event, **kwargs) -> DesignForm:
        form = cls(**kwargs)
        form.target.choices = designs.target_choices(event)
        return form

    @property
    def color_fields(self) -> list:
        return [self[color_field_name(role)] for role in designs.ROLE_LABELS]

    @property
    def toggle_fields(self) -> list:
        return [self[name] for name in designs.FIELD_TOGGLES]

    def values(self) -> designs.DesignValues:
        """What was typed, for the service to check; a colour left empty or at the
        built-in one is not stored, so the design follows the palette."""
        colors = {}
        for role in designs.ROLE_LABELS:
            value = (self[color_field_name(role)].data or "").strip()
            if value and value.lower() != PALETTE[role.value].lower():
                colors[role.value] = value
        return designs.DesignValues(
            name=self.name.data or "",
            layout=self.layout.data or "",
            target=self.target.data or "",
            colors=colors,
            **{name: bool(self[name].data) for name in designs.FIELD_TOGGLES},
        )

    @staticmethod
    def data_of(design: BadgeDesign | None) -> dict:
        """The form's initial values for ``design`` (the built-in look for a new one)."""
        values = designs.DesignValues.of(design) if design else designs.DesignValues()
        data = {
            "name": values.name,
            "layout": values.layout,
            "target": values.target,
            **{name: getattr(values, name) for name in designs.FIELD_TOGGLES},
        }
        for role in designs.ROLE_LABELS:
            data[color_field_name(role)] = values.colors.get(role.value, PALETTE[role.value])
        return data


for _role, _label in designs.ROLE_LABELS.items():
    setattr(DesignForm, color_field_name(_role), ColorField(_label))
for _name, _label in designs.FIELD_TOGGLES.items():
    setattr(DesignForm, _name, BooleanField(_label))


class LogoForm(FlaskForm):
    logo = FileField(
        _l("Event logo"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("JPEG, PNG, GIF or WebP, up to 5 MB. A transparent PNG prints best."),
        render_kw={"accept": "image/png,image/jpeg,image/gif,image/webp"},
    )


class PrintForm(FlaskForm):
    """Which badges go into the PDF, and in which order (also read from a GET for the
    live count, without CSRF)."""

    ticket_types = MultiCheckboxField(_l("Ticket type"), coerce=int)
    roles = MultiCheckboxField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in designs.ROLE_LABELS.items()],
    )
    statuses = MultiCheckboxField(
        _l("Registration status"),
        choices=[SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()],
        description=_l("None ticked: approved registrations."),
    )
    not_printed = BooleanField(_l("Not printed yet"))
    changed_since_print = BooleanField(
        _l("Changed since last printed (name, company, title, ticket or role)")
    )
    query = StringField(
        _l("Name or company contains"), validators=[Length(max=200)], render_kw={"type": "search"}
    )
    sort = RadioField(
        _l("Order of the badges"),
        choices=[SelectChoice(value, label) for value, label in SORT_LABELS.items()],
        default="name",
    )

    @classmethod
    def for_event(cls, event: Event, **kwargs) -> PrintForm:
        form = cls(**kwargs)
        form.ticket_types.choices = [SelectChoice(t.id, t.name) for t in event.ticket_types]
        if not form.ticket_types.choices:
            delattr(form, "ticket_types")
        return form

    @property
    def filter_fields(self) -> list:
        names = ("ticket_types", "roles", "statuses")
        return [self[name] for name in names if name in self]

    def badge_filter(self) -> badge_service.BadgeFilter:
        statuses = [RegistrationStatus(s) for s in self.statuses.data or []]
        return badge_service.BadgeFilter(
            ticket_type_ids=list(self.ticket_types.data or []) if "ticket_types" in self else [],
            roles=[BadgeRole(r) for r in self.roles.data or []],
            statuses=statuses or [RegistrationStatus.approved],
            not_printed=bool(self.not_printed.data),
            changed_since_print=bool(self.changed_since_print.data),
            query=(self.query.data or "").strip(),
        )

    def sort_value(self) -> str:
        return self.sort.data if self.sort.data in SORT_LABELS else "name"


class ReissueForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand the printed badge stops working at once"),
        validators=[DataRequired(_l("Tick the box to confirm: the old badge stops working."))],
    )
