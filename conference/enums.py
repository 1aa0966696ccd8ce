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
