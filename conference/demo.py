"""Demo and benchmark data: ``flask seed-demo`` and ``flask bench-data``.

``seed-demo`` builds a conference to try the product with: a live event in
Berlin with a few hundred participants and a smaller upcoming one in Tokyo,
people named in Latin, Cyrillic and Japanese scripts, and one account per
role (and the staff of Berlin's sponsors), all sharing the password
``demo-password``. Each event gets a program on its first two days (rooms, tracks,
sessions, speakers, slides and links, bookmarks); Berlin also gets meeting hours,
places and a few meetings of the demo attendee, sponsors with booths and leads
(``conference.demo_sponsors``), and the crowd's bookmarks, views, attendance,
downloads, meetings and organizer-contact answers that make its reports worth reading
(``conference.demo_reports``). It runs once: if the demo event exists it only adds a
program, meetings, sponsors, badges or report activity to an event that has none (a
database from before them), then prints the accounts again.

``bench-data`` fills an event with N approved participants for the directory
benchmark (``bench/directory.py``), with bulk inserts in chunks: 100,000
people take seconds, not minutes.

Everything random is drawn from a seeded generator, so two runs give the
same people. The data is in English (with names in three scripts): callers
outside a request run these functions under ``force_locale("en")``.
"""

# ruff: noqa: RUF001, RUF003  (the Russian names are Cyrillic on purpose)

from __future__ import annotations

import io
import random
import re
import secrets
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import NamedTuple

import click
import sqlalchemy as sa
from flask import Flask, current_app, has_request_context
from flask_babel import force_locale
from PIL import Image, ImageDraw, ImageFont

from conference.enums import (
    BadgeLayout,
    BadgeRole,
    EventRoleKind,
    EventVisibility,
    MeetingStatus,
    RegistrationStatus,
    ScanAction,
    SessionFormat,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    BadgeDesign,
    Bookmark,
    Event,
    EventRole,
    Meeting,
    MeetingHours,
    MeetingPlace,
    Profile,
    ProgramSession,
    Registration,
    Room,
    TaxonomyTerm,
    TicketType,
    Track,
    User,
    registration_interests,
)
from conference.models.types import search_key, utcnow
from conference.services import accounts
from conference.services import badge_designs as design_service
from conference.services import badges as badge_service
from conference.services import checkin as checkin_service
from conference.services import events as event_service
from conference.services import materials as material_service
from conference.services import program as program_service
from conference.services.search import apply_search_keys

DEMO_SLUG = "northwind-2026"
TOKYO_SLUG = "sakura-devdays-2026"
DEMO_PASSWORD = "demo-password"
#: The past event of ``conference.demo_network``, whose network is still open.
SPRING_SLUG = "northwind-spring-2026"
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
        "staff of Fabrikam Payments (Platinum sponsor at Northwind)",
        "Fabrikam Payments",
        "Partnerships Lead",
        "Payments that just work, in 40 countries",
    ),
    DemoAccount(
        "attendee@demo.test",
        "Alex Morgan",
        "attendee of both events and of the spring meetup (over)",
        "Contoso Health",
        "Senior Product Manager",
        "Making patient data useful for clinicians",
    ),
    DemoAccount(
        "checkin@demo.test",
        "Jonas Weber",
        "check-in staff at both events",
        "Northwind Events",
        "Registration desk",
        "Badges, lanyards and a smile at 8:30",
    ),
    DemoAccount(
        "admin@demo.test",
        "Platform Admin",
        "platform admin",
        "",
        "",
        "",
    ),
    # Sponsor staff at Northwind (``conference.demo_sponsors`` puts them on their sponsor).
    DemoAccount(
        "platinum-admin@demo.test",
        "Henrik Dahl",
        "admin of Fabrikam Payments (Platinum: scan, leads, export)",
        "Fabrikam Payments",
        "Head of Partnerships",
        "Partnerships for platforms that move money across Europe",
    ),
    DemoAccount(
        "gold-admin@demo.test",
        "Priya Raman",
        "admin of Tailspin Cloud (Gold: scan, leads, export)",
        "Tailspin Cloud",
        "Developer Relations Lead",
        "Kubernetes that costs less than your coffee budget",
    ),
    DemoAccount(
        "gold-staff@demo.test",
        "Ольга Смирнова",
        "staff of Tailspin Cloud (Gold)",
        "Tailspin Cloud",
        "Solutions Architect",
        "Helping teams move to managed Kubernetes",
    ),
    DemoAccount(
        "gold2-admin@demo.test",
        "渡辺 健二",
        "admin of Adatum AI (Gold)",
        "Adatum AI",
        "Co-founder & CTO",
        "Evaluation tooling for teams that ship LLM features",
    ),
    DemoAccount(
        "silver-admin@demo.test",
        "Lucía Fernández",
        "admin of Proseware Data (Silver: scan and leads, no export)",
        "Proseware Data",
        "Account Executive",
        "Data pipelines your analysts can own",
    ),
    DemoAccount(
        "startup-admin@demo.test",
        "Kwame Mensah",
        "admin of Nimbus Labs (Startup: a booth, no leads)",
        "Nimbus Labs",
        "Founder & CEO",
        "Carbon-aware scheduling for cloud workloads",
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

# --- tastes --------------------------------------------------------------------------
#
# Made-up people are not interested in everything alike: what they declare, bookmark,
# attend and download leans towards the topics of their industry, job role and region,
# so the organizer's reports (topic by industry, region or role) show real differences.

#: The default taxonomy's topics, by the names the demo gives them.
AI, CLOUD, SEC, DATA, TOOLS, OSS = (
    "Artificial Intelligence",
    "Cloud & Infrastructure",
    "Security",
    "Data",
    "Developer Tools",
    "Open Source",
)
FINTECH, GREEN, IOT, WORK, FUNDING, POLICY = (
    "Fintech",
    "Sustainability",
    "Hardware & IoT",
    "Future of Work",
    "Startups & Funding",
    "Policy & Regulation",
)
#: Topics (default taxonomy names) that an industry, job role or region favours.
INDUSTRY_TOPICS = {
    "Software & Internet": (TOOLS, CLOUD, OSS),
    "Financial Services": (FINTECH, SEC, POLICY),
    "Healthcare & Life Sciences": (AI, DATA, POLICY),
    "Manufacturing": (IOT, GREEN, AI),
    "Energy & Utilities": (GREEN, IOT, DATA),
    "Retail & Consumer Goods": (DATA, AI, FINTECH),
    "Telecommunications": (CLOUD, SEC, IOT),
    "Media & Entertainment": (AI, WORK),
    "Education & Research": (OSS, AI, WORK),
    "Government & Public Sector": (POLICY, SEC, OSS),
    "Professional Services": (WORK, AI, DATA),
    "Non-profit": (GREEN, OSS, WORK),
}
ROLE_TOPICS = {
    "Founder / CEO": (FUNDING, AI),
    "Executive": (AI, POLICY, WORK),
    "Engineering": (TOOLS, CLOUD, SEC),
    "Product": (AI, WORK, DATA),
    "Design": (WORK,),
    "Data & Analytics": (DATA, AI),
    "Sales & Business Development": (FUNDING, FINTECH),
    "Marketing": (AI, WORK),
    "Operations": (CLOUD, GREEN),
    "Investor": (FUNDING, FINTECH, GREEN),
}
REGION_TOPICS = {
    "North America": (AI, FUNDING),
    "Latin America": (FINTECH, FUNDING),
    "Europe": (POLICY, GREEN),
    "Middle East & Africa": (FINTECH, GREEN),
    "Asia-Pacific": (IOT, AI),
    "Oceania": (GREEN, CLOUD),
}
#: Extra weight a favoured topic gets from the industry, the role and the region (the
#: rest weigh 1).
TASTE_BOOSTS = ((INDUSTRY_TOPICS, 4), (ROLE_TOPICS, 3), (REGION_TOPICS, 2))


@dataclass(frozen=True)
class Taste:
    """How much a person cares for each topic, by topic name (unnamed topics weigh 1)."""

    weights: dict[str, int]

    @classmethod
    def of(cls, industry: str | None, role: str | None, region: str | None) -> Taste:
        weights: dict[str, int] = {}
        for (table, boost), name in zip(TASTE_BOOSTS, (industry, role, region), strict=True):
            for topic in table.get(name or "", ()):
                weights[topic] = weights.get(topic, 1) + boost
        return cls(weights)

    def weight(self, topic: str) -> int:
        return self.weights.get(topic, 1)

    def appeal(self, topics: Sequence[str]) -> int:
        """A session's pull: its most liked topic (a session without topics weighs 1)."""
        return max((self.weight(t) for t in topics), default=1)


def weighted_sample(rng: random.Random, items: Sequence, weights: Sequence[float], k: int):
    """``k`` different items, each draw in proportion to the weights of those left."""
    pool = list(zip(items, weights, strict=True))
    chosen = []
    for _draw in range(min(k, len(pool))):
        index = rng.choices(range(len(pool)), weights=[w for _item, w in pool])[0]
        chosen.append(pool.pop(index)[0])
    return chosen


def crowd_tastes(event: Event) -> dict[int, Taste]:
    """The taste of each made-up approved participant of ``event``, by user id."""
    names = {term.id: term.name for term in event.terms}
    rows = db.session.execute(
        sa.select(
            Registration.user_id,
            Registration.industry_id,
            Registration.job_role_id,
            Registration.region_id,
        )
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
            User.email.like("person%@demo.test"),
        )
        .order_by(Registration.user_id)
    )
    return {
        user_id: Taste.of(names.get(industry), names.get(role), names.get(region))
        for user_id, industry, role, region in rows
    }


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
    taste = Taste.of(
        industry.name if industry else None,
        role.name if role else None,
        region.name if region else None,
    )
    chosen = weighted_sample(rng, topics, [taste.weight(t.name) for t in topics], rng.randint(1, 4))
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


