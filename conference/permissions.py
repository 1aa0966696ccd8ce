"""Every "may this person see or do this" rule, in one place.

Views, socket handlers and the API all ask ``can(user, action, obj)``. Rules
are deny-by-default: an action with no rule is refused. ``user`` may be
anonymous (Flask-Login's ``AnonymousUserMixin``) or ``None``.

What a person is in an event (registration status, roles) is loaded once per
application context and cached on ``flask.g``, so a page that asks many
questions costs a couple of queries, and every socket event (which gets its
own context) sees fresh data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from conference.enums import (
    ApiScope,
    ConsentRequestStatus,
    ContactRequestStatus,
    ContentStatus,
    DataExportStatus,
    EventRoleKind,
    MeetingStatus,
    MessagePolicy,
    NetworkClosing,
    NetworkPhase,
    RegistrationStatus,
)
from conference.extensions import db
from conference.models import (
    ApiToken,
    Block,
    Contact,
    ContactRequest,
    Conversation,
    DataExport,
    Event,
    EventRole,
    Lead,
    LeadConsentRequest,
    Mailing,
    Material,
    Meeting,
    Message,
    MessagingSuspension,
    NewsPost,
    Notification,
    Post,
    PostingSuspension,
    ProgramSession,
    Question,
    Registration,
    Sponsor,
    SponsorMember,
    Thread,
    User,
)


@dataclass(frozen=True)
class Standing:
    """What one person is in one event."""

    status: RegistrationStatus | None = None
    roles: frozenset[EventRoleKind] = field(default_factory=frozenset)
    platform_admin: bool = False

    @property
    def is_organizer(self) -> bool:
        return self.platform_admin or EventRoleKind.organizer in self.roles

    @property
    def is_participant(self) -> bool:
        """Approved participants and the event's staff see participants-only content."""
        return self.status == RegistrationStatus.approved or self.is_organizer or bool(self.roles)


NOBODY = Standing()


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def standing(user, event: Event) -> Standing:
    """Return (and cache for this context) what ``user`` is in ``event``."""
    if not _signed_in(user):
        return NOBODY
    cache: dict | None = None
    if has_app_context():
        cache = g.setdefault("_standings", {})
        key = (user.id, event.id)
        if key in cache:
            return cache[key]
    status = db.session.scalar(
        sa.select(Registration.status).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )
    roles = frozenset(
        db.session.scalars(
            sa.select(EventRole.role).where(
                EventRole.event_id == event.id, EventRole.user_id == user.id
            )
        )
    )
    result = Standing(status=status, roles=roles, platform_admin=user.is_platform_admin)
    if cache is not None:
        cache[(user.id, event.id)] = result
    return result


def forget_standing() -> None:
    """Drop cached standings after a change of roles or registrations within one context."""
    if has_app_context() and "_standings" in g:
        g._standings.clear()


