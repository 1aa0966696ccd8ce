"""Forms of the organizer's webhook pages: a webhook, and the test send.

The address rules (http(s) only, public hosts) live in ``conference.services.webhooks``;
the form runs them too, so every error shows at once.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from conference.blueprints.fields import MultiCheckboxField
from conference.services import ServiceError
from conference.services import webhooks as service


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, label) for kind, label in service.KIND_LABELS.items()]


class WebhookForm(FlaskForm):
    url = StringField(
        _l("URL"),
        validators=[DataRequired(), Length(max=service.URL_MAX)],
        description=_l(
            "Where we POST each event as JSON, e.g. https://crm.example.com/hooks/conference."
        ),
    )
    description = StringField(
        _l("Description"),
        validators=[Length(max=service.DESCRIPTION_MAX)],
        description=_l("What it is for, e.g. “Sync to our CRM”. Only organizers see it."),
    )
    kinds = MultiCheckboxField(
        _l("Send these events"),
        choices=_kind_choices(),
        validators=[DataRequired(message=_l("Choose at least one event to be told about."))],
    )
    active = BooleanField(
        _l("Active"),
        default=True,
        description=_l("When off, nothing new is sent; the log stays."),
    )

    def validate_url(self, field) -> None:
        """The service's address rules, so a bad URL is shown with the form's other
        errors (the service checks again when it saves)."""
        try:
            service.check_url(field.data)
        except ServiceError as exc:
            raise ValidationError(exc.message) from None

    def service_fields(self) -> dict:
        """The arguments of ``create_webhook`` / ``update_webhook``."""
        return {
            "url": self.url.data,
            "description": self.description.data,
            "kinds": self.kinds.data,
            "active": self.active.data,
        }


class TestSendForm(FlaskForm):
    kind = SelectField(_l("Event"), choices=_kind_choices())
