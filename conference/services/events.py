"""Events and their settings: creating and editing events, the vocabularies
(industries, regions, job roles, topics), ticket types, the team's roles and
invitation codes; plus the read-only queries the home page and the organizer's
overview need.

Every change goes through a function here. Functions flush, never commit, and
raise ``ServiceError`` with a stable code, a message for people and the form
field it concerns.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from conference.enums import (
    EventRoleKind,
    EventVisibility,
    NetworkClosing,
    RegistrationStatus,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    BadgeDesign,
    Event,
    EventRole,
    InvitationCode,
    Registration,
    TaxonomyTerm,
    TicketType,
    User,
    registration_interests,
)
from conference.models.types import utcnow
from conference.permissions import forget_standing
from conference.services import ServiceError, ordering
from conference.services.accounts import find_by_email
from conference.services.registrations import active_by_ticket_type
from conference.services.search import apply_search_keys

#: Vocabularies offered when an event is created with "start with the suggested lists";
#: stored in the creator's language, then edited freely by the organizers.
DEFAULT_TAXONOMY: dict[TaxonomyKind, tuple[object, ...]] = {
    TaxonomyKind.industry: (
        _l("Software & Internet"),
        _l("Financial Services"),
        _l("Healthcare & Life Sciences"),
        _l("Manufacturing"),
        _l("Energy & Utilities"),
        _l("Retail & Consumer Goods"),
        _l("Telecommunications"),
        _l("Media & Entertainment"),
        _l("Education & Research"),
        _l("Government & Public Sector"),
        _l("Professional Services"),
        _l("Non-profit"),
    ),
    TaxonomyKind.region: (
        _l("North America"),
        _l("Latin America"),
        _l("Europe"),
        _l("Middle East & Africa"),
        _l("Asia-Pacific"),
        _l("Oceania"),
    ),
    TaxonomyKind.job_role: (
        _l("Founder / CEO"),
        _l("Executive"),
        _l("Engineering"),
        _l("Product"),
        _l("Design"),
        _l("Data & Analytics"),
        _l("Sales & Business Development"),
        _l("Marketing"),
        _l("Operations"),
        _l("Investor"),
    ),
    TaxonomyKind.topic: (
        _l("Artificial Intelligence"),
        _l("Cloud & Infrastructure"),
        _l("Security"),
        _l("Data"),
        _l("Developer Tools"),
        _l("Open Source"),
        _l("Fintech"),
        _l("Sustainability"),
        _l("Hardware & IoT"),
        _l("Future of Work"),
        _l("Startups & Funding"),
        _l("Policy & Regulation"),
    ),
}

#: Ticket types offered with the suggested lists.
DEFAULT_TICKET_TYPES: tuple[tuple[object, object], ...] = (
    (_l("Standard"), _l("Full access to talks, the exhibition and networking.")),
    (_l("VIP"), _l("Everything in Standard, plus the speakers' lounge and reserved seats.")),
)

#: Readable names of the vocabularies, for pages and messages.
TAXONOMY_LABELS: dict[TaxonomyKind, object] = {
    TaxonomyKind.industry: _l("Industries"),
    TaxonomyKind.region: _l("Regions"),
    TaxonomyKind.job_role: _l("Job roles"),
    TaxonomyKind.topic: _l("Topics"),
}

ROLE_LABELS: dict[EventRoleKind, object] = {
    EventRoleKind.organizer: _l("Organizer"),
    EventRoleKind.speaker: _l("Speaker"),
    EventRoleKind.sponsor_staff: _l("Sponsor staff"),
    EventRoleKind.moderator: _l("Moderator"),
    EventRoleKind.checkin_staff: _l("Check-in staff"),
}

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MIN, SLUG_MAX = 3, 64

#: Invitation codes avoid characters people confuse: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10

#: The fields of an event that its form edits, in form order.
EVENT_FIELDS = (
    "name",
    "slug",
    "description",
    "organizer_text",
    "contact_email",
    "starts_on",
    "ends_on",
    "timezone",
    "venue",
    "city",
    "country",
    "visibility",
    "registration_open",
    "approval_required",
    "network_open_days",
    "network_directory_read_only",
    "network_closing",
    "remove_messages_of_deleted",
    "sponsor_consent_question",
    "organizer_contact_question",
    "report_min_cell",
)

#: The longest an organizer may keep a network open after the event, short of for good.
NETWORK_OPEN_DAYS_MAX = 3650

#: The smallest and largest "k" of report suppression an organizer may choose (with 1
#: nothing would be hidden), and the one an empty answer means.
REPORT_MIN_CELL_RANGE = (2, 100)
REPORT_MIN_CELL_DEFAULT = 5


# --- events ----------------------------------------------------------------


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zones people pick from: "UTC" and the Area/City names, sorted."""
    skip = ("Etc/", "posix/", "right/", "SystemV/")
    names = {
        name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(skip)
    }
    return ("UTC", *sorted(names))


