"""The demo event's sponsors, written by ``seed_demo`` through ``seed_demo_sponsors``.

Berlin gets four packages (Platinum, Gold, Silver, Startup) whose entitlements differ,
five sponsors with logos, booths, materials and qualification questions, and their
staff: the sponsor accounts of ``DEMO_ACCOUNTS``, registered with badges.

Then two days of sponsor life, with consent as real as in the app: about 40% of the
crowd answered yes to the event's scan question when registering (kept with the
question's text), a quarter accept sponsors' offers, and every lead comes from
``conference.services.leads``: badge scans (a lead for those who agreed; a request to
the others, some accepted, some ignored, some still open), "share my details" on a
booth, and the prompt before a material. The service stamps everything "now"; the
demo then moves those moments onto the event's opening hours so far, as if it had
happened there. Staff rated, noted, tagged and answered their questions about most
leads; one person withdrew; two sponsors exported their list. The demo attendee has two
sponsors' requests to answer and shared their details with a third.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from conference.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_SLUG,
    Vocabulary,
    _register,
    demo_logo_png,
    demo_slides_pdf,
    new_demo_account,
)
from conference.enums import (
    ActivityKind,
    LeadExportFormat,
    LeadFollowUp,
    LeadRating,
    MaterialKind,
    RegistrationStatus,
    SponsorQuestionKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    BoothMaterial,
    Event,
    Lead,
    LeadAnswer,
    LeadConsentRequest,
    LeadExport,
    ProgramSession,
    Registration,
    Sponsor,
    SponsorPackage,
    SponsorQuestion,
    User,
)
from conference.models.types import utcnow
from conference.permissions import forget_sponsor_memberships, forget_standing
from conference.services import accounts, activity, booths, leads
from conference.services import badges as badge_service
from conference.services import program as program_service
from conference.services import sponsors as sponsor_service
from conference.services import sponsors as sponsors_service


class PackageSpec(NamedTuple):
    name: str
    price_text: str
    entitlements: dict[str, object]


PACKAGES = (
    PackageSpec(
        "Platinum",
        "€30,000",
        {
            "staff_seats": 6,
            "booth": True,
            "logo_on_event_page": True,
            "logo_on_agenda": True,
            "logo_on_badges": True,
            "lead_retrieval": True,
            "lead_export": True,
            "meeting_request_quota": None,
            "sponsored_sessions": 2,
            "sponsored_announcement": True,
            "directory_featured": True,
        },
    ),
    PackageSpec(
        "Gold",
        "€15,000",
        {
            "staff_seats": 4,
            "booth": True,
            "logo_on_event_page": True,
            "logo_on_agenda": True,
            "logo_on_badges": True,
            "lead_retrieval": True,
            "lead_export": True,
            "meeting_request_quota": 30,
            "sponsored_sessions": 1,
            "sponsored_announcement": False,
            "directory_featured": False,
        },
    ),
    PackageSpec(
        "Silver",
        "€7,500",
        {
            "staff_seats": 3,
            "booth": True,
            "logo_on_event_page": True,
            "logo_on_agenda": False,
            "logo_on_badges": False,
            "lead_retrieval": True,
            "lead_export": False,
            "meeting_request_quota": 10,
            "sponsored_sessions": 0,
            "sponsored_announcement": False,
            "directory_featured": False,
        },
    ),
    PackageSpec(
        "Startup",
        "€1,500",
        {
            "staff_seats": 2,
            "booth": True,
            "logo_on_event_page": False,
            "logo_on_agenda": False,
            "logo_on_badges": False,
            "lead_retrieval": False,
            "lead_export": False,
            "meeting_request_quota": 3,
            "sponsored_sessions": 0,
            "sponsored_announcement": False,
            "directory_featured": False,
        },
    ),
)


class BoothMaterialSpec(NamedTuple):
    """A generated PDF when ``url`` is empty, else a link."""

    title: str
    url: str = ""
    bullets: tuple[str, ...] = ()
    requires_consent: bool = False


class QuestionSpec(NamedTuple):
    prompt: str
    kind: SponsorQuestionKind
    #: The options of a choice question, or typical answers staff typed to a text one.
    options: tuple[str, ...] = ()


class SponsorSpec(NamedTuple):
    name: str
    tier: str
    tagline: str
    description: str
    website: str
    links: tuple[tuple[str, str], ...]
    booth_location: str
    contact_email: str
    #: The logo: a letter on a coloured tile.
    mark: str
    colour: tuple[int, int, int]
    #: Demo accounts on its staff, and whether each is an admin.
    staff: tuple[tuple[str, bool], ...]
    materials: tuple[BoothMaterialSpec, ...] = ()
    questions: tuple[QuestionSpec, ...] = ()
    #: Titles of Berlin sessions it presents.
    sessions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: Shares of the crowd whose badge its staff scan, who share their details at the
    #: booth, who do so for a material, and who visit the booth on each day.
    scans: float = 0.0
    booth_shares: float = 0.0
    material_shares: float = 0.0
    visits: float = 0.1


SPONSORS = (
    SponsorSpec(
        name="Fabrikam Payments",
        tier="Platinum",
        tagline="Payments infrastructure for Europe, from one API",
        description=(
            "Fabrikam Payments moves money for **2,000 platforms** in 40 countries: cards, "
            "SEPA Instant, wallets and payouts behind one API.\n\n"
            "At our booth:\n\n"
            "- live demos of the new *PSD3-ready* authentication flows\n"
            "- our engineers, to review your checkout with you\n"
            "- a sandbox account with test money, set up on the spot"
        ),
        website="https://fabrikam-payments.example",
        links=(
            ("Developer documentation", "https://docs.fabrikam-payments.example"),
            ("Careers", "https://fabrikam-payments.example/careers"),
        ),
        booth_location="Foyer, stand P1 (next to the Main Stage)",
        contact_email="partners@fabrikam-payments.example",
        mark="F",
        colour=(14, 116, 144),
        staff=(("platinum-admin@demo.test", True), ("sponsor@demo.test", False)),
        materials=(
            BoothMaterialSpec(
                "Fabrikam API overview",
                bullets=("One API, 40 countries", "SEPA Instant and cards", "Payouts in minutes"),
            ),
            BoothMaterialSpec(
                "Whitepaper: getting ready for PSD3",
                bullets=("What changes in 2026", "Strong customer authentication", "A checklist"),
                requires_consent=True,
            ),
            BoothMaterialSpec("Sandbox sign-up", url="https://sandbox.fabrikam-payments.example"),
        ),
        questions=(
            QuestionSpec(
                "Current payment provider",
                SponsorQuestionKind.text,
                ("Stripe", "Adyen", "Their bank", "In-house", "Mollie"),
            ),
            QuestionSpec(
                "Timeline to switch",
                SponsorQuestionKind.choice,
                ("This quarter", "This year", "Next year", "Just exploring"),
            ),
            QuestionSpec("Wants a sandbox account", SponsorQuestionKind.yes_no),
        ),
        sessions=(
            "Building fintech APIs under PSD3",
            "AI agents in the enterprise: hype, help or headache?",
        ),
        tags=("enterprise", "marketplace", "psd3", "payouts", "partner"),
        notes=(
            "Runs a marketplace with 300 sellers; payouts are the pain point.",
            "Asked about SEPA Instant fees. Send the price sheet.",
            "Wants a call with our solutions team next week.",
            "Evaluating us against their bank's own offer.",
            "Met at the evening reception; very interested in the PSD3 whitepaper.",
        ),
        scans=0.11,
        booth_shares=0.02,
        material_shares=0.015,
        visits=0.3,
    ),
    SponsorSpec(
        name="Tailspin Cloud",
        tier="Gold",
        tagline="Managed Kubernetes that costs less than you think",
        description=(
            "Tailspin Cloud runs Kubernetes for product teams who would rather ship than "
            "patch nodes. Our cost explorer shows where every euro goes.\n\n"
            "Come by for the **Kubernetes cost clinic**: bring last month's bill and leave "
            "with three changes that cut it."
        ),
        website="https://tailspin-cloud.example",
        links=(("Cost explorer", "https://tailspin-cloud.example/cost-explorer"),),
        booth_location="Foyer, stand G1",
        contact_email="hello@tailspin-cloud.example",
        mark="T",
        colour=(37, 99, 235),
        staff=(("gold-admin@demo.test", True), ("gold-staff@demo.test", False)),
        materials=(
            BoothMaterialSpec(
                "Kubernetes cost checklist",
                bullets=("Right-size requests", "Scale idle node pools down", "Watch egress"),
            ),
            BoothMaterialSpec("Free cluster for 30 days", url="https://tailspin-cloud.example/try"),
        ),
        questions=(
            QuestionSpec(
                "Cloud spend per month",
                SponsorQuestionKind.choice,
                ("Under €10k", "€10k to €100k", "Over €100k"),
            ),
            QuestionSpec("Runs Kubernetes in production", SponsorQuestionKind.yes_no),
        ),
        sessions=("Kubernetes cost: where the money actually goes",),
        tags=("kubernetes", "finops", "migration", "startup"),
        notes=(
            "Self-managed clusters on bare metal, looking to move.",
            "Their bill doubled last year; wants the cost clinic.",
            "Platform team of four; interested in the free trial.",
        ),
        scans=0.08,
        booth_shares=0.015,
        material_shares=0.012,
        visits=0.2,
    ),
    SponsorSpec(
        name="Adatum AI",
        tier="Gold",
        tagline="Know if your LLM feature got better, before your users do",
        description=(
            "Adatum AI builds evaluation tooling for teams that ship LLM features: test "
            "sets from production traffic, side-by-side comparisons and regression alerts.\n\n"
            "Ask us about our *healthcare* and *financial services* evaluation packs."
        ),
        website="https://adatum-ai.example",
        links=(
            ("Open-source eval toolkit", "https://github.com/adatum-demo/evals"),
            ("Blog", "https://adatum-ai.example/blog"),
        ),
        booth_location="Foyer, stand G2",
        contact_email="team@adatum-ai.example",
        mark="A",
        colour=(124, 58, 237),
        staff=(("gold2-admin@demo.test", True),),
        materials=(
            BoothMaterialSpec(
                "LLM evaluation playbook",
                bullets=("Build a test set from logs", "Score two prompts", "Alert on regressions"),
                requires_consent=True,
            ),
        ),
        questions=(
            QuestionSpec(
                "Use case",
                SponsorQuestionKind.text,
                ("Support chatbot", "Document search", "Clinical notes", "Code review"),
            ),
            QuestionSpec("Has an ML team", SponsorQuestionKind.yes_no),
        ),
        sessions=("Small models, big wins: fine-tuning on a budget",),
        tags=("llm", "evaluation", "healthcare", "pilot"),
        notes=(
            "Shipping a RAG feature next month, no evaluation yet.",
            "Wants the healthcare pack for a pilot.",
        ),
        scans=0.06,
        booth_shares=0.015,
        material_shares=0.01,
        visits=0.16,
    ),
    SponsorSpec(
        name="Proseware Data",
        tier="Silver",
        tagline="Data pipelines your analysts can own",
        description=(
            "Proseware connects 300 sources to your warehouse without a line of code, "
            "and tells you when a pipeline breaks before the dashboard does."
        ),
        website="https://proseware-data.example",
        links=(("Connectors", "https://proseware-data.example/connectors"),),
        booth_location="Hall B entrance, stand S1",
        contact_email="sales@proseware-data.example",
        mark="P",
        colour=(234, 88, 12),
        staff=(("silver-admin@demo.test", True),),
        materials=(
            BoothMaterialSpec(
                "Connector catalogue", url="https://proseware-data.example/catalogue"
            ),
        ),
        questions=(
            QuestionSpec(
                "Data warehouse in use",
                SponsorQuestionKind.choice,
                ("Snowflake", "BigQuery", "PostgreSQL", "Other"),
            ),
        ),
        tags=("warehouse", "analytics"),
        notes=("Analytics team of two, drowning in CSV exports.",),
        scans=0.04,
        booth_shares=0.01,
        visits=0.1,
    ),
    SponsorSpec(
        name="Nimbus Labs",
        tier="Startup",
        tagline="Carbon-aware scheduling for cloud workloads",
        description=(
            "Nimbus Labs moves batch jobs to the hours and regions where the grid is "
            "greenest. Seed-funded, four people, looking for **design partners**."
        ),
        website="https://nimbus-labs.example",
        links=(),
        booth_location="Startup alley, table 4",
        contact_email="founders@nimbus-labs.example",
        mark="N",
        colour=(22, 163, 74),
        staff=(("startup-admin@demo.test", True),),
        materials=(BoothMaterialSpec("Pitch deck", url="https://nimbus-labs.example/deck"),),
        visits=0.07,
    ),
)

#: Share of the crowd who answered yes to the scan question, and who accept sponsors' offers.
SCAN_CONSENT_SHARE = 0.4
SPONSOR_OFFERS_SHARE = 0.25
#: What people asked after a scan did: accept, ignore (the rest have not answered yet).
REQUEST_ANSWERS = (0.4, 0.15)
#: The demo attendee: asked by these sponsors' staff, shared details at this booth.
ATTENDEE_ASKED_BY = (
    ("Fabrikam Payments", "sponsor@demo.test"),
    ("Tailspin Cloud", "gold-staff@demo.test"),
)
ATTENDEE_SHARED_WITH = "Adatum AI"
#: Lists downloaded by each sponsor's admin on the first evening (local time).
EXPORTS = (
    ("Tailspin Cloud", LeadExportFormat.xlsx, clock_time(17, 40)),
    ("Fabrikam Payments", LeadExportFormat.csv, clock_time(18, 30)),
)


class _Clock:
    """Moments within the event's opening hours (09:00 to 18:00) that have passed."""

    def __init__(self, event: Event, rng: random.Random):
        self.rng = rng
        self.now = utcnow()
        self.days: list[tuple[datetime, datetime]] = []
        for day in program_service.event_days(event):
            opens = program_service.local_to_utc(event, datetime.combine(day, clock_time(9)))
            closes = program_service.local_to_utc(event, datetime.combine(day, clock_time(18)))
            closes = min(closes, self.now)
            if closes - opens >= timedelta(minutes=30):
                self.days.append((opens, closes))
        if not self.days:
            self.days.append((self.now - timedelta(hours=1), self.now))

    def on(self, day: int) -> datetime:
        opens, closes = self.days[day]
        return opens + (closes - opens) * self.rng.random()

    def moment(self) -> datetime:
        """A moment on any of the days, days weighted by their hours."""
        lengths = [(closes - opens).total_seconds() for opens, closes in self.days]
        return self.on(self.rng.choices(range(len(self.days)), weights=lengths)[0])

    def after(self, moment: datetime) -> datetime:
        """A few minutes to a few hours later, but not in the future."""
        return min(moment + timedelta(minutes=self.rng.randint(5, 300)), self.now)

    def day_of(self, moment: datetime) -> int:
        for day, (opens, _closes) in reversed(list(enumerate(self.days))):
            if moment >= opens:
                return day
        return 0


