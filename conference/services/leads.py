"""Leads: a sponsor holds someone's contact details only after that person agreed.

Four paths create a lead, each with its own consent: a badge scan by the sponsor's
staff (allowed by the person's answer to the event's scan question, or, when they had
not agreed, by accepting the request the scan sends them), "share my contact details"
on the booth, a tick while accepting or requesting a meeting with the sponsor's staff,
and the prompt before a booth material. Each lead keeps its consent record: when, how
(``Lead.source``) and the exact words shown, which the page sends back with the answer
and ``check_shown`` compares with what the server would show now, so a question changed
in between is asked again instead of being stored as agreed.

Withdrawing hides the lead from the sponsor (who sees "withdrawn"), erases what staff
wrote about the person, and keeps it out of every later export; a later scan does not
undo it (the person is asked again instead).

This module holds the consent rules and the capture paths; qualification, questions,
exports and dashboards build on ``active_leads``, which is the only way to list the
people a sponsor may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from conference.enums import (
    ActivityKind,
    ConsentRequestStatus,
    LeadFollowUp,
    LeadSource,
    NotificationKind,
    RegistrationStatus,
    ScanOutcome,
)
from conference.extensions import db
from conference.models import (
    BoothMaterial,
    Event,
    Lead,
    LeadAnswer,
    LeadConsentRequest,
    Meeting,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorPackage,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can, sponsor_membership
from conference.services import ServiceError, activity, mail, notifications
from conference.services import badges as badges_service

#: The event's scan question when its organizers wrote none. It names everything a lead
#: shows the sponsor (the lead page and the exports), and nothing more is shown.
SCAN_QUESTION = _l(
    "Sponsors whose staff scan my badge may receive my contact details (name, email "
    "address, company and job title) and my industry, region and job role, to follow up "
    "with me."
)


def scan_consent_question(event: Event) -> str:
    """The words the registration form and privacy settings show next to the tick box."""
    return event.sponsor_consent_question.strip() or str(SCAN_QUESTION)


def share_text(sponsor: Sponsor) -> str:
    """The words a person agrees to when sharing their details with ``sponsor``."""
    return gettext(
        "I share my contact details (name, email address, company and job title) and my "
        "industry, region and job role with %(sponsor)s, who may contact me about what "
        "they offer. I can withdraw this at any time under Privacy.",
        sponsor=sponsor.name,
    )


def check_shown(shown: str | None, expected: str) -> str:
    """The text the person saw must be the one the server shows now; it is what is kept."""
    if (shown or "").strip() != expected.strip():
        raise ServiceError(
            "consent_changed",
            gettext("The wording you agreed to has changed. Please read it again and confirm."),
        )
    return expected


# --- the event's scan consent ---------------------------------------------------------------


def set_scan_consent(registration: Registration, agreed: bool, shown: str | None) -> None:
    """Record the person's answer to the scan question, and the question as they saw it.

    Side effects: sets the three ``sponsor_scan_consent`` fields (unchanged when the
    answer is the same as before, so the record keeps its first date).
    """
    if bool(agreed) == registration.sponsor_scan_consent and registration.sponsor_scan_consent_at:
        return
    text = check_shown(shown, scan_consent_question(registration.event))
    registration.sponsor_scan_consent = bool(agreed)
    registration.sponsor_scan_consent_at = utcnow()
    registration.sponsor_scan_consent_text = text


# --- creating leads -----------------------------------------------------------------------


def _registration(event: Event, user: User) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def lead_of(sponsor: Sponsor, user: User | int) -> Lead | None:
    """The sponsor's lead row for the person, withdrawn or not."""
    user_id = user if isinstance(user, int) else user.id
    return db.session.scalar(
        sa.select(Lead).where(Lead.sponsor_id == sponsor.id, Lead.user_id == user_id)
    )