def slugify(name: str) -> str:
    """A slug from an event name: ASCII letters and digits joined by dashes.

    Names in scripts with no ASCII form (Cyrillic, CJK) give "" here; callers
    fall back to a neutral slug.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def slug_taken(slug: str, *, exclude: Event | None = None) -> bool:
    query = sa.select(Event.id).where(Event.slug == slug)
    if exclude is not None and exclude.id is not None:
        query = query.where(Event.id != exclude.id)
    return db.session.scalar(query) is not None


def suggest_slug(name: str) -> str:
    """A free slug for an event called ``name`` ("northwind-summit", "-2", ...)."""
    base = slugify(name)
    if len(base) < SLUG_MIN:
        base = f"event-{date.today().year}" if not base else f"{base}-event"
    candidate, n = base, 2
    while slug_taken(candidate):
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        n += 1
    return candidate


def event_phase(event: Event, now: datetime | None = None) -> str:
    """Whether ``event`` is "upcoming", "ongoing" or "past" on today's date in its own zone."""
    now = now or datetime.now(UTC)
    today = now.astimezone(zoneinfo.ZoneInfo(event.timezone)).date()
    if today < event.starts_on:
        return "upcoming"
    return "ongoing" if today <= event.ends_on else "past"


def _check_event_fields(fields: dict, event: Event | None = None) -> None:
    """Refuse what the rules forbid; ``fields`` holds already typed values."""
    slug = fields["slug"]
    if not (SLUG_MIN <= len(slug) <= SLUG_MAX) or not SLUG_RE.match(slug):
        raise ServiceError(
            "slug_invalid",
            _(
                "Use %(min)d to %(max)d lower-case letters, digits and single dashes.",
                min=SLUG_MIN,
                max=SLUG_MAX,
            ),
            "slug",
        )
    if slug_taken(slug, exclude=event):
        raise ServiceError("slug_taken", _("Another event already uses this address."), "slug")
    if not fields["name"].strip():
        raise ServiceError("name_missing", _("Give the event a name."), "name")
    if fields["ends_on"] < fields["starts_on"]:
        raise ServiceError(
            "dates_reversed", _("The last day cannot be before the first day."), "ends_on"
        )
    if fields["timezone"] not in timezone_names():
        raise ServiceError("timezone_unknown", _("Choose a time zone from the list."), "timezone")
    days = fields.get("network_open_days")
    if days is not None and (not isinstance(days, int) or not 0 <= days <= NETWORK_OPEN_DAYS_MAX):
        raise ServiceError(
            "network_open_days_invalid",
            _(
                "Choose a number of days from 0 to %(high)d, or leave it empty to keep the "
                "network open.",
                high=NETWORK_OPEN_DAYS_MAX,
            ),
            "network_open_days",
        )
    low, high = REPORT_MIN_CELL_RANGE
    k = fields.get("report_min_cell", low)
    if not isinstance(k, int) or not low <= k <= high:
        raise ServiceError(
            "report_min_cell_invalid",
            _("Choose a number from %(low)d to %(high)d.", low=low, high=high),
            "report_min_cell",
        )


def _clean_event_fields(fields: dict) -> dict:
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    cleaned = dict(fields)
    for name in (
        "name",
        "slug",
        "contact_email",
        "venue",
        "city",
        "country",
        "timezone",
        "sponsor_consent_question",
        "organizer_contact_question",
    ):
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    for name in ("description", "organizer_text"):
        if name in cleaned:
            cleaned[name] = cleaned[name] or ""
    if "slug" in cleaned:
        cleaned["slug"] = cleaned["slug"].lower()
    if "contact_email" in cleaned:
        cleaned["contact_email"] = cleaned["contact_email"].lower()
    if "report_min_cell" in cleaned and cleaned["report_min_cell"] is None:
        cleaned["report_min_cell"] = REPORT_MIN_CELL_DEFAULT
    if "visibility" in cleaned:
        cleaned["visibility"] = EventVisibility(cleaned["visibility"])
    if "network_closing" in cleaned:
        cleaned["network_closing"] = NetworkClosing(cleaned["network_closing"])
    return cleaned