def event_today(event: Event) -> date:
    """Today's date where the event takes place (``app.config["CLOCK"]``, when set,
    replaces the present moment, as in the meetings service)."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    now = clock() if clock else datetime.now(UTC)
    return now.astimezone(ZoneInfo(event.timezone)).date()


def network_phase(event: Event, today: date | None = None) -> NetworkPhase:
    """``live`` until the event's last day, ``after`` until the network closes (never,
    if the organizer keeps it open), ``closed`` from then on."""
    today = today or event_today(event)
    if today <= event.ends_on:
        return NetworkPhase.live
    closes_on = event.network_closes_on
    if closes_on is None or today < closes_on:
        return NetworkPhase.after
    return NetworkPhase.closed


def networking_open(event: Event, today: date | None = None) -> bool:
    """New people may be contacted from the event: while it runs, and after it while
    the network is open, unless the organizer made the directory read-only then."""
    phase = network_phase(event, today)
    if phase == NetworkPhase.live:
        return True
    return phase == NetworkPhase.after and not event.network_directory_read_only


def are_contacts(a_id: int, b_id: int) -> bool:
    return db.session.get(Contact, (a_id, b_id)) is not None


def share_open_network(a_id: int, b_id: int) -> bool:
    """Both take part (approved, or hold a role) in an event whose network is not closed."""

    def events_of(person_id: int):
        return sa.union(
            sa.select(Registration.event_id).where(
                Registration.user_id == person_id,
                Registration.status == RegistrationStatus.approved,
            ),
            sa.select(EventRole.event_id).where(EventRole.user_id == person_id),
        )

    shared = db.session.scalars(
        sa.select(Event).where(Event.id.in_(events_of(a_id)), Event.id.in_(events_of(b_id)))
    )
    return any(network_phase(event) != NetworkPhase.closed for event in shared)


def _conversation_outlived(conversation: Conversation) -> bool:
    """The conversation started in an event whose network has closed, and its two people
    are neither contacts nor together in another open network."""
    if conversation.event_id is None:
        return False
    event = db.session.get(Event, conversation.event_id)
    if event is None or network_phase(event) != NetworkPhase.closed:
        return False
    low, high = conversation.user_low_id, conversation.user_high_id
    return not are_contacts(low, high) and not share_open_network(low, high)


# --- rules -----------------------------------------------------------------

Rule = Callable[[User | None, object], bool]
_RULES: dict[str, Rule] = {}


def rule(action: str):
    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"duplicate rule for {action}")
        _RULES[action] = fn
        return fn

    return register


def can(user, action: str, obj=None) -> bool:
    """May ``user`` perform ``action`` on ``obj``? Unknown actions are refused."""
    check = _RULES.get(action)
    if check is None:
        return False
    return bool(check(user, obj))


def actions() -> list[str]:
    """Every declared action, for the permission-matrix test."""
    return sorted(_RULES)


@rule("platform.admin")
def _platform_admin(user, _obj) -> bool:
    return _signed_in(user) and user.is_platform_admin


@rule("account.use")
def _account_use(user, _obj) -> bool:
    return _signed_in(user)


@rule("event.create")
def _event_create(user, _obj) -> bool:
    if not _signed_in(user) or not user.is_verified:
        return False
    if user.is_platform_admin:
        return True
    mode = current_app.config.get("EVENT_CREATION", "verified")
    return mode == "verified" or user.can_create_events


@rule("event.view")
def _event_view(_user, event: Event) -> bool:
    """The landing page: name, dates, venue and description are public."""
    return event is not None


@rule("event.manage")
def _event_manage(user, event: Event) -> bool:
    return standing(user, event).is_organizer


@rule("event.register")
def _event_register(user, event: Event) -> bool:
    """Signed-in, verified, registration open, and not already holding a live registration."""
    if not _signed_in(user) or not user.is_verified or not event.registration_open:
        return False
    if network_phase(event) != NetworkPhase.live:
        return False
    status = standing(user, event).status
    return status is None or status in (RegistrationStatus.cancelled, RegistrationStatus.declined)


@rule("event.participate")
def _event_participate(user, event: Event) -> bool:
    """Participants-only content of the event: directory, profiles, program materials."""
    here = standing(user, event)
    if here.is_organizer:
        return True
    if not here.is_participant:
        return False
    return (
        network_phase(event) != NetworkPhase.closed
        or event.network_closing == NetworkClosing.read_only
    )


@rule("directory.view")
def _directory_view(user, event: Event) -> bool:
    return can(user, "event.participate", event)


@rule("profile.view")
def _profile_view(user, target: tuple[Event, User]) -> bool:
    """See ``person``'s profile in ``event``: both take part, and the person is not hidden."""
    event, person = target
    if not can(user, "event.participate", event):
        return False
    if _signed_in(user) and user.id == person.id:
        return True
    if person.is_deleted:
        return False
    theirs = standing(person, event)
    if not theirs.is_participant:
        return False
    return (
        person.profile is None
        or person.profile.directory_visible
        or standing(user, event).is_organizer
    )


@rule("profile.edit")
def _profile_edit(user, person: User) -> bool:
    return _signed_in(user) and user.id == person.id


@rule("registration.cancel")
def _registration_cancel(user, registration: Registration) -> bool:
    """While the event runs; afterwards the registration is part of its history."""
    return (
        _signed_in(user)
        and registration.user_id == user.id
        and registration.status in (RegistrationStatus.pending, RegistrationStatus.approved)
        and network_phase(registration.event) == NetworkPhase.live
    )


# --- profiles: photos ---------------------------------------------------------


@rule("photo.view")
def _photo_view(user, owner: User) -> bool:
    """A photo is seen by its owner, their contacts, and whoever may see the owner's
    profile in at least one event they share (platform admins: in any event the owner
    takes part in)."""
    if not _signed_in(user) or owner is None:
        return False
    if user.id == owner.id or are_contacts(user.id, owner.id):
        return True

    def events_of(person_id: int):
        return sa.union(
            sa.select(Registration.event_id).where(
                Registration.user_id == person_id,
                Registration.status == RegistrationStatus.approved,
            ),
            sa.select(EventRole.event_id).where(EventRole.user_id == person_id),
        )

    query = sa.select(Event).where(Event.id.in_(events_of(owner.id)))
    if not user.is_platform_admin:
        query = query.where(Event.id.in_(events_of(user.id)))
    return any(can(user, "profile.view", (event, owner)) for event in db.session.scalars(query))


# --- registrations (registration blueprint, organizer's registrations pages) ---


@rule("registration.edit")
def _registration_edit(user, registration: Registration) -> bool:
    """A person changes their own registration while it is pending or approved."""
    return _signed_in(user) and registration.user_id == user.id and registration.is_active


# --- the program: agenda, sessions, bookmarks, materials ------------------------


def _is_speaker_of(user, session: ProgramSession) -> bool:
    return _signed_in(user) and any(s.id == user.id for s in session.speakers)


