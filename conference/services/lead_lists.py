"""A sponsor's lead list and what its staff do with it: search and filters,
qualification (rating, follow-up, notes, tags, answers to the sponsor's own questions),
the questions themselves, exports (CSV, vCard, XLSX) and the dashboard's numbers.

Everything here starts from ``leads.active_leads``: a person who withdrew, or whose
registration ended, is in no list, page, count, chart or export of this module. Of a
withdrawn person the sponsor learns only that someone withdrew (``leads.withdrawn_count``).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import joinedload

from conference.enums import (
    ActivityKind,
    LeadExportFormat,
    LeadFollowUp,
    LeadRating,
    LeadSource,
    MeetingStatus,
    SponsorQuestionKind,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    Lead,
    LeadAnswer,
    LeadExport,
    Meeting,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorQuestion,
    TaxonomyTerm,
    User,
)
from conference.models.types import search_key
from conference.permissions import can
from conference.services import ServiceError, ordering, reports
from conference.services.leads import active_leads, lead_in, withdrawn_count
from conference.services.program import utc_to_local
from conference.services.spreadsheets import spreadsheet_cell, spreadsheet_csv
from conference.services.vcards import person_vcard

PAGE_SIZE = 50
#: Limits on what staff write about a lead.
NOTES_MAX = 5000
TAG_MAX = 40
TAGS_MAX = 20
ANSWER_MAX = 1000
#: Limits on the sponsor's questions.
PROMPT_MAX = 200
CHOICE_MAX = 100
CHOICES_MAX = 20

SOURCE_LABELS: dict[LeadSource, object] = {
    LeadSource.scan: _l("Badge scan"),
    LeadSource.scan_request: _l("Accepted after a scan"),
    LeadSource.booth: _l("Shared at the booth"),
    LeadSource.meeting: _l("Meeting"),
    LeadSource.material: _l("Material download"),
}
RATING_LABELS: dict[LeadRating, object] = {
    LeadRating.hot: _l("Hot"),
    LeadRating.warm: _l("Warm"),
    LeadRating.cold: _l("Cold"),
}
FOLLOW_UP_LABELS: dict[LeadFollowUp, object] = {
    LeadFollowUp.new: _l("New"),
    LeadFollowUp.contacted: _l("Contacted"),
    LeadFollowUp.meeting_set: _l("Meeting set"),
    LeadFollowUp.won: _l("Won"),
    LeadFollowUp.closed: _l("Closed"),
}
QUESTION_KIND_LABELS: dict[SponsorQuestionKind, object] = {
    SponsorQuestionKind.text: _l("Text"),
    SponsorQuestionKind.choice: _l("Choice"),
    SponsorQuestionKind.yes_no: _l("Yes or no"),
}
YES_NO_LABELS = {"yes": _l("Yes"), "no": _l("No")}


def _forbidden(message: str) -> ServiceError:
    return ServiceError("forbidden", message)


# --- the list -----------------------------------------------------------------------------


@dataclass
class LeadFilters:
    """What the lead list is narrowed to; ``captured_by`` 0 means "shared by the person"."""

    q: str = ""
    rating: LeadRating | None = None
    follow_up: LeadFollowUp | None = None
    source: LeadSource | None = None
    tag: str = ""
    captured_by: int | None = None


def _tag_pattern(tag: str) -> str:
    """The tag as it appears inside the stored JSON list (``"vip"``), for a portable
    substring match on SQLite and PostgreSQL alike (JSON is stored as written)."""
    return json.dumps(tag)


def filtered(sponsor: Sponsor, filters: LeadFilters) -> sa.Select:
    """The sponsor's visible leads matching ``filters``, newest first.

    The search matches name, company and job title through the registration's folded
    search keys (so Cyrillic and full-width Japanese match) and the email.
    """
    query = active_leads(sponsor).order_by(Lead.created_at.desc(), Lead.id.desc())
    if text := filters.q.strip():
        query = query.join(User, User.id == Lead.user_id).where(
            sa.or_(
                Registration.search_text.contains(search_key(text), autoescape=True),
                User.email.contains(text.lower(), autoescape=True),
            )
        )
    for column, value in (
        (Lead.rating, filters.rating),
        (Lead.follow_up, filters.follow_up),
        (Lead.source, filters.source),
    ):
        if value is not None:
            query = query.where(column == value)
    if tag := normalize_tag(filters.tag):
        query = query.where(
            sa.cast(Lead.tags, sa.Text).contains(_tag_pattern(tag), autoescape=True)
        )
    if filters.captured_by == 0:
        query = query.where(Lead.captured_by_id.is_(None))
    elif filters.captured_by is not None:
        query = query.where(Lead.captured_by_id == filters.captured_by)
    return query


def with_details(query: sa.Select) -> sa.Select:
    """Load what the list, the lead page and the exports show, without a query per row."""
    return query.options(
        joinedload(Lead.user).joinedload(User.profile),
        joinedload(Lead.captured_by),
        joinedload(Lead.registration).joinedload(Registration.industry),
        joinedload(Lead.registration).joinedload(Registration.region),
        joinedload(Lead.registration).joinedload(Registration.job_role),
    )


def leads_page(sponsor: Sponsor, filters: LeadFilters, page: int):
    """One page (``PAGE_SIZE`` rows) of the sponsor's shared lead list."""
    return db.paginate(
        with_details(filtered(sponsor, filters)), page=page, per_page=PAGE_SIZE, error_out=False
    )