def create_event(creator: User, *, suggested_lists: bool = True, **fields) -> Event:
    """Create an event run by ``creator``.

    An empty ``slug`` is replaced by one suggested from the name.

    Side effects: writes the event; an organizer role and an approved
    registration for ``creator`` (so they appear among the participants);
    with ``suggested_lists``, the ``DEFAULT_TAXONOMY`` terms and
    ``DEFAULT_TICKET_TYPES``. Flushes.
    """
    fields = _clean_event_fields(fields)
    if not fields.get("slug"):
        fields["slug"] = suggest_slug(fields.get("name", ""))
    fields.setdefault("timezone", "UTC")
    _check_event_fields(fields)
    event = Event(created_by_id=creator.id, **fields)
    db.session.add(event)
    db.session.flush()
    if suggested_lists:
        for kind, names in DEFAULT_TAXONOMY.items():
            for position, name in enumerate(names):
                db.session.add(
                    TaxonomyTerm(event_id=event.id, kind=kind, name=str(name), position=position)
                )
        for position, (name, description) in enumerate(DEFAULT_TICKET_TYPES):
            db.session.add(
                TicketType(
                    event_id=event.id,
                    name=str(name),
                    description=str(description),
                    position=position,
                )
            )
    db.session.add(EventRole(event_id=event.id, user_id=creator.id, role=EventRoleKind.organizer))
    registration = Registration(
        event_id=event.id,
        user_id=creator.id,
        status=RegistrationStatus.approved,
        decided_at=utcnow(),
    )
    apply_search_keys(registration, creator)
    db.session.add(registration)
    db.session.flush()
    db.session.refresh(event)
    forget_standing()
    return event


def update_event(event: Event, **fields) -> Event:
    """Change the given fields of ``event`` (a changed slug must still be free).

    Side effects: writes the event; a change of the day its network closes (its end, or
    the days it stays open) clears ``network_closing_notice_at``, so participants are
    told again of the new day. Flushes.
    """
    fields = _clean_event_fields(fields)
    merged = {name: getattr(event, name) for name in EVENT_FIELDS} | fields
    _check_event_fields(merged, event)
    closes_on = event.network_closes_on
    for name, value in fields.items():
        setattr(event, name, value)
    if event.network_closes_on != closes_on:
        event.network_closing_notice_at = None
    db.session.flush()
    return event


@dataclass(frozen=True)
class MyEvent:
    """One line of a person's "My events": the event and what they are in it."""

    event: Event
    status: RegistrationStatus | None
    roles: tuple[EventRoleKind, ...]

    @property
    def is_organizer(self) -> bool:
        return EventRoleKind.organizer in self.roles


def my_events(user: User) -> list[MyEvent]:
    """Events ``user`` is registered for (any status but cancelled) or holds a role in.

    Ongoing and upcoming events come first (soonest first), then past ones
    (most recent first).
    """
    statuses = dict(
        db.session.execute(
            sa.select(Registration.event_id, Registration.status).where(
                Registration.user_id == user.id,
                Registration.status != RegistrationStatus.cancelled,
            )
        ).all()
    )
    roles: dict[int, list[EventRoleKind]] = {}
    for event_id, role in db.session.execute(
        sa.select(EventRole.event_id, EventRole.role).where(EventRole.user_id == user.id)
    ):
        roles.setdefault(event_id, []).append(role)
    ids = set(statuses) | set(roles)
    if not ids:
        return []
    events = db.session.scalars(sa.select(Event).where(Event.id.in_(ids))).all()
    today = date.today()
    # Events on the same day keep the order they were created in, whatever order the
    # database returned them in.
    upcoming = sorted((e for e in events if e.ends_on >= today), key=lambda e: (e.starts_on, e.id))
    past = sorted(
        (e for e in events if e.ends_on < today), key=lambda e: (e.starts_on, e.id), reverse=True
    )
    return [
        MyEvent(
            event=e,
            status=statuses.get(e.id),
            roles=tuple(sorted(roles.get(e.id, ()), key=list(EventRoleKind).index)),
        )
        for e in [*upcoming, *past]
    ]


def upcoming_public_events(limit: int = 24, today: date | None = None) -> list[Event]:
    """Public events that have not ended yet, soonest first (invitation-only ones never)."""
    today = today or date.today()
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.visibility == EventVisibility.public, Event.ends_on >= today)
            .order_by(Event.starts_on, Event.name)
            .limit(limit)
        )
    )


