"""Segments: the people of an event an organizer's mailing goes to.

A segment is a set of filters; filters of one kind are alternatives ("Finance or
Software"), filters of different kinds must all hold ("Finance and VIP"). Without
any filter it means everyone: the approved participants and the event's team
(organizers, speakers, sponsor staff, moderators), who count even without a
registration of their own. Choosing registration statuses replaces "approved" by
those statuses.

People who unsubscribed from the event's announcements
(``Registration.announcements_opt_out``) and suspended accounts are never
recipients: a segment is only used for mailings. Each person is one recipient,
however many filters they match.

The segment is kept with the mailing as JSON (``to_json`` / ``from_json``), so the
mailing's page can say whom it went to (``summary``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference.enums import EventRoleKind, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Event,
    EventRole,
    Registration,
    User,
    registration_interests,
)
from conference.services import ServiceError

STATUS_LABELS = {
    RegistrationStatus.pending: _l("Pending"),
    RegistrationStatus.approved: _l("Approved"),
    RegistrationStatus.declined: _l("Declined"),
    RegistrationStatus.cancelled: _l("Cancelled"),
}

ROLE_LABELS = {
    EventRoleKind.organizer: _l("Organizers"),
    EventRoleKind.speaker: _l("Speakers"),
    EventRoleKind.sponsor_staff: _l("Sponsor staff"),
    EventRoleKind.moderator: _l("Moderators"),
    EventRoleKind.checkin_staff: _l("Check-in staff"),
}

#: The segment's vocabulary filters: field name, the kind of term they name, and the
#: label of the filter in summaries.
TERM_FILTERS = (
    ("industries", TaxonomyKind.industry, _l("Industry")),
    ("regions", TaxonomyKind.region, _l("Region")),
    ("job_roles", TaxonomyKind.job_role, _l("Job role")),
    ("topics", TaxonomyKind.topic, _l("Interest")),
)


@dataclass(frozen=True)
class Segment:
    """Who a mailing goes to; every field empty means everyone (see the module doc)."""

    #: Registration statuses; empty means approved participants plus the team.
    statuses: tuple[RegistrationStatus, ...] = ()
    ticket_types: tuple[int, ...] = ()
    #: Roles in the event: speakers, sponsor staff, organizers, moderators.
    roles: tuple[EventRoleKind, ...] = ()
    #: Ids of the event's industry, region and job-role terms.
    industries: tuple[int, ...] = ()
    regions: tuple[int, ...] = ()
    job_roles: tuple[int, ...] = ()
    #: Ids of topics; a person matches with any of them among their interests.
    topics: tuple[int, ...] = ()

    @property
    def is_everyone(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> dict:
        """The non-empty filters, as stored in ``Mailing.segment``."""
        return {
            f.name: [str(v) if isinstance(v, str) else v for v in getattr(self, f.name)]
            for f in fields(self)
            if getattr(self, f.name)
        }

    @classmethod
    def from_json(cls, data: dict | None) -> Segment:
        """A segment from ``to_json``'s output; unknown keys and values are dropped."""
        data = data or {}

        def ids(name: str) -> tuple[int, ...]:
            return tuple(sorted({int(v) for v in data.get(name, ()) if _is_int(v)}))

        statuses = {s for s in RegistrationStatus if s.value in set(data.get("statuses", ()))}
        roles = {r for r in EventRoleKind if r.value in set(data.get("roles", ()))}
        return cls(
            statuses=tuple(s for s in RegistrationStatus if s in statuses),
            ticket_types=ids("ticket_types"),
            roles=tuple(r for r in EventRoleKind if r in roles),
            industries=ids("industries"),
            regions=ids("regions"),
            job_roles=ids("job_roles"),
            topics=ids("topics"),
        )


def _is_int(value) -> bool:
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def build(event: Event, **chosen: Iterable) -> Segment:
    """A segment of ``event`` from the values chosen in a form, by field name.

    An id that is not one of the event's ticket types or terms of the right kind, or
    an unknown status or role, is refused (``ServiceError`` naming the field).
    """
    unknown = set(chosen) - {f.name for f in fields(Segment)}
    if unknown:
        raise TypeError(f"not segment fields: {sorted(unknown)}")
    values: dict[str, tuple] = {}
    for name, enum in (("statuses", RegistrationStatus), ("roles", EventRoleKind)):
        wanted = {str(v) for v in chosen.get(name, ())}
        if not wanted <= {member.value for member in enum}:
            raise ServiceError("unknown_choice", _("Choose from the options offered."), name)
        values[name] = tuple(member for member in enum if member.value in wanted)
    allowed = {"ticket_types": {t.id for t in event.ticket_types}}
    for name, kind, _label in TERM_FILTERS:
        allowed[name] = {t.id for t in event.terms if t.kind == kind}
    for name, ids in allowed.items():
        wanted = {int(v) for v in chosen.get(name, ())}
        if not wanted <= ids:
            raise ServiceError("unknown_choice", _("Choose from the options offered."), name)
        values[name] = tuple(sorted(wanted))
    return Segment(**values)


