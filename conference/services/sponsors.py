"""Sponsors of an event: packages and their entitlements, sponsors, their staff and
seats, the meeting-request quota, sponsored sessions, and the organizer's overview.

Entitlements are read from the sponsor's package at the moment of each action (see
``conference.permissions`` for the rules that depend on them), so a changed package
takes effect at once.

Limits that several requests could overrun together (staff seats, sponsored sessions)
are counted with the sponsor's row locked; the meeting-request quota is counted by one
conditional ``UPDATE``. Functions flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext, ngettext
from sqlalchemy.orm import contains_eager, selectinload

from conference.enums import ActivityKind, EventRoleKind, LeadExportFormat
from conference.extensions import db
from conference.models import (
    Activity,
    BoothMaterial,
    Event,
    EventRole,
    Lead,
    LeadExport,
    ProgramSession,
    Sponsor,
    SponsorInvitation,
    SponsorMember,
    SponsorPackage,
    User,
)
from conference.models.types import utcnow
from conference.permissions import (
    can,
    forget_sponsor_memberships,
    forget_standing,
    sponsor_membership,
    standing,
)
from conference.services import (
    ServiceError,
    accounts,
    aftercommit,
    booths,
    events,
    leads,
    mail,
    ordering,
)


def sponsor_in(event: Event, sponsor_id: int | None) -> Sponsor | None:
    """The sponsor ``sponsor_id`` of ``event``; None for another event's or none."""
    if sponsor_id is None:
        return None
    return db.session.scalar(
        sa.select(Sponsor).where(Sponsor.event_id == event.id, Sponsor.id == sponsor_id)
    )


def packages_of(event: Event) -> list[SponsorPackage]:
    """The event's packages in tier order."""
    return list(
        db.session.scalars(
            sa.select(SponsorPackage)
            .where(SponsorPackage.event_id == event.id)
            .order_by(SponsorPackage.position, SponsorPackage.id)
        )
    )


def sponsor_names(event: Event) -> dict[int, str]:
    """The names of ``event``'s sponsors by id."""
    return dict(
        db.session.execute(
            sa.select(Sponsor.id, Sponsor.name).where(Sponsor.event_id == event.id)
        ).all()
    )


def sponsors_by_tier(
    event: Event, entitlement: str | None = None
) -> list[tuple[SponsorPackage, list[Sponsor]]]:
    """The event's sponsors grouped by package, tiers in order and names sorted within,
    in one query; with ``entitlement`` (a ``SponsorPackage`` flag such as
    ``"logo_on_agenda"``), only packages that have it. Packages nobody bought are left
    out."""
    query = (
        sa.select(Sponsor)
        .join(Sponsor.package)
        .options(contains_eager(Sponsor.package))
        .where(Sponsor.event_id == event.id)
        .order_by(SponsorPackage.position, SponsorPackage.id, Sponsor.name)
    )
    if entitlement is not None:
        query = query.where(getattr(SponsorPackage, entitlement).is_(True))
    tiers: dict[int, tuple[SponsorPackage, list[Sponsor]]] = {}
    for sponsor in db.session.scalars(query):
        tiers.setdefault(sponsor.package_id, (sponsor.package, []))[1].append(sponsor)
    return list(tiers.values())


# --- packages ---------------------------------------------------------------------------

NAME_MAX = 80
PRICE_MAX = 60
SPONSOR_NAME_MAX = 120
EMAIL_MAX = 254
#: Upper bounds a form enforces too: more seats or sessions than this is a typo.
SEATS_MAX = 500
QUOTA_MAX = 100_000
SESSIONS_MAX = 100

#: The entitlements of a package, in the order the organizer's pages show them.
ENTITLEMENTS = (
    "staff_seats",
    "booth",
    "logo_on_event_page",
    "logo_on_agenda",
    "logo_on_badges",
    "lead_retrieval",
    "lead_export",
    "meeting_request_quota",
    "sponsored_sessions",
    "sponsored_announcement",
    "news_posts",
    "directory_featured",
)


def _package_name_taken(event: Event, name: str, exclude_id: int | None) -> bool:
    query = sa.select(SponsorPackage.id).where(
        SponsorPackage.event_id == event.id, sa.func.lower(SponsorPackage.name) == name.lower()
    )
    if exclude_id is not None:
        query = query.where(SponsorPackage.id != exclude_id)
    return db.session.scalar(query) is not None