def new_demo_account(account: DemoAccount, password_hash: str) -> User:
    """A verified account with its profile for one of ``DEMO_ACCOUNTS`` (added, not flushed)."""
    user = User(
        email=account.email,
        password_hash=password_hash,
        display_name=account.name,
        email_verified_at=utcnow(),
        is_platform_admin=account.email.startswith("admin@"),
    )
    user.profile = Profile(
        company=account.company, job_title=account.job_title, headline=account.headline
    )
    db.session.add(user)
    return user


def _demo_accounts(password_hash: str) -> dict[str, User]:
    people = {
        account.email.split("@")[0]: new_demo_account(account, password_hash)
        for account in DEMO_ACCOUNTS
    }
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
    """Create the demo data (``_seed_demo``) in a request context on ``BASE_URL``, as jobs
    have, so the services it calls can make their links from the command line too."""
    if has_request_context():
        return _seed_demo(participants)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return _seed_demo(participants)


def seed_demo_community() -> list[bool]:
    """Berlin's session Q&A, discussions, news, moderation and points, in that order
    (moderation reports what the others wrote; points count what they did)."""
    from conference.demo_discussions import seed_demo_discussions  # they import this module
    from conference.demo_moderation import seed_demo_moderation
    from conference.demo_news import seed_demo_news
    from conference.demo_points import seed_demo_points
    from conference.demo_qa import seed_demo_qa

    return [
        seed_demo_qa(),
        seed_demo_discussions(),
        seed_demo_news(),
        seed_demo_moderation(),
        seed_demo_points(),
    ]


