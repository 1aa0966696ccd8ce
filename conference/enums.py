"""Enumerations shared by models, services, permissions and templates."""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    cancelled = "cancelled"


class EventRoleKind(StrEnum):
    """Roles a person holds in one event beyond being an attendee."""

    organizer = "organizer"
    speaker = "speaker"
    sponsor_staff = "sponsor_staff"
    moderator = "moderator"
    #: Scans badges at the door and at sessions, registers walk-ins, reprints badges.
    checkin_staff = "checkin_staff"


class TaxonomyKind(StrEnum):
    """The event's vocabularies that registration asks for and reports break down by."""

    industry = "industry"
    region = "region"
    job_role = "job_role"
    topic = "topic"


class EventVisibility(StrEnum):
    public = "public"
    invitation = "invitation"


class MessagePolicy(StrEnum):
    """Who may start a conversation with a person (used by the messaging issue)."""

    participants = "participants"
    contacts = "contacts"
    nobody = "nobody"


class SessionFormat(StrEnum):
    talk = "talk"
    panel = "panel"
    workshop = "workshop"
    keynote = "keynote"
    break_ = "break"


class MaterialKind(StrEnum):
    file = "file"
    link = "link"


class ActivityKind(StrEnum):
    """What participants do; reports count these."""

    bookmark = "bookmark"
    unbookmark = "unbookmark"
    session_view = "session_view"
    material_download = "material_download"
    meeting_request = "meeting_request"
    meeting_accepted = "meeting_accepted"
    #: Admitted at the event's entrance (first check-in only).
    check_in = "check_in"
    #: Scanned into a session (once per person and session).
    attendance = "attendance"
    #: Opened a sponsor's booth page (once per person, sponsor and day).
    booth_visit = "booth_visit"
    #: Downloaded or opened a booth material (``Activity.sponsor_id`` says whose).
    booth_download = "booth_download"
    #: Shared their contact details with a sponsor (a lead was created with consent).
    lead_shared = "lead_shared"
    #: Asked a question in a session's Q&A.
    question_asked = "question_asked"
    #: Someone upvoted this person's question (``user_id`` is the question's author).
    question_upvoted = "question_upvoted"
    #: Filled in their profile (headline, company, job title, bio; once per event).
    profile_completed = "profile_completed"
    #: Took part in a 1:1 meeting that took place (one row per person and meeting).
    meeting_held = "meeting_held"
    #: Wrote a post in a discussion or a news item.
    post_written = "post_written"


class MeetingStatus(StrEnum):
    """Where a 1:1 meeting stands.

    ``pending`` waits for the answer of ``Meeting.awaiting_id`` (the invitee after a
    request, the other side after a proposal of another slot); ``accepted`` holds the
    slot for both people and a seat at the place.
    """

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    cancelled = "cancelled"


class MailingKind(StrEnum):
    """An announcement is the same text for everyone; an agenda is each person's own."""

    announcement = "announcement"
    agenda = "agenda"


class MailingStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    done = "done"


class DeliveryStatus(StrEnum):
    """One recipient of a mailing.

    ``sending`` is claimed and committed before the message leaves, so a restarted job
    never sends it again; one found still ``sending`` after a crash becomes ``failed``
    with "interrupted" and goes out again only when the organizer retries it.
    """

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class BadgeLayout(StrEnum):
    """Print formats a badge design can use (sizes in ``conference.badges.layouts``)."""

    a6 = "a6"
    a7 = "a7"
    label_4x3 = "label_4x3"
    cr80 = "cr80"
    a4_sheet = "a4_sheet"
    letter_sheet = "letter_sheet"


class BadgeRole(StrEnum):
    """What a badge shows a person as: its colour band and ribbon.

    Derived from the person's event roles (organizer > speaker > sponsor > staff),
    attendee otherwise; see ``conference.services.badges.badge_role``.
    """

    organizer = "organizer"
    speaker = "speaker"
    sponsor = "sponsor"
    staff = "staff"
    attendee = "attendee"


class BadgeBatchStatus(StrEnum):
    queued = "queued"
    rendering = "rendering"
    done = "done"
    failed = "failed"


class ScanAction(StrEnum):
    """What a scanner is set to do with a badge."""

    check_in = "check_in"
    check_out = "check_out"
    attend = "attend"


class ScanOutcome(StrEnum):
    """The server's answer to one scan. Only ``ok`` is green."""

    ok = "ok"
    already = "already"
    not_approved = "not_approved"
    cancelled = "cancelled"
    other_event = "other_event"
    revoked = "revoked"
    unknown = "unknown"
    not_inside = "not_inside"


class LeadSource(StrEnum):
    """How a sponsor came to hold a person's contact details, each only with consent."""

    #: Staff scanned the badge of someone whose registration says sponsors may.
    scan = "scan"
    #: Staff scanned someone who had not agreed; the person accepted the request later.
    scan_request = "scan_request"
    #: The person pressed "share my contact details" on the booth.
    booth = "booth"
    #: The person agreed while accepting (or requesting) a meeting with the sponsor's staff.
    meeting = "meeting"
    #: The person agreed in the prompt before downloading a booth material.
    material = "material"


