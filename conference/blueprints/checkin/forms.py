"""What the check-in pages accept: the walk-in form, the code form of the page without
JavaScript, and the JSON the page's script sends (validated strictly by pydantic
before anything is loaded)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from conference.enums import ScanAction
from conference.services import checkin as service

ID_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=ID_MAX)]
ClientScanId = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=service.CLIENT_SCAN_ID_MAX, pattern=r"^[A-Za-z0-9_-]+$"
    ),
]


class WalkInForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=service.NAME_MAX)])
    #: Checked by the service (an existing account is found whatever its address).
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Length(max=254)],
        filters=[lambda value: value.strip() if value else value],
    )
    ticket_type = SelectField(_l("Ticket"), coerce=int, validators=[Optional()])

    @classmethod
    def for_event(cls, event, **kwargs) -> WalkInForm:
        form = cls(**kwargs)
        form.ticket_type.choices = [(t.id, t.name) for t in event.ticket_types]
        if not event.ticket_types:
            del form.ticket_type
        return form


class CodeForm(FlaskForm):
    """The page without JavaScript: a code typed (or read by a hand scanner that types)."""

    code = StringField(
        _l("Badge code"), validators=[DataRequired(), Length(max=service.PAYLOAD_MAX)]
    )
    action = HiddenField()
    session = HiddenField()


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ScanPayload(Payload):
    payload: Annotated[str, StringConstraints(max_length=service.PAYLOAD_MAX)]
    action: ScanAction
    session_id: Id | None = None
    client_scan_id: ClientScanId | None = None


class PickPayload(Payload):
    registration_id: Id
    action: ScanAction
    session_id: Id | None = None
    client_scan_id: ClientScanId | None = None


class QueuedPayload(Payload):
    client_scan_id: ClientScanId
    action: ScanAction
    scanned_at: datetime
    offline_outcome: Annotated[str, StringConstraints(max_length=20)]
    payload: Annotated[str, StringConstraints(max_length=service.PAYLOAD_MAX)] = ""
    registration_id: Id | None = None
    session_id: Id | None = None


class SyncPayload(Payload):
    """The queue as sent; each scan is checked on its own (``QueuedPayload``) so that one
    a device should never have queued cannot hold back the others."""

    scans: Annotated[list[dict], Field(max_length=service.SYNC_MAX)]