def _seed_demo(participants: int = 400) -> bool:
    """Create the demo events, people and programs unless they exist; True if it wrote
    anything (a database from before the program gets only the programs).

    Side effects: writes two events with vocabularies and ticket types, the demo
    accounts with their roles, ``participants`` people in Berlin and about a
    third as many in Tokyo (some of them the same people), each event's
    program (``seed_demo_programs``), Berlin's meetings, sponsors
    (``seed_demo_sponsors``), badges, the activity its reports count
    (``seed_demo_reports``), a past event with the demo attendee's contacts from it
    (``seed_demo_network``), and Berlin's Q&A, discussions, news, moderation and points
    (``seed_demo_community``). Flushes.
    """
    from conference.demo_network import seed_demo_network  # they import this module
    from conference.demo_reports import seed_demo_reports
    from conference.demo_sponsors import seed_demo_sponsors

    if db.session.scalar(sa.select(Event.id).where(Event.slug == DEMO_SLUG)) is not None:
        return any(
            [
                seed_demo_programs(),
                seed_demo_meetings(),
                seed_demo_sponsors(),
                seed_demo_badges(),
                seed_demo_reports(),
                seed_demo_network(),
                *seed_demo_community(),
            ]
        )
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
    db.session.add(
        EventRole(event_id=berlin.id, user_id=people["speaker"].id, role=EventRoleKind.speaker)
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
    seed_demo_programs()
    seed_demo_meetings()
    seed_demo_sponsors()
    seed_demo_badges()
    seed_demo_reports()
    seed_demo_network()
    seed_demo_community()
    return True


# --- the demo program ----------------------------------------------------------------
#
# A two-day program on the first two days of each demo event: rooms, tracks,
# sessions with Markdown abstracts, topics from the event's taxonomy, speakers
# drawn from its participants, a couple of drafts, slides (small PDFs drawn with
# Pillow) and links attached through the materials service, and bookmarks.


class RoomSpec(NamedTuple):
    key: str
    name: str
    capacity: int


class TrackSpec(NamedTuple):
    key: str
    name: str
    color: str
    description: str


class SessionSpec(NamedTuple):
    """One session: ``day`` counts from the event's first day, times are local."""

    day: int
    start: str
    minutes: int
    room: str | None
    track: str | None
    format: SessionFormat
    title: str
    abstract: str = ""
    topics: tuple[str, ...] = ()
    #: How many speakers to draw from the participants.
    speakers: int = 0
    published: bool = True
    #: The demo speaker account speaks first.
    demo_speaker: bool = False


class MaterialSpec(NamedTuple):
    """Slides (a generated PDF) when ``url`` is empty, else a link."""

    session: str
    title: str
    url: str = ""
    bullets: tuple[str, ...] = ()
    public: bool = False


BERLIN_ROOMS = (
    RoomSpec("main", "Main Stage", 600),
    RoomSpec("a", "Hall A", 250),
    RoomSpec("b", "Hall B", 180),
    RoomSpec("w1", "Workshop Room 1", 40),
    RoomSpec("w2", "Workshop Room 2", 40),
)
BERLIN_TRACKS = (
    TrackSpec("ai", "AI & Data", "violet", "Machine learning, LLMs and the data work under them."),
    TrackSpec("cloud", "Cloud & Platforms", "sky", "Infrastructure, platforms and operations."),
    TrackSpec("sec", "Security", "rose", "Keeping products, people and supply chains safe."),
    TrackSpec("product", "Product & Design", "amber", "Research, design and product management."),
    TrackSpec("startups", "Startups", "teal", "Founding, funding and growing a company."),
)

TALK, PANEL, WORKSHOP, KEYNOTE, BREAK = (
    SessionFormat.talk,
    SessionFormat.panel,
    SessionFormat.workshop,
    SessionFormat.keynote,
    SessionFormat.break_,
)

BERLIN_SESSIONS = (
    # --- day one ---
    SessionSpec(0, "08:30", 60, None, None, BREAK, "Registration and breakfast",
                "Pick up your badge at the entrance, grab a coffee and meet the people "
                "around you."),
    SessionSpec(0, "09:30", 45, "main", None, KEYNOTE,
                "Opening keynote: Software for the next decade of Europe",
                "Europe builds world-class software, yet scales it slower than anyone. "
                "What would it take to change that?\n\n"
                "- why regulation can be a **feature**, not a tax\n"
                "- the talent we already have, and where it leaks\n"
                "- three bets for the next ten years",
                (POLICY, FUNDING), 1),
    SessionSpec(0, "10:30", 40, "main", "ai", TALK, "Shipping LLM features without losing sleep",
                "Prompt changes are deployments. We treat them that way: versioned, evaluated "
                "on real traffic samples and rolled out behind flags.\n\nYou will leave with "
                "a checklist for your next *AI feature* launch.",
                (AI, TOOLS), 1),
    SessionSpec(0, "10:30", 40, "a", "cloud", TALK,
                "Platform engineering: paved roads, not golden cages",
                "An internal platform succeeds when teams *choose* it. Lessons from three "
                "years of building one for 60 product teams, including what we deleted.",
                (CLOUD, TOOLS), 1),
    SessionSpec(0, "10:30", 40, "b", "sec", TALK,
                "Threat modelling for product teams in 45 minutes",
                "A lightweight, repeatable format that fits into sprint planning:\n\n"
                "1. draw the data flow\n2. ask the four questions\n3. file the tickets\n\n"
                "No security degree required.",
                (SEC,), 1),
    SessionSpec(0, "10:30", 90, "w1", "ai", WORKSHOP,
                "Hands-on: evaluating LLM outputs with real test sets",
                "Bring a laptop. We build an evaluation set from production logs, score two "
                "prompt versions and read the results like scientists.\n\n"
                "**Prerequisites:** Python 3.11, a free API key (we provide one if needed).",
                (AI, DATA), 2),
    SessionSpec(0, "11:20", 40, "main", "cloud", TALK,
                "Postgres is enough: queues, search and vectors in one database",
                "Before you add another moving part, check what your database already does. "
                "Benchmarks, failure modes and the point where it stops being enough.",
                (DATA, CLOUD, OSS), 1),
    SessionSpec(0, "11:20", 40, "a", "product", TALK,
                "Designing for trust: dark patterns we quietly removed",
                "Our conversion went *up* after we removed the countdown timers. A candid "
                "look at the experiments, the arguments and the numbers.",
                (WORK,), 1),
    SessionSpec(0, "11:20", 40, "b", "startups", TALK, "From seed to Series A in a downturn",
                "What investors asked us in 2025 that they did not ask in 2021, and how we "
                "answered with metrics instead of slides.",
                (FUNDING,), 1),
    SessionSpec(0, "12:00", 75, None, None, BREAK, "Lunch",
                "Lunch is served in the foyer. Vegetarian and vegan options are marked."),
    SessionSpec(0, "13:15", 45, "main", "ai", PANEL,
                "Panel: Who is accountable when the AI is wrong?",
                "A product lead, a lawyer and an engineer on liability, the EU AI Act and "
                "what *human in the loop* really means in a busy week.",
                (AI, POLICY), 3),
    SessionSpec(0, "13:15", 45, "a", "cloud", TALK,
                "Kubernetes cost: where the money actually goes",
                "Idle node pools, oversized requests and chatty services. A tour of a real "
                "bill and the five changes that cut it by 38%.",
                (CLOUD, GREEN), 1),
    SessionSpec(0, "13:15", 45, "b", "sec", TALK, "Passkeys in production: a year later",
                "Adoption curves, support tickets and account recovery: what happened after "
                "we offered passkeys to two million users.",
                (SEC,), 1),
    SessionSpec(0, "13:15", 90, "w2", "product", WORKSHOP,
                "Workshop: user interviews that don't lie",
                "Practise interviewing in pairs, learn to spot leading questions and turn "
                "notes into decisions. Limited to 40 people.",
                (WORK,), 2),
    SessionSpec(0, "14:10", 40, "main", "ai", TALK, "Data contracts between teams that don't talk",
                "Schemas, owners and breaking-change alerts for the data that feeds your "
                "models, without a committee.",
                (DATA,), 1),
    SessionSpec(0, "14:10", 40, "a", "cloud", PANEL, "Panel: Running platforms for 400 engineers",
                "Platform leads compare notes: team topologies, golden paths, on-call and "
                "the metrics they actually look at.",
                (CLOUD, WORK), 2, demo_speaker=True),
    SessionSpec(0, "14:10", 40, "b", "sec", TALK,
                "Supply-chain security for the rest of us: SBOMs and signing",
                "A pragmatic path from *we should* to signed artifacts and SBOMs in CI, "
                "with open-source tools only.",
                (SEC, OSS), 1),
    SessionSpec(0, "14:50", 30, None, None, BREAK, "Coffee break", "Coffee, tea and pastries."),
    SessionSpec(0, "15:20", 40, "main", "product", TALK, "Pricing is a product feature",
                "How a small team ran pricing experiments responsibly, and why the pricing "
                "page is the most-read page of our product.",
                (FUNDING,), 1),
    SessionSpec(0, "15:20", 40, "a", "cloud", TALK,
                "Event-driven architecture: the parts nobody blogs about",
                "Ordering, replays, poison messages and schema evolution: the unglamorous "
                "parts that decide whether events make your life easier.",
                (CLOUD, DATA), 1),
    SessionSpec(0, "15:20", 40, "b", "startups", PANEL,
                "Pitch clinic: founders pitch, investors respond",
                "Four founders, three minutes each, honest feedback from three investors. "
                "Apply at the info desk until lunch.",
                (FUNDING,), 3),
    SessionSpec(0, "15:20", 90, "w1", "cloud", WORKSHOP,
                "Terraform to OpenTofu: a migration workshop",
                "Migrate a realistic multi-environment setup step by step, including state, "
                "providers and CI.",
                (CLOUD, OSS, TOOLS), 1),
    SessionSpec(0, "16:15", 45, "main", None, KEYNOTE,
                "What we learned building software for hospitals",
                "Clinicians have ninety seconds per patient record. Designing for that "
                "constraint changed how we build everything else.",
                (DATA, AI), 1),
    SessionSpec(0, "17:00", 120, None, None, BREAK, "Evening reception",
                "Drinks and food on the terrace. Meet the speakers and sponsors."),
    # --- day two ---
    SessionSpec(1, "08:45", 45, None, None, BREAK, "Morning coffee", "Coffee and breakfast."),
    SessionSpec(1, "09:30", 45, "main", None, KEYNOTE,
                "The boring technology manifesto, ten years on",
                "Which boring choices aged well, which did not, and how to spend your "
                "*innovation tokens* in 2026.",
                (TOOLS, OSS), 1),
    SessionSpec(1, "10:30", 40, "main", "cloud", TALK,
                "Calm on-call: running distributed systems without heroics",
                "On-call should be boring. How we went from weekly pages at 3 a.m. to a "
                "rotation people volunteer for:\n\n"
                "- alerts that map to user pain\n- runbooks that are actually run\n"
                "- blameless reviews with follow-ups that ship",
                (CLOUD, WORK), demo_speaker=True),
    SessionSpec(1, "10:30", 40, "a", "ai", TALK, "RAG in production: retrieval is the hard part",
                "Chunking, hybrid search and evaluation for retrieval-augmented generation "
                "that answers what users actually ask.",
                (AI, DATA), 1),
    SessionSpec(1, "10:30", 40, "b", "sec", TALK, "Zero trust for small teams",
                "Identity-aware proxies, device posture and short-lived credentials on a "
                "startup budget.",
                (SEC, CLOUD), 1),
    SessionSpec(1, "10:30", 90, "w1", "sec", WORKSHOP, "Workshop: incident response tabletop",
                "A simulated breach, played in teams. Who calls whom, what gets logged, "
                "and when do you tell customers?",
                (SEC,), 2),
    SessionSpec(1, "11:20", 40, "main", "product", TALK,
                "Design systems at scale: tokens, themes and teams",
                "One design system, five brands, dark mode and right-to-left scripts. "
                "What we automated and what we had to talk about.",
                (TOOLS,), 1),
    SessionSpec(1, "11:20", 40, "a", "startups", TALK, "Building fintech APIs under PSD3",
                "Open banking, strong customer authentication and what the new rules mean "
                "for API design.",
                (FINTECH, POLICY), 1),
    SessionSpec(1, "11:20", 40, "b", "startups", TALK, "Hiring your first ten engineers",
                "Job ads, take-home tasks, salary bands and onboarding for a team that "
                "does not exist yet.",
                (WORK, FUNDING), 1),
    SessionSpec(1, "12:00", 75, None, None, BREAK, "Lunch", "Lunch is served in the foyer."),
    SessionSpec(1, "13:15", 45, "main", "cloud", PANEL,
                "Panel: Open source sustainability, who pays?",
                "Maintainers, a foundation and a company that depends on both discuss "
                "funding, licences and burnout.",
                (OSS,), 3),
    SessionSpec(1, "13:15", 45, "a", "ai", TALK, "Small models, big wins: fine-tuning on a budget",
                "When a 3B-parameter model beats a frontier model on your task, and how to "
                "find out in a week.",
                (AI,), 1),
    SessionSpec(1, "13:15", 45, "b", "sec", TALK, "Red team stories: how we got in",
                "Three engagements, three ways in, and the cheap fixes that would have "
                "stopped us.",
                (SEC,), 1),
    SessionSpec(1, "13:15", 90, "w2", "cloud", WORKSHOP, "Workshop: from on-call pain to SLOs",
                "Define service level objectives for a sample service, wire up burn-rate "
                "alerts and retire the noisy ones.",
                (CLOUD, TOOLS), demo_speaker=True),
    SessionSpec(1, "14:10", 40, "main", "product", TALK, "Accessibility is not a sprint",
                "Making accessibility part of every change: linting, reviews, real users "
                "with assistive technology.",
                (WORK,), 1),
    SessionSpec(1, "14:10", 40, "a", "cloud", TALK,
                "Green cloud: measuring the carbon of your workloads",
                "Carbon-aware scheduling, region choice and the numbers your cloud provider "
                "gives you, explained.",
                (GREEN, CLOUD), 1),
    SessionSpec(1, "14:10", 40, "b", "startups", TALK, "Fundraising in Europe and Silicon Valley",
                "Same startup, two fundraising rounds on two continents: terms, timelines "
                "and expectations compared.",
                (FUNDING,), 1),
    SessionSpec(1, "14:50", 30, None, None, BREAK, "Coffee break", "Coffee, tea and fruit."),
    SessionSpec(1, "15:20", 40, "main", "ai", PANEL,
                "AI agents in the enterprise: hype, help or headache?",
                "Practitioners from banking, retail and logistics on agents that made it to "
                "production, and the ones that did not.",
                (AI, FINTECH), 3),
    SessionSpec(1, "15:20", 40, "a", None, TALK, "Lightning talks (lineup to be announced)",
                "Five-minute talks from attendees. Sign up at the info desk.",
                (), 0, False),
    SessionSpec(1, "15:20", 40, "b", "sec", TALK, "Securing ML pipelines",
                "Poisoned datasets, leaked weights and prompt injection: threat models for "
                "the machine learning lifecycle.",
                (SEC, AI), 1),
    SessionSpec(1, "16:15", 45, "main", None, KEYNOTE,
                "Closing keynote: Building for the next billion users",
                "Low-end phones, patchy networks and twenty languages. What building for "
                "everyone teaches about building well.",
                (WORK,), 1),
    SessionSpec(1, "17:05", 25, "main", None, TALK, "Product launch (under embargo)",
                "Details follow on the day.", (), 0, False),
)  # fmt: skip

BERLIN_MATERIALS = (
    MaterialSpec(
        "Opening keynote: Software for the next decade of Europe",
        "Keynote slides",
        bullets=("Regulation as a feature", "The talent we already have", "Three bets"),
        public=True,
    ),
    MaterialSpec(
        "Calm on-call: running distributed systems without heroics",
        "Slides",
        bullets=("Alerts that map to user pain", "Runbooks that are run", "Blameless reviews"),
    ),
    MaterialSpec(
        "Calm on-call: running distributed systems without heroics",
        "Runbook template",
        url="https://github.com/globex-demo/calm-oncall-runbooks",
    ),
    MaterialSpec(
        "Shipping LLM features without losing sleep",
        "Slides",
        bullets=("Prompts are deployments", "Evaluate on real traffic", "Roll out behind flags"),
    ),
    MaterialSpec(
        "Threat modelling for product teams in 45 minutes",
        "Threat modelling cheat sheet",
        bullets=("Draw the data flow", "Ask the four questions", "File the tickets"),
    ),
    MaterialSpec(
        "Postgres is enough: queues, search and vectors in one database",
        "Benchmark repository",
        url="https://github.com/northwind-demo/postgres-is-enough",
    ),
    MaterialSpec(
        "Hands-on: evaluating LLM outputs with real test sets",
        "Workshop notebook",
        url="https://notebooks.example.com/northwind/llm-evals",
    ),
)

TOKYO_ROOMS = (RoomSpec("hall", "Hall 1 / ホール1", 300), RoomSpec("room", "Room 2 / ルーム2", 80))
TOKYO_TRACKS = (
    TrackSpec("web", "Web & Mobile", "teal", "Front ends, apps and the platforms under them."),
    TrackSpec("ai", "AI", "violet", "Machine learning in products."),
)
TOKYO_SESSIONS = (
    SessionSpec(0, "10:00", 45, "hall", None, KEYNOTE,
                "Keynote: The next ten years of software in Japan / 日本のソフトウェアの次の10年",
                "English with Japanese slides. 英語で講演、スライドは日本語です。",
                (WORK,), 1),
    SessionSpec(0, "11:00", 40, "hall", "web", TALK, "TypeScript at scale / 大規模TypeScript",
                "Monorepos, build times and type-checking a million lines.", (TOOLS,), 1),
    SessionSpec(0, "11:00", 40, "room", "ai", TALK, "日本語LLMの評価と運用",
                "日本語の大規模言語モデルを本番で評価・運用するための実践的な方法。", (AI,), 1),
    SessionSpec(0, "12:00", 60, None, None, BREAK, "Lunch / 昼食"),
    SessionSpec(0, "13:00", 90, "room", "web", WORKSHOP, "Workshop: Accessible web forms",
                "Hands-on, bring a laptop.", (TOOLS,), 1),
    SessionSpec(1, "10:00", 40, "hall", "ai", TALK, "Edge AI on factory floors / 工場のエッジAI",
                "Running vision models next to the machines they watch.", (AI,), 1),
    SessionSpec(1, "11:00", 45, "hall", None, PANEL,
                "Panel: Startups in Tokyo / 東京のスタートアップ",
                "Founders and investors on building companies in Japan.", (FUNDING,), 3),
    SessionSpec(1, "12:00", 30, "hall", None, KEYNOTE, "Closing / クロージング", "", (), 1),
)  # fmt: skip

#: How many sessions each approved participant of the demo bookmarks (popularity counts).
CROWD_BOOKMARKS = (2, 7)


def _slide_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def demo_slides_pdf(title: str, subtitle: str, bullets: Sequence[str]) -> bytes:
    """A small, valid three-page PDF of slides (title, points, thanks), drawn with Pillow."""
    size = (960, 540)
    brand, ink, paper = (79, 70, 229), (30, 27, 75), (248, 250, 252)

    def page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
        image = Image.new("RGB", size, paper)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, size[0], 18), fill=brand)
        draw.text(
            (40, size[1] - 40), "Northwind Tech Summit 2026", font=_slide_font(16), fill=brand
        )
        return image, draw

    cover, draw = page()
    lines, line = [], ""
    for word in title.split():
        if len(line) + len(word) > 34:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    for n, text in enumerate(lines):
        draw.text((60, 150 + n * 56), text, font=_slide_font(44), fill=ink)
    draw.text((60, 170 + len(lines) * 56), subtitle, font=_slide_font(24), fill=brand)

    points, draw = page()
    draw.text((60, 70), "In this talk", font=_slide_font(40), fill=ink)
    for n, text in enumerate(bullets):
        draw.ellipse((64, 172 + n * 70, 80, 188 + n * 70), fill=brand)
        draw.text((100, 162 + n * 70), text, font=_slide_font(30), fill=ink)

    thanks, draw = page()
    draw.text((60, 210), "Thank you!", font=_slide_font(64), fill=brand)
    draw.text((60, 300), "Questions? Find me in the app.", font=_slide_font(28), fill=ink)

    out = io.BytesIO()
    cover.save(out, "PDF", save_all=True, append_images=[points, thanks], resolution=96.0)
    return out.getvalue()


