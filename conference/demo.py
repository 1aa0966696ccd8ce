"""Demo and benchmark data: ``flask seed-demo`` and ``flask bench-data``.

``seed-demo`` builds a conference to try the product with: a live event in
Berlin with a few hundred participants and a smaller upcoming one in Tokyo,
people named in Latin, Cyrillic and Japanese scripts, and one account per
role, all sharing the password ``demo-password``. It runs once: if the demo
event exists it only prints the accounts again.

``bench-data`` fills an event with N approved participants for the directory
benchmark (``bench/directory.py``), with bulk inserts in chunks: 100,000
people take seconds, not minutes.

Everything random is drawn from a seeded generator, so two runs give the
same people. The data is in English (with names in three scripts): callers
outside a request run these functions under ``force_locale("en")``.
"""

# ruff: noqa: RUF001, RUF003  (the Russian names are Cyrillic on purpose)

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import click
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from conference.enums import EventRoleKind, EventVisibility, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import (
    Event,
    EventRole,
    Profile,
    Registration,
    TaxonomyTerm,
    TicketType,
    User,
    registration_interests,
)
from conference.models.types import search_key, utcnow
from conference.services import accounts
from conference.services import events as event_service
from conference.services.search import apply_search_keys

DEMO_SLUG = "northwind-2026"
TOKYO_SLUG = "sakura-devdays-2026"
DEMO_PASSWORD = "demo-password"
CHUNK_SIZE = 5000


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    what: str
    company: str
    job_title: str
    headline: str


DEMO_ACCOUNTS = (
    DemoAccount(
        "organizer@demo.test",
        "Greta Hoffmann",
        "organizer of both events",
        "Northwind Events",
        "Head of Programme",
        "Putting 1,000 builders in one room, twice a year",
    ),
    DemoAccount(
        "speaker@demo.test",
        "Daniel Okafor",
        "speaker at Northwind",
        "Globex Cloud",
        "Principal Engineer",
        "Distributed systems, boring technology, happy on-call",
    ),
    DemoAccount(
        "sponsor@demo.test",
        "Mia Svensson",
        "sponsor staff at Northwind",
        "Fabrikam Payments",
        "Partnerships Lead",
        "Payments that just work, in 40 countries",
    ),
    DemoAccount(
        "attendee@demo.test",
        "Alex Morgan",
        "attendee of both events",
        "Contoso Health",
        "Senior Product Manager",
        "Making patient data useful for clinicians",
    ),
    DemoAccount(
        "admin@demo.test",
        "Platform Admin",
        "platform admin",
        "",
        "",
        "",
    ),
)


# --- name lists ---------------------------------------------------------------