@rule("program.view")
def _program_view(user, event: Event) -> bool:
    """The agenda of a public event is public; an invitation-only one is for participants."""
    return event.is_public or can(user, "event.participate", event)


@rule("program.manage")
def _program_manage(user, event: Event) -> bool:
    return standing(user, event).is_organizer


@rule("session.view")
def _session_view(user, session: ProgramSession) -> bool:
    """Published sessions go with the agenda; drafts only to organizers and their speakers."""
    event = session.event
    if session.published:
        return can(user, "program.view", event)
    return standing(user, event).is_organizer or _is_speaker_of(user, session)


@rule("session.bookmark")
def _session_bookmark(user, session: ProgramSession) -> bool:
    """Participants build their agenda until the network closes (then it is read-only)."""
    event = session.event
    return (
        session.published
        and can(user, "event.participate", event)
        and network_phase(event) != NetworkPhase.closed
    )


@rule("agenda.mine")
def _agenda_mine(user, event: Event) -> bool:
    return can(user, "event.participate", event)


@rule("material.view")
def _material_view(user, material: Material) -> bool:
    """Materials are for participants, unless an organizer made one public."""
    session = material.session
    if not can(user, "session.view", session):
        return False
    if material.is_public and session.published:
        return True
    return can(user, "event.participate", session.event) or _is_speaker_of(user, session)


@rule("material.upload")
def _material_upload(user, session: ProgramSession) -> bool:
    """The session's speakers (until the network closes) and the event's organizers
    attach materials."""
    if standing(user, session.event).is_organizer:
        return True
    return _is_speaker_of(user, session) and network_phase(session.event) != NetworkPhase.closed


@rule("material.delete")
def _material_delete(user, material: Material) -> bool:
    session = material.session
    if standing(user, session.event).is_organizer:
        return True
    return (
        _is_speaker_of(user, session)
        and material.uploaded_by_id == user.id
        and network_phase(session.event) != NetworkPhase.closed
    )


@rule("material.publish")
def _material_publish(user, material: Material) -> bool:
    """Only organizers open a material to everyone."""
    return standing(user, material.session.event).is_organizer


# --- direct messages -------------------------------------------------------------


def blocked_between(a_id: int, b_id: int) -> bool:
    """Either person blocked the other."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Block)
            .where(
                sa.or_(
                    sa.and_(Block.blocker_id == a_id, Block.blocked_id == b_id),
                    sa.and_(Block.blocker_id == b_id, Block.blocked_id == a_id),
                )
            )
        )
        > 0
    )


def _in_force(suspension) -> bool:
    """A suspension with no end, or whose end has not come."""
    if suspension is None:
        return False
    return suspension.until is None or suspension.until > datetime.now(UTC)


def messaging_suspended(user, event_id: int | None) -> bool:
    if event_id is None:
        return False
    return _in_force(db.session.get(MessagingSuspension, (event_id, user.id)))


def posting_suspended(user, event_id: int) -> bool:
    """The person may not ask questions or post in the event's discussions for now."""
    return _in_force(db.session.get(PostingSuspension, (event_id, user.id)))


@rule("messages.use")
def _messages_use(user, _obj) -> bool:
    return _signed_in(user)


def _talked(a_id: int, b_id: int) -> bool:
    """The two already share a conversation."""
    low, high = sorted((a_id, b_id))
    return (
        db.session.scalar(
            sa.select(Conversation.id).where(
                Conversation.user_low_id == low, Conversation.user_high_id == high
            )
        )
        is not None
    )


@rule("conversation.start")
def _conversation_start(user, target: tuple[Event, User]) -> bool:
    """Start talking to ``person`` from ``event``: nothing forbids it, and either they are
    contacts or both take part and the person's setting allows it.

    Contacts may always write to each other, whatever became of the event's network,
    unless the person lets nobody new write. Otherwise the person's setting decides:
    ``participants`` lets any fellow participant write, ``contacts`` only contacts and
    people who already share a conversation with them, ``nobody`` no one new. After the
    event, only while new contacts may be made (``networking_open``), or with someone
    one already talks to (until the network closes).
    """
    event, person = target
    if not _signed_in(user) or person is None or user.id == person.id or not person.is_active:
        return False
    if blocked_between(user.id, person.id) or messaging_suspended(user, event.id):
        return False
    policy = person.profile.message_policy if person.profile else MessagePolicy.participants
    if are_contacts(user.id, person.id):
        return policy != MessagePolicy.nobody or _talked(user.id, person.id)
    if not can(user, "profile.view", (event, person)):
        return False
    if not standing(person, event).is_participant:
        return False
    if not networking_open(event):
        return network_phase(event) != NetworkPhase.closed and _talked(user.id, person.id)
    if policy == MessagePolicy.participants:
        return True
    return policy == MessagePolicy.contacts and _talked(user.id, person.id)