def _script_of(name: str) -> str:
    for char in name:
        if char.isalpha():
            return {"CYRILLIC": "cyrillic", "CJK": "japanese", "HIRAGANA": "japanese"}.get(
                unicodedata.name(char, "").split(" ")[0], "latin"
            )
    return "latin"


def _speaker_pool(event: Event, rng: random.Random, size: int) -> list[User]:
    """Visible approved participants to speak, mixing Latin, Cyrillic and Japanese names."""
    people = list(
        db.session.scalars(
            sa.select(User)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.approved,
                Registration.directory_visible.is_(True),
                sa.or_(User.email.like("person%@demo.test"), User.email.like("tokyo%@demo.test")),
            )
            .order_by(User.id)
        )
    )
    by_script: dict[str, list[User]] = {"latin": [], "cyrillic": [], "japanese": []}
    for person in people:
        by_script[_script_of(person.display_name)].append(person)
    pool: list[User] = []
    for script, share in (("cyrillic", 0.2), ("japanese", 0.2)):
        pool += rng.sample(by_script[script], k=min(len(by_script[script]), round(size * share)))
    latin = by_script["latin"]
    pool += rng.sample(latin, k=min(len(latin), size - len(pool)))
    rng.shuffle(pool)
    return pool


class _Casting:
    """Hands out speakers from a pool so nobody is in two sessions at once."""

    def __init__(self, pool: list[User]):
        self.pool = pool
        self.next = 0
        self.busy: dict[int, list[tuple[datetime, datetime]]] = {}

    def free(self, person: User, start: datetime, end: datetime) -> bool:
        return all(not (start < e and s < end) for s, e in self.busy.get(person.id, []))

    def take(self, person: User, start: datetime, end: datetime) -> User:
        self.busy.setdefault(person.id, []).append((start, end))
        return person

    def cast(self, count: int, start: datetime, end: datetime) -> list[User]:
        chosen: list[User] = []
        for _attempt in range(len(self.pool)):
            if len(chosen) == count:
                break
            person = self.pool[self.next % len(self.pool)]
            self.next += 1
            if person not in chosen and self.free(person, start, end):
                chosen.append(self.take(person, start, end))
        return chosen