def visible_count(sponsor: Sponsor) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(active_leads(sponsor).order_by(None).subquery())
    )


def _active_ids(sponsor: Sponsor) -> sa.Select:
    return active_leads(sponsor).with_only_columns(Lead.id).order_by(None)


def tags_in_use(sponsor: Sponsor) -> list[str]:
    """Every tag on the sponsor's visible leads, sorted (for the filter)."""
    tags: set[str] = set()
    for row in db.session.scalars(sa.select(Lead.tags).where(Lead.id.in_(_active_ids(sponsor)))):
        tags.update(row or [])
    return sorted(tags)


def capturers(sponsor: Sponsor) -> list[User]:
    """The people who captured the sponsor's visible leads, by name (for the filter)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(
                User.id.in_(sa.select(Lead.captured_by_id).where(Lead.id.in_(_active_ids(sponsor))))
            )
            .order_by(User.display_name, User.id)
        )
    )


# --- one lead: qualification --------------------------------------------------------------


def normalize_tag(text: str | None) -> str:
    return " ".join((text or "").split()).lower()[:TAG_MAX]


def parse_tags(text: str | None) -> list[str]:
    """Comma-separated tags as stored: lower case, single spaces, no repeats, in order."""
    tags: list[str] = []
    for part in (text or "").split(","):
        tag = normalize_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise ServiceError(
            "too_many_tags",
            gettext("Use at most %(num)d tags.", num=TAGS_MAX),
            "tags",
        )
    return tags


def answers_of(lead: Lead) -> dict[int, str]:
    """The lead's answers by question id."""
    return dict(
        db.session.execute(
            sa.select(LeadAnswer.question_id, LeadAnswer.value).where(LeadAnswer.lead_id == lead.id)
        ).all()
    )


def _clean_answer(question: SponsorQuestion, value: str | None, stored: str = "") -> str:
    """An answer as stored ("" for none); a choice must be one of the question's, or
    the answer the lead already has (a choice removed since stays as written)."""
    field = f"q_{question.id}"
    text = " ".join((value or "").split())
    if text and text == stored:
        return text
    if question.kind == SponsorQuestionKind.text:
        text = (value or "").strip()
        if len(text) > ANSWER_MAX:
            raise ServiceError(
                "answer_too_long",
                gettext("Keep the answer under %(num)d characters.", num=ANSWER_MAX),
                field,
            )
    elif question.kind == SponsorQuestionKind.choice:
        if text and text not in question.choices:
            raise ServiceError("not_a_choice", gettext("Pick one of the choices."), field)
    elif text and text not in YES_NO_LABELS:
        raise ServiceError("not_a_choice", gettext("Answer yes or no."), field)
    return text


