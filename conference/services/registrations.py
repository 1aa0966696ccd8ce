"""Registrations: registering for an event, changing or cancelling it, and organizers'
decisions, lists and exports.

Every change here flushes and leaves the commit to the caller. Emails are rendered
when the change is made (in the recipient's language) but handed to the mail module
only after the transaction commits, so a change that is rolled back never sends mail.

Limits under concurrency:

- an invitation code's ``uses`` grows through one conditional ``UPDATE ... SET uses =
  uses + 1 WHERE uses < max_uses``; its row count says whether a use was left, so
  concurrent registrations never exceed ``max_uses``;
- a ticket type's capacity is checked after locking the ticket type's row
  (``SELECT ... FOR UPDATE`` on PostgreSQL), so registrations for the same ticket type
  count one after another; SQLite lets one writer in at a time, and a second writer
  that read before the first committed fails instead of overbooking.

A use of a code and a place on a ticket belong to an *active* (pending or approved)
registration: cancelling or declining gives both back, and an organizer who brings a
registration back takes them again (organizers may go over a code's limit, not over a
ticket's capacity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext, lazy_gettext
from flask_babel.speaklater import LazyString
from sqlalchemy.orm import joinedload, selectinload

from conference.enums import EventRoleKind, RegistrationStatus, TaxonomyKind, WebhookEventKind
from conference.extensions import db
from conference.models import (
    Event,
    EventRole,
    InvitationCode,
    Registration,
    TaxonomyTerm,
    TicketType,
    User,
)
from conference.models.types import search_key, utcnow
from conference.permissions import forget_standing
from conference.services import ServiceError, mail, matchmaking, webhooks
from conference.services.search import apply_search_keys, refresh_search_keys
from conference.services.spreadsheets import spreadsheet_csv

ACTIVE = (RegistrationStatus.pending, RegistrationStatus.approved)
PAGE_SIZE = 50
COMPANY_MAX = 120
JOB_TITLE_MAX = 120
NOTE_MAX = 500


# --- mail after commit -------------------------------------------------------


def _queue_mail(recipient: User, subject: LazyString, template: str, **context) -> None:
    """Render an email now, in the recipient's language, and send it once committed
    (as a background job: a bulk decision on thousands returns at once).

    ``subject`` may hold ``%(event)s``, filled with the event's name.
    """
    event = context["event"]
    with mail.in_language(recipient.locale):
        text = render_template(f"emails/{template}.txt", user=recipient, **context)
        message = mail.build_message(recipient.email, str(subject) % {"event": event.name}, text)
    mail.send_after_commit(message)


# --- what a registration chooses ----------------------------------------------


@dataclass
class Choices:
    """A registration's choices, checked to belong to the event."""

    ticket_type: TicketType | None = None
    industry: TaxonomyTerm | None = None
    region: TaxonomyTerm | None = None
    job_role: TaxonomyTerm | None = None
    interests: list[TaxonomyTerm] = field(default_factory=list)


_TERM_FIELDS = (
    ("industry", TaxonomyKind.industry),
    ("region", TaxonomyKind.region),
    ("job_role", TaxonomyKind.job_role),
)


def _required_message(name: str) -> str:
    return {
        "ticket_type": gettext("Choose a ticket."),
        "industry": gettext("Choose your industry."),
        "region": gettext("Choose your region."),
        "job_role": gettext("Choose your job role."),
        "interests": gettext("Choose at least one interest."),
    }[name]


def resolve_choices(
    event: Event,
    *,
    ticket_type_id: int | None,
    industry_id: int | None,
    region_id: int | None,
    job_role_id: int | None,
    interest_ids: Iterable[int],
    required: bool,
) -> Choices:
    """Look up the chosen ticket type and terms, refusing ids from elsewhere.

    An id that is not this event's (or not of the right kind) is refused whatever
    ``required`` says. With ``required``, each vocabulary the event has must be
    answered and at least one interest chosen.
    """
    terms = {term.id: term for term in event.terms}
    kinds = {term.kind for term in event.terms}
    chosen = Choices()
    for name, kind in _TERM_FIELDS:
        term_id = {"industry": industry_id, "region": region_id, "job_role": job_role_id}[name]
        if term_id is None:
            if required and kind in kinds:
                raise ServiceError("required", _required_message(name), name)
            continue
        term = terms.get(term_id)
        if term is None or term.kind != kind:
            raise ServiceError("invalid_choice", gettext("Choose one of the listed options."), name)
        setattr(chosen, name, term)

    for term_id in dict.fromkeys(interest_ids):
        term = terms.get(term_id)
        if term is None or term.kind != TaxonomyKind.topic:
            raise ServiceError(
                "invalid_choice", gettext("Choose interests from the list."), "interests"
            )
        chosen.interests.append(term)
    if required and not chosen.interests and TaxonomyKind.topic in kinds:
        raise ServiceError("required", _required_message("interests"), "interests")

    if ticket_type_id is None:
        if required and event.ticket_types:
            raise ServiceError("required", _required_message("ticket_type"), "ticket_type")
    else:
        chosen.ticket_type = next((t for t in event.ticket_types if t.id == ticket_type_id), None)
        if chosen.ticket_type is None:
            raise ServiceError(
                "invalid_choice", gettext("Choose one of the listed tickets."), "ticket_type"
            )
    return chosen