@rule("conversation.view")
def _conversation_view(user, conversation: Conversation) -> bool:
    """Its two people; once the network it started in closed with ``hidden``, only if
    they are contacts or share another open network."""
    if not _signed_in(user) or user.id not in (conversation.user_low_id, conversation.user_high_id):
        return False
    if conversation.event_id is None:
        return True
    event = db.session.get(Event, conversation.event_id)
    if event is None or event.network_closing != NetworkClosing.hidden:
        return True
    return not _conversation_outlived(conversation)


@rule("message.send")
def _message_send(user, conversation: Conversation) -> bool:
    """A member writes in an existing conversation unless blocked or suspended; it survives
    the end of the event, since the two already talk."""
    if not can(user, "conversation.view", conversation):
        return False
    other = db.session.get(User, conversation.other_id(user.id))
    if other is None or not other.is_active:
        return False
    if blocked_between(user.id, other.id):
        return False
    if messaging_suspended(user, conversation.event_id):
        return False
    return not _conversation_outlived(conversation)


@rule("message.report")
def _message_report(user, message: Message) -> bool:
    conversation = db.session.get(Conversation, message.conversation_id)
    return (
        conversation is not None
        and conversation.event_id is not None
        and can(user, "conversation.view", conversation)
        and message.sender_id != user.id
    )


@rule("messaging.moderate")
def _messaging_moderate(user, event: Event) -> bool:
    """Organizers and moderators handle reported messages of their event."""
    return moderates(user, event)


# --- meetings ----------------------------------------------------------------------


@rule("meetings.use")
def _meetings_use(user, event: Event) -> bool:
    """See one's meetings in ``event`` and the slots offered there."""
    return event.meetings_enabled and can(user, "event.participate", event)


@rule("meeting.request")
def _meeting_request(user, target: tuple[Event, User]) -> bool:
    """Ask ``person`` for a meeting in ``event``: both take part, the person's profile is
    visible to the asker, neither blocked the other, and the event books meetings."""
    event, person = target
    if not _signed_in(user) or person is None or user.id == person.id or not person.is_active:
        return False
    if not can(user, "meetings.use", event) or not can(user, "profile.view", (event, person)):
        return False
    if not standing(person, event).is_participant:
        return False
    if network_phase(event) != NetworkPhase.live:
        return False
    return not blocked_between(user.id, person.id)


@rule("meeting.view")
def _meeting_view(user, meeting: Meeting) -> bool:
    """The two people see their meeting; the event's organizers see every meeting."""
    if not _signed_in(user):
        return False
    return meeting.involves(user.id) or standing(user, meeting.event).is_organizer


def _still_meets(user, meeting: Meeting) -> bool:
    """One of the two, while the event runs (afterwards meetings are history)."""
    return (
        _signed_in(user)
        and meeting.involves(user.id)
        and can(user, "meetings.use", meeting.event)
        and network_phase(meeting.event) == NetworkPhase.live
        and not blocked_between(meeting.requester_id, meeting.invitee_id)
    )


@rule("meeting.respond")
def _meeting_respond(user, meeting: Meeting) -> bool:
    """Accept, decline or propose another slot: the person a pending meeting waits for."""
    return (
        meeting.status == MeetingStatus.pending
        and meeting.awaiting_id == getattr(user, "id", None)
        and _still_meets(user, meeting)
    )


@rule("meeting.change")
def _meeting_change(user, meeting: Meeting) -> bool:
    """Reschedule or cancel: either person, while the meeting is pending or accepted."""
    return meeting.status in (
        MeetingStatus.pending,
        MeetingStatus.accepted,
    ) and _still_meets(user, meeting)


@rule("meeting.cancel")
def _meeting_cancel(user, meeting: Meeting) -> bool:
    """Cancelling stays possible after a block (one still frees one's calendar), until
    the event is over (then meetings are history)."""
    return (
        _signed_in(user)
        and meeting.involves(user.id)
        and meeting.status in (MeetingStatus.pending, MeetingStatus.accepted)
        and network_phase(meeting.event) == NetworkPhase.live
    )


@rule("meetings.manage")
def _meetings_manage(user, event: Event) -> bool:
    """Meeting hours, slot length and places; the list of every meeting."""
    return standing(user, event).is_organizer


# --- calendars --------------------------------------------------------------------------


@rule("calendar.export")
def _calendar_export(user, event: Event) -> bool:
    """Download one's agenda of ``event`` (bookmarks and meetings) as iCalendar."""
    return can(user, "agenda.mine", event)


# --- mailings ---------------------------------------------------------------------------


@rule("mailings.send")
def _mailings_send(user, event: Event) -> bool:
    """Compose, preview and send announcements and agendas to a segment."""
    return standing(user, event).is_organizer


@rule("mailing.view")
def _mailing_view(user, mailing: Mailing) -> bool:
    return can(user, "mailings.send", mailing.event)


# --- badges and check-in ----------------------------------------------------------------


def _checks_in(user, event: Event) -> bool:
    here = standing(user, event)
    return here.is_organizer or EventRoleKind.checkin_staff in here.roles