def qualify(
    actor: User,
    lead: Lead,
    *,
    rating: LeadRating | None,
    follow_up: LeadFollowUp,
    notes: str,
    tags: str | Sequence[str],
    answers: dict[int, str] | None = None,
) -> None:
    """Record what the sponsor's staff think of ``lead``.

    ``tags`` is a comma-separated text or a list; ``answers`` maps the sponsor's
    question ids to answers (an empty answer removes it; questions left out keep
    theirs; None leaves every answer as it is). Side effects: sets the lead's rating,
    follow-up, notes and tags, writes or deletes ``LeadAnswer`` rows, flushes.
    """
    if not can(actor, "lead.qualify", lead):
        raise _forbidden(gettext("Only the sponsor's staff qualify its leads."))
    notes = (notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise ServiceError(
            "notes_too_long",
            gettext("Keep the notes under %(num)d characters.", num=NOTES_MAX),
            "notes",
        )
    tag_list = parse_tags(tags) if isinstance(tags, str) else parse_tags(",".join(tags))
    cleaned: dict[int, str] = {}
    existing: dict[int, LeadAnswer] = {}
    if answers:
        existing = {
            answer.question_id: answer
            for answer in db.session.scalars(
                sa.select(LeadAnswer).where(LeadAnswer.lead_id == lead.id)
            )
        }
        questions = {q.id: q for q in questions_of(lead.sponsor)}
        for question_id, value in answers.items():
            question = questions.get(question_id)
            if question is None:
                raise ServiceError("unknown_question", gettext("That question no longer exists."))
            stored = existing[question_id].value if question_id in existing else ""
            cleaned[question_id] = _clean_answer(question, value, stored)
    lead.rating = rating
    lead.follow_up = follow_up
    lead.notes = notes
    lead.tags = tag_list
    if cleaned:
        for question_id, value in cleaned.items():
            answer = existing.get(question_id)
            if not value:
                if answer is not None:
                    db.session.delete(answer)
            elif answer is None:
                db.session.add(LeadAnswer(lead_id=lead.id, question_id=question_id, value=value))
            else:
                answer.value = value
    db.session.flush()


# --- the sponsor's questions --------------------------------------------------------------


def questions_of(sponsor: Sponsor) -> list[SponsorQuestion]:
    """The sponsor's qualification questions in their set order."""
    return list(
        db.session.scalars(
            sa.select(SponsorQuestion)
            .where(SponsorQuestion.sponsor_id == sponsor.id)
            .order_by(SponsorQuestion.position, SponsorQuestion.id)
        )
    )


def question_in(sponsor: Sponsor, question_id: int | None) -> SponsorQuestion | None:
    """The sponsor's question ``question_id``; None for another sponsor's."""
    if question_id is None:
        return None
    return db.session.scalar(
        sa.select(SponsorQuestion).where(
            SponsorQuestion.sponsor_id == sponsor.id, SponsorQuestion.id == question_id
        )
    )


def answer_counts(sponsor: Sponsor) -> dict[int, int]:
    """How many leads have answered each of the sponsor's questions."""
    rows = db.session.execute(
        sa.select(LeadAnswer.question_id, sa.func.count())
        .join(SponsorQuestion, SponsorQuestion.id == LeadAnswer.question_id)
        .where(SponsorQuestion.sponsor_id == sponsor.id)
        .group_by(LeadAnswer.question_id)
    ).all()
    return dict(rows)


def parse_choices(text: str | None) -> list[str]:
    """The options of a choice question, one a line, blank lines and repeats dropped."""
    choices: list[str] = []
    for line in (text or "").splitlines():
        choice = " ".join(line.split())
        if choice and choice not in choices:
            if len(choice) > CHOICE_MAX:
                raise ServiceError(
                    "choice_too_long",
                    gettext("Keep each choice under %(num)d characters.", num=CHOICE_MAX),
                    "choices",
                )
            choices.append(choice)
    return choices


def _question_fields(
    prompt: str, kind: SponsorQuestionKind, choices: str | Sequence[str]
) -> tuple[str, list[str]]:
    prompt = " ".join((prompt or "").split())
    if not prompt:
        raise ServiceError("prompt_required", gettext("Write the question."), "prompt")
    if len(prompt) > PROMPT_MAX:
        raise ServiceError(
            "prompt_too_long",
            gettext("Keep the question under %(num)d characters.", num=PROMPT_MAX),
            "prompt",
        )
    if kind != SponsorQuestionKind.choice:
        return prompt, []
    options = parse_choices(choices if isinstance(choices, str) else "\n".join(choices))
    if len(options) < 2:
        raise ServiceError(
            "choices_required", gettext("Give at least two choices, one a line."), "choices"
        )
    if len(options) > CHOICES_MAX:
        raise ServiceError(
            "too_many_choices",
            gettext("Give at most %(num)d choices.", num=CHOICES_MAX),
            "choices",
        )
    return prompt, options


def _check_questions(actor: User, sponsor: Sponsor) -> None:
    if not can(actor, "leads.questions", sponsor):
        raise _forbidden(gettext("Only the sponsor's admins edit its questions."))


def add_question(
    actor: User,
    sponsor: Sponsor,
    *,
    prompt: str,
    kind: SponsorQuestionKind,
    choices: str | Sequence[str] = "",
) -> SponsorQuestion:
    """Add a question at the end of the sponsor's list (flushed)."""
    _check_questions(actor, sponsor)
    prompt, options = _question_fields(prompt, kind, choices)
    existing = questions_of(sponsor)
    question = SponsorQuestion(
        sponsor_id=sponsor.id, prompt=prompt, kind=kind, choices=options, position=len(existing)
    )
    db.session.add(question)
    ordering.renumber([*existing, question])
    return question


def update_question(
    actor: User,
    question: SponsorQuestion,
    *,
    prompt: str,
    kind: SponsorQuestionKind,
    choices: str | Sequence[str] = "",
) -> None:
    """Change a question's wording, kind or choices. Once leads have answered it, its
    kind stays (their answers would no longer fit); answers to a removed choice stay as
    written."""
    sponsor = db.session.get(Sponsor, question.sponsor_id)
    _check_questions(actor, sponsor)
    prompt, options = _question_fields(prompt, kind, choices)
    if kind != question.kind and answer_counts(sponsor).get(question.id):
        raise ServiceError(
            "kind_in_use",
            gettext("Leads have answered this question; its kind can no longer change."),
            "kind",
        )
    question.prompt = prompt
    question.kind = kind
    question.choices = options
    db.session.flush()


def move_question(actor: User, question: SponsorQuestion, direction: int) -> None:
    sponsor = db.session.get(Sponsor, question.sponsor_id)
    _check_questions(actor, sponsor)
    ordering.move(questions_of(sponsor), question, direction)


def delete_question(actor: User, question: SponsorQuestion) -> int:
    """Delete a question and every answer to it; returns how many answers went."""
    sponsor = db.session.get(Sponsor, question.sponsor_id)
    _check_questions(actor, sponsor)
    answered = answer_counts(sponsor).get(question.id, 0)
    db.session.execute(sa.delete(LeadAnswer).where(LeadAnswer.question_id == question.id))
    db.session.delete(question)
    db.session.flush()
    ordering.renumber(questions_of(sponsor))
    return answered


# --- exports ------------------------------------------------------------------------------


#: The address's name of each format and the file it makes.
EXPORT_FORMATS: dict[str, tuple[LeadExportFormat, str, str]] = {
    "csv": (LeadExportFormat.csv, "text/csv; charset=utf-8", "csv"),
    "vcf": (LeadExportFormat.vcard, "text/vcard; charset=utf-8", "vcf"),
    "xlsx": (
        LeadExportFormat.xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
}


@dataclass
class ExportFile:
    filename: str
    content_type: str
    data: bytes
    row_count: int


def _utc(value) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _label(labels: dict, value) -> str:
    return str(labels[value]) if value is not None else ""


def _answer_text(question: SponsorQuestion, value: str | None) -> str:
    if value and question.kind == SponsorQuestionKind.yes_no:
        return str(YES_NO_LABELS.get(value, value))
    return value or ""


def _table(leads: Sequence[Lead], questions: Sequence[SponsorQuestion]) -> list[list[str]]:
    """The export as rows of text, header first (what CSV and XLSX both write)."""
    answers: dict[tuple[int, int], str] = {}
    if leads:
        for lead_id, question_id, value in db.session.execute(
            sa.select(LeadAnswer.lead_id, LeadAnswer.question_id, LeadAnswer.value).where(
                LeadAnswer.lead_id.in_([lead.id for lead in leads])
            )
        ):
            answers[(lead_id, question_id)] = value
    header = [
        gettext("Name"),
        gettext("Email"),
        gettext("Company"),
        gettext("Job title"),
        gettext("Industry"),
        gettext("Region"),
        gettext("Job role"),
        gettext("Source"),
        gettext("Captured by"),
        gettext("Consented at (UTC)"),
        gettext("Consent text"),
        gettext("Rating"),
        gettext("Follow-up"),
        gettext("Tags"),
        gettext("Notes"),
        *(question.prompt for question in questions),
    ]
    rows = [header]
    for lead in leads:
        person = lead.user
        registration = lead.registration
        rows.append(
            [
                person.display_name,
                person.email,
                person.profile.company,
                person.profile.job_title,
                registration.industry.name if registration and registration.industry else "",
                registration.region.name if registration and registration.region else "",
                registration.job_role.name if registration and registration.job_role else "",
                _label(SOURCE_LABELS, lead.source),
                lead.captured_by.display_name if lead.captured_by else "",
                _utc(lead.consented_at),
                lead.consent_text,
                _label(RATING_LABELS, lead.rating),
                _label(FOLLOW_UP_LABELS, lead.follow_up),
                ", ".join(lead.tags or []),
                lead.notes,
                *(_answer_text(q, answers.get((lead.id, q.id))) for q in questions),
            ]
        )
    return rows


def leads_csv(leads: Sequence[Lead], questions: Sequence[SponsorQuestion]) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads any script); no cell runs as a
    formula."""
    return spreadsheet_csv(_table(leads, questions))


def leads_xlsx(leads: Sequence[Lead], questions: Sequence[SponsorQuestion]) -> bytes:
    """One sheet of leads; text only, never a formula (openpyxl runs "=..." as one), and
    without the control characters the format cannot hold."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(gettext("Leads"))
    for row in _table(leads, questions):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_cell(value)) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def leads_vcard(leads: Sequence[Lead], sponsor: Sponsor) -> bytes:
    """One vCard 3.0 per lead: name, email, company and title (what the person agreed to
    share), the staff's tags as categories and a note with where the lead came from."""
    cards = []
    for lead in leads:
        note = [
            gettext(
                "%(source)s at %(event)s, %(date)s (UTC).",
                source=_label(SOURCE_LABELS, lead.source),
                event=sponsor.event.name,
                date=lead.consented_at.strftime("%Y-%m-%d"),
            )
        ]
        if lead.rating:
            note.append(gettext("Rating: %(rating)s", rating=_label(RATING_LABELS, lead.rating)))
        if lead.notes:
            note.append(lead.notes)
        cards.append(
            person_vcard(lead.user, email=lead.user.email, tags=lead.tags, note="\n".join(note))
        )
    return "".join(cards).encode("utf-8")