def _apply_choices(registration: Registration, chosen: Choices) -> None:
    registration.ticket_type = chosen.ticket_type
    registration.industry = chosen.industry
    registration.region = chosen.region
    registration.job_role = chosen.job_role
    registration.interests = chosen.interests


#: The vocabularies "I want to meet" chooses from (recommendations favour these terms).
MEET_WISH_KINDS = (TaxonomyKind.industry, TaxonomyKind.region, TaxonomyKind.job_role)


def _apply_meet_wishes(registration: Registration, event: Event, term_ids: Iterable[int]) -> None:
    """Set the industries, regions and job roles the person wants to meet, refusing ids
    that are not one of those terms of ``event``."""
    terms = {term.id: term for term in event.terms if term.kind in MEET_WISH_KINDS}
    wishes = []
    for term_id in dict.fromkeys(term_ids):
        term = terms.get(term_id)
        if term is None:
            raise ServiceError(
                "invalid_choice", gettext("Choose whom to meet from the list."), "meet_industries"
            )
        wishes.append(term)
    registration.meet_wishes = wishes


# --- tickets and codes ---------------------------------------------------------


def _active_count(ticket_type_id: int, exclude_id: int | None) -> int:
    query = sa.select(sa.func.count(Registration.id)).where(
        Registration.ticket_type_id == ticket_type_id, Registration.status.in_(ACTIVE)
    )
    if exclude_id is not None:
        query = query.where(Registration.id != exclude_id)
    return db.session.scalar(query) or 0


def _claim_place(ticket_type: TicketType | None, registration: Registration | None) -> None:
    """Refuse ``ticket_type`` when it has no place left for ``registration``.

    The ticket type's row is locked first, so two registrations for the same ticket
    type are counted one after the other (see the module docstring).
    """
    if ticket_type is None or ticket_type.capacity is None:
        return
    db.session.execute(
        sa.select(TicketType.id).where(TicketType.id == ticket_type.id).with_for_update()
    )
    exclude = registration.id if registration is not None else None
    if _active_count(ticket_type.id, exclude) >= ticket_type.capacity:
        raise ServiceError(
            "ticket_full",
            gettext("There are no places left for “%(ticket)s”.", ticket=ticket_type.name),
            "ticket_type",
        )


def active_by_ticket_type(event: Event) -> dict[int | None, int]:
    """Active registrations of ``event`` per ticket type id (None: without a ticket type)."""
    return dict(
        db.session.execute(
            sa.select(Registration.ticket_type_id, sa.func.count(Registration.id))
            .where(Registration.event_id == event.id, Registration.status.in_(ACTIVE))
            .group_by(Registration.ticket_type_id)
        ).all()
    )


def places_left(event: Event) -> dict[int, int | None]:
    """Places left per ticket type of ``event``; None where there is no limit."""
    taken = active_by_ticket_type(event)
    return {
        t.id: None if t.capacity is None else max(t.capacity - taken.get(t.id, 0), 0)
        for t in event.ticket_types
    }


def _find_code(event: Event, text: str) -> InvitationCode:
    """The event's code typed as ``text`` (any case); refused when unknown or revoked."""
    code = db.session.scalar(
        sa.select(InvitationCode).where(sa.func.upper(InvitationCode.code) == text.upper())
    )
    if code is None or code.event_id != event.id:
        raise ServiceError(
            "invalid_code", gettext("This invitation code is not valid for this event."), "code"
        )
    if code.revoked_at is not None:
        raise ServiceError(
            "code_revoked", gettext("This invitation code is no longer valid."), "code"
        )
    return code