class LeadRating(StrEnum):
    hot = "hot"
    warm = "warm"
    cold = "cold"


class LeadFollowUp(StrEnum):
    """Where the sponsor's follow-up with a lead stands."""

    new = "new"
    contacted = "contacted"
    meeting_set = "meeting_set"
    won = "won"
    closed = "closed"


class ConsentRequestStatus(StrEnum):
    """A sponsor asked a person (who had not agreed) for their details after a scan."""

    pending = "pending"
    accepted = "accepted"
    ignored = "ignored"


class SponsorQuestionKind(StrEnum):
    text = "text"
    choice = "choice"
    yes_no = "yes_no"


class LeadExportFormat(StrEnum):
    csv = "csv"
    vcard = "vcard"
    xlsx = "xlsx"


class ApiScope(StrEnum):
    """What an event's API token may read."""

    events = "events"
    registrations = "registrations"
    sessions = "sessions"
    attendance = "attendance"
    reports = "reports"


class WebhookEventKind(StrEnum):
    """What an organizer's webhook can be told about."""

    registration_created = "registration.created"
    registration_approved = "registration.approved"
    registration_cancelled = "registration.cancelled"
    checked_in = "registration.checked_in"


class WebhookDeliveryStatus(StrEnum):
    """One event sent to one webhook. ``pending`` waits for its (next) attempt;
    ``delivered`` got a 2xx; ``failed`` gave up after the last retry."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class ContactSource(StrEnum):
    """How two people became contacts (or how one asked the other)."""

    request = "request"
    meeting = "meeting"
    badge_scan = "badge_scan"


class ContactRequestStatus(StrEnum):
    """``pending`` waits for the recipient; ``accepted`` made both contacts;
    ``declined`` (by the recipient) and ``withdrawn`` (by the requester) ended it."""

    pending = "pending"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class SuggestionVerdict(StrEnum):
    """What a person said about one suggestion of whom to meet."""

    dismissed = "dismissed"
    more_like_this = "more_like_this"


class NetworkClosing(StrEnum):
    """What becomes of an event's network when it closes, some time after the event.

    Contacts and the conversations between contacts always remain. ``read_only``
    keeps the program, materials, agendas and directory to look at; ``hidden`` takes
    everything else of the event away from its participants."""

    read_only = "read_only"
    hidden = "hidden"


class NetworkPhase(StrEnum):
    """Where an event's network stands on a given day (``permissions.network_phase``)."""

    #: Until the last day of the event: everything is open.
    live = "live"
    #: After the event, until the network closes: keep in touch, nothing new.
    after = "after"
    #: After the network closed: as ``Event.network_closing`` says.
    closed = "closed"


class NotificationKind(StrEnum):
    """What a notification is about; the person chooses a delivery per kind."""

    message = "message"
    meeting = "meeting"
    contact = "contact"
    lead_consent = "lead_consent"
    announcement = "announcement"
    #: The event's network: it ended, it closes soon, it closed.
    network = "network"
    #: Posts in discussions one follows, and mentions of oneself.
    discussion = "discussion"
    #: News in the feeds one follows.
    news = "news"
    #: A moderator's decision about one's own content or conduct.
    moderation = "moderation"
    #: The person's own account: a data export is ready, a deletion was asked for.
    #: Transactional: always mailed, not a delivery choice.
    account = "account"


class NotificationDelivery(StrEnum):
    """How a person wants one kind of notification: only in the notification centre,
    also by email at once, or gathered into one daily digest email."""

    in_app = "in_app"
    instant = "instant"
    digest = "digest"


class DataExportStatus(StrEnum):
    queued = "queued"
    building = "building"
    ready = "ready"
    failed = "failed"
    expired = "expired"


class ContentStatus(StrEnum):
    """Whether a question, post or news item shows: ``held`` waits for a moderator (the
    event's word filter caught it), ``hidden`` was taken down by one."""

    visible = "visible"
    held = "held"
    hidden = "hidden"


class ReportTarget(StrEnum):
    """What a participant reported to the event's moderators."""

    message = "message"
    question = "question"
    post = "post"
    news = "news"
    profile = "profile"


class ModerationActionKind(StrEnum):
    """What a moderator did; every action is logged with who and why."""

    hide = "hide"
    restore = "restore"
    approve = "approve"
    warn = "warn"
    suspend_posting = "suspend_posting"
    suspend_messaging = "suspend_messaging"
    lift_suspension = "lift_suspension"
    dismiss = "dismiss"
    lock = "lock"
    unlock = "unlock"


class PointKind(StrEnum):
    """What earns engagement points; each is counted from activity rows."""

    profile_complete = "profile_complete"
    check_in = "check_in"
    attendance = "attendance"
    question_upvoted = "question_upvoted"
    meeting_held = "meeting_held"
    booth_visit = "booth_visit"