LATIN_FIRST = (
    "Anna", "Lukas", "Sofia", "Jonas", "Emma", "Noah", "Lea", "Felix", "Clara", "Elias",
    "Olivia", "Liam", "Amelia", "James", "Chloé", "Louis", "Camille", "Hugo", "Lucía", "Mateo",
    "Martina", "Pablo", "Giulia", "Marco", "Francesca", "Luca", "Zofia", "Jakub", "Aino",
    "Mikko", "Sara", "Ahmed", "Fatima", "Omar", "Priya", "Arjun", "Ananya", "Rohan", "Chen",
    "Mei", "Wei", "Ngozi", "Kwame", "Amara", "Tomás", "Inês", "João", "Beatriz", "Sven",
    "Ingrid", "Björn", "Astrid", "Daniel", "Hannah", "David", "Rachel", "Samuel", "Grace",
    "Isabel", "Nikolai", "Eva", "Marek", "Katarzyna", "Lars", "Freya", "Oscar", "Ella",
)  # fmt: skip
LATIN_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann",
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Evans", "Dubois", "Laurent", "Martin",
    "Bernard", "García", "Fernández", "López", "Martínez", "Rossi", "Russo", "Bianchi",
    "Romano", "Kowalski", "Nowak", "Wiśniewska", "Virtanen", "Korhonen", "Jansen", "de Vries",
    "van Dijk", "Bakker", "Haddad", "Khan", "Patel", "Sharma", "Iyer", "Nair", "Wang", "Li",
    "Zhang", "Okafor", "Mensah", "Adeyemi", "Silva", "Santos", "Costa", "Andersson",
    "Johansson", "Nilsson", "Lindqvist", "O'Brien", "Murphy", "Kelly", "Novák", "Horváth",
    "Nagy", "Popescu", "Ionescu", "Yilmaz", "Demir", "Cohen", "Levi", "Moreau", "Fontaine",
)  # fmt: skip
#: Russian first names; a woman's surname is the man's form plus "а" (Петров, Петрова).
CYRILLIC_MEN = (
    "Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Павел",
    "Артём", "Максим", "Егор", "Кирилл", "Олег", "Роман", "Владимир", "Григорий",
)  # fmt: skip
CYRILLIC_WOMEN = (
    "Мария", "Анна", "Екатерина", "Ольга", "Наталья", "Елена", "Татьяна", "Ирина",
    "Дарья", "Полина", "Алиса", "Ксения", "Вера", "Светлана", "Юлия", "Софья",
)  # fmt: skip
CYRILLIC_SURNAMES = (
    "Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов",
    "Новиков", "Морозов", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов",
    "Голубев", "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Орлов",
)  # fmt: skip
JAPANESE_FAMILY = (
    "山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤", "吉田",
    "山本", "松本", "井上", "木村", "林", "清水", "山口", "斎藤", "森", "池田", "橋本",
    "石川", "前田", "藤田", "岡田", "後藤", "長谷川", "村上", "近藤",
)  # fmt: skip
JAPANESE_GIVEN = (
    "太郎", "花子", "健", "陽菜", "大輔", "美咲", "翔太", "結衣", "拓海", "さくら", "蓮",
    "葵", "悠真", "凛", "直樹", "由美", "誠", "恵", "亮", "彩", "和也", "真由美", "健太",
    "愛", "隆", "舞",
)  # fmt: skip

LATIN_COMPANIES = (
    "Northwind Traders", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella Analytics",
    "Hooli", "Wayne Fintech", "Stark Robotics", "Acme Cloud", "Tyrell Data", "Soylent Foods",
    "Cyberdyne Systems", "Aperture Labs", "Vandelay Industries", "Oceanic Logistics",
    "Blue Sun Energy", "Gringotts Capital", "Wonka Retail", "Pied Piper", "Monarch Health",
    "Helios Grid", "Nordlicht Versicherung", "Rheinwerk Manufacturing", "Alpenblick Ventures",
    "Lumen Telecom", "Atlas Mobility", "Kestrel Security", "Quanta Bio", "Evergreen Media",
)  # fmt: skip
CYRILLIC_COMPANIES = (
    "Ладога Софт", "Полярис Технологии", "Северный Ветер", "Байкал Дата", "Сибирские Сети",
    "Альфа Логистика", "Уральская Энергия", "Нева Финтех",
)  # fmt: skip
JAPANESE_COMPANIES = (
    "さくらテック", "富士データ", "株式会社ミライ", "東京クラウド", "日の出ロボティクス",
    "みなと銀行", "青空エナジー", "ひかりメディア",
)  # fmt: skip

TITLES_BY_ROLE = {
    "Founder / CEO": ("Founder & CEO", "Co-founder", "CEO", "Founder"),
    "Executive": ("CTO", "VP Engineering", "Chief Digital Officer", "COO", "Head of Innovation"),
    "Engineering": (
        "Software Engineer", "Senior Backend Engineer", "Staff Engineer",
        "Engineering Manager", "Platform Engineer", "Site Reliability Engineer",
    ),
    "Product": ("Product Manager", "Senior Product Manager", "Head of Product", "Product Owner"),
    "Design": ("Product Designer", "UX Researcher", "Design Lead"),
    "Data & Analytics": ("Data Scientist", "Data Engineer", "Analytics Lead", "ML Engineer"),
    "Sales & Business Development": (
        "Account Executive", "Business Development Manager", "Partnerships Lead",
        "Sales Director",
    ),
    "Marketing": ("Growth Marketer", "Marketing Director", "Developer Advocate", "Content Lead"),
    "Operations": ("Operations Manager", "Program Manager", "Chief of Staff"),
    "Investor": ("Partner", "Principal", "Venture Associate", "Angel Investor"),
}  # fmt: skip
GENERIC_TITLES = ("Consultant", "Manager", "Specialist", "Lead")