def _use_code(code: InvitationCode, *, over_limit: bool = False) -> None:
    """Take one use of ``code`` in a single conditional UPDATE (safe under concurrency)."""
    statement = sa.update(InvitationCode).where(InvitationCode.id == code.id)
    if not over_limit:
        statement = statement.where(
            InvitationCode.revoked_at.is_(None),
            sa.or_(
                InvitationCode.max_uses.is_(None),
                InvitationCode.uses < InvitationCode.max_uses,
            ),
        )
    result = db.session.execute(
        statement.values(uses=InvitationCode.uses + 1),
        execution_options={"synchronize_session": False},
    )
    db.session.expire(code, ["uses"])
    if result.rowcount != 1:
        raise ServiceError(
            "code_used_up", gettext("This invitation code has been used up."), "code"
        )


def _release_code(registration: Registration) -> None:
    if registration.invitation_code_id is None:
        return
    db.session.execute(
        sa.update(InvitationCode)
        .where(InvitationCode.id == registration.invitation_code_id, InvitationCode.uses > 0)
        .values(uses=InvitationCode.uses - 1),
        execution_options={"synchronize_session": False},
    )
    code = db.session.get(InvitationCode, registration.invitation_code_id)
    if code is not None:
        db.session.expire(code, ["uses"])


# --- a person's own registration -------------------------------------------------


