"""The organizer's client base: who agreed to hear from the organizer, and the CRM export.

Registration asks one question, the event's own wording or ``CONTACT_QUESTION``, next
to a box that is never ticked for the person; the privacy page lets them change the
answer for each event. An answer is kept with when it was given and the exact words
shown, which the page sends back and ``leads.check_shown`` compares with the words the
server shows now (a question changed in between is asked again, never stored as
agreed).

The export holds the approved participants who said yes, each with the words they
agreed to: profile basics, the event's taxonomy, interests, the engagement score
(``reports.engagement_scores``) and the sessions they attended. It is built with a fixed
number of queries whatever the size of the event (people, interests, sessions, scores),
each filtered by the same subquery instead of a list of ids, and every export is
recorded in ``ContactExport``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, selectinload

from conference.enums import RegistrationStatus
from conference.extensions import db
from conference.models import (
    ContactExport,
    Event,
    Profile,
    ProgramSession,
    Registration,
    SessionAttendance,
    TaxonomyTerm,
    TicketType,
    User,
)
from conference.models.events import registration_interests
from conference.models.types import utcnow
from conference.permissions import can
from conference.services import ServiceError, reports
from conference.services.lead_lists import ExportFile
from conference.services.leads import check_shown
from conference.services.spreadsheets import spreadsheet_csv

#: The event's question when its organizers wrote none. It names what the export holds.
CONTACT_QUESTION = _l(
    "The organizers may keep my contact details (name, email address, company and job "
    "title), my industry, region, job role, interests and the sessions I attended, and "
    "contact me about their future events and services."
)

#: Rows per page of the export log.
EXPORTS_PAGE_SIZE = 20


def contact_question(event: Event) -> str:
    """The words the registration form and privacy settings show next to the tick box."""
    return event.organizer_contact_question.strip() or str(CONTACT_QUESTION)


def set_organizer_contact(
    person: User, registration: Registration, agreed: bool | None, shown: str | None
) -> None:
    """Record the person's answer to the organizer-contact question of ``registration``'s
    event, with the question as they saw it. None leaves the answer as it is.

    Side effects: sets the three ``organizer_contact`` fields when the answer changes or
    was never given (an unchanged answer keeps its first date and words).
    """
    if registration.user_id != person.id:
        raise ServiceError("forbidden", gettext("This is not your registration."))
    if agreed is None:
        return
    if bool(agreed) == registration.organizer_contact and registration.organizer_contact_at:
        return
    try:
        text = check_shown(shown, contact_question(registration.event))
    except ServiceError as exc:
        raise ServiceError(exc.code, exc.message, "organizer_contact") from None
    registration.organizer_contact = bool(agreed)
    registration.organizer_contact_at = utcnow()
    registration.organizer_contact_text = text


# --- counts and the log -------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentCounts:
    """The approved participants of an event by their answer to the question."""

    agreed: int
    declined: int
    unanswered: int

    @property
    def approved(self) -> int:
        return self.agreed + self.declined + self.unanswered


def consent_counts(event: Event) -> ConsentCounts:
    """How many approved participants agreed, said no, or have not answered (one query)."""
    answered = Registration.organizer_contact_at.is_not(None)
    agreed = Registration.organizer_contact.is_(True)
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(agreed),
            sa.func.count().filter(answered, sa.not_(agreed)),
            sa.func.count().filter(sa.not_(answered), sa.not_(agreed)),
        ).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
        )
    ).one()
    return ConsentCounts(agreed=row[0], declined=row[1], unanswered=row[2])


def wordings(event: Event) -> list[tuple[str, int]]:
    """The words the people in the export agreed to, with how many agreed to each, most
    agreed first (an event that changed its question has several)."""
    count = sa.func.count().label("n")
    return [
        (text, n)
        for text, n in db.session.execute(
            sa.select(Registration.organizer_contact_text, count)
            .where(_agreed(event))
            .group_by(Registration.organizer_contact_text)
            .order_by(count.desc(), Registration.organizer_contact_text)
        )
    ]


def exports_page(event: Event, page: int):
    """One page of the event's CRM exports, newest first, with who exported."""
    query = (
        sa.select(ContactExport)
        .where(ContactExport.event_id == event.id)
        .options(selectinload(ContactExport.exported_by))
        .order_by(ContactExport.created_at.desc(), ContactExport.id.desc())
    )
    return db.paginate(query, page=page, per_page=EXPORTS_PAGE_SIZE, error_out=False)


# --- the export -------------------------------------------------------------------------