def _build_program(
    event: Event,
    organizer: User,
    rooms: Sequence[RoomSpec],
    tracks: Sequence[TrackSpec],
    sessions: Sequence[SessionSpec],
    pool: list[User],
    demo_speaker: User | None,
) -> dict[str, ProgramSession]:
    """Rooms, tracks and sessions through the program service; returns sessions by title."""
    room_ids = {
        r.key: program_service.add_room(organizer, event, r.name, r.capacity).id for r in rooms
    }
    track_ids = {
        t.key: program_service.add_track(organizer, event, t.name, t.color, t.description).id
        for t in tracks
    }
    topic_ids = {t.name: t.id for t in event.terms if t.kind == TaxonomyKind.topic}
    casting = _Casting(pool)
    first_day = event.starts_on
    created: dict[str, ProgramSession] = {}
    for spec in sessions:
        hour, minute = (int(part) for part in spec.start.split(":"))
        local = datetime.combine(first_day + timedelta(days=spec.day), clock_time(hour, minute))
        starts_at = program_service.local_to_utc(event, local)
        ends_at = starts_at + timedelta(minutes=spec.minutes)
        speakers = []
        if spec.demo_speaker and demo_speaker is not None:
            speakers.append(casting.take(demo_speaker, starts_at, ends_at))
        speakers += casting.cast(spec.speakers, starts_at, ends_at)
        created[spec.title] = program_service.create_session(
            organizer,
            event,
            title=spec.title,
            abstract=spec.abstract,
            format=spec.format,
            starts_at=starts_at,
            ends_at=ends_at,
            room_id=room_ids[spec.room] if spec.room else None,
            track_id=track_ids[spec.track] if spec.track else None,
            topic_ids=[topic_ids[name] for name in spec.topics if name in topic_ids],
            speaker_ids=[person.id for person in speakers],
            published=spec.published,
        )
    return created