class _Visits:
    """Booth visits and downloads as activity rows, at most one visit per person,
    sponsor and day (as the booth page counts them)."""

    def __init__(self, event: Event, clock: _Clock):
        self.event = event
        self.clock = clock
        self.seen: set[tuple[int, int, int]] = set()

    def _record(self, person: User, sponsor: Sponsor, kind: ActivityKind, at: datetime) -> None:
        row = activity.record(person, self.event, kind, sponsor=sponsor)
        row.created_at = at

    def visit(self, person: User, sponsor: Sponsor, at: datetime) -> None:
        key = (person.id, sponsor.id, self.clock.day_of(at))
        if key not in self.seen:
            self.seen.add(key)
            self._record(person, sponsor, ActivityKind.booth_visit, at)

    def download(self, person: User, sponsor: Sponsor, at: datetime) -> None:
        self.visit(person, sponsor, at - timedelta(minutes=2))
        self._record(person, sponsor, ActivityKind.booth_download, at)


class _Booth(NamedTuple):
    spec: SponsorSpec
    sponsor: Sponsor
    staff: list[User]
    materials: list[BoothMaterial]
    #: The leads it collected in the demo (withdrawn ones too).
    leads: list[Lead]


def _packages(event: Event) -> dict[str, SponsorPackage]:
    return {
        spec.name: sponsor_service.add_package(
            event, name=spec.name, price_text=spec.price_text, **spec.entitlements
        )
        for spec in PACKAGES
    }


