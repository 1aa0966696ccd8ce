"""The participants' directory of an event: search, filters and pages.

Who is listed: approved registrations of the event whose person is visible in
directories; organizers also see hidden people (marked as hidden).

Cost of one page, whatever the filters: one query returns the page's rows
joined with users and profiles, and the total; one more loads the interests
of the page's registrations. Registrations carry a copy of the person's
visibility next to the search keys, so filtering, ordering and counting read
the registrations (mostly their directory index) and nothing else.

Names of industries, regions, roles and topics come from the event's own
vocabulary, loaded once per request; filters (and ticket types) are checked
against that same vocabulary, so an id that belongs to another event is
ignored rather than trusted.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from conference.enums import RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.models import Event, Profile, Registration, User, registration_interests
from conference.models.types import search_key

#: At most this many words of a search are used; each at most ``MAX_TERM_LENGTH`` long.
MAX_SEARCH_TERMS = 8
MAX_TERM_LENGTH = 100
LIKE_ESCAPE = "\\"


@dataclass(frozen=True)
class DirectoryEntry:
    """What a directory card shows about one person."""

    user_id: int
    display_name: str
    headline: str
    company: str
    job_title: str
    photo: str | None
    #: The person hid their profile (only organizers get such entries).
    hidden: bool
    industry: str | None
    region: str | None
    job_role: str | None
    interests: tuple[str, ...]


@dataclass(frozen=True)
class DirectoryPage:
    items: list[DirectoryEntry]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first_index(self) -> int:
        """1-based position of the first item of the page in the whole result."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0


