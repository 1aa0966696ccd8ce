"""Person-to-person contacts: asking, answering, badge scans, held meetings, the list.

Two people become contacts in one of three ways, each with both sides' consent:

- a contact request (with an optional note) that the other accepts; asking someone
  who already asked you accepts their request instead of crossing it;
- a badge scan during the event: the scanner asks by scanning, and the scanned person
  either said in their profile that a scan connects at once
  (``Profile.contact_on_badge_scan``) or gets a request from the scanner to answer;
- a held meeting (accepted, and over) when both profiles say so
  (``Profile.contact_after_meeting``): the periodic ``connect_after_meetings`` job.

A contact is two ``Contact`` rows, one per side, each with its owner's private note and
tags. Removing a contact ends it for both: both rows go. Contacts see each other's
email address (in the list and in the vCard and CSV exports); the pages that ask and
accept say so.

The (organizer's) CRM export of registrations is ``services/contacts.py``, not this.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext
from huey import crontab
from sqlalchemy.orm import aliased

from conference import jobs
from conference.enums import (
    ContactRequestStatus,
    ContactSource,
    MeetingStatus,
    NotificationKind,
    RegistrationStatus,
    ScanOutcome,
)
from conference.extensions import db
from conference.models import (
    Contact,
    ContactRequest,
    Event,
    Meeting,
    Profile,
    User,
)
from conference.models.types import utcnow
from conference.permissions import are_contacts, blocked_between, can, standing
from conference.services import (
    ServiceError,
    mail,
    matchmaking,
    notifications,
    spreadsheets,
    vcards,
)
from conference.services import badges as badges_service
from conference.services.meetings import now as clock_now

#: The longest note sent with a request (the column's size).
REQUEST_MESSAGE_MAX = 500
#: The longest private note about a contact.
NOTE_MAX = 2000
#: Tags per contact, and the longest tag.
TAGS_MAX = 20
TAG_MAX = 40
#: After a decline, the same person may ask again only this much later.
ASK_AGAIN_AFTER = timedelta(days=90)
#: Meetings that ended this long ago or less are looked at by the periodic job; older
#: ones had their chance (the job runs every few minutes).
MEETING_LOOKBACK = timedelta(days=7)
#: Meetings connected per run of the job, at most (the next run takes the rest).
MEETING_BATCH = 500


# --- reading ------------------------------------------------------------------------------


def contact_of(owner: User, person_id: int) -> Contact | None:
    """``owner``'s contact row for ``person_id``, or None."""
    return db.session.get(Contact, (owner.id, person_id))


def pending_between(a_id: int, b_id: int) -> ContactRequest | None:
    """The pending request from ``a_id`` to ``b_id``, if there is one."""
    return db.session.scalar(
        sa.select(ContactRequest).where(
            ContactRequest.requester_id == a_id,
            ContactRequest.recipient_id == b_id,
            ContactRequest.status == ContactRequestStatus.pending,
        )
    )


@dataclass(frozen=True)
class ContactRow:
    """One line of a person's contact list."""

    contact: Contact
    person: User
    profile: Profile | None
    #: Where they connected; None when that event was deleted.
    event: Event | None


def _matches(row: ContactRow, words: Sequence[str]) -> bool:
    profile = row.profile
    haystack = " ".join(
        [
            row.person.display_name,
            profile.company if profile else "",
            profile.job_title if profile else "",
            row.contact.note or "",
            " ".join(row.contact.tags or ()),
        ]
    ).casefold()
    return all(word in haystack for word in words)