def _apply_package(package: SponsorPackage, event: Event, fields: dict) -> None:
    name = (fields.pop("name", "") or "").strip()
    if not name:
        raise ServiceError("name_missing", gettext("Name the package."), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=NAME_MAX), "name"
        )
    if _package_name_taken(event, name, package.id):
        raise ServiceError(
            "name_taken", gettext("The event already has a package with this name."), "name"
        )
    unknown = set(fields) - {"price_text", *ENTITLEMENTS}
    if unknown:
        raise TypeError(f"unknown package fields: {sorted(unknown)}")
    for number in ("staff_seats", "sponsored_sessions"):
        if number in fields and (fields[number] is None or fields[number] < 0):
            raise ServiceError("negative", gettext("Enter 0 or more."), number)
    quota = fields.get("meeting_request_quota")
    if quota is not None and quota < 0:
        raise ServiceError("negative", gettext("Enter 0 or more."), "meeting_request_quota")
    package.name = name
    package.price_text = (fields.pop("price_text", package.price_text) or "").strip()[:PRICE_MAX]
    for key, value in fields.items():
        # None (no limit) is written as NULL explicitly: a new row would otherwise get
        # the column's default instead.
        setattr(package, key, sa.null() if value is None else value)


def add_package(event: Event, **fields) -> SponsorPackage:
    """Add a package at the end of ``event``'s tiers. ``fields``: ``name``, ``price_text``
    and any of ``ENTITLEMENTS``.

    Side effects: writes the package. Flushes.
    """
    package = SponsorPackage(event_id=event.id, position=len(packages_of(event)))
    _apply_package(package, event, dict(fields))
    db.session.add(package)
    db.session.flush()
    return package


def update_package(package: SponsorPackage, **fields) -> SponsorPackage:
    """Change a package's name, price and entitlements. Every rule reads the package at
    the moment of each action, so its sponsors gain or lose what changed at once; what
    they already hold (staff, sponsored sessions, requests sent) stays.

    Side effects: writes the package. Flushes.
    """
    _apply_package(package, package.event, dict(fields))
    db.session.flush()
    return package


def package_usages(event: Event) -> dict[int, int]:
    """Sponsors per package of ``event`` (the number sold), by package id."""
    return dict(
        db.session.execute(
            sa.select(Sponsor.package_id, sa.func.count())
            .where(Sponsor.event_id == event.id)
            .group_by(Sponsor.package_id)
        ).all()
    )


def move_package(package: SponsorPackage, direction: int) -> None:
    """One tier up (-1) or down (+1). Flushes."""
    ordering.move(packages_of(package.event), package, direction)


def delete_package(package: SponsorPackage) -> None:
    """Delete a package nobody bought; one in use is refused.

    Side effects: deletes the package and renumbers the others. Flushes.
    """
    event = package.event
    if package_usages(event).get(package.id):
        raise ServiceError(
            "package_in_use",
            gettext(
                "Sponsors have the package “%(name)s”: move them to another package first.",
                name=package.name,
            ),
        )
    db.session.delete(package)
    db.session.flush()
    ordering.renumber(packages_of(event))


# --- sponsors -------------------------------------------------------------------------------


def _lock(sponsor: Sponsor) -> None:
    """Lock ``sponsor``'s row until the transaction ends, so counts of its seats and
    sponsored sessions hold while this transaction adds to them.

    ``FOR NO KEY UPDATE`` on PostgreSQL: another change of the same sponsor's seats
    waits, while rows that merely reference it (leads, activity) are still inserted.
    SQLite renders no lock clause; its transactions begin ``IMMEDIATE``
    (``conference.web``), so writers take turns anyway.
    """
    db.session.execute(
        sa.select(Sponsor.id).where(Sponsor.id == sponsor.id).with_for_update(key_share=True)
    ).all()