def export(actor: User, sponsor: Sponsor, fmt: str, filters: LeadFilters | None = None):
    """The sponsor's visible leads (narrowed by ``filters``) as a file in ``fmt`` (a key
    of ``EXPORT_FORMATS``). Side effects: records a ``LeadExport`` (who, format, rows)."""
    if not can(actor, "leads.export", sponsor):
        raise _forbidden(gettext("Your sponsor package does not include exporting leads."))
    if fmt not in EXPORT_FORMATS:
        raise ServiceError("unknown_format", gettext("Choose CSV, vCard or Excel."))
    kind, content_type, extension = EXPORT_FORMATS[fmt]
    query = filtered(sponsor, filters or LeadFilters()).order_by(None)
    leads = db.session.scalars(with_details(query.order_by(Lead.created_at, Lead.id))).all()
    if kind == LeadExportFormat.vcard:
        data = leads_vcard(leads, sponsor)
    else:
        questions = questions_of(sponsor)
        writer = leads_csv if kind == LeadExportFormat.csv else leads_xlsx
        data = writer(leads, questions)
    db.session.add(
        LeadExport(
            sponsor_id=sponsor.id,
            event_id=sponsor.event_id,
            exported_by_id=actor.id,
            format=kind,
            row_count=len(leads),
        )
    )
    db.session.flush()
    stem = "".join(ch if ch.isalnum() else "-" for ch in sponsor.name.lower()).strip("-")
    filename = f"leads-{stem or sponsor.id}-{sponsor.event.slug}.{extension}"
    return ExportFile(filename, content_type, data, len(leads))