def _sponsor(event: Event, package: SponsorPackage, spec: SponsorSpec) -> Sponsor:
    """The sponsor with its booth texts and questions."""
    sponsor = Sponsor(
        event_id=event.id,
        package_id=package.id,
        name=spec.name,
        tagline=spec.tagline,
        description=spec.description,
        website=spec.website,
        links=[{"label": label, "url": url} for label, url in spec.links],
        booth_location=spec.booth_location,
        contact_email=spec.contact_email,
    )
    db.session.add(sponsor)
    db.session.flush()
    for position, question in enumerate(spec.questions):
        is_choice = question.kind == SponsorQuestionKind.choice
        db.session.add(
            SponsorQuestion(
                sponsor_id=sponsor.id,
                prompt=question.prompt,
                kind=question.kind,
                choices=list(question.options) if is_choice else [],
                position=position,
            )
        )
    return sponsor


def _dress_booth(sponsor: Sponsor, spec: SponsorSpec, admin: User) -> list[BoothMaterial]:
    """The logo and materials its admin put on the booth (PDFs drawn here, and links)."""
    booths.set_logo(admin, sponsor, demo_logo_png(spec.mark, spec.name.split()[0], spec.colour))
    made = []
    for item in spec.materials:
        if item.url:
            material = booths.add_link(
                admin,
                sponsor,
                title=item.title,
                url=item.url,
                requires_consent=item.requires_consent,
            )
        else:
            material = booths.add_file(
                admin,
                sponsor,
                title=item.title,
                filename=f"{item.title.split(':')[0].lower().replace(' ', '-')}.pdf",
                data=demo_slides_pdf(item.title, sponsor.name, item.bullets),
                requires_consent=item.requires_consent,
            )
        made.append(material)
    return made