HEADLINES = (
    "Building {topic} products at {company}",
    "{title} · {topic} nerd",
    "Helping teams in {industry} ship faster",
    "Ex-{other}, now {title} at {company}",
    "Turning data into decisions in {industry}",
    "Scaling {topic} from zero to millions of users",
    "Here to meet people working on {topic}",
    "Open to partnerships in {industry}",
)  # fmt: skip
HEADLINES_RU = (
    "Развиваю направление «{topic}» в {company}",
    "{title}, ищу партнёров в сфере {topic}",
)
HEADLINES_JA = (
    "{company}で{topic}を担当しています",
    "{topic}に興味があります。気軽に声をかけてください",
)
BIO_PARAGRAPHS = (
    "I lead a small team working on **{topic}** at {company}. Before that I spent a few "
    "years in {industry}, which taught me to care about the boring details.",
    "Most of my week goes into talking with customers and turning what they tell us into "
    "a roadmap. I am at Northwind to compare notes with people who do the same.",
    "Things I have worked on recently:\n\n- a migration to event-driven services\n"
    "- our first on-call rotation that people actually like\n- hiring for a remote team",
    "I write occasionally about *{topic}* and mentor early-stage founders. Happy to grab a "
    "coffee between sessions.",
)  # fmt: skip
LOOKING_FOR = (
    "Early customers in {industry}",
    "Engineers who have run {topic} in production",
    "Investors for our seed round",
    "Partners for a pilot project next quarter",
    "People to swap hiring stories with",
    "Feedback on our product from practitioners",
)
CAN_OFFER = (
    "Advice on building a team from 5 to 50",
    "An intro to our partner network in {industry}",
    "Lessons learned from scaling {topic}",
    "A demo of what we are building",
    "Mentoring for first-time founders",
    "Help with go-to-market in Europe",
)


@dataclass
class PersonSpec:
    """A made-up person: account, profile and one registration's choices."""

    email: str
    display_name: str
    company: str = ""
    job_title: str = ""
    headline: str = ""
    bio: str = ""
    looking_for: str = ""
    can_offer: str = ""
    visible: bool = True
    industry_id: int | None = None
    region_id: int | None = None
    job_role_id: int | None = None
    ticket_type_id: int | None = None
    topic_ids: list[int] = field(default_factory=list)
    status: RegistrationStatus = RegistrationStatus.approved


class Choice(NamedTuple):
    id: int
    name: str


@dataclass(frozen=True)
class Vocabulary:
    """An event's terms grouped by kind, and its ticket types, as plain values
    (drawing from ORM objects a hundred thousand times is needlessly slow)."""

    terms: dict[TaxonomyKind, list[Choice]]
    tickets: list[Choice]

    @classmethod
    def of(cls, event: Event) -> Vocabulary:
        terms: dict[TaxonomyKind, list[Choice]] = {kind: [] for kind in TaxonomyKind}
        for term in event.terms:
            terms[term.kind].append(Choice(term.id, term.name))
        return cls(terms, [Choice(t.id, t.name) for t in event.ticket_types])


def _name(rng: random.Random, scripts: Sequence[tuple[str, float]]) -> tuple[str, str]:
    """A display name and its script ("latin", "cyrillic" or "japanese")."""
    script = rng.choices([s for s, _w in scripts], weights=[w for _s, w in scripts])[0]
    if script == "cyrillic":
        surname = rng.choice(CYRILLIC_SURNAMES)
        if rng.random() < 0.5:
            return f"{rng.choice(CYRILLIC_MEN)} {surname}", script
        return f"{rng.choice(CYRILLIC_WOMEN)} {surname}а", script
    if script == "japanese":
        return f"{rng.choice(JAPANESE_FAMILY)} {rng.choice(JAPANESE_GIVEN)}", script
    return f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}", script