def search_words(q: str | None) -> list[str]:
    """The normalized words of a search box: each must occur in a person's search text."""
    words: list[str] = []
    for raw in (q or "").split():
        word = search_key(raw)[:MAX_TERM_LENGTH]
        if word and word not in words:
            words.append(word)
    return words[:MAX_SEARCH_TERMS]


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's own wildcards in ``word`` taken literally."""
    escaped = (
        word.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def _valid_ids(wanted: Iterable[int], allowed: Collection[int]) -> list[int]:
    return sorted({i for i in wanted if i in allowed})


@dataclass(frozen=True)
class _Criteria:
    """What a search asks for, already checked against the event's vocabulary."""

    event_id: int
    listed_only: bool
    words: list[str]
    columns: dict[str, list[int]]
    topic_ids: list[int]

    def conditions(self, registration) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions on ``registration`` (the entity or an alias of it)."""
        conditions: list[sa.ColumnElement[bool]] = [
            registration.event_id == self.event_id,
            registration.status == RegistrationStatus.approved,
        ]
        if self.listed_only:
            conditions.append(registration.directory_visible == sa.true())
        conditions.extend(
            registration.search_text.like(like_pattern(word), escape=LIKE_ESCAPE)
            for word in self.words
        )
        for column, ids in self.columns.items():
            conditions.append(getattr(registration, column).in_(ids))
        if self.topic_ids:
            conditions.append(
                sa.exists().where(
                    registration_interests.c.registration_id == registration.id,
                    registration_interests.c.term_id.in_(self.topic_ids),
                )
            )
        return conditions


def _criteria(
    event: Event,
    viewer_is_organizer: bool,
    q: str | None,
    filters: dict[TaxonomyKind | str, Iterable[int]],
) -> _Criteria:
    by_kind: dict[TaxonomyKind, set[int]] = {kind: set() for kind in TaxonomyKind}
    for term in event.terms:
        by_kind[term.kind].add(term.id)
    wanted = {
        "industry_id": _valid_ids(filters[TaxonomyKind.industry], by_kind[TaxonomyKind.industry]),
        "region_id": _valid_ids(filters[TaxonomyKind.region], by_kind[TaxonomyKind.region]),
        "job_role_id": _valid_ids(filters[TaxonomyKind.job_role], by_kind[TaxonomyKind.job_role]),
        "ticket_type_id": _valid_ids(filters["ticket"], {t.id for t in event.ticket_types}),
    }
    return _Criteria(
        event_id=event.id,
        listed_only=not viewer_is_organizer,
        words=search_words(q),
        columns={column: ids for column, ids in wanted.items() if ids},
        topic_ids=_valid_ids(filters[TaxonomyKind.topic], by_kind[TaxonomyKind.topic]),
    )


def search_directory(
    event: Event,
    viewer_is_organizer: bool,
    *,
    q: str | None = None,
    industry_ids: Iterable[int] = (),
    region_ids: Iterable[int] = (),
    job_role_ids: Iterable[int] = (),
    topic_ids: Iterable[int] = (),
    ticket_type_ids: Iterable[int] = (),
    page: int = 1,
    per_page: int = 24,
) -> DirectoryPage:
    """One page of the event's directory, in name order (``sort_name``, then id).

    Every word of ``q`` must occur in the person's name, company or job title
    (in any script and case). Within one filter any of the chosen ids matches;
    different filters must all match. Ids that are not the event's own are
    ignored.
    """
    page = max(1, page)
    per_page = max(1, per_page)
    criteria = _criteria(
        event,
        viewer_is_organizer,
        q,
        {
            TaxonomyKind.industry: industry_ids,
            TaxonomyKind.region: region_ids,
            TaxonomyKind.job_role: job_role_ids,
            TaxonomyKind.topic: topic_ids,
            "ticket": ticket_type_ids,
        },
    )
    # The page's registrations come from the directory index alone (name order,
    # LIMIT/OFFSET); users and profiles are joined to those rows only. The total
    # is an uncorrelated subquery, evaluated once, over another alias.
    counted = aliased(Registration, name="counted")
    total_query = (
        sa.select(sa.func.count()).select_from(counted).where(*criteria.conditions(counted))
    )
    window = (
        sa.select(
            Registration.id.label("registration_id"),
            Registration.user_id,
            Registration.sort_name,
            Registration.directory_visible,
            Registration.industry_id,
            Registration.region_id,
            Registration.job_role_id,
            total_query.scalar_subquery().label("total"),
        )
        .where(*criteria.conditions(Registration))
        .order_by(Registration.sort_name, Registration.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page")
    )
    rows = db.session.execute(
        sa.select(
            window,
            User.display_name,
            Profile.headline,
            Profile.company,
            Profile.job_title,
            Profile.photo,
        )
        .select_from(window)
        .join(User, User.id == window.c.user_id)
        .outerjoin(Profile, Profile.user_id == window.c.user_id)
        .order_by(window.c.sort_name, window.c.registration_id)
    ).all()
    # Past the last page no row carries the total; an empty first page means none.
    total = rows[0].total if rows else (db.session.scalar(total_query) if page > 1 else 0)

    names = {term.id: term.name for term in event.terms}
    interests = _interests([row.registration_id for row in rows], event)
    items = [
        DirectoryEntry(
            user_id=row.user_id,
            display_name=row.display_name,
            headline=row.headline or "",
            company=row.company or "",
            job_title=row.job_title or "",
            photo=row.photo,
            hidden=not row.directory_visible,
            industry=names.get(row.industry_id),
            region=names.get(row.region_id),
            job_role=names.get(row.job_role_id),
            interests=interests.get(row.registration_id, ()),
        )
        for row in rows
    ]
    return DirectoryPage(
        items=items,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / per_page)),
        per_page=per_page,
    )


def _interests(registration_ids: list[int], event: Event) -> dict[int, tuple[str, ...]]:
    """Topic names per registration, in the event's topic order."""
    if not registration_ids:
        return {}
    topics = {t.id: t for t in event.terms if t.kind == TaxonomyKind.topic}
    found: dict[int, list] = {}
    for registration_id, term_id in db.session.execute(
        sa.select(registration_interests.c.registration_id, registration_interests.c.term_id).where(
            registration_interests.c.registration_id.in_(registration_ids)
        )
    ):
        if term_id in topics:
            found.setdefault(registration_id, []).append(topics[term_id])
    return {
        registration_id: tuple(t.name for t in sorted(terms, key=lambda t: (t.position, t.id)))
        for registration_id, terms in found.items()
    }