def _clean_sponsor_fields(
    event: Event, sponsor_id: int | None, name: str | None, package_id: int | None, contact: str
) -> tuple[str, SponsorPackage, str]:
    name = (name or "").strip()
    if not name:
        raise ServiceError("name_missing", gettext("Enter the company's name."), "name")
    if len(name) > SPONSOR_NAME_MAX:
        raise ServiceError(
            "too_long",
            gettext("At most %(max)d characters, please.", max=SPONSOR_NAME_MAX),
            "name",
        )
    taken = sa.select(Sponsor.id).where(
        Sponsor.event_id == event.id, sa.func.lower(Sponsor.name) == name.lower()
    )
    if sponsor_id is not None:
        taken = taken.where(Sponsor.id != sponsor_id)
    if db.session.scalar(taken) is not None:
        raise ServiceError(
            "name_taken", gettext("The event already has a sponsor with this name."), "name"
        )
    package = db.session.get(SponsorPackage, package_id) if package_id is not None else None
    if package is None or package.event_id != event.id:
        raise ServiceError("package_invalid", gettext("Choose one of the packages."), "package")
    return name, package, accounts.normalize_email(contact or "")[:EMAIL_MAX]


def create_sponsor(
    actor: User,
    event: Event,
    *,
    name: str,
    package_id: int | None,
    contact_email: str = "",
    admin_email: str = "",
) -> Sponsor:
    """Add a sponsor to ``event`` on one of its packages; with ``admin_email``, invite its
    first admin (see ``invite``).

    Side effects: writes the sponsor (and the invitation, whose email leaves after
    commit). Flushes.
    """
    name, package, contact = _clean_sponsor_fields(event, None, name, package_id, contact_email)
    sponsor = Sponsor(
        event_id=event.id, package=package, name=name, contact_email=contact, links=[]
    )
    db.session.add(sponsor)
    db.session.flush()
    if (admin_email or "").strip():
        invite(actor, sponsor, admin_email, as_admin=True, field="admin_email")
    return sponsor


def update_sponsor(
    sponsor: Sponsor, *, name: str, package_id: int | None, contact_email: str = ""
) -> Sponsor:
    """Rename a sponsor, move it to another package (its entitlements follow at once) or
    change its contact. Side effects: writes the sponsor. Flushes."""
    name, package, contact = _clean_sponsor_fields(
        sponsor.event, sponsor.id, name, package_id, contact_email
    )
    sponsor.name, sponsor.package, sponsor.contact_email = name, package, contact
    db.session.flush()
    return sponsor


@dataclass(frozen=True)
class SponsorUsage:
    """What deleting a sponsor takes with it."""

    members: int
    leads: int
    exports: int


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def sponsor_usage(sponsor: Sponsor) -> SponsorUsage:
    return SponsorUsage(
        members=_count(SponsorMember, SponsorMember.sponsor_id == sponsor.id),
        leads=_count(Lead, Lead.sponsor_id == sponsor.id),
        exports=_count(LeadExport, LeadExport.sponsor_id == sponsor.id),
    )


def delete_sponsor(sponsor: Sponsor) -> None:
    """Delete a sponsor with its booth, staff, invitations, leads and their records.

    Side effects: removes its staff's ``sponsor_staff`` roles; deletes its booth
    materials through the session (so whatever cleans up their files runs) and the
    sponsor (the database cascades the rest; sponsored sessions and activity rows keep
    their history with the sponsor cleared). Flushes.
    """
    member_ids = [m.user_id for m in sponsor.members]
    if member_ids:
        db.session.execute(
            sa.delete(EventRole).where(
                EventRole.event_id == sponsor.event_id,
                EventRole.user_id.in_(member_ids),
                EventRole.role == EventRoleKind.sponsor_staff,
            )
        )
    for material in db.session.scalars(
        sa.select(BoothMaterial).where(BoothMaterial.sponsor_id == sponsor.id)
    ):
        db.session.delete(material)
    logo = booths.logo_path(sponsor)
    if logo is not None:
        aftercommit.on_commit(lambda: logo.unlink(missing_ok=True))
    db.session.delete(sponsor)
    db.session.flush()
    forget_standing()
    forget_sponsor_memberships()


# --- staff, seats and invitations ----------------------------------------------------------


@dataclass(frozen=True)
class Seats:
    """A sponsor's staff seats: members plus open invitations, out of the package's."""

    members: int
    invited: int
    total: int

    @property
    def used(self) -> int:
        return self.members + self.invited

    @property
    def free(self) -> int:
        return max(0, self.total - self.used)


def seats(sponsor: Sponsor) -> Seats:
    return Seats(
        members=_count(SponsorMember, SponsorMember.sponsor_id == sponsor.id),
        invited=_count(
            SponsorInvitation,
            SponsorInvitation.sponsor_id == sponsor.id,
            SponsorInvitation.accepted_at.is_(None),
            SponsorInvitation.revoked_at.is_(None),
        ),
        total=sponsor.package.staff_seats,
    )


