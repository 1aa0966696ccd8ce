"""Factories for tests: real rows through the real services' rules, no mocks."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import sqlalchemy as sa

from conference import jobs
from conference.enums import EventRoleKind, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Event,
    EventRole,
    Registration,
    Sponsor,
    SponsorMember,
    SponsorPackage,
    TaxonomyTerm,
    TicketType,
    User,
)
from conference.services import accounts, leads, sponsors
from conference.services.search import search_fields

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def user(
    name: str = "Test Person",
    email: str | None = None,
    *,
    verified: bool = True,
    password: str = PASSWORD,
    company: str = "",
    job_title: str = "",
) -> User:
    n = next(_seq)
    email = email or f"user{n}@example.test"
    person = accounts.create_user(email, password, name, verified=verified)
    person.profile.company = company
    person.profile.job_title = job_title
    db.session.commit()
    return person


def event(name: str = "Test Event", slug: str | None = None, **fields) -> Event:
    n = next(_seq)
    start = fields.pop("starts_on", date.today() + timedelta(days=30))
    ev = Event(
        name=name,
        slug=slug or f"event-{n}",
        starts_on=start,
        ends_on=fields.pop("ends_on", start + timedelta(days=1)),
        timezone=fields.pop("timezone", "Europe/Berlin"),
        contact_email=fields.pop("contact_email", "team@example.test"),
        **fields,
    )
    db.session.add(ev)
    db.session.flush()
    for kind, names in {
        TaxonomyKind.industry: ["Finance", "Healthcare", "Software"],
        TaxonomyKind.region: ["EMEA", "APAC", "Americas"],
        TaxonomyKind.job_role: ["CTO", "Engineer", "Founder"],
        TaxonomyKind.topic: ["AI", "Payments", "Security"],
    }.items():
        for i, term_name in enumerate(names):
            db.session.add(TaxonomyTerm(event_id=ev.id, kind=kind, name=term_name, position=i))
    db.session.add(TicketType(event_id=ev.id, name="Standard", position=0))
    db.session.add(TicketType(event_id=ev.id, name="VIP", position=1))
    db.session.commit()
    return ev


def term(ev: Event, kind: str, name: str) -> TaxonomyTerm:
    return next(t for t in ev.terms if t.kind == kind and t.name == name)


def ticket(ev: Event, name: str = "Standard") -> TicketType:
    return next(t for t in ev.ticket_types if t.name == name)


def participant(
    ev: Event,
    name: str = "Participant",
    *,
    status: str = "approved",
    roles: list[str] = (),
    industry: str = "Software",
    region: str = "EMEA",
    job_role: str = "Engineer",
    interests: list[str] = ("AI",),
    ticket_type: str = "Standard",
    company: str = "",
    job_title: str = "",
    person: User | None = None,
) -> User:
    """An account registered for ``ev`` with the given status and extra roles."""
    person = person or user(name, company=company, job_title=job_title)
    reg = Registration(
        event_id=ev.id,
        user_id=person.id,
        status=RegistrationStatus(status),
        ticket_type=ticket(ev, ticket_type),
        industry=term(ev, "industry", industry),
        region=term(ev, "region", region),
        job_role=term(ev, "job_role", job_role),
        interests=[term(ev, "topic", t) for t in interests],
        **search_fields(person),
    )
    db.session.add(reg)
    for role in roles:
        db.session.add(EventRole(event_id=ev.id, user_id=person.id, role=EventRoleKind(role)))
    db.session.commit()
    return person


def registration_of(ev: Event, person: User) -> Registration | None:
    """``person``'s registration for ``ev``, if any."""
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == ev.id, Registration.user_id == person.id
        )
    )


def badge_payload(ev: Event, person: User) -> str:
    """What the QR code on ``person``'s badge for ``ev`` says (issued and committed)."""
    from conference.services import badges

    code = badges.live_code(registration_of(ev, person))
    db.session.commit()
    return code.qr_payload


def organizer(ev: Event, name: str = "Organizer") -> User:
    return participant(ev, name, roles=["organizer"])


#: A package with every entitlement, for tests that switch single ones off.
FULL_PACKAGE = {
    "staff_seats": 5,
    "booth": True,
    "logo_on_event_page": True,
    "logo_on_agenda": True,
    "logo_on_badges": True,
    "lead_retrieval": True,
    "lead_export": True,
    "meeting_request_quota": 10,
    "sponsored_sessions": 1,
    "sponsored_announcement": True,
    "directory_featured": True,
    "news_posts": True,
}


def package(ev: Event, name: str = "Gold", **entitlements) -> SponsorPackage:
    """A sponsor package of ``ev``: every entitlement unless ``entitlements`` say otherwise."""
    row = db.session.scalar(
        sa.select(SponsorPackage).where(
            SponsorPackage.event_id == ev.id, SponsorPackage.name == name
        )
    )
    if row is None:
        row = SponsorPackage(event_id=ev.id, name=name, price_text="€10,000")
        db.session.add(row)
    for key, value in {**FULL_PACKAGE, **entitlements}.items():
        setattr(row, key, value)
    db.session.commit()
    return row


def sponsor(ev: Event, name: str = "Acme Corp", *, tier: str = "Gold", **entitlements) -> Sponsor:
    """A sponsor of ``ev`` on the package ``tier`` (see ``package``)."""
    row = Sponsor(
        event_id=ev.id,
        package=package(ev, tier, **entitlements),
        name=name,
        tagline=f"{name} makes things",
        description=f"**{name}** at the event.",
        links=[],
    )
    db.session.add(row)
    db.session.commit()
    return row


def sponsor_member(company: Sponsor, person: User, *, admin: bool = False) -> SponsorMember:
    """Put ``person`` on ``company``'s staff, with the event role that goes with it."""
    member = sponsors.add_member(company, person, admin=admin)
    db.session.commit()
    return member


def consent_to_scans(ev: Event, person: User, agreed: bool = True) -> Registration:
    """Answer the event's scan question for ``person`` as the registration form would."""
    reg = registration_of(ev, person)
    leads.set_scan_consent(reg, agreed, leads.scan_consent_question(ev))
    db.session.commit()
    return reg


class Outbox:
    """The .eml files the app wrote, parsed, once the queued mail jobs have run."""

    def __init__(self, folder: Path):
        self.folder = folder

    @property
    def messages(self) -> list[Message]:
        jobs.run_pending()
        files = sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in files]

    def clear(self) -> None:
        """Deliver what is queued, then forget every message so far."""
        jobs.run_pending()
        for old in self.folder.glob("*.eml"):
            old.unlink()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def text(message: Message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()