def _attach_materials(
    organizer: User, sessions: dict[str, ProgramSession], specs: Sequence[MaterialSpec]
) -> None:
    """Slides and links from each session's first speaker, through the materials service."""
    for spec in specs:
        session = sessions.get(spec.session)
        if session is None:
            continue
        author = session.speakers[0] if session.speakers else organizer
        if spec.url:
            material = material_service.add_link(author, session, title=spec.title, url=spec.url)
        else:
            data = demo_slides_pdf(session.title, author.display_name, spec.bullets)
            name = re.sub(r"[^A-Za-z0-9]+", "-", session.title.split(":")[0]).strip("-").lower()
            material = material_service.add_file(
                author, session, title=spec.title, filename=f"{name}.pdf", data=data
            )
        if spec.public:
            material_service.set_public(organizer, material, True)


def _bookmark(
    event: Event,
    rng: random.Random,
    sessions: dict[str, ProgramSession],
    attendee: User | None,
) -> None:
    """The demo attendee's agenda (with two sessions that overlap), and the crowd's
    bookmarks (to each person's taste)."""
    now = utcnow()
    mine = [
        "Shipping LLM features without losing sleep",
        "Designing for trust: dark patterns we quietly removed",
        "Calm on-call: running distributed systems without heroics",
        "Workshop: incident response tabletop",
        "Small models, big wins: fine-tuning on a budget",
        "AI agents in the enterprise: hype, help or headache?",
    ]
    rows = []
    if attendee is not None:
        rows += [
            {"event_id": event.id, "user_id": attendee.id, "session_id": sessions[title].id}
            for title in mine
            if title in sessions
        ]
    bookable = sorted(
        (s for s in sessions.values() if s.published and s.format != SessionFormat.break_),
        key=lambda s: s.id,
    )
    topics = [[t.name for t in s.topics] for s in bookable]
    low, high = CROWD_BOOKMARKS
    for user_id, taste in crowd_tastes(event).items():
        weights = [taste.appeal(names) for names in topics]
        for session in weighted_sample(rng, bookable, weights, rng.randint(low, high)):
            rows.append({"event_id": event.id, "user_id": user_id, "session_id": session.id})
    for row in rows:
        row.update(attending=True, created_at=now)
    for chunk in _chunks(rows, CHUNK_SIZE):
        db.session.execute(sa.insert(Bookmark.__table__), list(chunk))


