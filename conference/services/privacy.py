"""A person's own data: what the platform holds about them, the ZIP export of all of
it, and the deletion of their account.

Export: ``request_export`` records a ``DataExport`` and queues ``build_export``, which
writes ``INSTANCE_PATH/exports/<token>.zip`` (JSON of everything about the person,
their uploaded files, one JSON file per conversation, their contacts as one .vcf,
their agenda of each event as .ics), then tells them by notification and email. The
link needs their login and works for ``EXPORT_DAYS``; ``expire_exports`` (daily)
deletes the files of expired exports.

Deletion: ``request_deletion`` checks the password and the typed confirmation and
mails a signed link that expires after ``DELETE_LINK_HOURS``; ``delete_account`` (from
that link's page, a POST) removes the person's personal data everywhere and leaves
the ``users`` row as a tombstone: anonymised registrations, meetings and activity stay
so organizers' counts stay right, and messages they sent stay as from "a deleted
participant" unless the conversation's event removes them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from huey import crontab
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from conference import jobs
from conference.enums import (
    DataExportStatus,
    EventRoleKind,
    MeetingStatus,
    MessagePolicy,
    NotificationKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    BadgeCode,
    Block,
    Bookmark,
    Contact,
    ContactRequest,
    Conversation,
    DataExport,
    Event,
    EventRole,
    Lead,
    LeadConsentRequest,
    MailingRecipient,
    Material,
    Meeting,
    MeetingPlace,
    Message,
    MessagingSuspension,
    Notification,
    NotificationPreference,
    ProgramSession,
    Registration,
    SocketPresence,
    Sponsor,
    SponsorInvitation,
    SponsorMember,
    Suggestion,
    SuggestionFeedback,
    SuggestionList,
    SuggestionShown,
    User,
    WebhookDelivery,
)
from conference.models.events import registration_meet_wishes
from conference.models.program import session_speakers
from conference.models.types import utcnow
from conference.permissions import event_today
from conference.services import (
    ServiceError,
    accounts,
    calendars,
    connections,
    mail,
    materials,
    meetings,
    messaging,
)
from conference.services import notifications as notices
from conference.services.aftercommit import on_commit
from conference.services.profiles import photo_path
from conference.services.search import refresh_search_keys

log = logging.getLogger(__name__)

#: How long a finished export can be downloaded.
EXPORT_DAYS = 7
#: An export still queued or being built after this long was lost (its worker
#: stopped); asking again starts a new one.
EXPORT_STALE_AFTER = timedelta(hours=1)
#: How long the emailed link that confirms a deletion works.
DELETE_LINK_HOURS = 24
#: The name a deleted account keeps in the database (pages translate it on display).
DELETED_NAME = "Deleted participant"

_DELETE_SALT = "account-delete"
_OPEN_EXPORTS = (DataExportStatus.queued, DataExportStatus.building)
_FILE_NAME_RE = re.compile(r"[^\w.-]+")


# --- what the platform holds ---------------------------------------------------------


@dataclass
class EventHoldings:
    """What the platform holds about a person in one event (counts; the export has all)."""

    event: Event
    registration: Registration | None
    roles: list[EventRoleKind]
    bookmarks: int = 0
    meetings: int = 0
    messages: int = 0
    activity: dict[str, int] = field(default_factory=dict)


def holdings(user: User) -> list[EventHoldings]:
    """Per event the person registered for or holds a role in, newest first: their
    registration and counts of bookmarks, meetings, messages sent from conversations
    that started there, and their activity rows by kind. A few grouped queries."""
    registrations = {
        r.event_id: r
        for r in db.session.scalars(sa.select(Registration).where(Registration.user_id == user.id))
    }
    roles: dict[int, list[EventRoleKind]] = {}
    for event_id, role in db.session.execute(
        sa.select(EventRole.event_id, EventRole.role).where(EventRole.user_id == user.id)
    ):
        roles.setdefault(event_id, []).append(role)
    event_ids = set(registrations) | set(roles)
    if not event_ids:
        return []

    def grouped(select: sa.Select) -> dict[int, int]:
        return dict(db.session.execute(select).all())

    bookmarks = grouped(
        sa.select(Bookmark.event_id, sa.func.count())
        .where(Bookmark.user_id == user.id)
        .group_by(Bookmark.event_id)
    )
    meetings = grouped(
        sa.select(Meeting.event_id, sa.func.count())
        .where(sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id))
        .group_by(Meeting.event_id)
    )
    messages = grouped(
        sa.select(Conversation.event_id, sa.func.count())
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.sender_id == user.id, Conversation.event_id.is_not(None))
        .group_by(Conversation.event_id)
    )
    activity: dict[int, dict[str, int]] = {}
    for event_id, kind, count in db.session.execute(
        sa.select(Activity.event_id, Activity.kind, sa.func.count())
        .where(Activity.user_id == user.id)
        .group_by(Activity.event_id, Activity.kind)
    ):
        activity.setdefault(event_id, {})[str(kind)] = count
    events = db.session.scalars(
        sa.select(Event).where(Event.id.in_(event_ids)).order_by(Event.starts_on.desc(), Event.id)
    )
    return [
        EventHoldings(
            event=ev,
            registration=registrations.get(ev.id),
            roles=sorted(roles.get(ev.id, []), key=str),
            bookmarks=bookmarks.get(ev.id, 0),
            meetings=meetings.get(ev.id, 0),
            messages=messages.get(ev.id, 0),
            activity=activity.get(ev.id, {}),
        )
        for ev in events
    ]


def set_visibility(user: User, directory_visible: bool, message_policy: MessagePolicy) -> None:
    """Hide the person from (or show them in) directories, and choose who may start a
    conversation with them. Rewrites the directory's copy on every registration."""
    profile = user.profile
    profile.directory_visible = bool(directory_visible)
    profile.message_policy = MessagePolicy(message_policy)
    db.session.flush()
    refresh_search_keys(user)