def _staff(event: Event, sponsor: Sponsor, spec: SponsorSpec, password_hash: str) -> list[User]:
    """The sponsor's staff: demo accounts (made if missing), registered, on its team."""
    rng = random.Random(f"staff-{spec.name}")
    vocabulary = Vocabulary.of(event)
    known = {account.email: account for account in DEMO_ACCOUNTS}
    people = []
    for email, admin in spec.staff:
        person = db.session.scalar(sa.select(User).where(User.email == email))
        if person is None:
            person = new_demo_account(known[email], password_hash)
            db.session.flush()
        registered = db.session.scalar(
            sa.select(Registration.id).where(
                Registration.event_id == event.id, Registration.user_id == person.id
            )
        )
        if registered is None:
            _register(event, person, vocabulary, rng)
            db.session.flush()
        sponsors_service.add_member(sponsor, person, admin=admin)
        people.append(person)
    db.session.flush()
    badge_service.issue_missing_codes(
        event,
        list(
            db.session.scalars(
                sa.select(Registration.id).where(
                    Registration.event_id == event.id,
                    Registration.user_id.in_([person.id for person in people]),
                )
            )
        ),
    )
    return people


def _crowd(event: Event) -> list[Registration]:
    """The made-up participants of ``event`` (not the demo accounts), approved."""
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
                User.email.like("person%@demo.test"),
            )
            .options(selectinload(Registration.user))
            .order_by(Registration.id)
        )
    )


