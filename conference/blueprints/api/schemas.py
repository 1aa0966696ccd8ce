"""What the API answers, as marshmallow schemas: flask-smorest dumps responses through
them and documents them in the OpenAPI document, so the two cannot drift apart."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from conference.services.program import event_zone


class _Schema(ma.Schema):
    class Meta:
        ordered = True


class ErrorSchema(_Schema):
    ok = fields.Boolean(required=True, metadata={"description": "Always false."})
    error = fields.String(required=True, metadata={"description": "A stable code."})
    message = fields.String(required=True, metadata={"description": "For people."})
    field = fields.String(allow_none=True, metadata={"description": "The parameter at fault."})
    fields = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per parameter, when several are at fault."},
    )


DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class PagingArgs(_Schema):
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Rows per page, 1 to {MAX_LIMIT}."},
    )
    cursor = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[0-9]{1,18}$"),
        metadata={"description": "The `next_cursor` of the previous page."},
    )


class NamedSchema(_Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class EventSchema(_Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    timezone = fields.String(required=True, metadata={"description": "IANA time zone."})
    venue = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    industries = fields.List(fields.Nested(NamedSchema), required=True)
    regions = fields.List(fields.Nested(NamedSchema), required=True)
    job_roles = fields.List(fields.Nested(NamedSchema), required=True)
    topics = fields.List(fields.Nested(NamedSchema), required=True)
    ticket_types = fields.List(fields.Nested(NamedSchema), required=True)
    tracks = fields.List(fields.Nested(NamedSchema), required=True)


class RegistrationSchema(_Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="user.display_name")
    email = fields.String(required=True, attribute="user.email")
    company = fields.String(required=True, attribute="user.profile.company")
    job_title = fields.String(required=True, attribute="user.profile.job_title")
    status = fields.String(required=True)
    ticket_type = fields.Nested(NamedSchema, required=True, allow_none=True)
    industry = fields.Nested(NamedSchema, required=True, allow_none=True)
    region = fields.Nested(NamedSchema, required=True, allow_none=True)
    job_role = fields.Nested(NamedSchema, required=True, allow_none=True)
    interests = fields.List(fields.Nested(NamedSchema), required=True)
    organizer_contact = fields.Boolean(
        required=True, metadata={"description": "Agreed to be contacted by the organizer."}
    )
    created_at = fields.AwareDateTime(required=True, format="iso")
    decided_at = fields.AwareDateTime(required=True, allow_none=True, format="iso")


class EventLocalDateTime(fields.DateTime):
    """The UTC moment in the object's column ``source`` as ISO 8601 in the zone of the
    object's event, with its offset."""

    def __init__(self, source: str, **kwargs):
        super().__init__(**kwargs)
        self.source = source

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return getattr(obj, self.source)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(event_zone(obj.event)).isoformat()


class PersonSchema(_Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, attribute="display_name")


class SessionSchema(_Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    abstract = fields.String(required=True)
    format = fields.String(required=True)
    published = fields.Boolean(required=True)
    starts_at = fields.AwareDateTime(required=True, format="iso", metadata={"description": "UTC."})
    ends_at = fields.AwareDateTime(required=True, format="iso", metadata={"description": "UTC."})
    starts_at_local = EventLocalDateTime(
        "starts_at", required=True, metadata={"description": "In the event's zone."}
    )
    ends_at_local = EventLocalDateTime(
        "ends_at", required=True, metadata={"description": "In the event's zone."}
    )
    timezone = fields.String(required=True, attribute="event.timezone")
    room = fields.Nested(NamedSchema, required=True, allow_none=True)
    track = fields.Nested(NamedSchema, required=True, allow_none=True)
    speakers = fields.List(fields.Nested(PersonSchema), required=True)
    topics = fields.List(fields.Nested(NamedSchema), required=True)


class SessionVisitSchema(_Schema):
    session_id = fields.Integer(required=True)
    attended_at = fields.AwareDateTime(required=True, format="iso")


class AttendanceSchema(_Schema):
    registration_id = fields.Integer(required=True, attribute="id")
    checked_in_at = fields.AwareDateTime(
        required=True, allow_none=True, format="iso", attribute="check_in.checked_in_at"
    )
    checked_out_at = fields.AwareDateTime(
        required=True, allow_none=True, format="iso", attribute="check_in.checked_out_at"
    )
    sessions = fields.List(fields.Nested(SessionVisitSchema), required=True)


def _page_schema(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    return type(
        name,
        (_Schema,),
        {
            "data": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as `cursor` for the next page; null on the last."},
            ),
        },
    )


RegistrationPage = _page_schema("RegistrationPage", RegistrationSchema)
SessionPage = _page_schema("SessionPage", SessionSchema)
AttendancePage = _page_schema("AttendancePage", AttendanceSchema)


class FigureSchema(_Schema):
    """One figure of a report; ``value`` is null when it describes fewer than k people."""

    value = fields.Integer(required=True, allow_none=True)
    display = fields.String(required=True)
    share = fields.Float(required=True, allow_none=True)
    suppressed = fields.Boolean(required=True)


class HeaderSchema(_Schema):
    id = fields.Integer(required=True, allow_none=True)
    label = fields.String(required=True)


class CrosstabSchema(_Schema):
    measure = fields.String(required=True)
    measure_label = fields.String(required=True)
    rows_dimension = fields.String(required=True)
    columns_dimension = fields.String(required=True, allow_none=True)
    k = fields.Integer(required=True, metadata={"description": "The smallest group shown."})
    rows = fields.List(fields.Nested(HeaderSchema), required=True)
    columns = fields.List(fields.Nested(HeaderSchema), required=True)
    cells = fields.List(fields.List(fields.Nested(FigureSchema)), required=True)
    row_totals = fields.List(fields.Nested(FigureSchema), required=True)
    column_totals = fields.List(fields.Nested(FigureSchema), required=True)
    total = fields.Nested(FigureSchema, required=True)


class TopTopicSchema(_Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    value = fields.Integer(required=True, allow_none=True)
    display = fields.String(required=True)
    suppressed = fields.Boolean(required=True)


class TopicsReportSchema(_Schema):
    crosstab = fields.Nested(CrosstabSchema, required=True)
    top_topics = fields.List(fields.Nested(TopTopicSchema), required=True)


class TopicsReportArgs(_Schema):
    """Documented and type-checked here, read by ``reports.parse_query`` (the names the
    organizer's report page uses), which also takes engagement weights as
    ``w_<measure>``."""

    class Meta:
        unknown = ma.INCLUDE

    measure = fields.String(metadata={"description": "engagement, interest, bookmark, ..."})
    rows = fields.String(metadata={"description": "topic, industry, region, job_role, ..."})
    columns = fields.String(metadata={"description": "A second dimension; empty for one."})
    since = fields.Date(metadata={"description": "First day, in the event's zone."})
    until = fields.Date(metadata={"description": "Last day, in the event's zone."})
    track = fields.Integer(metadata={"description": "Only sessions of this track."})
    industry = fields.String(metadata={"description": "Segment: industry ids, comma-separated."})
    region = fields.String(metadata={"description": "Segment: region ids, comma-separated."})
    job_role = fields.String(metadata={"description": "Segment: job role ids, comma-separated."})
    ticket_type = fields.String(
        metadata={"description": "Segment: ticket type ids, comma-separated."}
    )