def registration_of(user: User, event: Event) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def _clean_text(value: str | None, limit: int, field_name: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ServiceError(
            "too_long",
            gettext("Please use at most %(limit)d characters.", limit=limit),
            field_name,
        )
    return text


def _save_profile(user: User, company: str | None, job_title: str | None) -> None:
    company = _clean_text(company, COMPANY_MAX, "company")
    job_title = _clean_text(job_title, JOB_TITLE_MAX, "job_title")
    profile = user.profile
    if (profile.company, profile.job_title) != (company, job_title):
        profile.company = company
        profile.job_title = job_title
        db.session.flush()
        refresh_search_keys(user)


def _earn_profile_points(user: User, event: Event) -> None:
    """A profile complete before the approval earns its points now (once per event)."""
    from conference.services import points  # points imports this module through events

    points.record_profile_completed(user, event)


def register(
    user: User,
    event: Event,
    *,
    ticket_type_id: int | None,
    industry_id: int | None,
    region_id: int | None,
    job_role_id: int | None,
    interest_ids: Iterable[int],
    company: str | None,
    job_title: str | None,
    code: str | None = None,
    meet_wish_ids: Iterable[int] | None = None,
) -> Registration:
    """Register ``user`` for ``event``: approved at once, or pending when the event
    requires approval or the organizers declined this person's earlier registration
    (so a decline cannot be undone by registering again).

    Side effects: writes the registration (a new row, or the person's cancelled or
    declined row of this event, reused), the person's profile company and job title and
    the search keys of all their registrations; takes one use of the invitation code;
    sends ``registration_received`` once committed; tells webhooks
    ``registration.created`` (and ``registration.approved`` when approved at once).
    """
    if not user.is_verified:
        raise ServiceError("email_unverified", gettext("Please confirm your email address first."))
    if not event.registration_open:
        raise ServiceError("registration_closed", gettext("Registration for this event is closed."))
    registration = registration_of(user, event)
    if registration is not None and registration.is_active:
        raise ServiceError(
            "already_registered", gettext("You are already registered for this event.")
        )
    chosen = resolve_choices(
        event,
        ticket_type_id=ticket_type_id,
        industry_id=industry_id,
        region_id=region_id,
        job_role_id=job_role_id,
        interest_ids=interest_ids,
        required=True,
    )
    code_text = (code or "").strip()
    if not code_text and not event.is_public:
        raise ServiceError(
            "code_required",
            gettext("This event is by invitation: enter the code you received."),
            "code",
        )
    invitation = _find_code(event, code_text) if code_text else None
    company = _clean_text(company, COMPANY_MAX, "company")
    job_title = _clean_text(job_title, JOB_TITLE_MAX, "job_title")

    _claim_place(chosen.ticket_type, registration)
    if invitation is not None:
        _use_code(invitation)
    _save_profile(user, company, job_title)

    declined_before = (
        registration is not None and registration.status == RegistrationStatus.declined
    )
    if registration is None:
        registration = Registration(event_id=event.id, user_id=user.id)
        db.session.add(registration)
    now = utcnow()
    approved = not event.approval_required and not declined_before
    registration.status = RegistrationStatus.approved if approved else RegistrationStatus.pending
    registration.decided_at = now if approved else None
    registration.created_at = now
    registration.invitation_code_id = invitation.id if invitation else None
    _apply_choices(registration, chosen)
    if meet_wish_ids is not None:
        _apply_meet_wishes(registration, event, meet_wish_ids)
    apply_search_keys(registration, user)
    db.session.flush()
    forget_standing()
    webhooks.emit_registration(WebhookEventKind.registration_created, registration)
    if approved:
        webhooks.emit_registration(WebhookEventKind.registration_approved, registration)
        _earn_profile_points(user, event)
    _queue_mail(
        user,
        lazy_gettext("Your registration for %(event)s"),
        "registration_received",
        event=event,
        registration=registration,
    )
    return registration


def update_registration(
    actor: User,
    registration: Registration,
    *,
    ticket_type_id: int | None,
    industry_id: int | None,
    region_id: int | None,
    job_role_id: int | None,
    interest_ids: Iterable[int],
    company: str | None,
    job_title: str | None,
    meet_wish_ids: Iterable[int] | None = None,
) -> Registration:
    """Change one's own active registration (the status stays as it is).

    Side effects: writes the registration's choices (and whom the person wants to meet,
    when ``meet_wish_ids`` is given), the person's profile company and job title and
    the search keys of all their registrations; marks the suggestion lists depending on
    them stale. No email.
    """
    if registration.user_id != actor.id or not registration.is_active:
        raise ServiceError("not_editable", gettext("This registration cannot be changed."))
    chosen = resolve_choices(
        registration.event,
        ticket_type_id=ticket_type_id,
        industry_id=industry_id,
        region_id=region_id,
        job_role_id=job_role_id,
        interest_ids=interest_ids,
        required=True,
    )
    if chosen.ticket_type is not None and chosen.ticket_type.id != registration.ticket_type_id:
        _claim_place(chosen.ticket_type, registration)
    _save_profile(actor, company, job_title)
    _apply_choices(registration, chosen)
    if meet_wish_ids is not None:
        _apply_meet_wishes(registration, registration.event, meet_wish_ids)
    db.session.flush()
    matchmaking.mark_stale(registration.event_id, registration.user_id)  # matchmaking
    return registration


def cancel_registration(
    actor: User, registration: Registration, note: str | None = None
) -> Registration:
    """Cancel an active registration, by its person or by an organizer.

    Side effects: writes the status, decision time and ``note`` when one is given;
    frees the ticket place and the invitation code's use; sends
    ``registration_cancelled`` once committed.
    """
    if not registration.is_active:
        raise ServiceError("not_active", gettext("This registration is not active."))
    _change_status(actor, registration, RegistrationStatus.cancelled, note)
    db.session.flush()
    return registration


# --- organizers' decisions ----------------------------------------------------------

_DECISION_MAIL = {
    RegistrationStatus.approved: (
        lazy_gettext("You are in: %(event)s"),
        "registration_approved",
    ),
    RegistrationStatus.declined: (
        lazy_gettext("About your registration for %(event)s"),
        "registration_declined",
    ),
    RegistrationStatus.cancelled: (
        lazy_gettext("Your registration for %(event)s was cancelled"),
        "registration_cancelled",
    ),
}

#: What webhooks are told when a registration moves into a status.
_WEBHOOK_KINDS = {
    RegistrationStatus.approved: WebhookEventKind.registration_approved,
    RegistrationStatus.cancelled: WebhookEventKind.registration_cancelled,
}

#: Which statuses a decision may move a registration from.
_DECIDABLE_FROM = {
    RegistrationStatus.approved: {
        RegistrationStatus.pending,
        RegistrationStatus.declined,
        RegistrationStatus.cancelled,
    },
    RegistrationStatus.declined: {RegistrationStatus.pending, RegistrationStatus.approved},
    RegistrationStatus.cancelled: {RegistrationStatus.pending, RegistrationStatus.approved},
}


def _change_status(
    actor: User, registration: Registration, status: RegistrationStatus, note: str | None
) -> None:
    """Move ``registration`` to ``status``, giving back or taking its places, and mail.

    ``note`` None keeps the organizer's note; a string replaces it (and goes into the
    email). Moving into a status that sends mail queues it; approving or cancelling
    tells webhooks.
    """
    was_active = registration.is_active
    will_be_active = status in ACTIVE
    if not was_active and will_be_active:
        _claim_place(registration.ticket_type, registration)
        if registration.invitation_code_id is not None:
            code = db.session.get(InvitationCode, registration.invitation_code_id)
            if code is not None:
                _use_code(code, over_limit=True)
    elif was_active and not will_be_active:
        _release_code(registration)
    if note is not None:
        registration.organizer_note = _clean_text(note, NOTE_MAX, "note")
    registration.status = status
    registration.decided_at = None if status == RegistrationStatus.pending else utcnow()
    forget_standing()
    if status == RegistrationStatus.approved:
        _earn_profile_points(registration.user, registration.event)
    if status in _WEBHOOK_KINDS:
        webhooks.emit_registration(_WEBHOOK_KINDS[status], registration)
    if status in _DECISION_MAIL:
        subject, template = _DECISION_MAIL[status]
        event = registration.event
        _queue_mail(
            registration.user,
            subject,
            template,
            event=event,
            registration=registration,
            note=registration.organizer_note if note is not None else "",
            by_organizer=actor.id != registration.user_id,
        )


@dataclass
class Decision:
    """What a bulk decision did."""

    changed: list[Registration]
    skipped: list[Registration]


def decide(
    actor: User,
    event: Event,
    registration_ids: Sequence[int],
    status: RegistrationStatus,
    note: str = "",
) -> Decision:
    """Approve, decline or cancel the given registrations of ``event``.

    Ids of other events' registrations are ignored; a registration already in
    ``status``, or that cannot move there (e.g. cancelling a declined one), is skipped.

    Side effects: writes each changed registration's status, decision time and note
    (replaced by ``note``, emptied when none is given); gives back or takes ticket
    places and code uses; refuses reactivating onto a full ticket type (nothing is
    changed then); sends ``registration_approved``, ``registration_declined`` or
    ``registration_cancelled`` to each changed person once committed.
    """
    if status not in _DECIDABLE_FROM:
        raise ServiceError("invalid_status", gettext("Choose approve, decline or cancel."))
    note = _clean_text(note, NOTE_MAX, "note")
    if not registration_ids:
        return Decision(changed=[], skipped=[])
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.id.in_(set(registration_ids)))
        .options(joinedload(Registration.user), joinedload(Registration.ticket_type))
        .order_by(Registration.id)
    ).all()
    decision = Decision(changed=[], skipped=[])
    for registration in registrations:
        if registration.status not in _DECIDABLE_FROM[status]:
            decision.skipped.append(registration)
            continue
        _change_status(actor, registration, status, note)
        decision.changed.append(registration)
    db.session.flush()
    return decision