def make_person(
    rng: random.Random,
    vocabulary: Vocabulary,
    email: str,
    *,
    scripts: Sequence[tuple[str, float]] = (("latin", 0.6), ("cyrillic", 0.2), ("japanese", 0.2)),
    hidden_share: float = 0.03,
    rich: bool = True,
) -> PersonSpec:
    """A plausible participant; ``rich`` adds a bio, wishes and offers (demo, not bench)."""
    name, script = _name(rng, scripts)
    companies = {
        "latin": LATIN_COMPANIES,
        "cyrillic": CYRILLIC_COMPANIES + LATIN_COMPANIES,
        "japanese": JAPANESE_COMPANIES + LATIN_COMPANIES,
    }[script]
    company = rng.choice(companies)
    terms = vocabulary.terms
    industry = rng.choice(terms[TaxonomyKind.industry]) if terms[TaxonomyKind.industry] else None
    region = rng.choice(terms[TaxonomyKind.region]) if terms[TaxonomyKind.region] else None
    role = rng.choice(terms[TaxonomyKind.job_role]) if terms[TaxonomyKind.job_role] else None
    topics = terms[TaxonomyKind.topic]
    chosen = rng.sample(topics, k=min(len(topics), rng.randint(1, 4))) if topics else []
    title = rng.choice(TITLES_BY_ROLE.get(role.name if role else "", GENERIC_TITLES))
    words = {
        "topic": chosen[0].name if chosen else "technology",
        "company": company,
        "title": title,
        "industry": industry.name if industry else "tech",
        "other": rng.choice(LATIN_COMPANIES),
    }
    local = {"cyrillic": HEADLINES_RU, "japanese": HEADLINES_JA}.get(script)
    pool = local if local and rng.random() < 0.35 else HEADLINES
    person = PersonSpec(
        email=email,
        display_name=name,
        company=company,
        job_title=title,
        headline=rng.choice(pool).format(**words) if rng.random() < 0.9 else "",
        visible=rng.random() >= hidden_share,
        industry_id=industry.id if industry else None,
        region_id=region.id if region else None,
        job_role_id=role.id if role else None,
        ticket_type_id=rng.choice(vocabulary.tickets).id if vocabulary.tickets else None,
        topic_ids=[t.id for t in chosen],
    )
    if rich:
        paragraphs = rng.sample(BIO_PARAGRAPHS, k=rng.randint(1, 3))
        person.bio = (
            "\n\n".join(p.format(**words) for p in paragraphs) if rng.random() < 0.8 else ""
        )
        person.looking_for = rng.choice(LOOKING_FOR).format(**words) if rng.random() < 0.7 else ""
        person.can_offer = rng.choice(CAN_OFFER).format(**words) if rng.random() < 0.6 else ""
    return person


# --- bulk inserts ----------------------------------------------------------------


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_people(people: Sequence[PersonSpec], password_hash: str) -> list[int]:
    """Create verified accounts with profiles in bulk; returns the user ids in order.

    Side effects: writes users and profiles. Flushes nothing through the ORM:
    rows go straight to the database in chunks of ``CHUNK_SIZE``.
    """
    now = utcnow()
    users = User.__table__
    user_ids: list[int] = []
    for chunk in _chunks(people, CHUNK_SIZE):
        # RETURNING's row order is not guaranteed in batches; map the ids back by email.
        returned = db.session.execute(
            sa.insert(users).returning(users.c.email, users.c.id),
            [
                {
                    "email": p.email,
                    "password_hash": password_hash,
                    "display_name": p.display_name,
                    "email_verified_at": now,
                    "session_nonce": secrets.token_urlsafe(16),
                    "created_at": now,
                }
                for p in chunk
            ],
        ).all()
        by_email = dict(returned)
        ids = [by_email[p.email] for p in chunk]
        db.session.execute(
            sa.insert(Profile.__table__),
            [
                {
                    "user_id": user_id,
                    "headline": p.headline,
                    "bio": p.bio,
                    "company": p.company,
                    "job_title": p.job_title,
                    "looking_for": p.looking_for,
                    "can_offer": p.can_offer,
                    "directory_visible": p.visible,
                    "updated_at": now,
                }
                for user_id, p in zip(ids, chunk, strict=True)
            ],
        )
        user_ids.extend(ids)
    return user_ids