def _has_program(event: Event) -> bool:
    return any(
        db.session.scalar(sa.select(model.id).where(model.event_id == event.id).limit(1))
        for model in (ProgramSession, Room, Track)
    )


def _organizer_of(event: Event) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .join(EventRole, EventRole.user_id == User.id)
        .where(EventRole.event_id == event.id, EventRole.role == EventRoleKind.organizer)
        .order_by(User.email != "organizer@demo.test", User.id)
        .limit(1)
    )


def seed_demo_programs() -> bool:
    """Give each demo event its program unless it has one (rooms, tracks or sessions);
    True if it wrote anything.

    Side effects: writes rooms, tracks, sessions with topics and speakers (who
    get the *speaker* role), materials with their files under
    ``UPLOAD_FOLDER/materials``, and bookmarks. Flushes.
    """
    wrote = False
    speaker = db.session.scalar(sa.select(User).where(User.email == "speaker@demo.test"))
    attendee = db.session.scalar(sa.select(User).where(User.email == "attendee@demo.test"))
    plans = (
        (DEMO_SLUG, BERLIN_ROOMS, BERLIN_TRACKS, BERLIN_SESSIONS, BERLIN_MATERIALS, 24),
        (TOKYO_SLUG, TOKYO_ROOMS, TOKYO_TRACKS, TOKYO_SESSIONS, (), 8),
    )
    for slug, rooms, tracks, sessions, materials, pool_size in plans:
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if event is None or _has_program(event):
            continue
        organizer = _organizer_of(event)
        if organizer is None:
            continue
        rng = random.Random(f"program-{slug}")
        pool = _speaker_pool(event, rng, pool_size)
        created = _build_program(event, organizer, rooms, tracks, sessions, pool, speaker)
        _attach_materials(organizer, created, materials)
        _bookmark(event, rng, created, attendee if slug == DEMO_SLUG else None)
        db.session.flush()
        wrote = True
    return wrote


# --- meetings --------------------------------------------------------------------------

#: Where people meet in Berlin: (name, meetings at once; None for "anywhere").
BERLIN_MEETING_PLACES = (
    ("Lounge table 1", 1),
    ("Lounge table 2", 1),
    ("Lounge table 3", 1),
    ("Meeting room Spree", 4),
    ("Anywhere (agree in messages)", None),
)
#: Meeting hours of every Berlin day, wall-clock in the event's zone.
BERLIN_MEETING_HOURS = (clock_time(9, 0), clock_time(18, 0))


def _busy(user_id: int, starts_at: datetime, ends_at: datetime) -> bool:
    """The person attends a bookmarked session or has a meeting then."""
    session_clash = db.session.scalar(
        sa.select(ProgramSession.id)
        .join(Bookmark, Bookmark.session_id == ProgramSession.id)
        .where(
            Bookmark.user_id == user_id,
            Bookmark.attending.is_(True),
            ProgramSession.starts_at < ends_at,
            ProgramSession.ends_at > starts_at,
        )
        .limit(1)
    )
    meeting_clash = db.session.scalar(
        sa.select(Meeting.id)
        .where(
            sa.or_(Meeting.requester_id == user_id, Meeting.invitee_id == user_id),
            Meeting.status.in_((MeetingStatus.pending, MeetingStatus.accepted)),
            Meeting.starts_at < ends_at,
            Meeting.ends_at > starts_at,
        )
        .limit(1)
    )
    return session_clash is not None or meeting_clash is not None


def _first_free_slot(event: Event, day: date, people: Sequence[User]) -> tuple[datetime, datetime]:
    length = timedelta(minutes=event.meeting_slot_minutes)
    start = program_service.local_to_utc(event, datetime.combine(day, clock_time(11, 0)))
    end = program_service.local_to_utc(event, datetime.combine(day, BERLIN_MEETING_HOURS[1]))
    while start + length <= end:
        if not any(_busy(person.id, start, start + length) for person in people):
            return start, start + length
        start += length
    raise RuntimeError(f"no free demo meeting slot on {day}")