def update_by_organizer(
    actor: User,
    event: Event,
    registration: Registration,
    *,
    status: RegistrationStatus,
    ticket_type_id: int | None,
    industry_id: int | None,
    region_id: int | None,
    job_role_id: int | None,
    interest_ids: Iterable[int],
    organizer_note: str,
) -> Registration:
    """An organizer's edit of one registration of ``event``; any field may be left empty.

    Side effects: writes the registration's status, choices and note; on a status
    change gives back or takes ticket places and code uses and sends the matching
    decision email once committed (none when moved back to pending).
    """
    if registration.event_id != event.id:
        raise ServiceError("wrong_event", gettext("This registration is not of this event."))
    chosen = resolve_choices(
        event,
        ticket_type_id=ticket_type_id,
        industry_id=industry_id,
        region_id=region_id,
        job_role_id=job_role_id,
        interest_ids=interest_ids,
        required=False,
    )
    note = _clean_text(organizer_note, NOTE_MAX, "organizer_note")
    new_ticket = chosen.ticket_type is not None and chosen.ticket_type.id != (
        registration.ticket_type_id
    )
    if new_ticket and registration.is_active and status in ACTIVE:
        _claim_place(chosen.ticket_type, registration)
    _apply_choices(registration, chosen)
    if status != registration.status:
        _change_status(actor, registration, status, note)
    registration.organizer_note = note
    db.session.flush()
    matchmaking.mark_stale(registration.event_id, registration.user_id)  # matchmaking
    return registration


# --- lists for organizers -----------------------------------------------------------


@dataclass
class RegistrationFilters:
    """What the organizer's table is narrowed to."""

    q: str = ""
    status: RegistrationStatus | None = None
    ticket_type_id: int | None = None
    industry_id: int | None = None
    region_id: int | None = None
    job_role_id: int | None = None