# --- the dashboard ------------------------------------------------------------------------


@dataclass
class Bar:
    """One labelled count of a chart; ``max`` is the chart's largest (the bar's scale)."""

    label: object
    count: int
    max: int


def _bars(pairs: Sequence[tuple[object, int]]) -> list[Bar]:
    top = max((count for _label, count in pairs), default=0)
    return [Bar(label, count, max(top, 1)) for label, count in pairs]


def leads_by_day(sponsor: Sponsor) -> list[tuple[date, int]]:
    """Visible leads per day in the event's time zone, first to last day, gaps included.

    Grouped here rather than in SQL: only the timestamps are read, and SQLite has no
    time zones to group by.
    """
    event = sponsor.event
    days = Counter(
        utc_to_local(event, moment).date()
        for moment in db.session.scalars(
            active_leads(sponsor).with_only_columns(Lead.created_at).order_by(None)
        )
    )
    if not days:
        return []
    first, last = min(days), max(days)
    span = (last - first).days + 1
    return [(day, days.get(day, 0)) for day in (first + timedelta(days=n) for n in range(span))]


def leads_by_term(sponsor: Sponsor, kind: TaxonomyKind) -> list[tuple[str, int]]:
    """Visible leads by the registration's industry, region or job role, largest first;
    those who gave none are counted last as "Not given"."""
    column = {
        TaxonomyKind.industry: Registration.industry_id,
        TaxonomyKind.region: Registration.region_id,
        TaxonomyKind.job_role: Registration.job_role_id,
    }[kind]
    count = sa.func.count(Lead.id)
    rows = db.session.execute(
        sa.select(TaxonomyTerm.name, count)
        .select_from(Lead)
        .join(
            Registration,
            sa.and_(Registration.event_id == Lead.event_id, Registration.user_id == Lead.user_id),
        )
        .outerjoin(TaxonomyTerm, TaxonomyTerm.id == column)
        .where(Lead.id.in_(_active_ids(sponsor)))
        .group_by(TaxonomyTerm.id, TaxonomyTerm.name)
        .order_by(count.desc(), TaxonomyTerm.name)
    ).all()
    named = [(name, n) for name, n in rows if name is not None]
    missing = sum(n for name, n in rows if name is None)
    if missing:
        named.append((gettext("Not given"), missing))
    return named