@rule("badges.manage")
def _badges_manage(user, event: Event) -> bool:
    """Design badges, upload the event logo, generate and download bulk PDFs."""
    return standing(user, event).is_organizer


@rule("badge.print")
def _badge_print(user, registration: Registration) -> bool:
    """One registration's badge as a PDF for printing, and reissuing it (a lost badge):
    organizers, and check-in staff at the desk."""
    return _checks_in(user, registration.event)


@rule("badge.mine")
def _badge_mine(user, registration: Registration) -> bool:
    """A person's own badge (PDF and the phone page with its QR code), once approved."""
    return (
        _signed_in(user)
        and registration.user_id == user.id
        and registration.status == RegistrationStatus.approved
    )


@rule("checkin.scan")
def _checkin_scan(user, event: Event) -> bool:
    """Scan or search people in at the entrance or into sessions, register walk-ins,
    download the list a device scans against offline, and see the dashboard."""
    return _checks_in(user, event)


# --- sponsors, booths and leads -----------------------------------------------------------


def sponsor_membership(user, event: Event) -> SponsorMember | None:
    """The person's place on a sponsor's staff in ``event`` (cached for this context)."""
    if not _signed_in(user):
        return None
    cache: dict | None = None
    if has_app_context():
        cache = g.setdefault("_sponsor_memberships", {})
        if (user.id, event.id) in cache:
            return cache[(user.id, event.id)]
    member = db.session.scalar(
        sa.select(SponsorMember).where(
            SponsorMember.event_id == event.id, SponsorMember.user_id == user.id
        )
    )
    if cache is not None:
        cache[(user.id, event.id)] = member
    return member


def forget_sponsor_memberships() -> None:
    """Drop cached memberships after staff join or leave within one context."""
    if has_app_context() and "_sponsor_memberships" in g:
        g._sponsor_memberships.clear()


def _staff_of(user, sponsor: Sponsor) -> bool:
    member = sponsor_membership(user, sponsor.event)
    return member is not None and member.sponsor_id == sponsor.id


def _admin_of(user, sponsor: Sponsor) -> bool:
    member = sponsor_membership(user, sponsor.event)
    return member is not None and member.sponsor_id == sponsor.id and member.is_admin


@rule("sponsors.manage")
def _sponsors_manage(user, event: Event) -> bool:
    """Packages, sponsors and their seats, the overview of leads and exports."""
    return standing(user, event).is_organizer


@rule("sponsors.view")
def _sponsors_view(user, event: Event) -> bool:
    """The sponsors' page, grouped by tier, is for participants."""
    return can(user, "event.participate", event)


@rule("booth.view")
def _booth_view(user, sponsor: Sponsor) -> bool:
    """A booth page: participants, when the package includes a booth; the sponsor's own
    staff and the organizers always (to prepare it)."""
    event = sponsor.event
    if standing(user, event).is_organizer or _staff_of(user, sponsor):
        return True
    return sponsor.package.booth and can(user, "event.participate", event)


@rule("booth.edit")
def _booth_edit(user, sponsor: Sponsor) -> bool:
    """Description, links, logo and materials: the sponsor's admins and the organizers."""
    return standing(user, sponsor.event).is_organizer or _admin_of(user, sponsor)


@rule("sponsor.workspace")
def _sponsor_workspace(user, sponsor: Sponsor) -> bool:
    """The sponsor's own pages (team, dashboard): its staff and the event's organizers."""
    return standing(user, sponsor.event).is_organizer or _staff_of(user, sponsor)


@rule("sponsor.team")
def _sponsor_team(user, sponsor: Sponsor) -> bool:
    """Invite and remove staff: the sponsor's admins and the organizers."""
    return standing(user, sponsor.event).is_organizer or _admin_of(user, sponsor)


@rule("leads.view")
def _leads_view(user, sponsor: Sponsor) -> bool:
    """The lead list and each lead: the sponsor's staff while the package has lead
    retrieval; the event's organizers (read only)."""
    if standing(user, sponsor.event).is_organizer:
        return True
    return sponsor.package.lead_retrieval and _staff_of(user, sponsor)


@rule("leads.scan")
def _leads_scan(user, sponsor: Sponsor) -> bool:
    """Scan attendees' badges for this sponsor: its staff, with lead retrieval."""
    return (
        sponsor.package.lead_retrieval
        and _staff_of(user, sponsor)
        and networking_open(sponsor.event)
    )


@rule("lead.qualify")
def _lead_qualify(user, lead: Lead) -> bool:
    """Rate, note, tag and answer the sponsor's questions: its staff, not once withdrawn."""
    sponsor = lead.sponsor
    return lead.withdrawn_at is None and sponsor.package.lead_retrieval and _staff_of(user, sponsor)