def _capture(
    sponsor: Sponsor,
    person: User,
    *,
    source: LeadSource,
    consent_text: str,
    consented_at: datetime | None = None,
    captured_by: User | None = None,
    renew: bool = True,
) -> tuple[Lead, bool]:
    """Create (or, with ``renew``, renew after a withdrawal) the sponsor's lead for
    ``person``. Returns the lead and whether it is new to the sponsor's list.

    The row is inserted in a savepoint, so two staff scanning the same person at once
    end with one lead: the loser of the race finds the winner's row.
    """
    if not sponsor.package.lead_retrieval:
        raise ServiceError(
            "no_lead_retrieval",
            gettext("%(sponsor)s does not collect contact details.", sponsor=sponsor.name),
        )
    event = sponsor.event
    registration = _registration(event, person)
    if registration is None or registration.status != RegistrationStatus.approved:
        raise ServiceError(
            "not_participant", gettext("This person is not an approved participant.")
        )
    lead = lead_of(sponsor, person)
    if lead is None:
        lead = Lead(
            sponsor_id=sponsor.id,
            event_id=event.id,
            user_id=person.id,
            registration_id=registration.id,
            source=source,
            captured_by_id=captured_by.id if captured_by else None,
            consented_at=consented_at or utcnow(),
            consent_text=consent_text,
            follow_up=LeadFollowUp.new,
            notes="",
            tags=[],
        )
        try:
            with db.session.begin_nested():
                db.session.add(lead)
        except sa.exc.IntegrityError:
            lead = lead_of(sponsor, person)
            if lead is None:
                raise
            return lead, False
        activity.record(person, event, ActivityKind.lead_shared, sponsor=sponsor)
        return lead, True
    if lead.withdrawn_at is None or not renew:
        return lead, False
    lead.withdrawn_at = None
    lead.source = source
    lead.captured_by_id = captured_by.id if captured_by else None
    lead.consented_at = consented_at or utcnow()
    lead.consent_text = consent_text
    lead.created_at = utcnow()
    activity.record(person, event, ActivityKind.lead_shared, sponsor=sponsor)
    return lead, True


@dataclass
class LeadScan:
    """What a sponsor's scanner learns from one badge.

    ``outcome``: ``captured`` (a new lead), ``known`` (already a lead), ``asked`` (the
    person had not agreed: a request went to them, and the scanner learns nothing about
    them), or a badge problem: ``unknown``, ``revoked``, ``other_event``,
    ``not_approved``, ``colleague``.
    """

    outcome: str
    message: str
    lead: Lead | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("captured", "known")


def scan(scanner: User, sponsor: Sponsor, payload: str) -> LeadScan:
    """``scanner`` (staff of ``sponsor``) scanned a badge.

    A lead is created only if the person answered yes to the event's scan question and
    has not withdrawn from this sponsor; otherwise the person gets an in-app request
    (once; a request they ignored is not sent again), and the scanner is told only that
    they were asked.

    Side effects: may write a ``Lead`` (with ``lead_shared`` activity) or a
    ``LeadConsentRequest``.
    """
    if not can(scanner, "leads.scan", sponsor):
        raise ServiceError("forbidden", gettext("Your sponsor package does not include scanning."))
    event = sponsor.event
    found = badges_service.resolve(event, payload or "")
    if found.outcome == ScanOutcome.other_event:
        return LeadScan("other_event", gettext("This badge belongs to another event."))
    if found.outcome == ScanOutcome.revoked:
        return LeadScan("revoked", gettext("This badge was replaced; ask for the new one."))
    if found.outcome != ScanOutcome.ok or found.registration is None:
        return LeadScan("unknown", gettext("This is not a badge of this event."))
    registration = found.registration
    person = registration.user
    if registration.status != RegistrationStatus.approved:
        return LeadScan("not_approved", gettext("This badge is not valid at the moment."))
    member = sponsor_membership(person, event)
    if member is not None and member.sponsor_id == sponsor.id:
        return LeadScan("colleague", gettext("This is a colleague from your own team."))
    lead = lead_of(sponsor, person)
    if lead is not None and lead.withdrawn_at is None:
        return LeadScan("known", gettext("Already in your leads."), lead)
    if registration.sponsor_scan_consent and lead is None:
        lead, _new = _capture(
            sponsor,
            person,
            source=LeadSource.scan,
            consent_text=registration.sponsor_scan_consent_text,
            consented_at=registration.sponsor_scan_consent_at,
            captured_by=scanner,
        )
        return LeadScan("captured", gettext("Added to your leads."), lead)
    _ask(sponsor, person, scanner)
    return LeadScan(
        "asked",
        gettext("This attendee has not shared their details; we've asked them."),
    )