def _answer_scan_question(event: Event, crowd: Sequence[Registration], rng: random.Random) -> None:
    """Each person's answer to the scan question, given (with its text) when they
    registered, some days before the event; and their sponsor-offers choice."""
    question = leads.scan_consent_question(event)
    for registration in crowd:
        if registration.sponsor_scan_consent_at is not None:
            continue
        leads.set_scan_consent(registration, rng.random() < SCAN_CONSENT_SHARE, question)
        registered = datetime.combine(
            event.starts_on - timedelta(days=rng.randint(3, 40)),
            clock_time(rng.randint(7, 22), rng.randint(0, 59)),
        )
        registration.sponsor_scan_consent_at = program_service.local_to_utc(event, registered)
        registration.sponsor_offers = rng.random() < SPONSOR_OFFERS_SHARE


def _sample(rng: random.Random, people: Sequence, share: float) -> list:
    return rng.sample(people, k=min(len(people), max(2, round(len(people) * share))))


def _request_of(sponsor: Sponsor, person: User) -> LeadConsentRequest:
    return db.session.scalar(
        sa.select(LeadConsentRequest).where(
            LeadConsentRequest.sponsor_id == sponsor.id, LeadConsentRequest.user_id == person.id
        )
    )


def _scan(
    sponsor: Sponsor,
    scanner: User,
    person: User,
    payloads: dict[int, str],
    clock: _Clock,
    at: datetime,
) -> Lead | None:
    """One badge scan at the booth at ``at``, and the person's answer if they were asked."""
    scanned = leads.scan(scanner, sponsor, payloads[person.id])
    if scanned.outcome == "captured":
        scanned.lead.created_at = at
        return scanned.lead
    if scanned.outcome != "asked":
        return None
    request = _request_of(sponsor, person)
    request.created_at = at
    accept, ignore = REQUEST_ANSWERS
    draw = clock.rng.random()
    if draw >= accept + ignore:
        return None
    answered = clock.after(at)
    lead = leads.answer_request(person, request, draw < accept, leads.share_text(sponsor))
    request.answered_at = answered
    return lead and _shared(lead, answered)