def members_of(sponsor: Sponsor) -> list[SponsorMember]:
    """The sponsor's staff, admins first, then by name."""
    return list(
        db.session.scalars(
            sa.select(SponsorMember)
            .join(User, User.id == SponsorMember.user_id)
            .where(SponsorMember.sponsor_id == sponsor.id)
            .options(selectinload(SponsorMember.user))
            .order_by(SponsorMember.is_admin.desc(), User.display_name, User.id)
        )
    )


def open_invitations(sponsor: Sponsor) -> list[SponsorInvitation]:
    """Invitations still waiting for an answer, oldest first."""
    return list(
        db.session.scalars(
            sa.select(SponsorInvitation)
            .where(
                SponsorInvitation.sponsor_id == sponsor.id,
                SponsorInvitation.accepted_at.is_(None),
                SponsorInvitation.revoked_at.is_(None),
            )
            .order_by(SponsorInvitation.created_at, SponsorInvitation.id)
        )
    )


def member_in(sponsor: Sponsor, member_id: int | None) -> SponsorMember | None:
    if member_id is None:
        return None
    return db.session.scalar(
        sa.select(SponsorMember).where(
            SponsorMember.sponsor_id == sponsor.id, SponsorMember.id == member_id
        )
    )


def invitation_in(sponsor: Sponsor, invitation_id: int | None) -> SponsorInvitation | None:
    if invitation_id is None:
        return None
    return db.session.scalar(
        sa.select(SponsorInvitation).where(
            SponsorInvitation.sponsor_id == sponsor.id, SponsorInvitation.id == invitation_id
        )
    )


def _forbidden() -> ServiceError:
    return ServiceError("forbidden", gettext("You cannot change this sponsor's team."))