def _ask(sponsor: Sponsor, person: User, scanner: User) -> None:
    """Leave ``person`` a request from ``sponsor`` (or renew one they had accepted and
    since withdrawn); a pending or ignored one stays as it is.

    Side effects: writes the ``LeadConsentRequest``; a new or renewed one notifies the
    person (kind ``lead_consent``; by email as they chose).
    """
    existing = db.session.scalar(
        sa.select(LeadConsentRequest).where(
            LeadConsentRequest.sponsor_id == sponsor.id, LeadConsentRequest.user_id == person.id
        )
    )
    if existing is not None:
        if existing.status == ConsentRequestStatus.accepted:
            existing.status = ConsentRequestStatus.pending
            existing.answered_at = None
            existing.requested_by_id = scanner.id
            existing.created_at = utcnow()
            _notify_request(sponsor, person)
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                LeadConsentRequest(
                    sponsor_id=sponsor.id,
                    event_id=sponsor.event_id,
                    user_id=person.id,
                    requested_by_id=scanner.id,
                    status=ConsentRequestStatus.pending,
                )
            )
    except sa.exc.IntegrityError:
        return
    _notify_request(sponsor, person)


def _notify_request(sponsor: Sponsor, person: User) -> None:
    """Tell ``person`` that ``sponsor`` asks for their details (answered under Privacy)."""
    with mail.in_language(person.locale):
        text = gettext(
            "%(sponsor)s scanned your badge and asks for your contact details",
            sponsor=sponsor.name,
        )
    notifications.notify(
        person.id,
        NotificationKind.lead_consent,
        text,
        url=url_for("profiles.privacy", _anchor="requests-heading", _external=False),
        event_id=sponsor.event_id,
        group_key=f"lead_consent:{sponsor.id}",
    )


def share_from_booth(person: User, sponsor: Sponsor, shown: str | None) -> Lead:
    """``person`` pressed "share my contact details" on the booth and confirmed ``shown``."""
    if not can(person, "lead.share", sponsor):
        raise ServiceError("forbidden", gettext("You cannot share your details with this sponsor."))
    text = check_shown(shown, share_text(sponsor))
    lead, _new = _capture(sponsor, person, source=LeadSource.booth, consent_text=text)
    return lead


def share_for_material(person: User, material: BoothMaterial, shown: str | None) -> Lead:
    """``person`` agreed to share their details in the prompt before ``material``."""
    sponsor = material.sponsor
    if not can(person, "lead.share", sponsor):
        raise ServiceError("forbidden", gettext("You cannot share your details with this sponsor."))
    text = check_shown(shown, share_text(sponsor))
    lead, _new = _capture(sponsor, person, source=LeadSource.material, consent_text=text)
    return lead


def meeting_sponsor(meeting: Meeting, person: User) -> tuple[Sponsor, User] | None:
    """The sponsor (collecting leads) whose staff ``person`` meets in ``meeting``, and
    that staff member; None when the other person is no such staff, or ``person`` is."""
    other_id = meeting.invitee_id if meeting.requester_id == person.id else meeting.requester_id
    other = db.session.get(User, other_id)
    if other is None:
        return None
    sponsor = collecting_sponsor(meeting.event, person, other)
    return None if sponsor is None else (sponsor, other)