@dataclass
class ContactRow:
    """One person of the export."""

    registration_id: int
    user_id: int
    name: str
    email: str
    company: str
    job_title: str
    industry: str
    region: str
    job_role: str
    ticket_type: str
    agreed_at: datetime | None
    agreed_text: str
    interests: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    engagement: int = 0


def _agreed(event: Event) -> sa.ColumnElement[bool]:
    """The registrations the export holds: approved, and agreed to the question."""
    return sa.and_(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.approved,
        Registration.organizer_contact.is_(True),
    )


def contact_rows(event: Event) -> list[ContactRow]:
    """The people of the export in name order, in four queries whatever their number."""
    industry, region, job_role = (aliased(TaxonomyTerm) for _ in range(3))
    query = (
        sa.select(
            Registration.id,
            Registration.user_id,
            User.display_name,
            User.email,
            Profile.company,
            Profile.job_title,
            industry.name,
            region.name,
            job_role.name,
            TicketType.name,
            Registration.organizer_contact_at,
            Registration.organizer_contact_text,
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .outerjoin(industry, industry.id == Registration.industry_id)
        .outerjoin(region, region.id == Registration.region_id)
        .outerjoin(job_role, job_role.id == Registration.job_role_id)
        .outerjoin(TicketType, TicketType.id == Registration.ticket_type_id)
        .where(_agreed(event))
        .order_by(Registration.sort_name, Registration.id)
    )
    rows: dict[int, ContactRow] = {}
    for values in db.session.execute(query):
        registration_id, user_id, *texts, agreed_at, agreed_text = values
        rows[registration_id] = ContactRow(
            registration_id, user_id, *(text or "" for text in texts), agreed_at, agreed_text
        )
    if not rows:
        return []
    chosen = sa.select(Registration.id).where(_agreed(event)).scalar_subquery()
    interests = db.session.execute(
        sa.select(registration_interests.c.registration_id, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == registration_interests.c.term_id)
        .where(registration_interests.c.registration_id.in_(chosen))
        .order_by(TaxonomyTerm.position, TaxonomyTerm.name)
    )
    # ``get``: someone who agreed between two queries is in the next export, not half in this.
    for registration_id, name in interests:
        if (row := rows.get(registration_id)) is not None:
            row.interests.append(name)
    sessions = db.session.execute(
        sa.select(SessionAttendance.registration_id, ProgramSession.title)
        .join(ProgramSession, ProgramSession.id == SessionAttendance.session_id)
        .where(
            SessionAttendance.event_id == event.id,
            SessionAttendance.registration_id.in_(chosen),
        )
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    )
    for registration_id, title in sessions:
        if (row := rows.get(registration_id)) is not None:
            row.sessions.append(title)
    scores = reports.engagement_scores(event, [row.user_id for row in rows.values()])
    for row in rows.values():
        row.engagement = scores.get(row.user_id, 0)
    return list(rows.values())


def contacts_csv(rows: list[ContactRow]) -> bytes:
    """The export as UTF-8 CSV with a byte-order mark (so Excel reads any script); no
    cell starts like a formula."""
    header = [
        gettext("Name"),
        gettext("Email"),
        gettext("Company"),
        gettext("Job title"),
        gettext("Industry"),
        gettext("Region"),
        gettext("Job role"),
        gettext("Ticket type"),
        gettext("Interests"),
        gettext("Engagement score"),
        gettext("Sessions attended"),
        gettext("Agreed at (UTC)"),
        gettext("Question agreed to"),
    ]
    return spreadsheet_csv(
        [
            header,
            *(
                (
                    row.name,
                    row.email,
                    row.company,
                    row.job_title,
                    row.industry,
                    row.region,
                    row.job_role,
                    row.ticket_type,
                    "; ".join(row.interests),
                    row.engagement,
                    "; ".join(row.sessions),
                    row.agreed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if row.agreed_at else "",
                    row.agreed_text,
                )
                for row in rows
            ),
        ]
    )


def export(actor: User, event: Event, today: date | None = None) -> ExportFile:
    """The CSV of everyone who agreed to hear from the organizer.

    Side effects: records a ``ContactExport`` (who, when, how many rows). Flushes.
    """
    if not can(actor, "contacts.export", event):
        raise ServiceError("forbidden", gettext("Only the event's organizers export contacts."))
    rows = contact_rows(event)
    db.session.add(ContactExport(event_id=event.id, exported_by_id=actor.id, row_count=len(rows)))
    db.session.flush()
    filename = f"{event.slug}-contacts-{today or date.today():%Y%m%d}.csv"
    return ExportFile(filename, "text/csv", contacts_csv(rows), len(rows))