def insert_registrations(event: Event, user_ids: Sequence[int], people: Sequence[PersonSpec]):
    """Register existing accounts for ``event`` in bulk, with precomputed search keys.

    The keys are what ``conference.services.search.search_fields`` computes
    from the person's name, company, job title and visibility.

    Side effects: writes registrations and their interests.
    """
    now = utcnow()
    registrations = Registration.__table__
    pairs = list(zip(user_ids, people, strict=True))
    for chunk in _chunks(pairs, CHUNK_SIZE):
        returned = db.session.execute(
            sa.insert(registrations).returning(registrations.c.user_id, registrations.c.id),
            [
                {
                    "event_id": event.id,
                    "user_id": user_id,
                    "status": p.status,
                    "ticket_type_id": p.ticket_type_id,
                    "industry_id": p.industry_id,
                    "region_id": p.region_id,
                    "job_role_id": p.job_role_id,
                    "search_text": search_key(p.display_name, p.company, p.job_title)[:400],
                    "sort_name": search_key(p.display_name)[:120],
                    "directory_visible": p.visible,
                    "created_at": now,
                    "decided_at": now if p.status != RegistrationStatus.pending else None,
                }
                for user_id, p in chunk
            ],
        ).all()
        by_user = dict(returned)
        ids = [by_user[user_id] for user_id, _p in chunk]
        interests = [
            {"registration_id": registration_id, "term_id": term_id}
            for registration_id, (_user_id, p) in zip(ids, chunk, strict=True)
            for term_id in p.topic_ids
        ]
        if interests:
            db.session.execute(sa.insert(registration_interests), interests)


def _add_vocabulary(event: Event) -> None:
    for kind, names in event_service.DEFAULT_TAXONOMY.items():
        for position, name in enumerate(names):
            db.session.add(
                TaxonomyTerm(event_id=event.id, kind=kind, name=str(name), position=position)
            )
    for position, (name, description) in enumerate(event_service.DEFAULT_TICKET_TYPES):
        db.session.add(
            TicketType(
                event_id=event.id, name=str(name), description=str(description), position=position
            )
        )
    db.session.flush()
    db.session.refresh(event)


# --- the demo ---------------------------------------------------------------------


def _register(event: Event, person: User, vocabulary: Vocabulary, rng: random.Random) -> None:
    """An approved registration for one of the demo accounts, through the ORM."""
    registration = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == person.id
        )
    )
    if registration is None:
        registration = Registration(event_id=event.id, user_id=person.id)
        db.session.add(registration)
    registration.status = RegistrationStatus.approved
    registration.decided_at = utcnow()
    terms = vocabulary.terms
    registration.industry_id = rng.choice(terms[TaxonomyKind.industry]).id
    registration.region_id = rng.choice(terms[TaxonomyKind.region]).id
    registration.job_role_id = rng.choice(terms[TaxonomyKind.job_role]).id
    registration.ticket_type_id = vocabulary.tickets[-1].id
    registration.interests = [
        db.session.get(TaxonomyTerm, topic.id)
        for topic in rng.sample(terms[TaxonomyKind.topic], k=3)
    ]
    apply_search_keys(registration, person)