@rule("leads.questions")
def _leads_questions(user, sponsor: Sponsor) -> bool:
    """Define the sponsor's qualification questions: its admins, with lead retrieval."""
    return sponsor.package.lead_retrieval and _admin_of(user, sponsor)


@rule("leads.export")
def _leads_export(user, sponsor: Sponsor) -> bool:
    """Download the lead list: the sponsor's staff when the package has export."""
    package = sponsor.package
    return package.lead_retrieval and package.lead_export and _staff_of(user, sponsor)


@rule("lead.share")
def _lead_share(user, sponsor: Sponsor) -> bool:
    """A participant shares their own details with a sponsor that collects leads (not a
    sponsor's own staff with their own sponsor)."""
    return (
        sponsor.package.lead_retrieval
        and can(user, "booth.view", sponsor)
        and not _staff_of(user, sponsor)
        and standing(user, sponsor.event).status == RegistrationStatus.approved
        and network_phase(sponsor.event) != NetworkPhase.closed
    )


@rule("lead.withdraw")
def _lead_withdraw(user, lead: Lead) -> bool:
    """Only the person a lead is about withdraws it."""
    return _signed_in(user) and lead.user_id == user.id and lead.withdrawn_at is None


@rule("consent_request.answer")
def _consent_request_answer(user, request: LeadConsentRequest) -> bool:
    return (
        _signed_in(user)
        and request.user_id == user.id
        and request.status == ConsentRequestStatus.pending
    )


@rule("sponsor.announcement_view")
def _sponsor_announcement_view(user, sponsor: Sponsor) -> bool:
    """The announcement page, before and after sending: the sponsor's admins and the
    organizers, when the package includes an announcement (sending is ``sponsor.announce``)."""
    if not sponsor.package.sponsored_announcement:
        return False
    return standing(user, sponsor.event).is_organizer or _admin_of(user, sponsor)


@rule("sponsor.announce")
def _sponsor_announce(user, sponsor: Sponsor) -> bool:
    """The one sponsored announcement: an admin, if the package has it and it is unsent."""
    return (
        sponsor.package.sponsored_announcement
        and sponsor.announcement_sent_at is None
        and _admin_of(user, sponsor)
    )


# --- reports and the organizer's data out ---------------------------------------------------


@rule("reports.view")
def _reports_view(user, event: Event) -> bool:
    """Topic popularity, registrations, engagement and the event summary."""
    return standing(user, event).is_organizer


@rule("contacts.export")
def _contacts_export(user, event: Event) -> bool:
    """The CRM export of participants who agreed to hear from the organizer."""
    return standing(user, event).is_organizer


@rule("integrations.manage")
def _integrations_manage(user, event: Event) -> bool:
    """Create and revoke API tokens, register webhooks and read their delivery log."""
    return standing(user, event).is_organizer


def token_allows(token: ApiToken | None, event: Event, scope: ApiScope) -> bool:
    """An API token reads ``scope`` of ``event``: its own event only, while not revoked."""
    return (
        token is not None
        and token.revoked_at is None
        and token.event_id == event.id
        and scope in token.scopes
    )


# --- who to meet (recommendations) -------------------------------------------------------


@rule("suggestions.view")
def _suggestions_view(user, event: Event) -> bool:
    """A participant's own list of people to meet, while new contacts may be made."""
    return (
        _signed_in(user)
        and standing(user, event).is_participant
        and can(user, "event.participate", event)
        and networking_open(event)
    )


@rule("suggestion.feedback")
def _suggestion_feedback(user, target: tuple[Event, User]) -> bool:
    """Dismiss a suggested person, or ask for more like them: only someone whose profile
    one may see (the answer would otherwise tell hidden people's names)."""
    event, person = target
    return (
        person is not None
        and can(user, "suggestions.view", event)
        and can(user, "profile.view", (event, person))
    )


# --- contacts ---------------------------------------------------------------------------


@rule("contacts.use")
def _contacts_use(user, _obj) -> bool:
    """One's own contacts and contact requests, across every event."""
    return _signed_in(user)


@rule("contact.request")
def _contact_request(user, target: tuple[Event, User]) -> bool:
    """Ask ``person`` to become contacts, from ``event``: both take part, the asker may see
    the person's profile, neither blocked the other, new contacts may be made there, and
    they are not contacts already."""
    event, person = target
    if not _signed_in(user) or person is None or user.id == person.id or not person.is_active:
        return False
    if not can(user, "profile.view", (event, person)) or not networking_open(event):
        return False
    if not standing(person, event).is_participant:
        return False
    return not blocked_between(user.id, person.id) and not are_contacts(user.id, person.id)


@rule("contact.scan")
def _contact_scan(user, event: Event) -> bool:
    """Scan another participant's badge to connect: participants, while the event runs."""
    return (
        _signed_in(user)
        and standing(user, event).is_participant
        and can(user, "event.participate", event)
        and network_phase(event) == NetworkPhase.live
    )