def leads_by_source(sponsor: Sponsor) -> list[tuple[str, int]]:
    counts = dict(
        db.session.execute(
            sa.select(Lead.source, sa.func.count())
            .where(Lead.id.in_(_active_ids(sponsor)))
            .group_by(Lead.source)
        ).all()
    )
    return [(str(label), counts.get(source, 0)) for source, label in SOURCE_LABELS.items()]


def leads_by_staff(sponsor: Sponsor) -> list[tuple[str, int]]:
    """Visible leads per staff member who captured them; leads the people shared
    themselves (booth, materials) come last."""
    count = sa.func.count(Lead.id)
    rows = db.session.execute(
        sa.select(User.display_name, count)
        .select_from(Lead)
        .outerjoin(User, User.id == Lead.captured_by_id)
        .where(Lead.id.in_(_active_ids(sponsor)))
        .group_by(User.id, User.display_name)
        .order_by(count.desc(), User.display_name)
    ).all()
    named = [(name, n) for name, n in rows if name is not None]
    shared = sum(n for name, n in rows if name is None)
    if shared:
        named.append((gettext("Shared by the attendee"), shared))
    return named


def _activity_counts(sponsor: Sponsor, kind: ActivityKind) -> tuple[int | None, int | None]:
    """How many ``kind`` activities the sponsor has, and from how many people; both None
    when 1 to k-1 people did it (``reports.min_cell``): these people never agreed to be
    seen, and a figure about so few could single one out."""
    total, people = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.distinct(Activity.user_id))).where(
            Activity.sponsor_id == sponsor.id, Activity.kind == kind
        )
    ).one()
    if 0 < people < reports.min_cell(sponsor.event):
        return None, None
    return total, people


@dataclass
class MeetingCounts:
    sent: int
    received: int
    accepted: int


def staff_meetings(sponsor: Sponsor) -> MeetingCounts:
    """Meetings of the sponsor's staff in its event: requests they sent, requests they
    received (from people outside the team) and, of both, those accepted."""
    staff = sa.select(SponsorMember.user_id).where(SponsorMember.sponsor_id == sponsor.id)
    by_staff = Meeting.requester_id.in_(staff)
    rows = db.session.execute(
        sa.select(by_staff.label("by_staff"), Meeting.status, sa.func.count())
        .where(
            Meeting.event_id == sponsor.event_id,
            sa.or_(by_staff, Meeting.invitee_id.in_(staff)),
        )
        .group_by(by_staff, Meeting.status)
    ).all()
    counts = MeetingCounts(0, 0, 0)
    for from_staff, status, n in rows:
        if from_staff:
            counts.sent += n
        else:
            counts.received += n
        if status == MeetingStatus.accepted:
            counts.accepted += n
    return counts


