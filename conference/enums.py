"""Enumerations shared by models, services, permissions and templates."""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"


class EventRoleKind(StrEnum):
    """Roles a person holds in one event beyond being an attendee."""

    organizer = "organizer"
    speaker = "speaker"
    sponsor_staff = "sponsor_staff"
    moderator = "moderator"


class TaxonomyKind(StrEnum):
    """The event's vocabularies that registration asks for and reports break down by."""

    industry = "industry"
    region = "region"
    job_role = "job_role"
    topic = "topic"


class EventVisibility(StrEnum):
    public = "public"
    invitation = "invitation"


class MessagePolicy(StrEnum):
    """Who may start a conversation with a person (used by the messaging issue)."""

    participants = "participants"
    contacts = "contacts"
    nobody = "nobody"


class SessionFormat(StrEnum):
    talk = "talk"
    panel = "panel"
    workshop = "workshop"
    keynote = "keynote"
    break_ = "break"


class MaterialKind(StrEnum):
    file = "file"
    link = "link"


class ActivityKind(StrEnum):
    """What participants do; reports count these."""

    bookmark = "bookmark"
    unbookmark = "unbookmark"
    session_view = "session_view"
    material_download = "material_download"