def _shared(lead: Lead, at: datetime) -> Lead:
    """A lead the person gave at ``at`` (the consent and the lead are that moment)."""
    lead.created_at = lead.consented_at = at
    return lead


def _capture_leads(
    booth: _Booth,
    crowd: Sequence[Registration],
    payloads: dict[int, str],
    clock: _Clock,
    visits: _Visits,
) -> list[Lead]:
    """Scans by its staff, shares at its booth and for its files, through the lead service."""
    rng, sponsor, spec = clock.rng, booth.sponsor, booth.spec
    captured: dict[int, Lead] = {}
    for registration in _sample(rng, crowd, spec.scans):
        scanner = rng.choice(booth.staff)
        lead = _scan(sponsor, scanner, registration.user, payloads, clock, clock.moment())
        if lead is not None:
            captured[lead.user_id] = lead
    text = leads.share_text(sponsor)
    others = [r.user for r in crowd if r.user_id not in captured]
    for person in _sample(rng, others, spec.booth_shares):
        at = clock.moment()
        visits.visit(person, sponsor, at - timedelta(minutes=5))
        captured[person.id] = _shared(leads.share_from_booth(person, sponsor, text), at)
    files = [m for m in booth.materials if m.kind == MaterialKind.file]
    if files and spec.material_shares:
        others = [r.user for r in crowd if r.user_id not in captured]
        for person in _sample(rng, others, spec.material_shares):
            at = clock.moment()
            lead = leads.share_for_material(person, rng.choice(files), text)
            captured[person.id] = _shared(lead, at)
            visits.download(person, sponsor, at)
    return list(captured.values())