def share_in_meeting(person: User, meeting: Meeting, shown: str | None) -> Lead | None:
    """``person`` ticked "share my details" while accepting or requesting ``meeting``
    with a sponsor's staff; None when the meeting is with no sponsor collecting leads."""
    found = meeting_sponsor(meeting, person)
    if found is None:
        return None
    sponsor, staff = found
    if not meeting.involves(person.id):
        raise ServiceError("forbidden", gettext("This is not your meeting."))
    text = check_shown(shown, share_text(sponsor))
    lead, _new = _capture(
        sponsor, person, source=LeadSource.meeting, consent_text=text, captured_by=staff
    )
    return lead


# --- the person's side: requests, holders, withdrawal ---------------------------------------


def pending_requests(person: User, event: Event | None = None) -> list[LeadConsentRequest]:
    """Sponsors waiting for the person's answer (in ``event``, or in every event)."""
    query = (
        sa.select(LeadConsentRequest)
        .where(
            LeadConsentRequest.user_id == person.id,
            LeadConsentRequest.status == ConsentRequestStatus.pending,
        )
        .order_by(LeadConsentRequest.created_at.desc())
    )
    if event is not None:
        query = query.where(LeadConsentRequest.event_id == event.id)
    return list(db.session.scalars(query))


def answer_request(
    person: User, request: LeadConsentRequest, accept: bool, shown: str | None = None
) -> Lead | None:
    """Accept (creating the lead, with ``shown`` as its consent text) or ignore a
    sponsor's request. Ignoring tells the sponsor nothing."""
    if not can(person, "consent_request.answer", request):
        raise ServiceError("forbidden", gettext("This request is not waiting for you."))
    lead = None
    if accept:
        sponsor = request.sponsor
        text = check_shown(shown, share_text(sponsor))
        requester = (
            db.session.get(User, request.requested_by_id) if request.requested_by_id else None
        )
        lead, _new = _capture(
            sponsor,
            person,
            source=LeadSource.scan_request,
            consent_text=text,
            captured_by=requester,
        )
    request.status = ConsentRequestStatus.accepted if accept else ConsentRequestStatus.ignored
    request.answered_at = utcnow()
    return lead


def holders(person: User) -> list[Lead]:
    """Every sponsor, in every event, that holds the person's details now (newest first)."""
    return list(
        db.session.scalars(
            sa.select(Lead)
            .where(Lead.user_id == person.id, Lead.withdrawn_at.is_(None))
            .order_by(Lead.consented_at.desc())
        )
    )


def withdraw(person: User, lead: Lead) -> None:
    """The person takes their details back from the sponsor.

    Side effects: sets ``withdrawn_at``; erases the rating, notes, tags, follow-up and
    answers staff recorded; answers a pending request of the same sponsor as ignored.
    """
    if not can(person, "lead.withdraw", lead):
        raise ServiceError("forbidden", gettext("You cannot withdraw this."))
    lead.withdrawn_at = utcnow()
    lead.rating = None
    lead.notes = ""
    lead.tags = []
    lead.follow_up = LeadFollowUp.new
    db.session.execute(sa.delete(LeadAnswer).where(LeadAnswer.lead_id == lead.id))
    db.session.execute(
        sa.update(LeadConsentRequest)
        .where(
            LeadConsentRequest.sponsor_id == lead.sponsor_id,
            LeadConsentRequest.user_id == person.id,
            LeadConsentRequest.status == ConsentRequestStatus.pending,
        )
        .values(status=ConsentRequestStatus.ignored, answered_at=utcnow())
    )


# --- what sponsors see ------------------------------------------------------------------------


def _visible(query: sa.Select) -> sa.Select:
    """``query`` over leads narrowed to those sponsors may see: not withdrawn, and still
    an approved registration of the event."""
    return query.join(
        Registration,
        sa.and_(Registration.event_id == Lead.event_id, Registration.user_id == Lead.user_id),
    ).where(Lead.withdrawn_at.is_(None), Registration.status == RegistrationStatus.approved)


def active_leads(sponsor: Sponsor) -> sa.Select:
    """The sponsor's leads it may see and export: consented, not withdrawn, and still
    an approved registration of the event. Every list, export and count starts here."""
    return _visible(sa.select(Lead)).where(Lead.sponsor_id == sponsor.id)