def invite(
    actor: User, sponsor: Sponsor, email: str, *, as_admin: bool = False, field: str = "email"
) -> SponsorInvitation:
    """Invite ``email`` to ``sponsor``'s staff (as an admin with ``as_admin``).

    Refused unless ``sponsor.team`` allows ``actor``, the address is not already on
    this or another sponsor's staff of the event nor invited here, and a seat is free:
    members plus open invitations stay within the package's ``staff_seats``, counted
    with the sponsor's row locked, so invitations sent at the same moment cannot
    overfill it. ``field`` names the form field refusals of the address belong to.

    Side effects: writes the invitation with an unguessable token; after commit emails
    the link to the address (in the language of its account, if it has one). Flushes.
    """
    if not can(actor, "sponsor.team", sponsor):
        raise _forbidden()
    address = accounts.normalize_email(email or "")
    if not address:
        raise ServiceError("email_missing", gettext("Enter an email address."), field)
    if len(address) > EMAIL_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=EMAIL_MAX), field
        )
    _lock(sponsor)
    account = accounts.find_by_email(address)
    if account is not None:
        member = db.session.scalar(
            sa.select(SponsorMember).where(
                SponsorMember.event_id == sponsor.event_id, SponsorMember.user_id == account.id
            )
        )
        if member is not None and member.sponsor_id == sponsor.id:
            raise ServiceError(
                "already_staff",
                gettext("%(name)s is already on your staff.", name=account.display_name),
                field,
            )
        if member is not None:
            # Organizers learn where the person works; a sponsor's admin must not learn
            # who is on a competitor's staff by trying addresses.
            message = (
                gettext(
                    "%(name)s is already on the staff of %(sponsor)s.",
                    name=account.display_name,
                    sponsor=member.sponsor.name,
                )
                if standing(actor, sponsor.event).is_organizer
                else gettext("This address cannot be invited. Ask the organizers if it should.")
            )
            raise ServiceError("already_staff", message, field)
    already = db.session.scalar(
        sa.select(SponsorInvitation.id).where(
            SponsorInvitation.sponsor_id == sponsor.id,
            SponsorInvitation.email == address,
            SponsorInvitation.accepted_at.is_(None),
            SponsorInvitation.revoked_at.is_(None),
        )
    )
    if already is not None:
        raise ServiceError("already_invited", gettext("This address is already invited."), field)
    if seats(sponsor).free <= 0:
        raise ServiceError(
            "no_seats",
            ngettext(
                "All %(num)d staff seat of the package is taken: remove someone or revoke "
                "an invitation first.",
                "All %(num)d staff seats of the package are taken: remove someone or revoke "
                "an invitation first.",
                sponsor.package.staff_seats,
            ),
            field,
        )
    invitation = SponsorInvitation(
        sponsor_id=sponsor.id,
        event_id=sponsor.event_id,
        email=address,
        as_admin=as_admin,
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    db.session.flush()
    event = sponsor.event
    with mail.in_language(account.locale if account is not None else None):
        mail.send_template(
            address,
            gettext("Join %(sponsor)s at %(event)s", sponsor=sponsor.name, event=event.name),
            "sponsor_invitation",
            event=event,
            sponsor=sponsor,
            invitation=invitation,
            inviter=actor,
            account=account,
        )
    return invitation


def revoke_invitation(actor: User, invitation: SponsorInvitation) -> None:
    """Withdraw an open invitation: its link stops working and its seat is free.

    Side effects: sets ``revoked_at``. Flushes.
    """
    if not can(actor, "sponsor.team", invitation.sponsor):
        raise _forbidden()
    if not invitation.is_open:
        raise ServiceError(
            "invitation_closed", gettext("This invitation was already answered or revoked.")
        )
    invitation.revoked_at = utcnow()
    db.session.flush()


def remove_member(actor: User, member: SponsorMember) -> None:
    """Take someone off a sponsor's staff. A sponsor's admin cannot remove its last
    admin (the organizers can); the leads they captured stay with the sponsor.

    Side effects: deletes the membership and the person's ``sponsor_staff`` role in the
    event. Flushes.
    """
    sponsor = member.sponsor
    if not can(actor, "sponsor.team", sponsor):
        raise _forbidden()
    _lock(sponsor)
    if member.is_admin and not standing(actor, sponsor.event).is_organizer:
        admins = _count(
            SponsorMember, SponsorMember.sponsor_id == sponsor.id, SponsorMember.is_admin
        )
        if admins <= 1:
            raise ServiceError(
                "last_admin",
                gettext(
                    "%(sponsor)s needs an admin: invite another admin before removing this one.",
                    sponsor=sponsor.name,
                ),
            )
    db.session.execute(
        sa.delete(EventRole).where(
            EventRole.event_id == member.event_id,
            EventRole.user_id == member.user_id,
            EventRole.role == EventRoleKind.sponsor_staff,
        )
    )
    db.session.delete(member)
    db.session.flush()
    forget_standing()
    forget_sponsor_memberships()


def invitation_by_token(token: str | None) -> SponsorInvitation | None:
    """The invitation a link carries (answered and revoked ones too, to say so)."""
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(SponsorInvitation).where(SponsorInvitation.token == token))


def invitation_refusal(user: User, invitation: SponsorInvitation) -> ServiceError | None:
    """Why ``user`` cannot accept ``invitation`` (None when they can): it must be open,
    and the account verified with the invitation's address and on no sponsor's staff of
    the event yet."""
    if invitation.revoked_at is not None:
        return ServiceError(
            "invitation_revoked", gettext("This invitation was withdrawn. Ask for a new one.")
        )
    if invitation.accepted_at is not None:
        return ServiceError("invitation_used", gettext("This invitation was already accepted."))
    if not user.is_verified:
        return ServiceError(
            "unverified", gettext("Confirm your email address first, then open the link again.")
        )
    if user.email != invitation.email:
        return ServiceError(
            "wrong_account",
            gettext(
                "This invitation is for %(email)s. Sign in with that address to accept it.",
                email=invitation.email,
            ),
        )
    member = sponsor_membership(user, invitation.sponsor.event)
    if member is not None:
        return ServiceError(
            "already_staff",
            gettext(
                "You are already on the staff of %(sponsor)s at this event.",
                sponsor=member.sponsor.name,
            ),
        )
    return None


def accept_invitation(user: User, invitation: SponsorInvitation) -> SponsorMember:
    """``user`` joins the sponsor's staff (no registration needed: the role makes them a
    participant of the event). The seat was held by the invitation.

    Side effects: marks the invitation accepted; writes a ``SponsorMember`` (admin when
    invited as one) and the event role ``sponsor_staff`` unless the person has it.
    Flushes.
    """
    sponsor = invitation.sponsor
    _lock(sponsor)
    db.session.refresh(invitation)
    forget_sponsor_memberships()
    refusal = invitation_refusal(user, invitation)
    if refusal is not None:
        raise refusal
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    return add_member(sponsor, user, admin=invitation.as_admin)