def _qualify(booth: _Booth, rng: random.Random) -> None:
    """What staff wrote about most of their leads: ratings, follow-up, notes, tags and
    answers to the sponsor's questions."""
    questions = db.session.scalars(
        sa.select(SponsorQuestion)
        .where(SponsorQuestion.sponsor_id == booth.sponsor.id)
        .order_by(SponsorQuestion.position)
    ).all()
    options = {q.prompt: q.options for q in booth.spec.questions}
    for lead in booth.leads:
        if lead.withdrawn_at is not None or rng.random() < 0.2:
            continue
        lead.rating = rng.choices(
            [LeadRating.hot, LeadRating.warm, LeadRating.cold, None], weights=(3, 4, 2, 1)
        )[0]
        lead.follow_up = rng.choices(list(LeadFollowUp), weights=(5, 3, 2, 1, 1))[0]
        if booth.spec.notes and rng.random() < 0.6:
            lead.notes = rng.choice(booth.spec.notes)
        lead.tags = sorted(
            rng.sample(booth.spec.tags, k=min(len(booth.spec.tags), rng.randint(0, 2)))
        )
        for question in questions:
            if rng.random() < 0.35:
                continue
            if question.kind == SponsorQuestionKind.yes_no:
                value = rng.choice(("yes", "no"))
            else:
                value = rng.choice(options[question.prompt])
            db.session.add(LeadAnswer(lead_id=lead.id, question_id=question.id, value=value))


def _export(booth: _Booth, at: datetime, fmt: LeadExportFormat) -> None:
    """The sponsor's admin downloaded the lead list at ``at``: the leads it had then."""
    db.session.add(
        LeadExport(
            sponsor_id=booth.sponsor.id,
            event_id=booth.sponsor.event_id,
            exported_by_id=booth.staff[0].id,
            format=fmt,
            row_count=sum(1 for lead in booth.leads if lead.created_at <= at),
            created_at=at,
        )
    )


def _date_lead_activity(event: Event) -> None:
    """Each ``lead_shared`` row at its lead's moment (the service wrote "now"); rows
    of sponsors deleted since (an older demo's) stay as they are."""
    moment = (
        sa.select(Lead.created_at)
        .where(Lead.user_id == Activity.user_id, Lead.sponsor_id == Activity.sponsor_id)
        .scalar_subquery()
    )
    db.session.execute(
        sa.update(Activity)
        .where(Activity.event_id == event.id, Activity.kind == ActivityKind.lead_shared)
        .values(created_at=sa.func.coalesce(moment, Activity.created_at))
        .execution_options(synchronize_session=False)
    )


def _booths(event: Event) -> dict[str, _Booth]:
    """Packages, sponsors, their staff, booths and sponsored sessions, by sponsor name."""
    missing = {email for spec in SPONSORS for email, _admin in spec.staff} - set(
        db.session.scalars(sa.select(User.email).where(User.email.like("%@demo.test")))
    )
    password_hash = accounts.hash_password(DEMO_PASSWORD) if missing else ""
    packages = _packages(event)
    teams = []
    for spec in SPONSORS:
        sponsor = _sponsor(event, packages[spec.tier], spec)
        teams.append((spec, sponsor, _staff(event, sponsor, spec, password_hash)))
        for title in spec.sessions:
            session = db.session.scalar(
                sa.select(ProgramSession).where(
                    ProgramSession.event_id == event.id, ProgramSession.title == title
                )
            )
            if session is not None:
                session.sponsor_id = sponsor.id
    forget_standing()
    forget_sponsor_memberships()
    return {
        spec.name: _Booth(spec, sponsor, staff, _dress_booth(sponsor, spec, staff[0]), [])
        for spec, sponsor, staff in teams
    }