def public_events() -> list[Event]:
    """Every public event, newest first: what the sitemap lists."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.visibility == EventVisibility.public)
            .order_by(Event.starts_on.desc(), Event.id)
        )
    )


@dataclass(frozen=True)
class EventStats:
    """The organizer's overview numbers."""

    by_status: dict[RegistrationStatus, int]
    #: (ticket type or None for "no ticket type", active registrations), in the event's order.
    by_ticket_type: list[tuple[TicketType | None, int]]
    terms: dict[TaxonomyKind, int]
    team: int
    active_codes: int

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def event_stats(event: Event) -> EventStats:
    """Counts of registrations by status and by ticket type, and of the event's settings."""
    by_status = {status: 0 for status in RegistrationStatus}
    for status, count in db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    ):
        by_status[status] = count
    per_ticket = active_by_ticket_type(event)
    by_ticket_type: list[tuple[TicketType | None, int]] = [
        (ticket, per_ticket.get(ticket.id, 0)) for ticket in event.ticket_types
    ]
    if per_ticket.get(None):
        by_ticket_type.append((None, per_ticket[None]))
    terms = {kind: 0 for kind in TaxonomyKind}
    for term in event.terms:
        terms[term.kind] += 1
    team = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(EventRole.user_id))).where(
            EventRole.event_id == event.id
        )
    )
    codes = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(InvitationCode)
        .where(InvitationCode.event_id == event.id, InvitationCode.revoked_at.is_(None))
    )
    return EventStats(by_status, by_ticket_type, terms, team or 0, codes or 0)


# --- taxonomy ----------------------------------------------------------------


def terms_of(event: Event, kind: TaxonomyKind) -> list[TaxonomyTerm]:
    return [term for term in event.terms if term.kind == kind]


def _check_term_name(event: Event, kind: TaxonomyKind, name: str, term: TaxonomyTerm | None):
    if not name:
        raise ServiceError("term_name_missing", _("Type a name."), "name")
    folded = name.casefold()
    for other in terms_of(event, kind):
        if other is not term and other.name.casefold() == folded:
            raise ServiceError(
                "term_name_taken",
                _(
                    "“%(name)s” is already in %(list)s.",
                    name=other.name,
                    list=str(TAXONOMY_LABELS[kind]).lower(),
                ),
                "name",
            )


def add_term(event: Event, kind: TaxonomyKind, name: str) -> TaxonomyTerm:
    """Add ``name`` at the end of the ``kind`` list; names are unique per list, ignoring case.

    Side effects: writes a term. Flushes.
    """
    kind = TaxonomyKind(kind)
    name = name.strip()
    _check_term_name(event, kind, name, None)
    existing = terms_of(event, kind)
    term = TaxonomyTerm(kind=kind, name=name, position=len(existing))
    event.terms.append(term)
    ordering.renumber([*existing, term])
    return term


def rename_term(term: TaxonomyTerm, name: str) -> TaxonomyTerm:
    """Rename ``term``; registrations that use it follow the new name.

    Side effects: writes the term. Flushes.
    """
    name = name.strip()
    _check_term_name(term.event, term.kind, name, term)
    term.name = name
    db.session.flush()
    return term


def move_term(term: TaxonomyTerm, direction: int) -> None:
    """Swap ``term`` with its neighbour above (-1) or below (+1); no-op at either end.

    Side effects: rewrites the positions of the list. Flushes, and reloads
    ``event.terms`` in the new order.
    """
    ordering.move(terms_of(term.event, term.kind), term, direction)
    db.session.expire(term.event, ["terms"])


def term_usage(term: TaxonomyTerm) -> int:
    """How many registrations use ``term`` (as industry, region, job role or interest)."""
    if term.kind == TaxonomyKind.topic:
        query = sa.select(sa.func.count()).where(registration_interests.c.term_id == term.id)
    else:
        column = {
            TaxonomyKind.industry: Registration.industry_id,
            TaxonomyKind.region: Registration.region_id,
            TaxonomyKind.job_role: Registration.job_role_id,
        }[term.kind]
        query = sa.select(sa.func.count()).select_from(Registration).where(column == term.id)
    return db.session.scalar(query) or 0