def filtered(event: Event, filters: RegistrationFilters, *, by_status: bool = True) -> sa.Select:
    """Registrations of ``event`` matching ``filters``, newest first.

    The text search matches the stored search keys (name, company, job title, folded
    by ``search_key`` so Cyrillic and full-width Japanese match) and the email.
    """
    query = (
        sa.select(Registration)
        .where(Registration.event_id == event.id)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
    )
    if text := filters.q.strip():
        query = query.join(Registration.user).where(
            sa.or_(
                Registration.search_text.contains(search_key(text), autoescape=True),
                User.email.contains(text.lower(), autoescape=True),
            )
        )
    if by_status and filters.status is not None:
        query = query.where(Registration.status == filters.status)
    for column, value in (
        (Registration.ticket_type_id, filters.ticket_type_id),
        (Registration.industry_id, filters.industry_id),
        (Registration.region_id, filters.region_id),
        (Registration.job_role_id, filters.job_role_id),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


def with_details(query: sa.Select) -> sa.Select:
    """Load what the table and the export show, without a query per row."""
    return query.options(
        joinedload(Registration.user),
        joinedload(Registration.ticket_type),
        joinedload(Registration.industry),
        joinedload(Registration.region),
        joinedload(Registration.job_role),
        selectinload(Registration.interests),
    )


def status_counts(event: Event, filters: RegistrationFilters) -> dict[RegistrationStatus, int]:
    """How many registrations match ``filters`` in each status (ignoring its status)."""
    matching = filtered(event, filters, by_status=False).order_by(None).subquery()
    rows = db.session.execute(
        sa.select(matching.c.status, sa.func.count()).group_by(matching.c.status)
    ).all()
    counts = dict.fromkeys(RegistrationStatus, 0)
    counts.update({RegistrationStatus(status): count for status, count in rows})
    return counts


def registrations_page(event: Event, filters: RegistrationFilters, page: int):
    """One page (``PAGE_SIZE`` rows) of the organizer's table."""
    return db.paginate(
        with_details(filtered(event, filters)),
        page=page,
        per_page=PAGE_SIZE,
        error_out=False,
    )


def status_label(status: RegistrationStatus) -> str:
    return {
        RegistrationStatus.pending: gettext("Pending"),
        RegistrationStatus.approved: gettext("Approved"),
        RegistrationStatus.declined: gettext("Declined"),
        RegistrationStatus.cancelled: gettext("Cancelled"),
    }[status]


def registrations_csv(registrations: Iterable[Registration]) -> bytes:
    """The export as a spreadsheet-safe CSV (``spreadsheets.spreadsheet_csv``)."""
    header = [
        gettext("Name"),
        gettext("Email"),
        gettext("Company"),
        gettext("Job title"),
        gettext("Status"),
        gettext("Ticket type"),
        gettext("Industry"),
        gettext("Region"),
        gettext("Job role"),
        gettext("Interests"),
        gettext("Registered at (UTC)"),
    ]
    rows = (
        (
            registration.user.display_name,
            registration.user.email,
            registration.user.profile.company,
            registration.user.profile.job_title,
            status_label(registration.status),
            registration.ticket_type.name if registration.ticket_type else "",
            registration.industry.name if registration.industry else "",
            registration.region.name if registration.region else "",
            registration.job_role.name if registration.job_role else "",
            "; ".join(term.name for term in registration.interests),
            registration.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        for registration in registrations
    )
    return spreadsheet_csv([header, *rows])


# --- a person's events ----------------------------------------------------------------


@dataclass
class MyEvent:
    """One event a person takes part in: their registration and roles there."""

    event: Event
    registration: Registration | None
    roles: frozenset[EventRoleKind]


def my_events(user: User) -> list[MyEvent]:
    """Events ``user`` registered for or holds a role in, soonest first."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.user_id == user.id)
        .options(joinedload(Registration.event), joinedload(Registration.ticket_type))
    ).all()
    roles: dict[int, set[EventRoleKind]] = {}
    for event_id, role in db.session.execute(
        sa.select(EventRole.event_id, EventRole.role).where(EventRole.user_id == user.id)
    ):
        roles.setdefault(event_id, set()).add(role)
    by_event = {r.event_id: r for r in registrations}
    events = {r.event_id: r.event for r in registrations}
    missing = set(roles) - set(events)
    if missing:
        events.update(
            {e.id: e for e in db.session.scalars(sa.select(Event).where(Event.id.in_(missing)))}
        )
    items = [
        MyEvent(event=e, registration=by_event.get(e.id), roles=frozenset(roles.get(e.id, ())))
        for e in events.values()
    ]
    items.sort(key=lambda item: (item.event.starts_on, item.event.id))
    return items