@dataclass
class LeadFigures:
    """The lead part of the dashboard: visible leads only, plus the count of withdrawals."""

    total: int
    withdrawn: int
    exports: int
    by_day: list[Bar]
    by_industry: list[Bar]
    by_region: list[Bar]
    by_role: list[Bar]
    by_source: list[Bar]
    by_staff: list[Bar]


def lead_figures(sponsor: Sponsor) -> LeadFigures:
    return LeadFigures(
        total=visible_count(sponsor),
        withdrawn=withdrawn_count(sponsor),
        exports=db.session.scalar(
            sa.select(sa.func.count()).where(LeadExport.sponsor_id == sponsor.id)
        ),
        by_day=_bars(leads_by_day(sponsor)),
        by_industry=_bars(leads_by_term(sponsor, TaxonomyKind.industry)),
        by_region=_bars(leads_by_term(sponsor, TaxonomyKind.region)),
        by_role=_bars(leads_by_term(sponsor, TaxonomyKind.job_role)),
        by_source=_bars(leads_by_source(sponsor)),
        by_staff=_bars(leads_by_staff(sponsor)),
    )


@dataclass
class Dashboard:
    """The sponsor dashboard's numbers; ``leads`` is None without lead retrieval, visits
    and downloads None when fewer than ``k`` people account for them."""

    k: int
    leads: LeadFigures | None
    visits: int | None
    visitors: int | None
    downloads: int | None
    downloaders: int | None
    meetings: MeetingCounts


def dashboard(sponsor: Sponsor, *, with_leads: bool) -> Dashboard:
    """Everything the sponsor's dashboard shows; ``with_leads`` False leaves the lead
    figures out (for people who may not see the leads)."""
    visits, visitors = _activity_counts(sponsor, ActivityKind.booth_visit)
    downloads, downloaders = _activity_counts(sponsor, ActivityKind.booth_download)
    return Dashboard(
        k=reports.min_cell(sponsor.event),
        leads=lead_figures(sponsor) if with_leads else None,
        visits=visits,
        visitors=visitors,
        downloads=downloads,
        downloaders=downloaders,
        meetings=staff_meetings(sponsor),
    )


def lead_with_details(sponsor: Sponsor, lead_id: int) -> Lead | None:
    """Like ``leads.lead_in``, with what the lead page shows loaded at once."""
    return db.session.scalar(with_details(active_leads(sponsor).where(Lead.id == lead_id)))


# --- the scanner's quick rating -----------------------------------------------------------


#: The longest note the scanner adds to a lead in one go.
SCAN_NOTE_MAX = 2000


def rate_scanned(staff: User, sponsor: Sponsor, lead_id: int, rating, note: str | None) -> Lead:
    """The scanner's quick qualification right after a scan: set the rating (hot, warm,
    cold) and add ``note`` below the notes already there (a colleague's stay).

    Side effects: writes the lead's rating and notes.
    """
    lead = lead_in(sponsor, lead_id)
    if lead is None:
        raise ServiceError("not_found", gettext("This lead is not in your list."))
    if not can(staff, "lead.qualify", lead):
        raise ServiceError("forbidden", gettext("You cannot qualify this lead."))
    try:
        lead.rating = LeadRating(rating) if rating else None
    except ValueError:
        raise ServiceError("invalid", gettext("Choose hot, warm or cold."), "rating") from None
    note = (note or "").strip()
    notes = f"{lead.notes.rstrip()}\n\n{note}" if note and lead.notes.strip() else note
    if len(note) > SCAN_NOTE_MAX or len(notes) > NOTES_MAX:
        raise ServiceError(
            "invalid",
            gettext("Keep the notes under %(num)d characters.", num=NOTES_MAX)
            if len(note) <= SCAN_NOTE_MAX
            else gettext("At most %(max)d characters, please.", max=SCAN_NOTE_MAX),
            "note",
        )
    if note:
        lead.notes = notes
    return lead