@rule("contact_request.answer")
def _contact_request_answer(user, request: ContactRequest) -> bool:
    return (
        _signed_in(user)
        and request.recipient_id == user.id
        and request.status == ContactRequestStatus.pending
        and request.requester.is_active
        and not blocked_between(request.requester_id, user.id)
    )


@rule("contact_request.withdraw")
def _contact_request_withdraw(user, request: ContactRequest) -> bool:
    return (
        _signed_in(user)
        and request.requester_id == user.id
        and request.status == ContactRequestStatus.pending
    )


@rule("contact.edit")
def _contact_edit(user, contact: Contact) -> bool:
    """The owner's note, tags, vCard and removal of one of their contacts."""
    return _signed_in(user) and contact.owner_id == user.id


# --- notifications --------------------------------------------------------------------------


@rule("notifications.use")
def _notifications_use(user, _obj) -> bool:
    """One's own notification centre and delivery choices."""
    return _signed_in(user)


@rule("notification.read")
def _notification_read(user, notification: Notification) -> bool:
    return _signed_in(user) and notification.user_id == user.id


# --- my data ----------------------------------------------------------------------------------


@rule("account.export")
def _account_export(user, _obj) -> bool:
    """Ask for a ZIP of everything the platform holds about oneself."""
    return _signed_in(user)


@rule("data_export.download")
def _data_export_download(user, export: DataExport) -> bool:
    """The owner, while the export is ready and its link has not expired."""
    if not _signed_in(user) or export.user_id != user.id:
        return False
    if export.status != DataExportStatus.ready or export.expires_at is None:
        return False
    return export.expires_at > datetime.now(export.expires_at.tzinfo)


@rule("account.delete")
def _account_delete(user, _obj) -> bool:
    """Delete one's own account (after the password and an emailed confirmation)."""
    return _signed_in(user)


# --- session Q&A ----------------------------------------------------------------------------

#: How long after writing it a person may still edit a post.
POST_EDIT_WINDOW = timedelta(minutes=15)


def moderates(user, event: Event) -> bool:
    """Organizers and the event's moderators keep order in Q&A, discussions and news."""
    here = standing(user, event)
    return here.is_organizer or EventRoleKind.moderator in here.roles


def _takes_part(user, event: Event) -> bool:
    return _signed_in(user) and can(user, "event.participate", event)


@rule("qa.view")
def _qa_view(user, session: ProgramSession) -> bool:
    """A session's questions: for participants who may see the session."""
    return can(user, "session.view", session) and _takes_part(user, session.event)


@rule("question.ask")
def _question_ask(user, session: ProgramSession) -> bool:
    """Ask in a published session's Q&A while the event runs, unless suspended."""
    event = session.event
    return (
        session.published
        and can(user, "qa.view", session)
        and network_phase(event) == NetworkPhase.live
        and not posting_suspended(user, event.id)
    )


@rule("question.vote")
def _question_vote(user, question: Question) -> bool:
    """Upvote someone else's visible question, once (the service keeps it to once)."""
    session = db.session.get(ProgramSession, question.session_id)
    return (
        question.status == ContentStatus.visible
        and question.author_id != getattr(user, "id", None)
        and can(user, "qa.view", session)
        and network_phase(session.event) == NetworkPhase.live
    )


@rule("question.moderate")
def _question_moderate(user, session: ProgramSession) -> bool:
    """Mark answered, pin or hide questions: the session's speakers, the event's
    moderators and organizers. (Only moderators and organizers see who asked an
    anonymous question: ``qa.authors``.)"""
    return _signed_in(user) and (moderates(user, session.event) or _is_speaker_of(user, session))


@rule("qa.authors")
def _qa_authors(user, session: ProgramSession) -> bool:
    """See who asked anonymous, held and hidden questions: the event's moderators and
    organizers, not the speakers (anonymous means anonymous to the stage too)."""
    return _signed_in(user) and moderates(user, session.event)


@rule("qa.present")
def _qa_present(user, session: ProgramSession) -> bool:
    """The presenter view for the room's screen."""
    return can(user, "question.moderate", session)


# --- discussions ------------------------------------------------------------------------------


def may_post(user, event: Event) -> bool:
    """The event's posting rights: every participant, or those holding one of the chosen
    ticket types or roles; organizers and moderators always; never when suspended or
    once the network has closed."""
    if not _takes_part(user, event) or network_phase(event) == NetworkPhase.closed:
        return False
    if posting_suspended(user, event.id):
        return False
    if moderates(user, event):
        return True
    tickets, roles = event.discussion_ticket_type_ids or [], event.discussion_roles or []
    if not tickets and not roles:
        return True
    here = standing(user, event)
    if any(str(role) in roles for role in here.roles):
        return True
    if not tickets:
        return False
    ticket = db.session.scalar(
        sa.select(Registration.ticket_type_id).where(
            Registration.event_id == event.id,
            Registration.user_id == user.id,
            Registration.status == RegistrationStatus.approved,
        )
    )
    return ticket in tickets