def active_lead_counts(event: Event) -> dict[int, int]:
    """``active_leads`` counted for every sponsor of ``event`` at once (sponsor id → count)."""
    return dict(
        db.session.execute(
            _visible(sa.select(Lead.sponsor_id, sa.func.count()))
            .where(Lead.event_id == event.id)
            .group_by(Lead.sponsor_id)
        ).all()
    )


def lead_in(sponsor: Sponsor, lead_id: int) -> Lead | None:
    """One of the sponsor's visible leads by id (None for another sponsor's, a withdrawn
    one, or one whose registration ended)."""
    return db.session.scalar(active_leads(sponsor).where(Lead.id == lead_id))


def withdrawn_count(sponsor: Sponsor) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Lead)
        .where(Lead.sponsor_id == sponsor.id, Lead.withdrawn_at.is_not(None))
    )


def withdrawn_counts(event: Event) -> dict[int, int]:
    """Withdrawn leads per sponsor of ``event`` (sponsor id → count)."""
    return dict(
        db.session.execute(
            sa.select(Lead.sponsor_id, sa.func.count())
            .where(Lead.event_id == event.id, Lead.withdrawn_at.is_not(None))
            .group_by(Lead.sponsor_id)
        ).all()
    )


# --- the scanner, meetings and the person's own choices ---------------------------------------


def collecting_sponsor(event: Event, person: User, other: User) -> Sponsor | None:
    """The sponsor collecting leads that ``other`` works for, which ``person`` (not on
    its staff) could share their details with when meeting ``other``; None otherwise."""
    member = sponsor_membership(other, event)
    if member is None:
        return None
    mine = sponsor_membership(person, event)
    if mine is not None and mine.sponsor_id == member.sponsor_id:
        return None
    sponsor = member.sponsor
    return sponsor if sponsor.package.lead_retrieval else None


def staff_collecting(event: Event, person: User, user_ids: set[int]) -> set[int]:
    """Of ``user_ids``, those on the staff of a sponsor collecting leads in ``event``
    that ``person`` is not on: ``collecting_sponsor`` for a whole list, in one query."""
    if not user_ids:
        return set()
    own_sponsor = sa.select(SponsorMember.sponsor_id).where(
        SponsorMember.event_id == event.id, SponsorMember.user_id == person.id
    )
    return set(
        db.session.scalars(
            sa.select(SponsorMember.user_id)
            .join(Sponsor, Sponsor.id == SponsorMember.sponsor_id)
            .join(SponsorPackage, SponsorPackage.id == Sponsor.package_id)
            .where(
                SponsorMember.event_id == event.id,
                SponsorMember.user_id.in_(user_ids),
                SponsorMember.sponsor_id.not_in(own_sponsor),
                SponsorPackage.lead_retrieval.is_(True),
            )
        )
    )


def set_privacy_choices(
    person: User,
    registration: Registration,
    *,
    scan_consent: bool | None,
    shown: str | None,
    sponsor_offers: bool,
) -> None:
    """The person's own answers for one event: the scan question (None leaves it as it
    is; an answer is recorded with ``shown`` when it changes or was never given) and
    whether sponsors' announcements may reach them.

    Side effects: may write the ``sponsor_scan_consent`` fields (see
    ``set_scan_consent``) and ``sponsor_offers`` of the registration.
    """
    if registration.user_id != person.id:
        raise ServiceError("forbidden", gettext("This is not your registration."))
    if scan_consent is not None and (
        scan_consent != registration.sponsor_scan_consent
        or registration.sponsor_scan_consent_at is None
    ):
        try:
            set_scan_consent(registration, scan_consent, shown)
        except ServiceError as exc:
            raise ServiceError(exc.code, exc.message, "scan_consent") from None
    registration.sponsor_offers = bool(sponsor_offers)


def pending_request_count(person: User) -> int:
    """How many sponsors, in every event, wait for the person's answer (for the menu)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LeadConsentRequest)
        .where(
            LeadConsentRequest.user_id == person.id,
            LeadConsentRequest.status == ConsentRequestStatus.pending,
        )
    )