def add_member(sponsor: Sponsor, user: User, *, admin: bool = False) -> SponsorMember:
    """Put ``user`` on ``sponsor``'s staff, with the event role that makes them a
    participant. The seat is the caller's to check (an accepted invitation held it).

    Side effects: writes a ``SponsorMember`` and the role ``sponsor_staff`` unless the
    person holds it. Flushes.
    """
    member = SponsorMember(
        sponsor_id=sponsor.id, event_id=sponsor.event_id, user_id=user.id, is_admin=admin
    )
    try:
        # Two sponsors' invitations accepted at the same moment: only one may win.
        with db.session.begin_nested():
            db.session.add(member)
    except sa.exc.IntegrityError:
        raise ServiceError(
            "already_staff",
            gettext("You are already on a sponsor's staff at this event."),
        ) from None
    events.ensure_role(sponsor.event, [user.id], EventRoleKind.sponsor_staff)
    db.session.flush()
    forget_sponsor_memberships()
    return member


# --- meeting requests ----------------------------------------------------------------------


def count_meeting_request(actor: User, event: Event) -> None:
    """Count a meeting request ``actor`` sends in ``event`` against their sponsor's quota
    (nothing happens for someone on no sponsor's staff).

    One conditional ``UPDATE ... WHERE used < quota`` adds it: the database checks and
    counts in one step, holding the row, so requests sent at the same moment never
    exceed the quota. Refused with ``meeting_quota_used`` once it is used up.

    Side effects: increments ``Sponsor.meeting_requests_used``. Flushes.
    """
    member = sponsor_membership(actor, event)
    if member is None:
        return
    quota = (
        sa.select(SponsorPackage.meeting_request_quota)
        .where(SponsorPackage.id == Sponsor.package_id)
        .scalar_subquery()
    )
    counted = db.session.execute(
        sa.update(Sponsor)
        .where(
            Sponsor.id == member.sponsor_id,
            sa.or_(quota.is_(None), Sponsor.meeting_requests_used < quota),
        )
        .values(meeting_requests_used=Sponsor.meeting_requests_used + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(member.sponsor, ["meeting_requests_used"])
    if counted.rowcount == 0:
        raise ServiceError(
            "meeting_quota_used",
            gettext(
                "%(sponsor)s has sent all the meeting requests its package includes. "
                "Ask the organizers for more.",
                sponsor=member.sponsor.name,
            ),
        )


# --- sponsored sessions --------------------------------------------------------------------


def session_sponsors(event: Event) -> list[Sponsor]:
    """Sponsors whose package includes sponsored sessions, by name."""
    return list(
        db.session.scalars(
            sa.select(Sponsor)
            .join(SponsorPackage, SponsorPackage.id == Sponsor.package_id)
            .where(Sponsor.event_id == event.id, SponsorPackage.sponsored_sessions > 0)
            .order_by(Sponsor.name)
        )
    )


def set_session_sponsor(session: ProgramSession, sponsor_id: int | None) -> None:
    """Mark ``session`` as presented by the sponsor ``sponsor_id`` (None: by nobody).

    The sponsor must be the event's, and its sessions (this one included) may not
    exceed its package's ``sponsored_sessions``, counted with its row locked. Keeping a
    session's current sponsor is always allowed (a package reduced later keeps what it
    has).

    Side effects: writes ``ProgramSession.sponsor_id``. Flushes.
    """
    if sponsor_id is None or sponsor_id == session.sponsor_id:
        session.sponsor_id = sponsor_id
        db.session.flush()
        return
    sponsor = sponsor_in(session.event, sponsor_id)
    if sponsor is None:
        raise ServiceError("sponsor_invalid", gettext("Choose one of the sponsors."), "sponsor")
    _lock(sponsor)
    allowed = sponsor.package.sponsored_sessions
    used = _count(
        ProgramSession, ProgramSession.sponsor_id == sponsor.id, ProgramSession.id != session.id
    )
    if used >= allowed:
        raise ServiceError(
            "sponsored_sessions_used",
            ngettext(
                "The package of %(sponsor)s includes %(num)d sponsored session, and it is taken.",
                "The package of %(sponsor)s includes %(num)d sponsored sessions, all taken.",
                allowed,
                sponsor=sponsor.name,
            ),
            "sponsor",
        )
    session.sponsor_id = sponsor.id
    db.session.flush()


# --- the organizer's overview -----------------------------------------------------------------


@dataclass(frozen=True)
class SponsorSummary:
    """One sponsor's line on the organizer's overview: its entitlements and their use."""

    sponsor: Sponsor
    seats: Seats
    leads: int
    withdrawn: int
    exports: int
    last_export: datetime | None
    booth_visits: int
    sessions: int

    @property
    def quota(self) -> int | None:
        return self.sponsor.package.meeting_request_quota


def overview(event: Event) -> list[SponsorSummary]:
    """Every sponsor of ``event`` with what it used: seats, meeting requests, leads
    (only those ``leads.active_leads`` lets it see), withdrawals, exports, booth visits
    and sponsored sessions; in tier order, then by name. A fixed number of queries,
    however many sponsors."""
    sponsors = [s for _package, group in sponsors_by_tier(event) for s in group]
    exports = {
        sponsor_id: (count, last)
        for sponsor_id, count, last in db.session.execute(
            sa.select(LeadExport.sponsor_id, sa.func.count(), sa.func.max(LeadExport.created_at))
            .where(LeadExport.event_id == event.id)
            .group_by(LeadExport.sponsor_id)
        )
    }
    visits = dict(
        db.session.execute(
            sa.select(Activity.sponsor_id, sa.func.count())
            .where(Activity.event_id == event.id, Activity.kind == ActivityKind.booth_visit)
            .group_by(Activity.sponsor_id)
        ).all()
    )
    sessions = dict(
        db.session.execute(
            sa.select(ProgramSession.sponsor_id, sa.func.count())
            .where(ProgramSession.event_id == event.id, ProgramSession.sponsor_id.is_not(None))
            .group_by(ProgramSession.sponsor_id)
        ).all()
    )
    members = dict(
        db.session.execute(
            sa.select(SponsorMember.sponsor_id, sa.func.count())
            .where(SponsorMember.event_id == event.id)
            .group_by(SponsorMember.sponsor_id)
        ).all()
    )
    invited = dict(
        db.session.execute(
            sa.select(SponsorInvitation.sponsor_id, sa.func.count())
            .where(
                SponsorInvitation.event_id == event.id,
                SponsorInvitation.accepted_at.is_(None),
                SponsorInvitation.revoked_at.is_(None),
            )
            .group_by(SponsorInvitation.sponsor_id)
        ).all()
    )
    active = leads.active_lead_counts(event)
    withdrawn = leads.withdrawn_counts(event)
    rows = []
    for sponsor in sponsors:
        count, last = exports.get(sponsor.id, (0, None))
        rows.append(
            SponsorSummary(
                sponsor=sponsor,
                seats=Seats(
                    members=members.get(sponsor.id, 0),
                    invited=invited.get(sponsor.id, 0),
                    total=sponsor.package.staff_seats,
                ),
                leads=active.get(sponsor.id, 0),
                withdrawn=withdrawn.get(sponsor.id, 0),
                exports=count,
                last_export=last,
                booth_visits=visits.get(sponsor.id, 0),
                sessions=sessions.get(sponsor.id, 0),
            )
        )
    return rows


#: How the export log names each format.
EXPORT_FORMAT_LABELS = {
    LeadExportFormat.csv: "CSV",
    LeadExportFormat.vcard: "vCard",
    LeadExportFormat.xlsx: "Excel (XLSX)",
}

#: Rows per page of the export log.
EXPORTS_PAGE_SIZE = 50


def _exports(event: Event) -> sa.Select:
    return (
        sa.select(LeadExport)
        .where(LeadExport.event_id == event.id)
        .options(selectinload(LeadExport.exported_by))
        .order_by(LeadExport.created_at.desc(), LeadExport.id.desc())
    )


def exports_page(event: Event, page: int):
    """One page of every lead export of ``event``, newest first, with who exported."""
    return db.paginate(_exports(event), page=page, per_page=EXPORTS_PAGE_SIZE, error_out=False)


def recent_exports(event: Event, limit: int = 5) -> list[LeadExport]:
    """The latest lead exports of ``event``, for the overview."""
    return list(db.session.scalars(_exports(event).limit(limit)))