@rule("discussions.view")
def _discussions_view(user, event: Event) -> bool:
    return _takes_part(user, event)


@rule("thread.view")
def _thread_view(user, thread: Thread) -> bool:
    """Whoever may see what the thread is about: the session, the material, the event."""
    event = db.session.get(Event, thread.event_id)
    if not _takes_part(user, event):
        return False
    if thread.session_id is not None:
        return can(user, "session.view", db.session.get(ProgramSession, thread.session_id))
    if thread.material_id is not None:
        return can(user, "material.view", db.session.get(Material, thread.material_id))
    return True


@rule("thread.create")
def _thread_create(user, target: tuple[Event, ProgramSession | Material | None]) -> bool:
    """Open a thread about the event, one of its sessions or one of its materials."""
    event, subject = target
    if not may_post(user, event):
        return False
    if isinstance(subject, ProgramSession):
        return subject.event_id == event.id and can(user, "session.view", subject)
    if isinstance(subject, Material):
        return subject.session.event_id == event.id and can(user, "material.view", subject)
    return subject is None


@rule("thread.post")
def _thread_post(user, thread: Thread) -> bool:
    """Reply in a thread one may see, unless it is locked."""
    if thread.locked_at is not None or not can(user, "thread.view", thread):
        return False
    return may_post(user, db.session.get(Event, thread.event_id))


@rule("post.edit")
def _post_edit(user, post: Post) -> bool:
    """The author, within ``POST_EDIT_WINDOW`` of writing it, while it shows and they
    may still post there."""
    if not _signed_in(user) or post.author_id != user.id or post.status == ContentStatus.hidden:
        return False
    if datetime.now(UTC) - post.created_at > POST_EDIT_WINDOW:
        return False
    return can(user, "thread.post", db.session.get(Thread, post.thread_id))


@rule("thread.lock")
def _thread_lock(user, thread: Thread) -> bool:
    return _signed_in(user) and moderates(user, db.session.get(Event, thread.event_id))


@rule("thread.subscribe")
def _thread_subscribe(user, thread: Thread) -> bool:
    return can(user, "thread.view", thread)


# --- news ----------------------------------------------------------------------------------


@rule("news.view")
def _news_view(user, event: Event) -> bool:
    """The whole feed, participants-only items included."""
    return _takes_part(user, event)


@rule("news.public")
def _news_public(_user, event: Event) -> bool:
    """The public items (landing page, Atom feed) of a public event."""
    return event is not None and event.is_public


@rule("news.post")
def _news_post(user, event: Event) -> bool:
    """Organizers post to the event's feed."""
    return standing(user, event).is_organizer


@rule("news.post_sponsor")
def _news_post_sponsor(user, sponsor: Sponsor) -> bool:
    """A sponsor's staff post news when its package includes it, until the network closes."""
    return (
        sponsor.package.news_posts
        and _staff_of(user, sponsor)
        and network_phase(sponsor.event) != NetworkPhase.closed
        and not posting_suspended(user, sponsor.event_id)
    )


@rule("news.edit")
def _news_edit(user, item: NewsPost) -> bool:
    """The organizers, or the staff of the sponsor it was posted for."""
    event = db.session.get(Event, item.event_id)
    if standing(user, event).is_organizer:
        return True
    if item.sponsor_id is None:
        return False
    sponsor = db.session.get(Sponsor, item.sponsor_id)
    return (
        sponsor is not None
        and _staff_of(user, sponsor)
        and not posting_suspended(user, sponsor.event_id)
    )


@rule("feed.follow")
def _feed_follow(user, event: Event) -> bool:
    return _takes_part(user, event)


# --- moderation ----------------------------------------------------------------------------


@rule("moderation.queue")
def _moderation_queue(user, event: Event) -> bool:
    """One queue for reported messages, questions, posts, news and profiles; the word
    filter's held items; suspensions and the log."""
    return _signed_in(user) and moderates(user, event)


@rule("content.report")
def _content_report(user, event: Event) -> bool:
    """Report a question, post, news item or profile of the event (not one's own: the
    service checks)."""
    return _takes_part(user, event)


# --- points --------------------------------------------------------------------------------


@rule("points.manage")
def _points_manage(user, event: Event) -> bool:
    return standing(user, event).is_organizer


@rule("leaderboard.view")
def _leaderboard_view(user, event: Event) -> bool:
    """Participants, when the organizers show the leaderboard; organizers always."""
    if standing(user, event).is_organizer:
        return True
    return event.leaderboard_visible and _takes_part(user, event)


@rule("points.mine")
def _points_mine(user, event: Event) -> bool:
    """One's own points and how they were earned."""
    return _takes_part(user, event)


# --- search --------------------------------------------------------------------------------


@rule("search.event")
def _search_event(user, event: Event) -> bool:
    """The event's search box: anyone who may see its program; the results are then
    limited to what the searcher may see."""
    return can(user, "program.view", event) or _takes_part(user, event)