# --- export ----------------------------------------------------------------------------


def exports_folder() -> Path:
    return Path(current_app.instance_path) / "exports"


def export_path(export: DataExport) -> Path | None:
    """Where the export's ZIP is, None before it is built."""
    if not export.filename or _FILE_NAME_RE.sub("", export.filename) != export.filename:
        return None
    return exports_folder() / export.filename


def latest_export(user: User) -> DataExport | None:
    """The person's newest export that is not expired (any status but ``expired``)."""
    return db.session.scalar(
        sa.select(DataExport)
        .where(DataExport.user_id == user.id, DataExport.status != DataExportStatus.expired)
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def request_export(user: User) -> DataExport:
    """Start an export of everything about ``user``; an export queued or being built
    less than ``EXPORT_STALE_AFTER`` ago is returned instead of starting another. An
    older one was lost (its worker stopped): it is marked failed and a new one starts.
    Side effects: queues ``build_export`` after commit. Flushes."""
    running = db.session.scalar(
        sa.select(DataExport)
        .where(DataExport.user_id == user.id, DataExport.status.in_(_OPEN_EXPORTS))
        .order_by(DataExport.id.desc())
        .limit(1)
    )
    if running is not None:
        if running.created_at > utcnow() - EXPORT_STALE_AFTER:
            return running
        _give_up_stale_exports(user)
    export = DataExport(user_id=user.id, status=DataExportStatus.queued)
    db.session.add(export)
    db.session.flush()
    jobs.enqueue_after_commit(build_export, export.id)
    return export


def _give_up_stale_exports(user: User) -> None:
    """Mark the person's exports queued or building since before ``EXPORT_STALE_AFTER``
    failed, so a new request starts afresh."""
    db.session.execute(
        sa.update(DataExport)
        .where(
            DataExport.user_id == user.id,
            DataExport.status.in_(_OPEN_EXPORTS),
            DataExport.created_at <= utcnow() - EXPORT_STALE_AFTER,
        )
        .values(
            status=DataExportStatus.failed,
            error="Not finished in time; a new export was started.",
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    )


@jobs.job()
def build_export(export_id: int) -> None:
    """Build export ``export_id`` (idempotent: a ready export with its file is left
    alone, a half-built one is built again, a failed one, given up for a newer one,
    is not). On success: status ready, expiry in ``EXPORT_DAYS``, a notification and
    an email with the link; on failure: status failed with the error, no partial file
    left."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.status in (DataExportStatus.expired, DataExportStatus.failed):
        return
    if export.status == DataExportStatus.ready and (path := export_path(export)) and path.exists():
        return
    export.status = DataExportStatus.building
    export.error = ""
    db.session.commit()
    name = f"{export.token}.zip"
    folder = exports_folder()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{name}.part"
    try:
        user = db.session.get(User, export.user_id)
        with mail.in_language(user.locale):
            write_export_zip(user, partial)
        partial.replace(folder / name)
    except Exception as exc:
        log.exception("data export %s failed", export_id)
        partial.unlink(missing_ok=True)
        db.session.rollback()
        db.session.execute(
            sa.update(DataExport)
            .where(DataExport.id == export_id)
            .values(
                status=DataExportStatus.failed,
                error=(str(exc) or type(exc).__name__)[:300],
                finished_at=utcnow(),
            )
        )
        db.session.commit()
        return
    now = utcnow()
    export.filename = name
    export.size = (folder / name).stat().st_size
    export.status = DataExportStatus.ready
    export.finished_at = now
    export.expires_at = now + timedelta(days=EXPORT_DAYS)
    _tell_export_ready(user, export)
    db.session.commit()


def download_url(export: DataExport, external: bool = False) -> str:
    return url_for("profiles.download_export", token=export.token, _external=external)


def _tell_export_ready(user: User, export: DataExport) -> None:
    with mail.in_language(user.locale):
        text = _("Your data export is ready to download until %(when)s.", when=_day(export))
        notices.notify(
            user.id,
            NotificationKind.account,
            text,
            url=url_for("profiles.privacy", _anchor="my-data"),
            group_key=f"data_export:{export.id}",
            email=False,
        )
        if user.is_verified:
            mail.send_template(
                user.email,
                _("Your data export is ready"),
                "data_export_ready",
                user=user,
                url=download_url(export, external=True),
                until=_day(export),
                days=EXPORT_DAYS,
            )


def _day(export: DataExport) -> str:
    return format_date(export.expires_at.date(), "long")


@jobs.periodic(crontab(minute="17", hour="3"))
def expire_exports() -> None:
    """Daily: delete the files of exports whose link expired, and mark them expired."""
    now = utcnow()
    for export in db.session.scalars(
        sa.select(DataExport).where(
            DataExport.status == DataExportStatus.ready, DataExport.expires_at <= now
        )
    ):
        if (path := export_path(export)) is not None:
            path.unlink(missing_ok=True)
        export.status = DataExportStatus.expired
        export.filename = None
    db.session.commit()


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _safe_name(text: str, fallback: str) -> str:
    cleaned = _FILE_NAME_RE.sub("-", text).strip("-.")[:60]
    return cleaned or fallback


def export_data(user: User) -> dict:
    """Everything about ``user`` as JSON-ready data (the export's ``data.json``).

    Other people appear only by name (and, for one's contacts, the email they share
    with their contacts); never their notes, their contacts or their other messages.
    """
    profile = user.profile
    registrations = list(
        db.session.scalars(sa.select(Registration).where(Registration.user_id == user.id))
    )
    names = _names_of(_other_people(user))

    def event_of(event_id: int | None) -> str | None:
        if event_id is None:
            return None
        ev = db.session.get(Event, event_id)
        return ev.name if ev else None

    def term(t) -> str | None:
        return t.name if t is not None else None

    data = {
        "exported_at": _iso(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "email_verified_at": _iso(user.email_verified_at),
            "created_at": _iso(user.created_at),
            "calendar_feed": user.calendar_token is not None,
        },
        "profile": None
        if profile is None
        else {
            "headline": profile.headline,
            "bio": profile.bio,
            "company": profile.company,
            "job_title": profile.job_title,
            "website": profile.website,
            "linkedin": profile.linkedin,
            "looking_for": profile.looking_for,
            "can_offer": profile.can_offer,
            "photo": "files/photo.jpg" if photo_path(profile.photo) else None,
            "directory_visible": profile.directory_visible,
            "message_policy": str(profile.message_policy),
            "contact_after_meeting": profile.contact_after_meeting,
            "contact_on_badge_scan": profile.contact_on_badge_scan,
        },
        "registrations": [
            {
                "event": r.event.name,
                "event_slug": r.event.slug,
                "status": str(r.status),
                "ticket_type": term(r.ticket_type),
                "industry": term(r.industry),
                "region": term(r.region),
                "job_role": term(r.job_role),
                "interests": [t.name for t in r.interests],
                "want_to_meet": [t.name for t in r.meet_wishes],
                "sponsor_scan_consent": r.sponsor_scan_consent,
                "sponsor_scan_consent_at": _iso(r.sponsor_scan_consent_at),
                "sponsor_scan_consent_text": r.sponsor_scan_consent_text,
                "organizer_contact": r.organizer_contact,
                "organizer_contact_at": _iso(r.organizer_contact_at),
                "organizer_contact_text": r.organizer_contact_text,
                "sponsor_offers": r.sponsor_offers,
                "announcements_opt_out": r.announcements_opt_out,
                "organizer_note": r.organizer_note,
                "created_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in registrations
        ],
        "roles": [
            {"event": event_of(event_id), "role": str(role)}
            for event_id, role in db.session.execute(
                sa.select(EventRole.event_id, EventRole.role).where(EventRole.user_id == user.id)
            )
        ],
        "bookmarks": [
            {
                "event": event_of(b.event_id),
                "session": title,
                "starts_at": _iso(starts_at),
                "attending": b.attending,
                "created_at": _iso(b.created_at),
            }
            for b, title, starts_at in db.session.execute(
                sa.select(Bookmark, ProgramSession.title, ProgramSession.starts_at)
                .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
                .where(Bookmark.user_id == user.id)
                .order_by(ProgramSession.starts_at)
            )
        ],
        "meetings": [
            {
                "event": event_of(m.event_id),
                "with": names.get(m.other_id(user.id)),
                "i_asked": m.requester_id == user.id,
                "starts_at": _iso(m.starts_at),
                "ends_at": _iso(m.ends_at),
                "place": place,
                "status": str(m.status),
                "message": m.message,
                "note": m.note,
                "created_at": _iso(m.created_at),
            }
            for m, place in db.session.execute(
                sa.select(Meeting, MeetingPlace.name)
                .outerjoin(MeetingPlace, MeetingPlace.id == Meeting.place_id)
                .where(sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id))
                .order_by(Meeting.starts_at)
            )
        ],
        "contacts": [
            {
                "name": c.person.display_name,
                "email": c.person.email,
                "company": c.person.profile.company if c.person.profile else "",
                "event": event_of(c.event_id),
                "source": str(c.source),
                "since": _iso(c.created_at),
                "my_note": c.note,
                "my_tags": list(c.tags or []),
            }
            for c in _contacts(user)
        ],
        "contact_requests": [
            {
                "direction": "sent" if r.requester_id == user.id else "received",
                "person": names.get(
                    r.recipient_id if r.requester_id == user.id else r.requester_id
                ),
                "event": event_of(r.event_id),
                "message": r.message,
                "status": str(r.status),
                "created_at": _iso(r.created_at),
                "decided_at": _iso(r.decided_at),
            }
            for r in db.session.scalars(
                sa.select(ContactRequest)
                .where(
                    sa.or_(
                        ContactRequest.requester_id == user.id,
                        ContactRequest.recipient_id == user.id,
                    )
                )
                .order_by(ContactRequest.id)
            )
        ],
        "blocked": [
            names.get(blocked_id)
            for blocked_id in db.session.scalars(
                sa.select(Block.blocked_id).where(Block.blocker_id == user.id)
            )
        ],
        "notifications": [
            {
                "kind": str(n.kind),
                "text": n.text,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in db.session.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ],
        "notification_settings": {
            str(kind): str(delivery)
            for kind, delivery in db.session.execute(
                sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                    NotificationPreference.user_id == user.id
                )
            )
        },
        "sponsors_with_my_details": [
            {
                "sponsor": sponsor_name,
                "event": event_of(lead.event_id),
                "source": str(lead.source),
                "consented_at": _iso(lead.consented_at),
                "consent_text": lead.consent_text,
                "withdrawn_at": _iso(lead.withdrawn_at),
            }
            for lead, sponsor_name in db.session.execute(
                sa.select(Lead, Sponsor.name)
                .join(Sponsor, Sponsor.id == Lead.sponsor_id)
                .where(Lead.user_id == user.id)
                .order_by(Lead.id)
            )
        ],
        "sponsor_requests": [
            {
                "sponsor": sponsor_name,
                "event": event_of(req.event_id),
                "status": str(req.status),
                "created_at": _iso(req.created_at),
                "answered_at": _iso(req.answered_at),
            }
            for req, sponsor_name in db.session.execute(
                sa.select(LeadConsentRequest, Sponsor.name)
                .join(Sponsor, Sponsor.id == LeadConsentRequest.sponsor_id)
                .where(LeadConsentRequest.user_id == user.id)
                .order_by(LeadConsentRequest.id)
            )
        ],
        "activity": [
            {
                "event": event_of(a.event_id),
                "kind": str(a.kind),
                "session": title,
                "created_at": _iso(a.created_at),
            }
            for a, title in db.session.execute(
                sa.select(Activity, ProgramSession.title)
                .outerjoin(ProgramSession, ProgramSession.id == Activity.session_id)
                .where(Activity.user_id == user.id)
                .order_by(Activity.id)
            )
        ],
        "materials_uploaded": [
            {
                "event": event_of(m.event_id),
                "title": m.title,
                "kind": str(m.kind),
                "url": m.url,
                "file": _material_entry(m),
                "created_at": _iso(m.created_at),
            }
            for m in _materials(user)
        ],
        "conversations": [f"messages/{c.id}.json" for c in _conversations(user)],
    }
    return data


def _contacts(user: User) -> list[Contact]:
    return list(
        db.session.scalars(
            sa.select(Contact).where(Contact.owner_id == user.id).order_by(Contact.created_at)
        )
    )


def _conversations(user: User) -> list[Conversation]:
    return list(
        db.session.scalars(
            sa.select(Conversation)
            .where(
                sa.or_(Conversation.user_low_id == user.id, Conversation.user_high_id == user.id)
            )
            .order_by(Conversation.id)
        )
    )


def _materials(user: User) -> list[Material]:
    return list(
        db.session.scalars(
            sa.select(Material).where(Material.uploaded_by_id == user.id).order_by(Material.id)
        )
    )


def _material_entry(material: Material) -> str | None:
    if material.stored_name is None:
        return None
    name = _safe_name(material.original_name or "", "file")
    return f"files/materials/{material.id}-{name}"


def _other_people(user: User) -> set[int]:
    """The ids of the people the person's meetings, requests and blocks name."""
    ids: set[int] = set()
    for a, b in db.session.execute(
        sa.select(Meeting.requester_id, Meeting.invitee_id).where(
            sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id)
        )
    ):
        ids.update((a, b))
    for a, b in db.session.execute(
        sa.select(ContactRequest.requester_id, ContactRequest.recipient_id).where(
            sa.or_(ContactRequest.requester_id == user.id, ContactRequest.recipient_id == user.id)
        )
    ):
        ids.update((a, b))
    ids.update(db.session.scalars(sa.select(Block.blocked_id).where(Block.blocker_id == user.id)))
    for conversation in _conversations(user):
        ids.add(conversation.other_id(user.id))
    ids.discard(user.id)
    return ids


def _names_of(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        person.id: display_name(person)
        for person in db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    }


def display_name(person: User | None) -> str:
    """A person's name as pages show it: "a deleted participant" for a tombstone."""
    if person is None or person.is_deleted:
        return _("a deleted participant")
    return person.display_name


def conversation_data(user: User, conversation: Conversation) -> dict:
    """One conversation the person is in: the other person's name and every message
    either of them sent in it, oldest first ("me" or "them")."""
    other = db.session.get(User, conversation.other_id(user.id))
    event = db.session.get(Event, conversation.event_id) if conversation.event_id else None
    rows = db.session.scalars(
        sa.select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)
    )
    return {
        "with": display_name(other),
        "event": event.name if event else None,
        "started_at": _iso(conversation.created_at),
        "messages": [
            {
                "from": "me" if m.sender_id == user.id else "them",
                "body": "" if m.hidden_at else m.body,
                "hidden_by_moderator": m.hidden_at is not None,
                "sent_at": _iso(m.created_at),
            }
            for m in rows
        ],
    }


def _calendar_files(user: User) -> dict[str, bytes]:
    """Per event the person registered for: their agenda (bookmarks and meetings)."""
    event_ids = set(
        db.session.scalars(sa.select(Registration.event_id).where(Registration.user_id == user.id))
    )
    files = {}
    for ev in db.session.scalars(sa.select(Event).where(Event.id.in_(event_ids))):
        items = calendars.agenda_items(ev, [user.id]).get(user.id, [])
        if items:
            files[f"calendar/{ev.slug}.ics"] = calendars.calendar_bytes(ev, items, name=ev.name)
    return files


def write_export_zip(user: User, target: Path) -> None:
    """Write the whole export of ``user`` as a ZIP at ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def write_json(name: str, value) -> None:
            archive.writestr(name, json.dumps(value, ensure_ascii=False, indent=2))

        write_json("data.json", export_data(user))
        for conversation in _conversations(user):
            write_json(f"messages/{conversation.id}.json", conversation_data(user, conversation))
        archive.writestr("contacts.vcf", connections.all_vcards(user))
        for name, content in _calendar_files(user).items():
            archive.writestr(name, content)
        if user.profile and (path := photo_path(user.profile.photo)) and path.exists():
            archive.write(path, "files/photo.jpg")
        for material in _materials(user):
            entry = _material_entry(material)
            if entry is None:
                continue
            try:
                path = materials.material_path(material)
            except ValueError:
                continue
            if path.exists():
                archive.write(path, entry)
        archive.writestr(
            "README.txt", render_template("profiles/privacy_export_readme.txt", user=user)
        )


# --- deletion --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_DELETE_SALT)


def _fingerprint(user: User) -> str:
    """Changes when the password, the sessions or the email change."""
    material = f"{user.password_hash}\x00{user.session_nonce}\x00{user.email}".encode()
    return hashlib.sha256(material).hexdigest()[:24]


def deletion_token(user: User) -> str:
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def check_deletion_token(user: User, token: str) -> None:
    """Refuse a link that is not ``user``'s, is expired, or was made before their
    password, sessions or email changed."""
    try:
        data = _serializer().loads(token, max_age=DELETE_LINK_HOURS * 3600)
    except SignatureExpired:
        raise ServiceError(
            "token_expired",
            _("This link has expired. Ask again to delete your account."),
        ) from None
    except BadSignature:
        data = None
    if (
        not isinstance(data, dict)
        or data.get("uid") != user.id
        or data.get("fp") != _fingerprint(user)
        or user.is_deleted
    ):
        raise ServiceError(
            "token_invalid",
            _("This link is not valid for your account. Ask again to delete your account."),
        )


def blocking_events(user: User) -> list[Event]:
    """Events that have not ended whose only organizer is ``user``: they must hand over
    before deleting their account."""
    organizer_counts = (
        sa.select(EventRole.event_id, sa.func.count().label("n"))
        .where(EventRole.role == EventRoleKind.organizer)
        .group_by(EventRole.event_id)
        .subquery()
    )
    events = db.session.scalars(
        sa.select(Event)
        .join(EventRole, EventRole.event_id == Event.id)
        .join(organizer_counts, organizer_counts.c.event_id == Event.id)
        .where(
            EventRole.user_id == user.id,
            EventRole.role == EventRoleKind.organizer,
            organizer_counts.c.n == 1,
        )
        .order_by(Event.starts_on)
    )
    return [ev for ev in events if event_today(ev) <= ev.ends_on]


def _check_can_delete(user: User) -> None:
    if blocked := blocking_events(user):
        raise ServiceError(
            "sole_organizer",
            _(
                "You are the only organizer of %(events)s. Add another organizer there "
                "before deleting your account.",
                events=", ".join(ev.name for ev in blocked),
            ),
        )


def request_deletion(user: User, password: str, confirmation: str) -> None:
    """Check the password and the typed confirmation (the account's email address),
    then email the link that confirms the deletion. Nothing is deleted yet."""
    if not accounts.check_password(user, password or ""):
        raise ServiceError("wrong_password", _("This is not your password."), "password")
    if accounts.normalize_email(confirmation or "") != user.email:
        raise ServiceError(
            "confirmation",
            _("Type the email address of your account to confirm."),
            "confirmation",
        )
    _check_can_delete(user)
    with mail.in_language(user.locale):
        mail.send_template(
            user.email,
            _("Confirm the deletion of your account"),
            "account_deletion_confirm",
            user=user,
            url=url_for(
                "profiles.confirm_delete_account", token=deletion_token(user), _external=True
            ),
            hours=DELETE_LINK_HOURS,
        )


def delete_account(user: User, token: str) -> None:
    """Delete ``user``'s personal data everywhere (see the module docstring), after
    checking the emailed ``token``. Side effects: cancels their future meetings (the
    other person is told), ends every session and socket, deletes export and photo
    files after commit, emails the confirmation to the old address. Flushes."""
    check_deletion_token(user, token)
    _check_can_delete(user)
    old_email, locale, uid = user.email, user.locale, user.id
    # First the notices the person caused, then the cancellations: those are made for
    # the other people, name nobody and have no actor, so they stay.
    _forget_notifications(uid)
    _cancel_meetings(user)
    _remove_messages(uid)
    _delete_rows(uid)
    _anonymise_registrations(uid)
    _scrub_webhook_payloads(uid)
    _null_actor_references(uid)
    _empty_profile(user)
    _tombstone(user)
    db.session.flush()
    with mail.in_language(locale):
        mail.send_template(
            old_email, _("Your account was deleted"), "account_deletion_done", email=old_email
        )


def _forget_notifications(uid: int) -> None:
    """Notifications to the person, and others' notifications the person caused (which
    name them), go entirely."""
    db.session.execute(
        sa.delete(Notification).where(
            sa.or_(Notification.user_id == uid, Notification.actor_id == uid)
        )
    )


def _cancel_meetings(user: User) -> None:
    """Pending and accepted meetings still to come are cancelled; the other person is
    told through the meetings service, without the person's name. Texts the person
    wrote are cleared from all."""
    now = meetings.now()
    upcoming = db.session.scalars(
        sa.select(Meeting).where(
            sa.or_(Meeting.requester_id == user.id, Meeting.invitee_id == user.id),
            Meeting.status.in_([MeetingStatus.pending, MeetingStatus.accepted]),
            Meeting.ends_at > now,
        )
    )
    for meeting in list(upcoming):
        meetings.cancel_for_deletion(meeting, user)
    db.session.execute(sa.update(Meeting).where(Meeting.requester_id == user.id).values(message=""))
    db.session.execute(sa.update(Meeting).where(Meeting.changed_by_id == user.id).values(note=""))


def _remove_messages(uid: int) -> None:
    """Delete the person's messages in conversations whose event removes the messages
    of deleted participants; elsewhere they stay, shown as from a deleted participant."""
    removing = (
        sa.select(Conversation.id)
        .join(Event, Event.id == Conversation.event_id)
        .where(
            Event.remove_messages_of_deleted.is_(True),
            sa.or_(Conversation.user_low_id == uid, Conversation.user_high_id == uid),
        )
    )
    db.session.execute(
        sa.delete(Message).where(Message.sender_id == uid, Message.conversation_id.in_(removing))
    )


def _delete_rows(uid: int) -> None:
    """Rows that are the person's alone, or only about them, go entirely."""
    for export in db.session.scalars(sa.select(DataExport).where(DataExport.user_id == uid)):
        if (path := export_path(export)) is not None:
            on_commit(lambda p=path: p.unlink(missing_ok=True))
    statements = [
        sa.delete(DataExport).where(DataExport.user_id == uid),
        sa.delete(Contact).where(sa.or_(Contact.owner_id == uid, Contact.person_id == uid)),
        sa.delete(ContactRequest).where(
            sa.or_(ContactRequest.requester_id == uid, ContactRequest.recipient_id == uid)
        ),
        sa.delete(NotificationPreference).where(NotificationPreference.user_id == uid),
        sa.delete(SuggestionList).where(SuggestionList.user_id == uid),
        sa.delete(Suggestion).where(sa.or_(Suggestion.user_id == uid, Suggestion.person_id == uid)),
        sa.delete(SuggestionFeedback).where(
            sa.or_(SuggestionFeedback.user_id == uid, SuggestionFeedback.person_id == uid)
        ),
        sa.delete(SuggestionShown).where(
            sa.or_(SuggestionShown.user_id == uid, SuggestionShown.person_id == uid)
        ),
        sa.delete(Lead).where(Lead.user_id == uid),
        sa.delete(LeadConsentRequest).where(LeadConsentRequest.user_id == uid),
        sa.delete(Block).where(sa.or_(Block.blocker_id == uid, Block.blocked_id == uid)),
        sa.delete(MessagingSuspension).where(MessagingSuspension.user_id == uid),
        sa.delete(Bookmark).where(Bookmark.user_id == uid),
        sa.delete(session_speakers).where(session_speakers.c.user_id == uid),
        sa.delete(EventRole).where(EventRole.user_id == uid),
        sa.delete(SponsorMember).where(SponsorMember.user_id == uid),
        sa.delete(MailingRecipient).where(MailingRecipient.user_id == uid),
    ]
    for statement in statements:
        db.session.execute(statement)
    user = db.session.get(User, uid)
    db.session.execute(sa.delete(SponsorInvitation).where(SponsorInvitation.email == user.email))
    messaging.end_sessions(uid)
    db.session.execute(sa.delete(SocketPresence).where(SocketPresence.user_id == uid))


def _anonymise_registrations(uid: int) -> None:
    """Registrations stay with their event, status, ticket and taxonomy (reports count
    them); everything the person typed or chose about themselves is cleared."""
    registration_ids = sa.select(Registration.id).where(Registration.user_id == uid)
    db.session.execute(
        sa.delete(registration_meet_wishes).where(
            registration_meet_wishes.c.registration_id.in_(registration_ids)
        )
    )
    db.session.execute(
        sa.update(Registration)
        .where(Registration.user_id == uid)
        .values(
            search_text="",
            sort_name="",
            directory_visible=False,
            organizer_note="",
            announcements_opt_out=True,
            sponsor_scan_consent=False,
            sponsor_scan_consent_at=None,
            sponsor_scan_consent_text="",
            sponsor_offers=False,
            organizer_contact=False,
            organizer_contact_at=None,
            organizer_contact_text="",
        )
    )
    db.session.execute(
        sa.update(BadgeCode)
        .where(BadgeCode.registration_id.in_(registration_ids), BadgeCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _scrub_webhook_payloads(uid: int) -> None:
    """Webhook deliveries not yet sent, or kept in the log, lose the person's details."""
    event_ids = sa.select(Registration.event_id).where(Registration.user_id == uid)
    for delivery in db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.event_id.in_(event_ids))
    ):
        person = (delivery.payload or {}).get("person")
        if isinstance(person, dict) and person.get("id") == uid:
            delivery.payload = {**delivery.payload, "person": {"id": uid, "deleted": True}}


#: References to a person that stay (pointing at the tombstone) because they carry
#: counts, not personal data; every other nullable reference is cleared.
KEPT_NULLABLE = {("activities", "user_id"), ("messages", "sender_id")}


def _null_actor_references(uid: int) -> None:
    """Every nullable reference to the person ("created by", "scanned by", "uploaded
    by", ...) is cleared, found from the schema so a new table cannot be forgotten."""
    users = db.metadata.tables["users"]
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not column.nullable or (table.name, column.name) in KEPT_NULLABLE:
                continue
            if any(fk.column.table is users for fk in column.foreign_keys):
                db.session.execute(
                    sa.update(table).where(column == uid).values({column.name: None})
                )


def _empty_profile(user: User) -> None:
    """The profile row stays (pages may meet a tombstone) but says nothing, and nobody
    may find or message it; the photo file goes after commit."""
    profile = user.profile
    if profile is None:
        return
    photo = photo_path(profile.photo)
    if photo is not None:
        on_commit(lambda: photo.unlink(missing_ok=True))
    for name in (
        "headline",
        "bio",
        "company",
        "job_title",
        "website",
        "linkedin",
        "looking_for",
        "can_offer",
    ):
        setattr(profile, name, "")
    profile.photo = None
    profile.directory_visible = False
    profile.message_policy = MessagePolicy.nobody
    profile.contact_after_meeting = False
    profile.contact_on_badge_scan = False


def _tombstone(user: User) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = DELETED_NAME
    user.password_hash = "!deleted:" + secrets.token_hex(16)
    user.email_verified_at = None
    user.is_platform_admin = False
    user.can_create_events = False
    user.locale = None
    user.calendar_token = None
    user.deleted_at = utcnow()
    accounts.rotate_sessions(user)