def seed_demo_meetings() -> bool:
    """Give the Berlin demo event meeting hours, places and a few meetings of the demo
    attendee (one accepted with the demo speaker, one request waiting for their answer)
    unless it has places already; True if it wrote anything.

    Side effects: writes meeting hours and places, two meetings. Flushes.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if event is None or db.session.scalar(
        sa.select(MeetingPlace.id).where(MeetingPlace.event_id == event.id).limit(1)
    ):
        return False
    opens, closes = BERLIN_MEETING_HOURS
    for day in program_service.event_days(event):
        db.session.add(MeetingHours(event_id=event.id, day=day, starts_at=opens, ends_at=closes))
    places = [
        MeetingPlace(event_id=event.id, name=name, capacity=capacity, position=position)
        for position, (name, capacity) in enumerate(BERLIN_MEETING_PLACES)
    ]
    db.session.add_all(places)
    db.session.flush()
    by_email = {
        user.email: user
        for user in db.session.scalars(
            sa.select(User).where(
                User.email.in_(("attendee@demo.test", "speaker@demo.test", "person0007@demo.test"))
            )
        )
    }
    attendee, speaker = by_email.get("attendee@demo.test"), by_email.get("speaker@demo.test")
    if attendee is None or speaker is None:
        return True
    last_day = event.ends_on
    starts_at, ends_at = _first_free_slot(event, last_day, (attendee, speaker))
    db.session.add(
        Meeting(
            event_id=event.id,
            requester_id=attendee.id,
            invitee_id=speaker.id,
            starts_at=starts_at,
            ends_at=ends_at,
            place_id=places[3].id,
            status=MeetingStatus.accepted,
            message="Loved your abstract. Could we talk about on-call rotations?",
            changed_by_id=speaker.id,
        )
    )
    db.session.flush()
    if (colleague := by_email.get("person0007@demo.test")) is not None:
        starts_at, ends_at = _first_free_slot(event, last_day, (attendee, colleague))
        db.session.add(
            Meeting(
                event_id=event.id,
                requester_id=colleague.id,
                invitee_id=attendee.id,
                starts_at=starts_at,
                ends_at=ends_at,
                place_id=places[0].id,
                status=MeetingStatus.pending,
                awaiting_id=attendee.id,
                message="Hi! I saw we bookmarked the same AI sessions. Coffee?",
                changed_by_id=colleague.id,
            )
        )
    db.session.flush()
    return True


# --- badges and check-in ----------------------------------------------------------------
#
# Both events get a logo and a default A6 badge design (staff wear CR80 cards in
# Berlin), the check-in staff account, and Berlin, which is live, a morning of
# check-ins made through the check-in service, as the desk would have made them.

#: Share of Berlin's approved participants admitted on the first and the second morning.
CHECKED_IN_SHARES = (0.55, 0.15)


def demo_logo_png(mark: str, words: str, colour: tuple[int, int, int]) -> bytes:
    """A wide logo: a coloured tile with ``mark`` beside ``words``, drawn with Pillow and
    cropped to what was drawn (short words make a narrower logo)."""
    image = Image.new("RGBA", (720, 180), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 180, 180), radius=36, fill=colour)
    draw.text((90, 90), mark, font=_slide_font(92), fill="white", anchor="mm")
    draw.text((212, 90), words, font=_slide_font(64), fill=(30, 27, 75), anchor="lm")
    out = io.BytesIO()
    image.crop(image.getbbox()).save(out, "PNG")
    return out.getvalue()


def _ensure_checkin_staff(events: Sequence[Event]) -> User:
    account = next(a for a in DEMO_ACCOUNTS if a.email.startswith("checkin@"))
    staff = db.session.scalar(sa.select(User).where(User.email == account.email))
    if staff is None:
        staff = new_demo_account(account, accounts.hash_password(DEMO_PASSWORD))
        db.session.flush()
    rng = random.Random(11)
    for event in events:
        # Staff wear badges too (the staff design); ``_register`` keeps an existing one.
        _register(event, staff, Vocabulary.of(event), rng)
        event_service.ensure_role(event, [staff.id], EventRoleKind.checkin_staff)
    db.session.flush()
    return staff


def _demo_check_ins(event: Event, staff: User, rng: random.Random) -> None:
    """Admit a share of ``event``'s approved people on each of its first two mornings
    (08:15 to 10:15), and scan some of them into the first day's opening sessions."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.approved,
        )
        .order_by(Registration.id)
    ).all()
    codes = badge_service.issue_missing_codes(event, [r.id for r in registrations])
    rng.shuffle(registrations)
    first, second = (round(len(registrations) * share) for share in CHECKED_IN_SHARES)
    mornings = (registrations[:first], registrations[first : first + second])
    for day_offset, people in enumerate(mornings):
        day = event.starts_on + timedelta(days=day_offset)
        opens = program_service.local_to_utc(event, datetime.combine(day, clock_time(8, 15)))
        for person in people:
            checkin_service.scan(
                event,
                staff,
                codes[person.id].qr_payload,
                ScanAction.check_in,
                client_scan_id=f"demo-{person.id}-in",
                scanned_at=opens + timedelta(seconds=rng.randint(0, 7200)),
            )
    opening = db.session.scalars(
        sa.select(ProgramSession)
        .where(ProgramSession.event_id == event.id, ProgramSession.published.is_(True))
        .order_by(ProgramSession.starts_at, ProgramSession.id)
        .limit(3)
    ).all()
    for session in opening:
        for person in rng.sample(mornings[0], k=min(len(mornings[0]), 25)):
            checkin_service.scan(
                event,
                staff,
                codes[person.id].qr_payload,
                ScanAction.attend,
                session=session,
                client_scan_id=f"demo-{person.id}-session-{session.id}",
                scanned_at=session.starts_at + timedelta(seconds=rng.randint(0, 600)),
            )


def seed_demo_badges() -> bool:
    """Give the demo events the check-in staff account, logos and badge designs, and
    Berlin a morning of check-ins, unless Berlin has a badge design already; True if it
    wrote anything.

    Side effects: may write the check-in staff account and roles, logo files under
    ``UPLOAD_FOLDER/logos``, badge designs, badge codes for Berlin's approved people,
    and their check-ins, scans, attendances and activity rows. Flushes.
    """
    events = db.session.scalars(
        sa.select(Event).where(Event.slug.in_((DEMO_SLUG, TOKYO_SLUG))).order_by(Event.id)
    ).all()
    berlin = next((e for e in events if e.slug == DEMO_SLUG), None)
    if berlin is None or db.session.scalar(
        sa.select(BadgeDesign.id).where(BadgeDesign.event_id == berlin.id).limit(1)
    ):
        return False
    staff = _ensure_checkin_staff(events)
    organizer = _organizer_of(berlin) or staff
    logos = {
        DEMO_SLUG: demo_logo_png("N", "Northwind", (79, 70, 229)),
        TOKYO_SLUG: demo_logo_png("S", "Sakura DevDays", (219, 39, 119)),
    }
    for event in events:
        design_service.set_logo(organizer, event, logos[event.slug])
        design_service.create_design(
            organizer, event, design_service.DesignValues(name="Conference badge")
        )
    design_service.create_design(
        organizer,
        berlin,
        design_service.DesignValues(
            name="Staff card",
            layout=BadgeLayout.cr80.value,
            target=f"role:{BadgeRole.staff.value}",
            show_company=False,
        ),
    )
    _demo_check_ins(berlin, staff, random.Random(7))
    db.session.flush()
    return True


def print_demo_accounts() -> None:
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    width = max(len(account.email) for account in DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        click.echo(f"  {account.email:<{width}} {account.what}")
    click.echo(f"Events: /e/{DEMO_SLUG}/  /e/{TOKYO_SLUG}/  /e/{SPRING_SLUG}/ (over)")


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
            click.echo(f"Demo data written in {time.perf_counter() - started:.1f} s.")
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