def term_usages(event: Event) -> dict[int, int]:
    """``term_usage`` for every term of ``event`` in four queries: term id → count."""
    usage: dict[int, int] = {}
    for column in (Registration.industry_id, Registration.region_id, Registration.job_role_id):
        for term_id, count in db.session.execute(
            sa.select(column, sa.func.count())
            .where(Registration.event_id == event.id, column.is_not(None))
            .group_by(column)
        ):
            usage[term_id] = count
    for term_id, count in db.session.execute(
        sa.select(registration_interests.c.term_id, sa.func.count())
        .join(TaxonomyTerm, TaxonomyTerm.id == registration_interests.c.term_id)
        .where(TaxonomyTerm.event_id == event.id)
        .group_by(registration_interests.c.term_id)
    ):
        usage[term_id] = count
    return usage


def delete_term(term: TaxonomyTerm, *, confirmed: bool = False) -> None:
    """Delete ``term``. A term in use needs ``confirmed``: registrations then lose it.

    Side effects: deletes the term; the database clears it from registrations
    (industry, region, job role set to empty; interests removed). Renumbers
    the list. Flushes.
    """
    used = term_usage(term)
    if used and not confirmed:
        raise ServiceError(
            "term_in_use",
            ngettext(
                "“%(name)s” is used by %(num)d registration; confirm to delete it.",
                "“%(name)s” is used by %(num)d registrations; confirm to delete it.",
                used,
                name=term.name,
            ),
        )
    event, kind = term.event, term.kind
    event.terms.remove(term)
    db.session.flush()
    ordering.renumber(terms_of(event, kind))
    if used:
        db.session.expire_all()


# --- ticket types --------------------------------------------------------------


def _check_ticket_type(event: Event, name: str, capacity: int | None, ticket: TicketType | None):
    if not name:
        raise ServiceError("ticket_name_missing", _("Type a name."), "name")
    folded = name.casefold()
    for other in event.ticket_types:
        if other is not ticket and other.name.casefold() == folded:
            raise ServiceError(
                "ticket_name_taken", _("There is already a ticket type with this name."), "name"
            )
    if capacity is not None and capacity < 1:
        raise ServiceError(
            "capacity_invalid",
            _("Capacity is a number of people, at least 1; leave it empty for no limit."),
            "capacity",
        )


def add_ticket_type(
    event: Event, name: str, description: str = "", capacity: int | None = None
) -> TicketType:
    """Add a ticket type at the end of the list; names are unique per event, ignoring case.

    Side effects: writes a ticket type. Flushes.
    """
    name = name.strip()
    _check_ticket_type(event, name, capacity, None)
    ticket = TicketType(
        name=name,
        description=(description or "").strip(),
        capacity=capacity,
        position=len(event.ticket_types),
    )
    event.ticket_types.append(ticket)
    db.session.flush()
    return ticket


def update_ticket_type(
    ticket: TicketType, name: str, description: str = "", capacity: int | None = None
) -> TicketType:
    """Change a ticket type's name, description and capacity.

    A capacity below the number of active registrations is allowed: it stops
    new registrations of this type without touching existing ones.

    Side effects: writes the ticket type. Flushes.
    """
    name = name.strip()
    _check_ticket_type(ticket.event, name, capacity, ticket)
    ticket.name = name
    ticket.description = (description or "").strip()
    ticket.capacity = capacity
    db.session.flush()
    return ticket


def move_ticket_type(ticket: TicketType, direction: int) -> None:
    """Swap ``ticket`` with its neighbour above (-1) or below (+1).

    Side effects: rewrites the positions of the event's ticket types. Flushes.
    """
    ordering.move(list(ticket.event.ticket_types), ticket, direction)
    db.session.expire(ticket.event, ["ticket_types"])


def ticket_type_usages(event: Event) -> dict[int, int]:
    """Registrations (any status) per ticket type id of ``event``."""
    return dict(
        db.session.execute(
            sa.select(Registration.ticket_type_id, sa.func.count())
            .where(Registration.event_id == event.id, Registration.ticket_type_id.is_not(None))
            .group_by(Registration.ticket_type_id)
        ).all()
    )


def delete_ticket_type(ticket: TicketType) -> None:
    """Delete a ticket type that no registration uses.

    Side effects: deletes the ticket type and the badge design made for it (which
    would otherwise turn into a second default design), and renumbers the rest.
    Flushes.
    """
    used = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.ticket_type_id == ticket.id)
    )
    if used:
        raise ServiceError(
            "ticket_type_in_use",
            ngettext(
                "“%(name)s” cannot be deleted: %(num)d registration uses it. "
                "Move it to another ticket type first.",
                "“%(name)s” cannot be deleted: %(num)d registrations use it. "
                "Move them to another ticket type first.",
                used,
                name=ticket.name,
            ),
        )
    db.session.execute(sa.delete(BadgeDesign).where(BadgeDesign.ticket_type_id == ticket.id))
    event = ticket.event
    event.ticket_types.remove(ticket)
    ordering.renumber(event.ticket_types)


