"""Badges: the codes their QR codes carry, whom they show as what, and (below) the
loading, printing and bulk generation of badge PDFs.

A QR code resolves only inside its own event: ``resolve`` is always given the event
the scanner works for and answers "another event's badge" for a code of any other,
without saying which.

Printing. ``badge_data`` turns registrations into ``BadgeData`` (the renderer's input,
``conference.badges``) in a few queries per 500 people, issuing codes to those who
have none. A person's design is the design for their badge role, else the one for
their ticket type, else the event's default, else the built-in A6 look. Every badge
that goes into a PDF meant for printing leaves a ``BadgePrint`` with its
``fingerprint``, so "changed since last print" compares what a badge would show now
with what it showed then (name, company, job title, role, ticket type, event name,
QR code and design; not the ribbon's language).

Bulk generation. ``create_batch`` records what the organizer asked for (a
``BadgeFilter`` and a sort) and queues ``render_batch``, which renders the matching
badges into one PDF under ``BADGE_FOLDER/<event id>/`` (``conference.badges.render``,
in chunks, in ``BADGE_RENDER_WORKERS`` processes), reporting ``done`` as it goes, and
records the prints once the file is complete. The job is idempotent: a batch that is
done stays done, one a dead consumer left half way starts over, and a failure marks
the batch ``failed`` with its error and leaves no file and no print records behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from conference import jobs
from conference.badges import BadgeData, DesignSpec
from conference.badges.render import PALETTE, RenderReport, render_one, render_pdf
from conference.enums import (
    BadgeBatchStatus,
    BadgeLayout,
    BadgeRole,
    EventRoleKind,
    RegistrationStatus,
    ScanOutcome,
)
from conference.extensions import db
from conference.models import (
    BadgeBatch,
    BadgeCode,
    BadgeDesign,
    BadgePrint,
    Event,
    EventRole,
    Profile,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorPackage,
    User,
)
from conference.models.badges import QR_PREFIX, new_badge_token
from conference.models.types import search_key, utcnow
from conference.permissions import can
from conference.services import ServiceError, badge_designs
from conference.services.upserts import dialect_insert

log = logging.getLogger(__name__)

#: A person with several roles shows as the first of these they hold.
_ROLE_ORDER = (
    (EventRoleKind.organizer, BadgeRole.organizer),
    (EventRoleKind.speaker, BadgeRole.speaker),
    (EventRoleKind.sponsor_staff, BadgeRole.sponsor),
    (EventRoleKind.checkin_staff, BadgeRole.staff),
    (EventRoleKind.moderator, BadgeRole.staff),
)


def badge_role(roles) -> BadgeRole:
    """What a badge shows someone holding ``roles`` (event role kinds) as."""
    held = set(roles)
    for kind, role in _ROLE_ORDER:
        if kind in held:
            return role
    return BadgeRole.attendee


def _issue(event_id: int, registration_ids: list[int]) -> None:
    """Insert a new live code for each registration that has none, in one statement.

    Two requests may issue a registration's first code at once (its first badge page
    and a bulk batch, say); the live-code unique index settles it: the second insert
    does nothing, and both read back the one code.
    """
    if not registration_ids:
        return
    statement = dialect_insert()(BadgeCode).on_conflict_do_nothing(
        index_elements=["registration_id"], index_where=BadgeCode.revoked_at.is_(None)
    )
    db.session.execute(
        statement,
        [
            {
                "event_id": event_id,
                "registration_id": rid,
                "token": new_badge_token(),
                "created_at": utcnow(),
            }
            for rid in registration_ids
        ],
    )


def _live(registration_id: int) -> BadgeCode | None:
    return db.session.scalar(
        sa.select(BadgeCode)
        .where(BadgeCode.registration_id == registration_id, BadgeCode.revoked_at.is_(None))
        .execution_options(populate_existing=True)
    )


def live_code(registration: Registration) -> BadgeCode:
    """The registration's current badge code, issued now if it has none."""
    code = _live(registration.id)
    if code is None:
        _issue(registration.event_id, [registration.id])
        code = _live(registration.id)
    return code