def contacts_of(
    user: User,
    *,
    q: str | None = None,
    tag: str | None = None,
    event_id: int | None = None,
) -> list[ContactRow]:
    """``user``'s contacts, newest first, across every event; with ``q``, those whose name,
    company, job title, note or tags hold every word of it; with ``tag``, those tagged so
    (ignoring case); with ``event_id``, those met at that event.

    One query loads the list; the search runs in Python over it, so that it ignores case
    in every script alike (SQLite's ``lower`` only folds ASCII) and reads tags as tags.
    """
    statement = (
        sa.select(Contact, User, Profile, Event)
        .join(User, User.id == Contact.person_id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .outerjoin(Event, Event.id == Contact.event_id)
        .where(Contact.owner_id == user.id)
        .order_by(Contact.created_at.desc(), User.display_name)
    )
    if event_id is not None:
        statement = statement.where(Contact.event_id == event_id)
    rows = [
        ContactRow(contact, person, profile, event)
        for contact, person, profile, event in db.session.execute(statement)
    ]
    words = (q or "").casefold().split()
    if words:
        rows = [row for row in rows if _matches(row, words)]
    if tag:
        wanted = tag.strip().casefold()
        rows = [row for row in rows if wanted in {t.casefold() for t in row.contact.tags or ()}]
    return rows


def tags_of(user: User) -> list[str]:
    """Every tag ``user`` gave their contacts, once each (ignoring case), sorted."""
    seen: dict[str, str] = {}
    for tags in db.session.scalars(sa.select(Contact.tags).where(Contact.owner_id == user.id)):
        for tag in tags or ():
            seen.setdefault(tag.casefold(), tag)
    return sorted(seen.values(), key=str.casefold)


def events_of(user: User) -> list[Event]:
    """The events where ``user`` met any of their contacts, by name."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(
                Event.id.in_(
                    sa.select(Contact.event_id).where(
                        Contact.owner_id == user.id, Contact.event_id.is_not(None)
                    )
                )
            )
            .order_by(Event.name)
        )
    )


def count_of(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Contact).where(Contact.owner_id == user.id)
    )


@dataclass(frozen=True)
class RequestRow:
    """One open request with the other person and the event it was sent from."""

    request: ContactRequest
    person: User
    event: Event | None


@dataclass(frozen=True)
class Requests:
    """A person's open requests: those waiting for their answer, and those they sent."""

    received: list[RequestRow]
    sent: list[RequestRow]


def requests_of(user: User) -> Requests:
    """Received requests leave out suspended requesters (``contact_request.answer``
    refuses them until the suspension is lifted); sent ones stay, to be withdrawn."""

    def pending(mine, other, *conditions) -> list[RequestRow]:
        statement = (
            sa.select(ContactRequest, User, Event)
            .join(User, User.id == other)
            .outerjoin(Event, Event.id == ContactRequest.event_id)
            .where(
                mine == user.id,
                ContactRequest.status == ContactRequestStatus.pending,
                User.deleted_at.is_(None),
                *conditions,
            )
            .order_by(ContactRequest.created_at.desc(), ContactRequest.id.desc())
        )
        return [RequestRow(*row) for row in db.session.execute(statement)]

    return Requests(
        received=pending(
            ContactRequest.recipient_id,
            ContactRequest.requester_id,
            User.is_suspended.is_(False),
        ),
        sent=pending(ContactRequest.requester_id, ContactRequest.recipient_id),
    )


def received_count(user: User) -> int:
    """Requests waiting for ``user``'s answer (as ``requests_of`` lists them)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ContactRequest)
        .join(User, User.id == ContactRequest.requester_id)
        .where(
            ContactRequest.recipient_id == user.id,
            ContactRequest.status == ContactRequestStatus.pending,
            User.deleted_at.is_(None),
            User.is_suspended.is_(False),
        )
    )


@dataclass(frozen=True)
class State:
    """Where ``viewer`` stands with ``person``, for the Connect button of a profile."""

    #: ``contact``, ``sent`` (viewer asked), ``received`` (person asked), ``can_ask`` or
    #: ``none``.
    kind: str
    request: ContactRequest | None = None


def state_between(viewer: User, person: User, event: Event) -> State:
    if viewer.id == person.id:
        return State("none")
    if are_contacts(viewer.id, person.id):
        return State("contact")
    sent = pending_between(viewer.id, person.id)
    if sent is not None:
        return State("sent", sent)
    received = pending_between(person.id, viewer.id)
    if received is not None and can(viewer, "contact_request.answer", received):
        return State("received", received)
    if can(viewer, "contact.request", (event, person)):
        return State("can_ask")
    return State("none")


# --- connecting ---------------------------------------------------------------------------


def connect(a: User, b: User, event: Event | None, source: ContactSource) -> bool:
    """Make ``a`` and ``b`` contacts (both rows); False if they already were.

    Any pending request between them is accepted along the way. Each row goes in its own
    savepoint, so two ways of connecting at once (an accept and a scan) end with one
    pair of rows.

    Side effects: writes up to two ``Contact`` rows; marks pending requests between them
    accepted; marks both people's suggestions stale. Flushes.
    """
    created = False
    for owner, person in ((a, b), (b, a)):
        if db.session.get(Contact, (owner.id, person.id)) is not None:
            continue
        try:
            with db.session.begin_nested():
                db.session.add(
                    Contact(
                        owner_id=owner.id,
                        person_id=person.id,
                        event_id=event.id if event else None,
                        source=source,
                        note="",
                        tags=[],
                    )
                )
        except sa.exc.IntegrityError:
            continue
        created = True
    now = utcnow()
    for request in db.session.scalars(
        sa.select(ContactRequest).where(
            ContactRequest.status == ContactRequestStatus.pending,
            sa.or_(
                sa.and_(ContactRequest.requester_id == a.id, ContactRequest.recipient_id == b.id),
                sa.and_(ContactRequest.requester_id == b.id, ContactRequest.recipient_id == a.id),
            ),
        )
    ):
        request.status = ContactRequestStatus.accepted
        request.decided_at = now
    db.session.flush()
    if created:
        # Contacts are never suggested to each other.
        matchmaking.mark_stale_for_user(a.id)
        matchmaking.mark_stale_for_user(b.id)
    return created


def _requests_url() -> str:
    """Where a request is answered: a path, as notifications store them (the centre
    opens only paths of this site)."""
    return url_for("contacts.requests", _external=False)


def _contacts_url() -> str:
    return url_for("contacts.mine", _external=False)


def _tell_connected(recipient: User, other: User, event: Event | None, text_for) -> None:
    """Notify ``recipient`` that they and ``other`` are now contacts; ``text_for(name)``
    renders the sentence (called in the recipient's language)."""
    with mail.in_language(recipient.locale):
        text = text_for(other.display_name)
    notifications.notify(
        recipient.id,
        NotificationKind.contact,
        text,
        url=_contacts_url(),
        event_id=event.id if event else None,
        actor_id=other.id,
        group_key=f"contact:{other.id}",
    )


def _ask(
    requester: User,
    recipient: User,
    event: Event,
    message: str,
    source: ContactSource,
) -> ContactRequest:
    """Write (or reuse) the request row and tell the recipient; the checks are the
    caller's."""
    request = db.session.scalar(
        sa.select(ContactRequest).where(
            ContactRequest.requester_id == requester.id,
            ContactRequest.recipient_id == recipient.id,
        )
    )
    if request is not None and request.status == ContactRequestStatus.pending:
        raise ServiceError(
            "already_asked",
            gettext(
                "You asked %(name)s already. They have not answered yet.",
                name=recipient.display_name,
            ),
        )
    if (
        request is not None
        and request.status == ContactRequestStatus.declined
        and request.decided_at is not None
        and utcnow() - request.decided_at < ASK_AGAIN_AFTER
    ):
        raise ServiceError(
            "declined",
            gettext("%(name)s did not accept your last request.", name=recipient.display_name),
        )
    if request is None:
        request = ContactRequest(requester_id=requester.id, recipient_id=recipient.id)
        db.session.add(request)
    request.event_id = event.id
    request.source = source
    request.message = message
    request.status = ContactRequestStatus.pending
    request.created_at = utcnow()
    request.decided_at = None
    db.session.flush()
    with mail.in_language(recipient.locale):
        if message:
            text = gettext(
                "%(name)s would like to add you to their contacts: “%(message)s”",
                name=requester.display_name,
                message=message,
            )
        else:
            text = gettext(
                "%(name)s would like to add you to their contacts.", name=requester.display_name
            )
    notifications.notify(
        recipient.id,
        NotificationKind.contact,
        text,
        url=_requests_url(),
        event_id=event.id,
        actor_id=requester.id,
        group_key=f"contact_request:{request.id}",
    )
    return request


@dataclass(frozen=True)
class Asked:
    """What asking did: ``asked`` (a request waits for them) or ``connected`` (they had
    asked first, so their request was accepted)."""

    outcome: str
    request: ContactRequest


def request_contact(requester: User, recipient: User, event: Event, message: str = "") -> Asked:
    """``requester`` asks ``recipient`` to become contacts, from ``event``.

    If ``recipient`` already asked ``requester``, that request is accepted instead. A
    declined request can be sent again only ``ASK_AGAIN_AFTER`` later.

    Side effects: writes or reuses a ``ContactRequest`` and notifies the recipient; or
    accepts theirs (see ``accept_request``). Flushes.
    """
    if not can(requester, "contact.request", (event, recipient)):
        raise ServiceError(
            "forbidden",
            gettext("You can't add %(name)s to your contacts.", name=recipient.display_name),
        )
    message = " ".join((message or "").split())
    if len(message) > REQUEST_MESSAGE_MAX:
        raise ServiceError(
            "too_long",
            gettext("At most %(max)d characters, please.", max=REQUEST_MESSAGE_MAX),
            "message",
        )
    theirs = pending_between(recipient.id, requester.id)
    if theirs is not None and can(requester, "contact_request.answer", theirs):
        accept_request(requester, theirs)
        return Asked("connected", theirs)
    return Asked("asked", _ask(requester, recipient, event, message, ContactSource.request))


def accept_request(user: User, request: ContactRequest) -> None:
    """``user`` accepts a request sent to them: both become contacts.

    Side effects: the request is accepted; two ``Contact`` rows; the requester is
    notified. Flushes.
    """
    if not can(user, "contact_request.answer", request):
        raise ServiceError("forbidden", gettext("This request is no longer open."))
    requester = request.requester
    event = db.session.get(Event, request.event_id) if request.event_id else None
    connect(requester, user, event, request.source)
    _tell_connected(
        requester,
        user,
        event,
        lambda name: gettext("%(name)s accepted your contact request.", name=name),
    )


def decline_request(user: User, request: ContactRequest) -> None:
    """``user`` declines a request sent to them. The requester is not told; they see
    their request leave their list of sent requests.

    Side effects: the request is declined. Flushes.
    """
    if not can(user, "contact_request.answer", request):
        raise ServiceError("forbidden", gettext("This request is no longer open."))
    request.status = ContactRequestStatus.declined
    request.decided_at = utcnow()
    db.session.flush()


def withdraw_request(user: User, request: ContactRequest) -> None:
    """``user`` takes back a request they sent.

    Side effects: the request is withdrawn (it leaves the recipient's list). Flushes.
    """
    if not can(user, "contact_request.withdraw", request):
        raise ServiceError("forbidden", gettext("This request is no longer open."))
    request.status = ContactRequestStatus.withdrawn
    request.decided_at = utcnow()
    db.session.flush()


# --- badge scans --------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """What the scanner learns from one badge.

    ``outcome``: ``connected`` (contacts now), ``known`` (contacts already), ``asked``
    (a request went to them), ``already_asked``, or a badge problem: ``unknown``,
    ``revoked``, ``other_event``, ``not_approved``, ``own``, ``unavailable``.
    ``person`` is set for the first four (whose name is printed on the badge anyway).
    """

    outcome: str
    message: str
    person: User | None = None


def scan_badge(scanner: User, event: Event, payload: str) -> ScanResult:
    """``scanner`` scanned another participant's badge at ``event`` to connect.

    The scan is the scanner's consent. If the badge's owner chose that scans connect at
    once, they become contacts and are told; otherwise they get a request from the
    scanner (source ``badge_scan``) to answer, as with any request. A person who had
    already asked the scanner is connected at once.

    Side effects: as ``connect`` or ``request_contact``, with notifications. Flushes.
    """
    if not can(scanner, "contact.scan", event):
        raise ServiceError("forbidden", gettext("Scanning badges to connect is closed."))
    found = badges_service.resolve(event, payload or "")
    if found.outcome == ScanOutcome.other_event:
        return ScanResult("other_event", gettext("This badge belongs to another event."))
    if found.outcome == ScanOutcome.revoked:
        return ScanResult("revoked", gettext("This badge was replaced; ask for the new one."))
    if found.outcome != ScanOutcome.ok or found.registration is None:
        return ScanResult("unknown", gettext("This is not a badge of this event."))
    registration = found.registration
    person = registration.user
    if person.id == scanner.id:
        return ScanResult("own", gettext("This is your own badge."))
    if registration.status != RegistrationStatus.approved or not person.is_active:
        return ScanResult("not_approved", gettext("This badge is not valid at the moment."))
    if are_contacts(scanner.id, person.id):
        return ScanResult(
            "known",
            gettext("%(name)s is already among your contacts.", name=person.display_name),
            person,
        )
    if blocked_between(scanner.id, person.id) or not standing(person, event).is_participant:
        return ScanResult("unavailable", gettext("You can't connect with this person here."))
    theirs = pending_between(person.id, scanner.id)
    consents = person.profile is not None and person.profile.contact_on_badge_scan
    if theirs is not None or consents:
        connect(scanner, person, event, ContactSource.badge_scan)
        _tell_connected(
            person,
            scanner,
            event,
            lambda name: gettext("%(name)s scanned your badge: you are now contacts.", name=name),
        )
        return ScanResult(
            "connected",
            gettext("%(name)s is now among your contacts.", name=person.display_name),
            person,
        )
    if pending_between(scanner.id, person.id) is not None:
        return ScanResult(
            "already_asked",
            gettext(
                "You asked %(name)s already. They have not answered yet.", name=person.display_name
            ),
            person,
        )
    _ask(scanner, person, event, "", ContactSource.badge_scan)
    return ScanResult(
        "asked",
        gettext(
            "We asked %(name)s to confirm. You become contacts once they accept.",
            name=person.display_name,
        ),
        person,
    )


# --- after a meeting ----------------------------------------------------------------------


def connect_after_meetings(now: datetime) -> int:
    """Connect the two people of every accepted meeting that ended (in the last
    ``MEETING_LOOKBACK``) when both profiles say ``contact_after_meeting``.

    Idempotent: a pair is skipped when they are contacts, or when a request between them
    was decided (accepted, declined or withdrawn) after the meeting ended — which is how
    the connection this job made is remembered, and how ``remove_contact`` records a
    removal, so removing the contact later sticks (also for a pair who were contacts
    before they met).
    Blocked pairs and deleted or suspended accounts are skipped. Returns how many pairs
    it connected.

    Side effects: per pair, ``connect`` with source ``meeting``, an accepted
    ``ContactRequest`` from the meeting's requester as the record, and a notification to
    each. Flushes.
    """
    requester_profile = aliased(Profile)
    invitee_profile = aliased(Profile)
    pair = sa.or_(
        sa.and_(
            ContactRequest.requester_id == Meeting.requester_id,
            ContactRequest.recipient_id == Meeting.invitee_id,
        ),
        sa.and_(
            ContactRequest.requester_id == Meeting.invitee_id,
            ContactRequest.recipient_id == Meeting.requester_id,
        ),
    )
    meetings = db.session.scalars(
        sa.select(Meeting)
        .join(requester_profile, requester_profile.user_id == Meeting.requester_id)
        .join(invitee_profile, invitee_profile.user_id == Meeting.invitee_id)
        .where(
            Meeting.status == MeetingStatus.accepted,
            Meeting.ends_at <= now,
            Meeting.ends_at > now - MEETING_LOOKBACK,
            requester_profile.contact_after_meeting.is_(True),
            invitee_profile.contact_after_meeting.is_(True),
            ~sa.exists().where(
                Contact.owner_id == Meeting.requester_id, Contact.person_id == Meeting.invitee_id
            ),
            ~sa.exists().where(
                pair,
                ContactRequest.status != ContactRequestStatus.pending,
                ContactRequest.decided_at >= Meeting.ends_at,
            ),
        )
        .order_by(Meeting.ends_at, Meeting.id)
        .limit(MEETING_BATCH)
    ).all()
    connected = 0
    done: set[tuple[int, int]] = set()
    for meeting in meetings:
        key = tuple(sorted((meeting.requester_id, meeting.invitee_id)))
        if key in done:
            continue
        done.add(key)
        a, b = meeting.requester, meeting.invitee
        if not (a.is_active and b.is_active) or blocked_between(a.id, b.id):
            continue
        if not connect(a, b, meeting.event, ContactSource.meeting):
            continue
        _record_meeting_connection(meeting, now)
        for recipient, other in ((a, b), (b, a)):
            _tell_connected(
                recipient,
                other,
                meeting.event,
                lambda name: gettext(
                    "You met %(name)s: you are now contacts, as you both chose in your profiles.",
                    name=name,
                ),
            )
        connected += 1
    db.session.flush()
    return connected


def _record_meeting_connection(meeting: Meeting, now: datetime) -> None:
    request = db.session.scalar(
        sa.select(ContactRequest).where(
            ContactRequest.requester_id == meeting.requester_id,
            ContactRequest.recipient_id == meeting.invitee_id,
        )
    )
    if request is None:
        request = ContactRequest(
            requester_id=meeting.requester_id, recipient_id=meeting.invitee_id, message=""
        )
        db.session.add(request)
    request.event_id = meeting.event_id
    request.source = ContactSource.meeting
    request.status = ContactRequestStatus.accepted
    request.decided_at = max(now, utcnow())


@jobs.periodic(crontab(minute="*/5"))
def connect_after_meetings_job() -> None:
    """Every five minutes: connect the people of meetings that just ended, as they chose."""
    connect_after_meetings(clock_now())
    db.session.commit()


# --- one's own contacts -------------------------------------------------------------------


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags as typed, trimmed, without empty ones and without repeats ignoring case."""
    seen: set[str] = set()
    cleaned = []
    for tag in tags:
        tag = " ".join(str(tag).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            cleaned.append(tag)
    return cleaned


def update_contact(user: User, contact: Contact, note: str, tags: Iterable[str]) -> Contact:
    """``user``'s private note and tags for one contact.

    Side effects: writes the owner's row only (the other side never sees either). Flushes.
    """
    if not can(user, "contact.edit", contact):
        raise ServiceError("forbidden", gettext("This is not one of your contacts."))
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(
            "too_long", gettext("At most %(max)d characters, please.", max=NOTE_MAX), "note"
        )
    cleaned = clean_tags(tags)
    if len(cleaned) > TAGS_MAX:
        raise ServiceError(
            "too_many_tags", gettext("At most %(max)d tags, please.", max=TAGS_MAX), "tags"
        )
    if any(len(tag) > TAG_MAX for tag in cleaned):
        raise ServiceError(
            "tag_too_long",
            gettext("A tag can be at most %(max)d characters long.", max=TAG_MAX),
            "tags",
        )
    contact.note = note
    contact.tags = cleaned
    db.session.flush()
    return contact


def remove_contact(user: User, contact: Contact) -> None:
    """End the contact for both people: both rows go (with both notes and tags). The other
    person is not told; they no longer find ``user`` in their list.

    The removal is recorded as ``user``'s request to them, withdrawn now, so that
    ``connect_after_meetings`` does not connect the two again for a meeting they held
    (it skips pairs with a request decided after the meeting). Either may ask again.

    Side effects: deletes two ``Contact`` rows; writes or updates ``user``'s
    ``ContactRequest`` to the other (withdrawn); marks both people's suggestions stale
    (they may be suggested to each other again). Flushes.
    """
    if not can(user, "contact.edit", contact):
        raise ServiceError("forbidden", gettext("This is not one of your contacts."))
    other_id = contact.person_id
    _record_removal(user, contact)
    db.session.execute(
        sa.delete(Contact).where(
            sa.or_(
                sa.and_(Contact.owner_id == user.id, Contact.person_id == other_id),
                sa.and_(Contact.owner_id == other_id, Contact.person_id == user.id),
            )
        )
    )
    db.session.expire_all()
    db.session.flush()
    matchmaking.mark_stale_for_user(user.id)
    matchmaking.mark_stale_for_user(other_id)


def _record_removal(user: User, contact: Contact) -> None:
    request = db.session.scalar(
        sa.select(ContactRequest).where(
            ContactRequest.requester_id == user.id,
            ContactRequest.recipient_id == contact.person_id,
        )
    )
    if request is None:
        request = ContactRequest(
            requester_id=user.id,
            recipient_id=contact.person_id,
            event_id=contact.event_id,
            source=contact.source,
            message="",
        )
        db.session.add(request)
    request.status = ContactRequestStatus.withdrawn
    # The job compares with meeting times on the app's clock (a demo's may run ahead).
    request.decided_at = max(utcnow(), clock_now())
    db.session.flush()


# --- exports ------------------------------------------------------------------------------


def vcard_of(contact: Contact) -> str:
    """One contact as a vCard: name, email, company, title, links, the owner's tags (as
    categories) and note."""
    return vcards.person_vcard(
        contact.person,
        email=contact.person.email,
        tags=contact.tags or (),
        note=contact.note or "",
        links=True,
    )


def all_vcards(user: User) -> str:
    """All of ``user``'s contacts as one vCard file."""
    return "".join(vcard_of(row.contact) for row in contacts_of(user))


def contacts_csv(user: User) -> bytes:
    """All of ``user``'s contacts as CSV (safe to open in a spreadsheet)."""
    rows: list[list] = [
        [
            gettext("Name"),
            gettext("Email"),
            gettext("Company"),
            gettext("Job title"),
            gettext("Website"),
            gettext("LinkedIn"),
            gettext("Met at"),
            gettext("Contact since"),
            gettext("Tags"),
            gettext("Note"),
        ]
    ]
    for row in contacts_of(user):
        profile = row.profile
        rows.append(
            [
                row.person.display_name,
                row.person.email,
                profile.company if profile else "",
                profile.job_title if profile else "",
                profile.website if profile else "",
                profile.linkedin if profile else "",
                row.event.name if row.event else "",
                row.contact.created_at.date().isoformat(),
                ", ".join(row.contact.tags or ()),
                row.contact.note or "",
            ]
        )
    return spreadsheets.spreadsheet_csv(rows)