# --- team --------------------------------------------------------------------


def team_roles(event: Event) -> list[EventRole]:
    """The event's roles with their people, ordered by name then role."""
    return list(
        db.session.scalars(
            sa.select(EventRole)
            .join(User, User.id == EventRole.user_id)
            .where(EventRole.event_id == event.id)
            .order_by(User.display_name, User.id, EventRole.role)
        )
    )


def grant_role(event: Event, email: str, role: EventRoleKind) -> EventRole:
    """Give ``role`` in ``event`` to the existing account with ``email``.

    Side effects: writes a role. Flushes.
    """
    role = EventRoleKind(role)
    person = find_by_email(email or "")
    if person is None:
        raise ServiceError(
            "no_such_account",
            _("No account uses this email address. Ask the person to sign up first."),
            "email",
        )
    exists = db.session.scalar(
        sa.select(EventRole.id).where(
            EventRole.event_id == event.id, EventRole.user_id == person.id, EventRole.role == role
        )
    )
    if exists is not None:
        raise ServiceError(
            "role_exists",
            _(
                "%(name)s is already %(role)s.",
                name=person.display_name,
                role=str(ROLE_LABELS[role]).lower(),
            ),
            "email",
        )
    granted = EventRole(event_id=event.id, user_id=person.id, role=role)
    db.session.add(granted)
    db.session.flush()
    forget_standing()
    return granted


def ensure_role(event: Event, user_ids: Sequence[int], role: EventRoleKind) -> None:
    """Give ``role`` in ``event`` to each of ``user_ids`` who does not hold it yet (the
    speakers of a session, a sponsor's new staff member, the demo's desk staff).

    Side effects: adds the missing roles; forgets cached standings.
    """
    have = set(
        db.session.scalars(
            sa.select(EventRole.user_id).where(
                EventRole.event_id == event.id,
                EventRole.role == role,
                EventRole.user_id.in_(user_ids),
            )
        )
    )
    missing = [uid for uid in dict.fromkeys(user_ids) if uid not in have]
    for uid in missing:
        db.session.add(EventRole(event_id=event.id, user_id=uid, role=role))
    if missing:
        forget_standing()


def revoke_role(role: EventRole) -> None:
    """Remove a role; the event's last organizer cannot be removed.

    Side effects: deletes the role. Flushes.
    """
    if role.role == EventRoleKind.organizer:
        organizers = db.session.scalar(
            sa.select(sa.func.count()).where(
                EventRole.event_id == role.event_id, EventRole.role == EventRoleKind.organizer
            )
        )
        if organizers <= 1:
            raise ServiceError(
                "last_organizer",
                _("An event needs at least one organizer: add another before removing this one."),
            )
    db.session.delete(role)
    db.session.flush()
    forget_standing()


# --- invitation codes ------------------------------------------------------------


def new_code() -> str:
    """A random code of ``CODE_LENGTH`` characters from ``CODE_ALPHABET``."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def invitation_codes(event: Event) -> list[InvitationCode]:
    """The event's codes, newest first."""
    return list(
        db.session.scalars(
            sa.select(InvitationCode)
            .where(InvitationCode.event_id == event.id)
            .order_by(InvitationCode.created_at.desc(), InvitationCode.id.desc())
        )
    )


def create_invitation_code(
    event: Event, note: str = "", max_uses: int | None = None
) -> InvitationCode:
    """Create an unguessable invitation code for ``event``.

    Side effects: writes the code. Flushes.
    """
    if max_uses is not None and max_uses < 1:
        raise ServiceError(
            "max_uses_invalid",
            _("Allow at least one use, or leave it empty for no limit."),
            "max_uses",
        )
    code = new_code()
    while db.session.scalar(sa.select(InvitationCode.id).where(InvitationCode.code == code)):
        code = new_code()
    invitation = InvitationCode(
        event_id=event.id, code=code, note=(note or "").strip(), max_uses=max_uses
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def revoke_invitation_code(invitation: InvitationCode) -> None:
    """Stop ``invitation`` from admitting anyone else; registrations made with it stay.

    Side effects: sets ``revoked_at``. Flushes.
    """
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.flush()