def _demo_accounts(password_hash: str) -> dict[str, User]:
    people = {}
    for account in DEMO_ACCOUNTS:
        user = User(
            email=account.email,
            password_hash=password_hash,
            display_name=account.name,
            email_verified_at=utcnow(),
            is_platform_admin=account.email.startswith("admin@"),
        )
        user.profile = Profile(
            company=account.company,
            job_title=account.job_title,
            headline=account.headline,
        )
        db.session.add(user)
        people[account.email.split("@")[0]] = user
    people["attendee"].profile.bio = (
        "Product manager at **Contoso Health**, where we build tools that help clinicians "
        "find what matters in a patient's record.\n\n"
        "Before Contoso I spent six years in consulting, mostly for hospitals in the DACH "
        "region. I care about:\n\n- interoperability (FHIR, for the initiated)\n"
        "- research with real users\n- shipping small and often"
    )
    people["attendee"].profile.looking_for = "Startups working on clinical data and AI"
    people["attendee"].profile.can_offer = "An honest view of how hospitals buy software"
    people["attendee"].profile.website = "https://contoso-health.example"
    people["attendee"].profile.linkedin = "https://www.linkedin.com/in/alex-morgan-demo"
    people["speaker"].profile.bio = (
        "Principal engineer at Globex Cloud. I talk about running distributed systems "
        "without heroics. Speaking on *Calm on-call* on day two."
    )
    db.session.flush()
    return people


