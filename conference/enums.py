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
    meeting_request = "meeting_request"
    meeting_accepted = "meeting_accepted"


class MeetingStatus(StrEnum):
    """Where a 1:1 meeting stands.

    ``pending`` waits for the answer of ``Meeting.awaiting_id`` (the invitee after a
    request, the other side after a proposal of another slot); ``accepted`` holds the
    slot for both people and a seat at the place.
    """

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    cancelled = "cancelled"


class MailingKind(StrEnum):
    """An announcement is the same text for everyone; an agenda is each person's own."""

    announcement = "announcement"
    agenda = "agenda"


class MailingStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    done = "done"


class DeliveryStatus(StrEnum):
    """One recipient of a mailing.

    ``sending`` is claimed and committed before the message leaves, so a restarted job
    never sends it again; one found still ``sending`` after a crash becomes ``failed``
    with "interrupted" and goes out again only when the organizer retries it.
    """

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