def _badge_payloads(event: Event, registrations: Sequence[Registration]) -> dict[int, str]:
    """What the badges of these registrations say, by user id (issued if missing)."""
    codes = badge_service.issue_missing_codes(event, [r.id for r in registrations])
    return {r.user_id: codes[r.id].qr_payload for r in registrations}


def _demo_attendee(
    event: Event, booths_: dict[str, _Booth], clock: _Clock, visits: _Visits
) -> None:
    """The demo attendee said no to scans and yes to offers, was scanned at two booths
    (two requests wait for an answer) and shared their details at a third."""
    attendee = db.session.scalar(sa.select(User).where(User.email == "attendee@demo.test"))
    if attendee is None:
        return
    mine = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.user_id == attendee.id,
            Registration.status == RegistrationStatus.approved,
        )
    )
    if mine is None:
        return
    leads.set_scan_consent(mine, False, leads.scan_consent_question(event))
    mine.sponsor_offers = True
    payload = _badge_payloads(event, [mine])[attendee.id]
    for name, scanner_email in ATTENDEE_ASKED_BY:
        booth = booths_[name]
        scanner = next(p for p in booth.staff if p.email == scanner_email)
        leads.scan(scanner, booth.sponsor, payload)
        _request_of(booth.sponsor, attendee).created_at = clock.moment()
    booth = booths_[ATTENDEE_SHARED_WITH]
    at = clock.moment()
    visits.visit(attendee, booth.sponsor, at - timedelta(minutes=5))
    shared = leads.share_from_booth(attendee, booth.sponsor, leads.share_text(booth.sponsor))
    booth.leads.append(_shared(shared, at))


def seed_demo_sponsors() -> bool:
    """Give Berlin its sponsors, their staff and two days of booths and leads (see the
    module's docstring) unless it has sponsor packages already; True if it wrote anything.

    Side effects: writes packages, sponsors with logo files under
    ``UPLOAD_FOLDER/logos``, booth materials (PDFs under ``UPLOAD_FOLDER/materials``),
    questions, sponsored sessions, staff accounts with registrations, badge codes,
    memberships and roles, the crowd's answers to the scan question, leads with their
    answers, consent requests, one withdrawal, lead exports, and booth visit, download
    and lead activity rows. Flushes.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if event is None or db.session.scalar(
        sa.select(SponsorPackage.id).where(SponsorPackage.event_id == event.id).limit(1)
    ):
        return False
    rng = random.Random("sponsors-2026")
    booths_ = _booths(event)
    crowd = _crowd(event)
    _answer_scan_question(event, crowd, rng)
    payloads = _badge_payloads(event, crowd)
    clock = _Clock(event, rng)
    visits = _Visits(event, clock)
    collecting = [b for b in booths_.values() if b.sponsor.package.lead_retrieval]
    for booth in collecting:
        booth.leads.extend(_capture_leads(booth, crowd, payloads, clock, visits))
    _demo_attendee(event, booths_, clock, visits)

    first = booths_[SPONSORS[0].name]
    if first.leads:
        leads.withdraw(first.leads[0].user, first.leads[0])
    for booth in collecting:
        _qualify(booth, rng)
    for booth in booths_.values():
        for day in range(len(clock.days)):
            for registration in _sample(rng, crowd, booth.spec.visits):
                visits.visit(registration.user, booth.sponsor, clock.on(day))
        for material in booth.materials:
            if not material.requires_consent:
                for registration in _sample(rng, crowd, booth.spec.visits / 4):
                    visits.download(registration.user, booth.sponsor, clock.moment())
    for name, fmt, when in EXPORTS:
        at = program_service.local_to_utc(event, datetime.combine(event.starts_on, when))
        _export(booths_[name], min(at, clock.now), fmt)
    _date_lead_activity(event)
    db.session.flush()
    return True