def seed_demo(participants: int = 400) -> bool:
    """Create the demo events and people unless they exist; True if it created them.

    Side effects: writes two events with vocabularies and ticket types, the demo
    accounts with their roles, ``participants`` people in Berlin and about a
    third as many in Tokyo (some of them the same people). Flushes.
    """
    if db.session.scalar(sa.select(Event.id).where(Event.slug == DEMO_SLUG)) is not None:
        return False
    rng = random.Random(2026)
    password_hash = accounts.hash_password(DEMO_PASSWORD)
    people = _demo_accounts(password_hash)
    today = date.today()
    berlin = event_service.create_event(
        people["organizer"],
        name="Northwind Tech Summit 2026",
        slug=DEMO_SLUG,
        description=(
            "Two days of talks, workshops and hallway conversations for people who build "
            "software products in Europe.\n\n"
            "- **40 talks** on AI, cloud, security and product\n"
            "- **Workshops** in small groups\n"
            "- **1:1 meetings** booked right here, with anyone attending"
        ),
        organizer_text="Northwind Events GmbH, Berlin. Questions? Write to us any time.",
        contact_email="hello@northwind.example",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
        timezone="Europe/Berlin",
        venue="Station Berlin",
        city="Berlin",
        country="Germany",
        visibility=EventVisibility.public,
        registration_open=True,
        approval_required=False,
    )
    tokyo = event_service.create_event(
        people["organizer"],
        name="Sakura DevDays Tokyo 2026",
        slug=TOKYO_SLUG,
        description=(
            "A smaller, hands-on gathering of engineers and product people in Tokyo. "
            "Talks in English and Japanese.\n\n東京で開催するエンジニアとプロダクトの"
            "ためのカンファレンスです。"
        ),
        organizer_text="Run by Northwind Events with local partners.",
        contact_email="tokyo@northwind.example",
        starts_on=today + timedelta(days=45),
        ends_on=today + timedelta(days=46),
        timezone="Asia/Tokyo",
        venue="Toranomon Hills Forum",
        city="Tokyo",
        country="Japan",
        visibility=EventVisibility.public,
        registration_open=True,
        approval_required=True,
    )
    berlin_vocabulary, tokyo_vocabulary = Vocabulary.of(berlin), Vocabulary.of(tokyo)
    for name in ("organizer", "speaker", "sponsor", "attendee"):
        _register(berlin, people[name], berlin_vocabulary, rng)
    for name in ("organizer", "attendee"):
        _register(tokyo, people[name], tokyo_vocabulary, rng)
    db.session.add_all(
        [
            EventRole(event_id=berlin.id, user_id=people["speaker"].id, role=EventRoleKind.speaker),
            EventRole(
                event_id=berlin.id,
                user_id=people["sponsor"].id,
                role=EventRoleKind.sponsor_staff,
            ),
        ]
    )
    db.session.flush()

    crowd = [
        make_person(rng, berlin_vocabulary, f"person{i:04d}@demo.test")
        for i in range(1, participants + 1)
    ]
    crowd_ids = insert_people(crowd, password_hash)
    insert_registrations(berlin, crowd_ids, crowd)

    # Tokyo: a third of Berlin's crowd size, mostly new people in Japan, some travellers.
    size = max(1, participants // 3)
    travellers = rng.sample(range(len(crowd)), k=min(len(crowd), size // 4))
    locals_ = [
        make_person(
            rng,
            tokyo_vocabulary,
            f"tokyo{i:04d}@demo.test",
            scripts=(("japanese", 0.75), ("latin", 0.2), ("cyrillic", 0.05)),
        )
        for i in range(1, size - len(travellers) + 1)
    ]
    local_ids = insert_people(locals_, password_hash)
    tokyo_people: list[PersonSpec] = []
    for index in travellers:
        again = make_person(rng, tokyo_vocabulary, crowd[index].email)
        for name in ("display_name", "company", "job_title"):
            setattr(again, name, getattr(crowd[index], name))
        tokyo_people.append(again)
    for i, person in enumerate([*tokyo_people, *locals_]):
        if i % 9 == 0:
            person.status = RegistrationStatus.pending
    insert_registrations(
        tokyo, [crowd_ids[i] for i in travellers] + local_ids, [*tokyo_people, *locals_]
    )
    db.session.flush()
    return True


def print_demo_accounts() -> None:
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<22} {account.what}")
    click.echo(f"Events: /e/{DEMO_SLUG}/  /e/{TOKYO_SLUG}/")


# --- bench data -----------------------------------------------------------------------


def ensure_bench_event(slug: str, participants: int, *, seed: int = 7) -> tuple[Event, int]:
    """The event ``slug`` with ``participants`` registrations, created or topped up.

    Returns the event and how many participants this call added (0 when it
    already had them all). About 5% of the people are hidden from the
    directory. An event with more registrations than asked is refused.

    Side effects: writes the event with the default vocabulary, users,
    profiles, registrations and interests, in bulk. Flushes.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        today = date.today()
        event = Event(
            slug=slug,
            name=f"Benchmark event {slug}",
            starts_on=today,
            ends_on=today + timedelta(days=2),
            timezone="UTC",
            visibility=EventVisibility.invitation,
            registration_open=False,
        )
        db.session.add(event)
        db.session.flush()
        _add_vocabulary(event)
    have = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.event_id == event.id)
    )
    if have > participants:
        raise click.ClickException(
            f"Event {slug!r} already has {have} participants (more than {participants}); "
            "use another --slug."
        )
    if have == participants:
        return event, 0
    rng = random.Random(f"{seed}-{slug}-{have}")
    vocabulary = Vocabulary.of(event)
    people = [
        make_person(rng, vocabulary, f"p{i}@{slug}.bench.test", hidden_share=0.05, rich=False)
        for i in range(have, participants)
    ]
    user_ids = insert_people(people, accounts.hash_password(secrets.token_urlsafe(16)))
    insert_registrations(event, user_ids, people)
    return event, len(people)


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--participants", default=400, show_default=True, help="People in Berlin.")
    def seed_demo_command(participants: int) -> None:
        """Create the demo conference and accounts (once; then only print the accounts)."""
        started = time.perf_counter()
        with force_locale("en"):
            created = seed_demo(participants)
        if created:
            db.session.commit()
            click.echo(f"Demo data created in {time.perf_counter() - started:.1f} s.")
        else:
            click.echo("Demo data already exists.")
        print_demo_accounts()

    @app.cli.command("bench-data")
    @click.option("--participants", default=100_000, show_default=True)
    @click.option("--slug", default="bench", show_default=True)
    def bench_data_command(participants: int, slug: str) -> None:
        """Create (or top up) an event with N approved participants for benchmarks."""
        started = time.perf_counter()
        with force_locale("en"):
            event, added = ensure_bench_event(slug, participants)
        db.session.commit()
        took = time.perf_counter() - started
        click.echo(
            f"Event {event.slug!r}: {participants} participants ({added} added) in {took:.1f} s."
        )