def _people(event: Event):
    """Everyone who has a registration or a role in ``event``, once each."""
    return sa.union(
        sa.select(Registration.user_id.label("user_id")).where(Registration.event_id == event.id),
        sa.select(EventRole.user_id.label("user_id")).where(EventRole.event_id == event.id),
    ).subquery("people")


def _matching(
    event: Event, segment: Segment, *columns, include_opted_out: bool = False
) -> sa.Select:
    """``columns`` of the segment's recipients (``User`` and ``Registration`` joined;
    the registration may be missing for team members)."""
    people = _people(event)
    reg = Registration
    query = (
        sa.select(*columns)
        .select_from(people)
        .join(User, User.id == people.c.user_id)
        .outerjoin(reg, sa.and_(reg.event_id == event.id, reg.user_id == people.c.user_id))
        .where(User.is_suspended.is_(False))
    )
    if not include_opted_out:
        query = query.where(sa.or_(reg.id.is_(None), reg.announcements_opt_out.is_(False)))

    def has_role(*roles: EventRoleKind):
        condition = sa.and_(EventRole.event_id == event.id, EventRole.user_id == people.c.user_id)
        if roles:
            condition = sa.and_(condition, EventRole.role.in_(roles))
        return sa.exists().where(condition)

    if segment.statuses:
        query = query.where(reg.status.in_(segment.statuses))
    else:
        query = query.where(sa.or_(reg.status == RegistrationStatus.approved, has_role()))
    if segment.roles:
        query = query.where(has_role(*segment.roles))
    if segment.ticket_types:
        query = query.where(reg.ticket_type_id.in_(segment.ticket_types))
    for column, ids in (
        (reg.industry_id, segment.industries),
        (reg.region_id, segment.regions),
        (reg.job_role_id, segment.job_roles),
    ):
        if ids:
            query = query.where(column.in_(ids))
    if segment.topics:
        query = query.where(
            sa.exists().where(
                registration_interests.c.registration_id == reg.id,
                registration_interests.c.term_id.in_(segment.topics),
            )
        )
    return query


def count(event: Event, segment: Segment) -> int:
    """How many people the segment reaches now."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(_matching(event, segment, User.id).subquery())
    )


def opted_out(event: Event, segment: Segment) -> int:
    """How many people would match but unsubscribed from the event's announcements."""
    query = _matching(event, segment, User.id, include_opted_out=True).where(
        Registration.announcements_opt_out.is_(True)
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def recipients(event: Event, segment: Segment) -> sa.Select:
    """A query of the segment's recipients: ``user_id`` and ``email``, in name order."""
    return _matching(event, segment, User.id.label("user_id"), User.email).order_by(
        User.display_name, User.id
    )


def sponsor_offer_recipients(event: Event) -> sa.Select:
    """``user_id`` and ``email`` of who a sponsor's announcement goes to: approved
    participants who accepted sponsors' offers (``Registration.sponsor_offers``) and did
    not unsubscribe from the event's announcements, in name order."""
    return (
        sa.select(User.id.label("user_id"), User.email)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
            Registration.sponsor_offers.is_(True),
            Registration.announcements_opt_out.is_(False),
            User.is_suspended.is_(False),
        )
        .order_by(User.display_name, User.id)
    )


def first_recipient(event: Event, segment: Segment) -> User | None:
    """The recipient a preview is rendered for: the first in name order."""
    user_id = db.session.scalar(recipients(event, segment).with_only_columns(User.id).limit(1))
    return db.session.get(User, user_id) if user_id is not None else None


def summary(event: Event, segment: Segment) -> str:
    """The segment in words, e.g. "Approved · Ticket: VIP · Industry: Finance"."""
    if segment.is_everyone:
        return _("Everyone (approved participants and the event's team)")
    parts = []
    if segment.statuses:
        parts.append(_(" or ").join(str(STATUS_LABELS[s]) for s in segment.statuses))
    if segment.roles:
        parts.append(_(" or ").join(str(ROLE_LABELS[r]) for r in segment.roles))
    names = {t.id: t.name for t in event.ticket_types}
    if segment.ticket_types:
        parts.append(
            _(
                "%(filter)s: %(names)s",
                filter=_("Ticket"),
                names=_names(segment.ticket_types, names),
            )
        )
    terms = {t.id: t.name for t in event.terms}
    for name, _kind, label in TERM_FILTERS:
        ids = getattr(segment, name)
        if ids:
            parts.append(_("%(filter)s: %(names)s", filter=label, names=_names(ids, terms)))
    return " · ".join(parts)


def _names(ids: Iterable[int], names: dict[int, str]) -> str:
    return _(" or ").join(names.get(i, _("(removed)")) for i in ids)
