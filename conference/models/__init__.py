"""SQLAlchemy models, one module per domain; importing this package registers them all."""

from conference.models.activity import Activity
from conference.models.badges import BadgeBatch, BadgeCode, BadgeDesign, BadgePrint
from conference.models.checkin import CheckIn, Scan, SessionAttendance
from conference.models.connections import Contact, ContactRequest
from conference.models.discussions import Post, Thread, ThreadSubscription
from conference.models.events import (
    Event,
    EventRole,
    InvitationCode,
    Registration,
    TaxonomyTerm,
    TicketType,
    registration_interests,
    registration_meet_wishes,
)
from conference.models.integrations import ApiToken, ContactExport, Webhook, WebhookDelivery
from conference.models.mailings import Mailing, MailingRecipient
from conference.models.matchmaking import (
    Suggestion,
    SuggestionFeedback,
    SuggestionList,
    SuggestionShown,
)
from conference.models.meetings import Meeting, MeetingHours, MeetingPlace
from conference.models.messaging import (
    Block,
    Conversation,
    ConversationMember,
    Message,
    MessageReport,
    MessagingSuspension,
    SocketPresence,
)
from conference.models.moderation import ContentReport, ModerationAction, PostingSuspension
from conference.models.news import FeedFollow, NewsPost
from conference.models.notifications import Notification, NotificationPreference
from conference.models.people import Profile, User
from conference.models.points import PointRule
from conference.models.privacy import DataExport
from conference.models.program import (
    Bookmark,
    Material,
    ProgramSession,
    Room,
    Track,
    session_speakers,
    session_topics,
)
from conference.models.qa import Question, QuestionVote
from conference.models.sponsors import (
    BoothMaterial,
    Lead,
    LeadAnswer,
    LeadConsentRequest,
    LeadExport,
    Sponsor,
    SponsorInvitation,
    SponsorMember,
    SponsorPackage,
    SponsorQuestion,
)

__all__ = [
    "Activity",
    "ApiToken",
    "BadgeBatch",
    "BadgeCode",
    "BadgeDesign",
    "BadgePrint",
    "Block",
    "Bookmark",
    "BoothMaterial",
    "CheckIn",
    "Contact",
    "ContactExport",
    "ContactRequest",
    "ContentReport",
    "Conversation",
    "ConversationMember",
    "DataExport",
    "Event",
    "EventRole",
    "FeedFollow",
    "InvitationCode",
    "Lead",
    "LeadAnswer",
    "LeadConsentRequest",
    "LeadExport",
    "Mailing",
    "MailingRecipient",
    "Material",
    "Meeting",
    "MeetingHours",
    "MeetingPlace",
    "Message",
    "MessageReport",
    "MessagingSuspension",
    "ModerationAction",
    "NewsPost",
    "Notification",
    "NotificationPreference",
    "PointRule",
    "Post",
    "PostingSuspension",
    "Profile",
    "ProgramSession",
    "Question",
    "QuestionVote",
    "Registration",
    "Room",
    "Scan",
    "SessionAttendance",
    "SocketPresence",
    "Sponsor",
    "SponsorInvitation",
    "SponsorMember",
    "SponsorPackage",
    "SponsorQuestion",
    "Suggestion",
    "SuggestionFeedback",
    "SuggestionList",
    "SuggestionShown",
    "TaxonomyTerm",
    "Thread",
    "ThreadSubscription",
    "TicketType",
    "Track",
    "User",
    "Webhook",
    "WebhookDelivery",
    "registration_interests",
    "registration_meet_wishes",
    "session_speakers",
    "session_topics",
]