def issue_missing_codes(event: Event, registration_ids: list[int]) -> dict[int, BadgeCode]:
    """Live codes for many registrations of ``event`` at once, issuing those missing."""
    codes: dict[int, BadgeCode] = {}
    for start in range(0, len(registration_ids), 500):
        chunk = registration_ids[start : start + 500]
        for code in db.session.scalars(
            sa.select(BadgeCode).where(
                BadgeCode.registration_id.in_(chunk), BadgeCode.revoked_at.is_(None)
            )
        ):
            codes[code.registration_id] = code
    missing = [rid for rid in registration_ids if rid not in codes]
    for start in range(0, len(missing), 500):
        chunk = missing[start : start + 500]
        _issue(event.id, chunk)
        for code in db.session.scalars(
            sa.select(BadgeCode).where(
                BadgeCode.registration_id.in_(chunk), BadgeCode.revoked_at.is_(None)
            )
        ):
            codes[code.registration_id] = code
    return codes


def reissue(registration: Registration) -> BadgeCode:
    """Revoke the registration's current code (scans of it answer "revoked" from now on)
    and issue a new one; the old printed badge stops working at once."""
    db.session.execute(
        sa.update(BadgeCode)
        .where(BadgeCode.registration_id == registration.id, BadgeCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    _issue(registration.event_id, [registration.id])
    return _live(registration.id)


def parse_payload(payload: str) -> str:
    """The token in what a scanner read: the QR payload ``B1:<token>`` or a bare token,
    as typed or read, in any case and with stray whitespace."""
    text = (payload or "").strip().upper()
    if text.startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    return text


@dataclass(frozen=True)
class Resolved:
    """What a scanned code is inside one event: its registration when it is this
    event's live code, else why not (``revoked``, ``other_event`` or ``unknown``)."""

    outcome: ScanOutcome
    registration: Registration | None = None


def resolve(event: Event, payload: str) -> Resolved:
    """Look a scanned payload up for a scanner working for ``event``."""
    token = parse_payload(payload)
    if not token or len(token) > 32:
        return Resolved(ScanOutcome.unknown)
    code = db.session.scalar(sa.select(BadgeCode).where(BadgeCode.token == token))
    if code is None:
        return Resolved(ScanOutcome.unknown)
    if code.event_id != event.id:
        return Resolved(ScanOutcome.other_event)
    if code.revoked_at is not None:
        return Resolved(ScanOutcome.revoked, code.registration)
    return Resolved(ScanOutcome.ok, code.registration)


# --- what a badge shows ---------------------------------------------------------------------

#: The ribbon across a badge's foot, per role; attendees have none.
RIBBONS = {
    BadgeRole.organizer: _l("ORGANIZER"),
    BadgeRole.speaker: _l("SPEAKER"),
    BadgeRole.sponsor: _l("SPONSOR"),
    BadgeRole.staff: _l("STAFF"),
}
#: The orders badges can come out of the printer in.
SORTS = ("name", "company")
#: Registrations loaded (and codes issued) together.
LOAD_BATCH = 500
#: A made-up QR payload for previews: scans as "unknown" everywhere.
SAMPLE_PAYLOAD = QR_PREFIX + "PREVIEW" * 3 + "ABCDE"
#: Fit warnings kept on a batch (the page lists them; more would not be read).
WARNINGS_KEPT = 1000
#: The organizer's download of a finished batch (``slug``, ``batch_id``).
DOWNLOAD_ENDPOINT = "organizer.badge_batch_download"


def design_for(
    designs: Sequence[BadgeDesign], ticket_type_id: int | None, role: BadgeRole
) -> BadgeDesign | None:
    """The design a person prints with: their role's, else their ticket type's, else
    the event's default; None for the built-in look."""
    by_role = next((d for d in designs if d.role == role), None)
    if by_role is not None:
        return by_role
    if ticket_type_id is not None:
        by_ticket = next(
            (d for d in designs if d.role is None and d.ticket_type_id == ticket_type_id), None
        )
        if by_ticket is not None:
            return by_ticket
    return next((d for d in designs if d.role is None and d.ticket_type_id is None), None)


def design_spec(design: BadgeDesign | None, logo_png: bytes | None) -> DesignSpec:
    """What the renderer needs of ``design`` (saved or not), with the event's logo."""
    if design is None:
        return DesignSpec(colors=dict(PALETTE), logo_png=logo_png)
    chosen = {
        role: color
        for role, color in (design.colors or {}).items()
        if role in PALETTE and badge_designs.COLOR_RE.match(color or "")
    }
    return DesignSpec(
        layout=BadgeLayout(design.layout or BadgeLayout.a6),
        colors={**PALETTE, **chosen},
        show_logo=design.show_logo is not False,
        show_company=design.show_company is not False,
        show_job_title=design.show_job_title is not False,
        show_ribbon=design.show_ribbon is not False,
        show_qr=design.show_qr is not False,
        logo_png=logo_png,
    )


class _Designs:
    """The event's designs and logo, loaded once, and one ``DesignSpec`` per design; and
    its sponsors' logos, each read once (and shared by all its staff's badges)."""

    def __init__(self, event: Event):
        self.designs = db.session.scalars(
            sa.select(BadgeDesign).where(BadgeDesign.event_id == event.id)
        ).all()
        self.logo = badge_designs.logo_png(event)
        self._specs: dict[int | None, DesignSpec] = {}
        self._sponsor_logos: dict[str, bytes | None] = {}

    def sponsor_logo(self, filename: str | None) -> bytes | None:
        if not filename:
            return None
        if filename not in self._sponsor_logos:
            self._sponsor_logos[filename] = badge_designs.stored_logo_png(filename)
        return self._sponsor_logos[filename]

    def spec(self, ticket_type_id: int | None, role: BadgeRole) -> DesignSpec:
        design = design_for(self.designs, ticket_type_id, role)
        key = design.id if design is not None else None
        if key not in self._specs:
            self._specs[key] = design_spec(design, self.logo)
        return self._specs[key]


def _ribbon(role: BadgeRole) -> str:
    return str(RIBBONS.get(role, ""))


def _roles_of(event: Event, user_ids: list[int]) -> dict[int, set[EventRoleKind]]:
    roles: dict[int, set[EventRoleKind]] = {}
    for user_id, kind in db.session.execute(
        sa.select(EventRole.user_id, EventRole.role).where(
            EventRole.event_id == event.id, EventRole.user_id.in_(user_ids)
        )
    ):
        roles.setdefault(user_id, set()).add(EventRoleKind(kind))
    return roles


def _badge_sponsors(event: Event, user_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """(sponsor name, logo file name) by user id, for those of ``user_ids`` who staff a
    sponsor of ``event`` whose package puts its logo on badges; one query."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(SponsorMember.user_id, Sponsor.name, Sponsor.logo_filename)
        .join(Sponsor, Sponsor.id == SponsorMember.sponsor_id)
        .join(SponsorPackage, SponsorPackage.id == Sponsor.package_id)
        .where(
            SponsorMember.event_id == event.id,
            SponsorMember.user_id.in_(user_ids),
            SponsorPackage.logo_on_badges.is_(True),
        )
    )
    return {user_id: (name, logo) for user_id, name, logo in rows}


def _people(event: Event, ids: list[int]) -> list[tuple]:
    """(registration id, ticket type id, user id, name, company, job title) of ``ids``,
    in the order of ``ids``."""
    rows = db.session.execute(
        sa.select(
            Registration.id,
            Registration.ticket_type_id,
            User.id,
            User.display_name,
            Profile.company,
            Profile.job_title,
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(Registration.event_id == event.id, Registration.id.in_(ids))
    ).all()
    order = {rid: n for n, rid in enumerate(ids)}
    return sorted(rows, key=lambda row: order[row[0]])


def _badges(
    event: Event, ids: list[int], *, issue: bool, designs: _Designs | None = None
) -> Iterator[BadgeData]:
    """``BadgeData`` for the registrations ``ids`` of ``event``, in that order, loaded
    ``LOAD_BATCH`` at a time. ``issue``: give people without a live code one (else
    their badge has no QR payload)."""
    designs = designs or _Designs(event)
    tickets = {ticket.id: ticket.name for ticket in event.ticket_types}
    for start in range(0, len(ids), LOAD_BATCH):
        chunk = ids[start : start + LOAD_BATCH]
        people = _people(event, chunk)
        roles = _roles_of(event, [row[2] for row in people])
        sponsors = _badge_sponsors(event, [row[2] for row in people])
        if issue:
            codes = issue_missing_codes(event, [row[0] for row in people])
        else:
            codes = {
                code.registration_id: code
                for code in db.session.scalars(
                    sa.select(BadgeCode).where(
                        BadgeCode.registration_id.in_(chunk), BadgeCode.revoked_at.is_(None)
                    )
                )
            }
        for rid, ticket_type_id, user_id, name, company, job_title in people:
            role = badge_role(roles.get(user_id, ()))
            code = codes.get(rid)
            sponsor_logo = None
            if user_id in sponsors:
                company, logo_filename = sponsors[user_id]
                sponsor_logo = designs.sponsor_logo(logo_filename)
            yield BadgeData(
                name=name,
                company=company or "",
                job_title=job_title or "",
                role=role,
                ribbon=_ribbon(role),
                ticket_type=tickets.get(ticket_type_id, ""),
                event_name=event.name,
                qr_payload=code.qr_payload if code is not None else None,
                design=designs.spec(ticket_type_id, role),
                registration_id=rid,
                sponsor_logo_png=sponsor_logo,
            )


def badge_data(event: Event, registrations: Iterable[Registration]) -> list[BadgeData]:
    """What the badges of ``registrations`` (of ``event``) show, in their order.

    A few queries per ``LOAD_BATCH`` people whatever their number. Side effects:
    issues a code to each registration without a live one. Flushes.
    """
    return list(_badges(event, [r.id for r in registrations], issue=True))


def stream_badge_data(event: Event, ids: list[int]) -> Iterator[BadgeData]:
    """``BadgeData`` of the registrations ``ids`` of ``event``, for rendering many.

    Side effects: issues missing codes and COMMITS after each ``LOAD_BATCH``, so no
    transaction stays open (on SQLite: no write lock is held) while pages render.
    """
    designs = _Designs(event)
    for start in range(0, len(ids), LOAD_BATCH):
        chunk = ids[start : start + LOAD_BATCH]
        loaded = list(_badges(event, chunk, issue=True, designs=designs))
        db.session.commit()
        yield from loaded


def fingerprint(data: BadgeData) -> str:
    """A hash of everything a printed badge shows (not the ribbon's language)."""
    design = data.design
    content = [
        data.name,
        data.company,
        data.job_title,
        BadgeRole(data.role).value,
        data.ticket_type,
        data.event_name,
        data.qr_payload,
        BadgeLayout(design.layout).value,
        sorted((design.colors or {}).items()),
        [
            design.show_logo,
            design.show_company,
            design.show_job_title,
            design.show_ribbon,
            design.show_qr,
        ],
        hashlib.sha256(design.logo_png).hexdigest() if design.logo_png else None,
    ]
    if data.sponsor_logo_png:
        # Only then, so the badges of everyone else keep the fingerprints they had.
        content.append(hashlib.sha256(data.sponsor_logo_png).hexdigest())
    encoded = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- which badges ---------------------------------------------------------------------------


@dataclass
class BadgeFilter:
    """Which registrations' badges to print. Empty lists choose everyone (statuses:
    the approved)."""

    ticket_type_ids: list[int] = field(default_factory=list)
    roles: list[BadgeRole] = field(default_factory=list)
    statuses: list[RegistrationStatus] = field(
        default_factory=lambda: [RegistrationStatus.approved]
    )
    #: Only people never printed.
    not_printed: bool = False
    #: Only people whose badge changed since it was last printed. With
    #: ``not_printed`` too: either (everyone whose badge is due).
    changed_since_print: bool = False
    #: Part of a name, company or job title.
    query: str = ""

    QUERY_MAX = 200

    def to_dict(self) -> dict:
        return {
            "ticket_type_ids": list(self.ticket_type_ids),
            "roles": [BadgeRole(role).value for role in self.roles],
            "statuses": [RegistrationStatus(status).value for status in self.statuses],
            "not_printed": bool(self.not_printed),
            "changed_since_print": bool(self.changed_since_print),
            "query": self.query,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> BadgeFilter:
        """The filter ``data`` describes (``to_dict``'s shape, or a form's values), or
        ``ServiceError`` naming the field that is wrong."""
        data = data or {}
        try:
            ticket_type_ids = [int(value) for value in data.get("ticket_type_ids") or []]
        except (TypeError, ValueError):
            raise ServiceError(
                "filter_invalid", _("Choose ticket types from the list."), "ticket_type_ids"
            ) from None
        try:
            roles = [BadgeRole(value) for value in data.get("roles") or []]
        except ValueError:
            raise ServiceError(
                "filter_invalid", _("Choose roles from the list."), "roles"
            ) from None
        try:
            statuses = [RegistrationStatus(value) for value in data.get("statuses") or []]
        except ValueError:
            raise ServiceError(
                "filter_invalid", _("Choose statuses from the list."), "statuses"
            ) from None
        query = " ".join(str(data.get("query") or "").split())
        if len(query) > cls.QUERY_MAX:
            raise ServiceError(
                "filter_invalid",
                _("Search for at most %(n)d characters.", n=cls.QUERY_MAX),
                "query",
            )
        return cls(
            ticket_type_ids=sorted(set(ticket_type_ids)),
            roles=list(dict.fromkeys(roles)),
            statuses=list(dict.fromkeys(statuses)) or [RegistrationStatus.approved],
            not_printed=_flag(data.get("not_printed")),
            changed_since_print=_flag(data.get("changed_since_print")),
            query=query,
        )


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes", "y"}
    return bool(value)


def role_column():
    """The badge role of ``Registration``'s person as an SQL expression (``badge_role``)."""

    def holds(kind: EventRoleKind):
        return (
            sa.select(EventRole.id)
            .where(
                EventRole.event_id == Registration.event_id,
                EventRole.user_id == Registration.user_id,
                EventRole.role == kind,
            )
            .exists()
        )

    return sa.case(
        *[(holds(kind), role.value) for kind, role in _ROLE_ORDER],
        else_=BadgeRole.attendee.value,
    )


def _base(event: Event, flt: BadgeFilter) -> sa.Select:
    """Registrations of ``event`` matching ``flt`` but for the print-history filters."""
    query = sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.status.in_(flt.statuses or [RegistrationStatus.approved]),
    )
    if flt.ticket_type_ids:
        query = query.where(Registration.ticket_type_id.in_(flt.ticket_type_ids))
    if flt.roles:
        query = query.where(role_column().in_([BadgeRole(r).value for r in flt.roles]))
    if flt.query:
        query = query.where(
            Registration.search_text.contains(search_key(flt.query), autoescape=True)
        )
    return query


def _printed() -> sa.Exists:
    return sa.select(BadgePrint.id).where(BadgePrint.registration_id == Registration.id).exists()


def changed_since_print(event: Event, query: sa.Select) -> list[int]:
    """Ids of the registrations of ``query`` printed before whose badge would now show
    something else (or carry another code: reissued)."""
    ids = db.session.scalars(
        query.where(_printed()).with_only_columns(Registration.id).order_by(Registration.id)
    ).all()
    changed = []
    designs = _Designs(event)
    for start in range(0, len(ids), LOAD_BATCH):
        chunk = ids[start : start + LOAD_BATCH]
        last: dict[int, str] = {}
        for rid, printed in db.session.execute(
            sa.select(BadgePrint.registration_id, BadgePrint.fingerprint)
            .where(BadgePrint.registration_id.in_(chunk))
            .order_by(BadgePrint.printed_at, BadgePrint.id)
        ):
            last[rid] = printed
        for data in _badges(event, chunk, issue=False, designs=designs):
            if data.qr_payload is None or fingerprint(data) != last.get(data.registration_id):
                changed.append(data.registration_id)
    return changed


def _narrowed(event: Event, flt: BadgeFilter) -> sa.Select:
    query = _base(event, flt)
    due = []
    if flt.not_printed:
        due.append(~_printed())
    if flt.changed_since_print:
        changed = changed_since_print(event, query)
        due.append(
            Registration.id.in_(
                sa.bindparam("changed_ids", changed, expanding=True, literal_execute=True)
            )
            if changed
            else sa.false()
        )
    if due:
        query = query.where(sa.or_(*due))
    return query


def matching_registrations(event: Event, flt: BadgeFilter, sort: str = "name") -> sa.Select:
    """The registrations whose badges ``flt`` chooses, in printing order: by name, or
    by company (people without one last) then name."""
    if sort not in SORTS:
        raise ServiceError("sort_invalid", _("Sort by name or by company."), "sort")
    query = _narrowed(event, flt)
    if sort == "company":
        company = (
            sa.select(Profile.company)
            .where(Profile.user_id == Registration.user_id)
            .scalar_subquery()
        )
        blank = sa.func.coalesce(company, "") == ""
        return query.order_by(
            blank, sa.func.lower(company), Registration.sort_name, Registration.id
        )
    return query.order_by(Registration.sort_name, Registration.id)


def count_matching(event: Event, flt: BadgeFilter) -> int:
    """How many badges ``flt`` chooses (the printing page's live count)."""
    query = _narrowed(event, flt).with_only_columns(sa.func.count(Registration.id))
    return db.session.scalar(query) or 0


# --- one badge ------------------------------------------------------------------------------


def _require(by_user: User, registration: Registration, *actions: str) -> None:
    if not any(can(by_user, action, registration) for action in actions):
        raise ServiceError("forbidden", _("You cannot print this badge."))


def registration_badge_pdf(
    registration: Registration, by_user: User, record_print: bool = True
) -> bytes:
    """The PDF of ``registration``'s badge (one badge; on a sheet format, one place of
    the sheet). ``record_print``: it is printed now (the desk, the organizer), which
    "not yet printed" and the print history see; a participant downloading their own
    badge is not recorded.

    Side effects: issues a code if the registration has none; with ``record_print``
    writes a ``BadgePrint``. Flushes.
    """
    if record_print:
        _require(by_user, registration, "badge.print")
    else:
        _require(by_user, registration, "badge.print", "badge.mine")
    data = badge_data(registration.event, [registration])[0]
    pdf = render_one(data)
    if record_print:
        db.session.add(
            BadgePrint(
                event_id=registration.event_id,
                registration_id=registration.id,
                fingerprint=fingerprint(data),
                printed_by_id=by_user.id,
            )
        )
        db.session.flush()
    return pdf


_SAMPLES = (
    (
        "Maximiliane Alexandra von Hohenzollern-Sigmaringen",
        "Internationale Gesellschaft für Zusammenarbeit GmbH",
        "Director of Strategic Partnerships",
    ),
    (
        "Александра Константиновна Преображенская",
        "Научно-производственное объединение «Информационные системы»",
        "Руководитель направления",
    ),
    (
        "勅使河原 三郎左衛門",
        "株式会社グローバル・インフォメーション・テクノロジー",
        "代表取締役社長",
    ),
)


def sample_badges(event: Event, design: BadgeDesign | DesignSpec | None) -> list[BadgeData]:
    """Badges to preview ``design`` with: the event's people with the longest name and
    the longest company (any status), or made-up long names in Latin, Cyrillic and
    Japanese when the event has nobody yet. Their QR codes carry ``SAMPLE_PAYLOAD``;
    nothing is written."""
    if isinstance(design, DesignSpec):
        spec = design
    else:
        spec = design_spec(design, badge_designs.logo_png(event))
    role_of_design = getattr(design, "role", None)
    longest = []
    for column in (User.display_name, Profile.company):
        longest += db.session.scalars(
            sa.select(Registration.id)
            .join(User, User.id == Registration.user_id)
            .outerjoin(Profile, Profile.user_id == User.id)
            .where(Registration.event_id == event.id)
            .order_by(sa.func.length(sa.func.coalesce(column, "")).desc(), Registration.id)
            .limit(2 if column is User.display_name else 1)
        ).all()
    ids = list(dict.fromkeys(longest))
    if ids:
        people = [
            (
                data.name,
                data.company,
                data.job_title,
                data.role,
                data.ticket_type,
                data.sponsor_logo_png,
            )
            for data in _badges(event, ids, issue=False)
        ]
    else:
        ticket = event.ticket_types[0].name if event.ticket_types else ""
        people = [
            (name, company, title, role, ticket, None)
            for (name, company, title), role in zip(
                _SAMPLES, (BadgeRole.speaker, BadgeRole.attendee, BadgeRole.sponsor), strict=True
            )
        ]
    samples = []
    for name, company, title, role, ticket, sponsor_logo in people:
        role = BadgeRole(role_of_design) if role_of_design else role
        samples.append(
            BadgeData(
                name=name,
                company=company,
                job_title=title,
                role=role,
                ribbon=_ribbon(role),
                ticket_type=ticket,
                event_name=event.name,
                qr_payload=SAMPLE_PAYLOAD,
                design=spec,
                sponsor_logo_png=sponsor_logo,
            )
        )
    return samples


@dataclass(frozen=True)
class PrintRecord:
    """One time a registration's badge went into a PDF for printing."""

    id: int
    printed_at: datetime
    printed_by: User | None
    #: The bulk batch it was part of; None for a single badge.
    batch_id: int | None


def prints_of(registration: Registration) -> list[PrintRecord]:
    """When ``registration``'s badge was printed, by whom, newest first."""
    rows = db.session.execute(
        sa.select(BadgePrint, User)
        .outerjoin(User, User.id == BadgePrint.printed_by_id)
        .where(BadgePrint.registration_id == registration.id)
        .order_by(BadgePrint.printed_at.desc(), BadgePrint.id.desc())
    ).all()
    return [PrintRecord(p.id, p.printed_at, user, p.batch_id) for p, user in rows]


# --- bulk generation ------------------------------------------------------------------------


def badge_folder(event_id: int) -> Path:
    """Where the event's bulk PDFs are kept (``BADGE_FOLDER``, default
    ``instance/badges``), one folder per event."""
    root = current_app.config.get("BADGE_FOLDER") or (
        Path(current_app.config["INSTANCE_PATH"]) / "badges"
    )
    return Path(root) / str(event_id)


def create_batch(event: Event, by_user: User, flt: BadgeFilter, sort: str = "name") -> BadgeBatch:
    """Queue the PDF of every badge ``flt`` chooses, in ``sort`` order.

    Side effects: inserts the batch; after commit enqueues ``render_batch``. Refuses
    a filter nobody matches. Flushes.
    """
    if not can(by_user, "badges.manage", event):
        raise ServiceError("forbidden", _("Only the event's organizers print badges."))
    if sort not in SORTS:
        raise ServiceError("sort_invalid", _("Sort by name or by company."), "sort")
    total = count_matching(event, flt)
    if not total:
        raise ServiceError(
            "nobody", _("No badge matches these filters: choose fewer or other ones."), "filters"
        )
    batch = BadgeBatch(
        event_id=event.id,
        created_by_id=by_user.id,
        filters=flt.to_dict(),
        sort=sort,
        status=BadgeBatchStatus.queued,
        total=total,
        done=0,
        warnings=[],
        error="",
    )
    db.session.add(batch)
    db.session.flush()
    jobs.enqueue_after_commit(render_batch, batch.id)
    return batch


@jobs.job()
def render_batch(batch_id: int) -> None:
    """Render batch ``batch_id`` into its PDF (see the module's docstring).

    Side effects: issues missing codes; updates the batch's status and ``done``
    (committing as it goes); writes the PDF; on success records one ``BadgePrint``
    per badge and the fit warnings; on failure marks the batch ``failed`` with the
    error and removes the partial file.
    """
    batch = db.session.get(BadgeBatch, batch_id)
    if batch is None or (batch.status == BadgeBatchStatus.done and batch_file(batch)):
        return
    locale = (batch.created_by.locale if batch.created_by else None) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
    try:
        with force_locale(locale):
            _render_batch(batch)
    except Exception as exc:
        log.exception("badge batch %s failed", batch_id)
        db.session.rollback()
        db.session.execute(
            sa.update(BadgeBatch)
            .where(BadgeBatch.id == batch_id)
            .values(
                status=BadgeBatchStatus.failed,
                error=(str(exc) or type(exc).__name__)[:500],
                finished_at=utcnow(),
            )
        )
        db.session.commit()


def _render_batch(batch: BadgeBatch) -> None:
    batch_id, event = batch.id, batch.event
    batch.status = BadgeBatchStatus.rendering
    batch.done = 0
    batch.error = ""
    batch.warnings = []
    batch.filename = None
    batch.finished_at = None
    ids = list(
        db.session.scalars(
            matching_registrations(
                event, BadgeFilter.from_dict(batch.filters), batch.sort
            ).with_only_columns(Registration.id)
        )
    )
    batch.total = len(ids)
    db.session.commit()

    folder = badge_folder(event.id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"badges-{batch_id}-{secrets.token_urlsafe(9)}.pdf"
    partial = folder / f".{name}.part"
    printed: list[tuple[int, str]] = []

    def badges() -> Iterator[BadgeData]:
        for data in stream_badge_data(event, ids):
            printed.append((data.registration_id, fingerprint(data)))
            yield data

    last_commit = 0.0

    def progress(done: int) -> None:
        nonlocal last_commit
        now = time.monotonic()
        if done < len(ids) and now - last_commit < 0.5:
            return
        last_commit = now
        db.session.execute(sa.update(BadgeBatch).where(BadgeBatch.id == batch_id).values(done=done))
        db.session.commit()

    config = current_app.config
    final = folder / name
    try:
        report: RenderReport = render_pdf(
            badges(),
            partial,
            progress,
            workers=config.get("BADGE_RENDER_WORKERS"),
            chunk_pages=config.get("BADGE_CHUNK_PAGES") or 100,
        )
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    try:
        db.session.execute(sa.delete(BadgePrint).where(BadgePrint.batch_id == batch_id))
        batch = db.session.get(BadgeBatch, batch_id)
        now = utcnow()
        for start in range(0, len(printed), LOAD_BATCH):
            db.session.execute(
                sa.insert(BadgePrint),
                [
                    {
                        "event_id": event.id,
                        "registration_id": rid,
                        "batch_id": batch_id,
                        "fingerprint": print_hash,
                        "printed_at": now,
                        "printed_by_id": batch.created_by_id,
                    }
                    for rid, print_hash in printed[start : start + LOAD_BATCH]
                ],
            )
        batch.status = BadgeBatchStatus.done
        batch.done = report.badges
        batch.total = report.badges
        batch.filename = name
        batch.warnings = [
            {"registration_id": w.registration_id, "name": w.name, "field": w.field}
            for w in report.warnings[:WARNINGS_KEPT]
        ]
        batch.finished_at = now
        db.session.commit()
    except Exception:
        final.unlink(missing_ok=True)
        raise


def batch_file(batch: BadgeBatch) -> Path | None:
    """The finished PDF of ``batch``, or None (not done, or the file is gone)."""
    if batch.status != BadgeBatchStatus.done or not batch.filename:
        return None
    path = badge_folder(batch.event_id) / batch.filename
    return path if path.is_file() else None


def batch_progress(batch: BadgeBatch) -> dict:
    """Where ``batch`` stands, for the page and its JSON polling: status, total, done,
    percent, ``download_url`` (``DOWNLOAD_ENDPOINT``) once the file is there, fit
    warnings and the error of a failure."""
    total = batch.total or 0
    done = min(batch.done or 0, total)
    path = batch_file(batch)
    return {
        "id": batch.id,
        "status": BadgeBatchStatus(batch.status).value,
        "finished": batch.status in (BadgeBatchStatus.done, BadgeBatchStatus.failed),
        "total": total,
        "done": done,
        "percent": 100 if path else (int(100 * done / total) if total else 0),
        "download_url": url_for(DOWNLOAD_ENDPOINT, slug=batch.event.slug, batch_id=batch.id)
        if path
        else None,
        "warnings": list(batch.warnings or []),
        "error": batch.error or "",
    }


def recent_batches(event: Event, limit: int = 20) -> list[BadgeBatch]:
    """The event's latest bulk generations, newest first (with who asked)."""
    return list(
        db.session.scalars(
            sa.select(BadgeBatch)
            .where(BadgeBatch.event_id == event.id)
            .options(sa.orm.selectinload(BadgeBatch.created_by))
            .order_by(BadgeBatch.created_at.desc(), BadgeBatch.id.desc())
            .limit(limit)
        )
    )
