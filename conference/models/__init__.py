"""SQLAlchemy models, one module per domain; importing this package registers them all."""

from conference.models.events import (
    Event,
    EventRole,
    InvitationCode,
    Registration,
    TaxonomyTerm,
    TicketType,
    registration_interests,
)
from conference.models.people import Profile, User

__all__ = [
    "Event",
    "EventRole",
    "InvitationCode",
    "Profile",
    "Registration",
    "TaxonomyTerm",
    "TicketType",
    "User",
    "registration_interests",
]
