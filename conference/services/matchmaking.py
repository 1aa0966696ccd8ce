"""Who to meet: a participant's suggested people in one event, with the reasons why.

Scoring. A person is suggested for what the two of them have in common, each part
kept as a reason (data: a kind and the names involved) that is true against the data:

- ``topics``: interests (topics) both chose;
- ``looking_topic``: they are interested in a topic whose name appears in my
  "looking for";
- ``offers`` / ``seeks``: words of my "looking for" appear as such in their "can
  offer" (and the reverse); the phrase shown is their (my) own words;
- ``industry`` / ``region`` / ``job_role``: their answer is one of the terms I want
  to meet (``Registration.meet_wishes``);
- ``bookmarks``: sessions both bookmarked; ``booths``: sponsors' booths both visited;
- ``similar``: they share an industry, job role or interest with someone I asked
  "more like this" for (never on that person's own card, and only while that person
  may still be suggested: the reason is dropped when the list is read once they hid,
  left or were blocked, and the list is computed again without them).

Never suggested: oneself; people without an approved registration or hidden from the
directory; suspended or deleted accounts; people either of us blocked; existing
contacts; people I dismissed. Those rules are applied when the list is computed and
again, in the same query, whenever a cached list is read, so a list computed before
someone hid their profile never shows them.

Cost, whatever the event's size. Candidates come from one query over indexed
lookups (registration interests by topic, bookmarks by session, booth visits by
sponsor, registrations by industry, region and role), grouped per person with a
pre-score; only the best ``CANDIDATES`` go on to Python, which loads their
registrations and profiles in one query, scores them (text matching included) and
keeps the best ``KEEP``, whose reason names take three small queries. The result is
cached per (event, person) in ``Suggestion`` rows; ``SuggestionList`` says when it
was computed. It is computed again when it is marked stale (``mark_stale``: the
person's profile, registration or bookmarks changed, or those of someone on their
list) or older than ``MAX_AGE`` (``SUGGESTIONS_MAX_AGE`` in the app's settings).

Text matching is deliberately literal: a suggestion says "they offer *cloud
security*" only when those words stand, in that order, in both texts. People whose
only match is free text are found when something else makes them a candidate too.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from babel.lists import format_list
from flask import current_app, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference import permissions
from conference.enums import (
    ActivityKind,
    MessagePolicy,
    NetworkPhase,
    RegistrationStatus,
    SuggestionVerdict,
    TaxonomyKind,
)
from conference.extensions import db
from conference.models import (
    Activity,
    Block,
    Bookmark,
    Contact,
    Conversation,
    Event,
    EventRole,
    Meeting,
    Profile,
    ProgramSession,
    Registration,
    Sponsor,
    Suggestion,
    SuggestionFeedback,
    SuggestionList,
    SuggestionShown,
    User,
    registration_interests,
    registration_meet_wishes,
)
from conference.models.types import utcnow

#: How long a computed list is used before it is computed again anyway (booth visits
#: and other people's changes that did not mark it stale catch up then).
MAX_AGE = timedelta(hours=6)
#: How many people the candidate query hands to Python for scoring.
CANDIDATES = 2000
#: How many suggestions are kept (and shown at most) per person and event.
KEEP = 30
#: Names kept per reason (a reason also keeps the full count where it matters).
NAMES_PER_REASON = 3

#: Points per shared thing, by reason kind. Wishes weigh most: the person said so.
WEIGHTS = {
    "industry": 4.0,
    "region": 4.0,
    "job_role": 4.0,
    "offers": 4.0,
    "seeks": 3.0,
    "topics": 3.0,
    "looking_topic": 2.0,
    "similar": 2.0,
    "bookmarks": 1.0,
    "booths": 1.0,
}
#: Candidates come from the person's this many least-bookmarked sessions: a session
#: half the event bookmarked says little about two people and would cost a lookup per
#: bookmark; the rarest say the most. (Reasons name every session in common.)
CANDIDATE_SESSIONS = 8
#: How the candidate query tags each signal.
KIND_CODES = {kind: code for code, kind in enumerate(WEIGHTS)}
#: At most this many bookmarks in common count towards the score.
BOOKMARKS_COUNTED = 10
#: At most this many phrases per text reason count (and are shown).
PHRASES_COUNTED = 2
#: The order reasons are shown in (strongest first).
REASON_ORDER = (
    "industry",
    "region",
    "job_role",
    "offers",
    "seeks",
    "topics",
    "looking_topic",
    "similar",
    "bookmarks",
    "booths",
)
_WISH_KINDS = {
    TaxonomyKind.industry: "industry",
    TaxonomyKind.region: "region",
    TaxonomyKind.job_role: "job_role",
}


# --- words ---------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
#: Words that make no match on their own, and are trimmed from the ends of a phrase.
_STOPWORDS_TEXT = """
    a an and are as at be but by can do for from get have how i if in into is it its
    me my new not of on or our so some that the their them they this to up us we what
    when who will with you your looking look offer offering help people someone anyone
    want wants like more about also all any other others
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
#: Longest phrase (in words) looked for in the other person's text.
MAX_PHRASE_WORDS = 6


@dataclass(frozen=True)
class _Text:
    """A free text split into normalized words, remembering where each word stands."""

    raw: str
    words: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, raw: str | None) -> _Text:
        raw = unicodedata.normalize("NFKC", raw or "")
        found = list(_WORD.finditer(raw))
        return cls(
            raw=raw,
            words=tuple(m.group().casefold() for m in found),
            spans=tuple(m.span() for m in found),
        )

    def ngrams(self) -> set[tuple[str, ...]]:
        grams = set()
        for n in range(1, MAX_PHRASE_WORDS + 1):
            for i in range(len(self.words) - n + 1):
                grams.add(self.words[i : i + n])
        return grams

    def contains(self, phrase: tuple[str, ...]) -> bool:
        n = len(phrase)
        return n > 0 and any(
            self.words[i : i + n] == phrase for i in range(len(self.words) - n + 1)
        )


def _meaningful(word: str) -> bool:
    return word not in STOPWORDS and (len(word) > 2 or not word.isascii())


def common_phrases(wanted: _Text, grams: set[tuple[str, ...]], text: _Text) -> list[str]:
    """Phrases of ``text`` (as written there) that also stand, word for word, in the
    text whose n-grams are ``grams``: longest first, trimmed of stopwords at both ends,
    each with at least one meaningful word, no phrase inside another."""
    if not wanted.words or not text.words:
        return []
    runs: list[tuple[int, int]] = []
    i = 0
    words = text.words
    while i < len(words):
        best = 0
        for n in range(min(MAX_PHRASE_WORDS, len(words) - i), 0, -1):
            if words[i : i + n] in grams:
                best = n
                break
        if best:
            start, end = i, i + best
            while start < end and not _meaningful(words[start]):
                start += 1
            while end > start and not _meaningful(words[end - 1]):
                end -= 1
            if start < end:
                runs.append((start, end))
            i += best
        else:
            i += 1
    phrases: list[str] = []
    seen: set[str] = set()
    for start, end in sorted(runs, key=lambda r: r[0] - r[1]):
        phrase = text.raw[text.spans[start][0] : text.spans[end - 1][1]]
        key = phrase.casefold()
        if key not in seen and not any(key in other for other in seen):
            seen.add(key)
            phrases.append(phrase)
    return phrases


# --- reasons -------------------------------------------------------------------------


def _names(names: Iterable[str]) -> Markup:
    items = [Markup("<em>%s</em>") % name for name in names]
    try:
        locale = get_locale() or "en"
    except RuntimeError:
        locale = "en"
    return Markup(format_list([str(item) for item in items], locale=locale))


def _sentence(message: str, **values) -> Markup:
    """The translated ``message`` (given already translated) with ``values`` escaped."""
    return escape(message) % values


def describe(reason: dict) -> Markup:
    """One reason as a plain sentence in the reader's language, names in italics."""
    kind = reason.get("kind")
    names = reason.get("names", [])
    shown = _names(names)
    if kind == "topics":
        return _sentence(_("You are both interested in %(names)s"), names=shown)
    if kind == "looking_topic":
        return _sentence(
            _("They are interested in %(names)s, which you are looking for"), names=shown
        )
    if kind == "offers":
        return _sentence(_("They offer %(names)s, which you are looking for"), names=shown)
    if kind == "seeks":
        return _sentence(_("They are looking for %(names)s, which you offer"), names=shown)
    if kind == "industry":
        return _sentence(_("They work in %(names)s, which you want to meet"), names=shown)
    if kind == "region":
        return _sentence(_("They are from %(names)s, a region you want to meet"), names=shown)
    if kind == "job_role":
        return _sentence(_("They work as %(names)s, a role you want to meet"), names=shown)
    if kind == "bookmarks":
        more = int(reason.get("count", len(names))) - len(names)
        if more > 0:
            return _sentence(
                _("You both bookmarked %(names)s and %(num)d more"), names=shown, num=more
            )
        return _sentence(_("You both bookmarked %(names)s"), names=shown)
    if kind == "booths":
        return _sentence(_("You both visited the booth of %(names)s"), names=shown)
    if kind == "similar":
        return _sentence(
            _("Like %(person)s, whom you wanted more of: %(names)s"),
            person=_names([reason.get("person", "")]),
            names=shown,
        )
    return Markup("")


# --- what a list is computed from ------------------------------------------------------


@dataclass
class _Me:
    """What the viewer brings to the scoring."""

    user_id: int
    topics: set[int] = field(default_factory=set)
    looking_topics: set[int] = field(default_factory=set)
    wishes: dict[int, str] = field(default_factory=dict)
    sessions: set[int] = field(default_factory=set)
    #: The least-bookmarked of ``sessions``, which candidates are looked up by.
    rare_sessions: set[int] = field(default_factory=set)
    sponsors: set[int] = field(default_factory=set)
    looking_for: _Text = field(default_factory=lambda: _Text.of(""))
    can_offer: _Text = field(default_factory=lambda: _Text.of(""))
    looking_grams: set = field(default_factory=set)
    offer_grams: set = field(default_factory=set)
    #: People asked "more like this" for: (id, name, industry, job role, topics).
    liked: list[tuple[int, str, int | None, int | None, set[int]]] = field(default_factory=list)
    excluded: set[int] = field(default_factory=set)

    @property
    def liked_industries(self) -> set[int]:
        return {industry for _i, _n, industry, _r, _t in self.liked if industry}

    @property
    def liked_roles(self) -> set[int]:
        return {role for _i, _n, _ind, role, _t in self.liked if role}

    @property
    def liked_topics(self) -> set[int]:
        return {t for *_rest, topics in self.liked for t in topics}


def _registration_id(event: Event, user_id: int) -> int | None:
    return db.session.scalar(
        sa.select(Registration.id).where(
            Registration.event_id == event.id, Registration.user_id == user_id
        )
    )


def _interests_of(registration_ids: Iterable[int]) -> dict[int, set[int]]:
    ids = list(registration_ids)
    found: dict[int, set[int]] = defaultdict(set)
    if ids:
        rows = db.session.execute(
            sa.select(
                registration_interests.c.registration_id, registration_interests.c.term_id
            ).where(registration_interests.c.registration_id.in_(ids))
        )
        for registration_id, term_id in rows:
            found[registration_id].add(term_id)
    return found


def _blocked_with(user_id: int, person_id) -> sa.Exists:
    """Either of ``user_id`` and ``person_id`` (a column) blocked the other."""
    return sa.exists().where(
        sa.or_(
            sa.and_(Block.blocker_id == user_id, Block.blocked_id == person_id),
            sa.and_(Block.blocker_id == person_id, Block.blocked_id == user_id),
        )
    )


def _excluded(event: Event, user_id: int) -> set[int]:
    """Oneself, people blocked either way, contacts and people dismissed here."""
    excluded = {user_id}
    excluded.update(
        db.session.scalars(sa.select(Block.blocked_id).where(Block.blocker_id == user_id))
    )
    excluded.update(
        db.session.scalars(sa.select(Block.blocker_id).where(Block.blocked_id == user_id))
    )
    excluded.update(
        db.session.scalars(sa.select(Contact.person_id).where(Contact.owner_id == user_id))
    )
    excluded.update(
        db.session.scalars(
            sa.select(SuggestionFeedback.person_id).where(
                SuggestionFeedback.event_id == event.id,
                SuggestionFeedback.user_id == user_id,
                SuggestionFeedback.verdict == SuggestionVerdict.dismissed,
            )
        )
    )
    return excluded


def rarest_sessions(session_ids: set[int], keep: int = CANDIDATE_SESSIONS) -> set[int]:
    """The ``keep`` sessions of ``session_ids`` with the fewest bookmarks (ties by id)."""
    if len(session_ids) <= keep:
        return set(session_ids)
    popularity = db.session.execute(
        sa.select(Bookmark.session_id, sa.func.count())
        .where(Bookmark.session_id.in_(sorted(session_ids)))
        .group_by(Bookmark.session_id)
    ).all()
    ranked = sorted(popularity, key=lambda row: (row[1], row[0]))
    return {session_id for session_id, _count in ranked[:keep]}


def _me(event: Event, user: User) -> _Me:
    me = _Me(user_id=user.id)
    terms = {term.id: term for term in event.terms}
    registration_id = _registration_id(event, user.id)
    if registration_id is not None:
        me.topics = _interests_of([registration_id]).get(registration_id, set())
        for term_id in db.session.scalars(
            sa.select(registration_meet_wishes.c.term_id).where(
                registration_meet_wishes.c.registration_id == registration_id
            )
        ):
            term = terms.get(term_id)
            if term is not None and term.kind in _WISH_KINDS:
                me.wishes[term_id] = _WISH_KINDS[term.kind]
    profile = user.profile
    if profile is not None:
        me.looking_for = _Text.of(profile.looking_for)
        me.can_offer = _Text.of(profile.can_offer)
        me.looking_grams = me.looking_for.ngrams()
        me.offer_grams = me.can_offer.ngrams()
    for term_id, term in terms.items():
        if term.kind != TaxonomyKind.topic or term_id in me.topics:
            continue
        if me.looking_for.contains(_Text.of(term.name).words):
            me.looking_topics.add(term_id)
    me.sessions = set(
        db.session.scalars(
            sa.select(Bookmark.session_id).where(
                Bookmark.event_id == event.id, Bookmark.user_id == user.id
            )
        )
    )
    me.rare_sessions = rarest_sessions(me.sessions)
    me.sponsors = set(
        db.session.scalars(
            sa.select(Activity.sponsor_id)
            .where(
                Activity.event_id == event.id,
                Activity.user_id == user.id,
                Activity.kind == ActivityKind.booth_visit,
                Activity.sponsor_id.is_not(None),
            )
            .distinct()
        )
    )
    liked = db.session.execute(
        sa.select(
            Registration.id,
            Registration.user_id,
            User.display_name,
            Registration.industry_id,
            Registration.job_role_id,
        )
        .join(User, User.id == Registration.user_id)
        .outerjoin(Profile, Profile.user_id == Registration.user_id)
        .join(
            SuggestionFeedback,
            sa.and_(
                SuggestionFeedback.person_id == Registration.user_id,
                SuggestionFeedback.event_id == event.id,
                SuggestionFeedback.user_id == user.id,
                SuggestionFeedback.verdict == SuggestionVerdict.more_like_this,
            ),
        )
        # Only people who may still be suggested: someone who hid since (or was
        # blocked) is never named in a reason.
        .where(*_eligible(event), ~_blocked_with(user.id, Registration.user_id))
        .order_by(SuggestionFeedback.created_at.desc())
        .limit(20)
    ).all()
    interests = _interests_of(row.id for row in liked)
    me.liked = [
        (
            row.user_id,
            row.display_name,
            row.industry_id,
            row.job_role_id,
            interests.get(row.id, set()),
        )
        for row in liked
    ]
    me.excluded = _excluded(event, user.id)
    return me


# --- candidates ----------------------------------------------------------------------------


def _branches(event: Event, me: _Me) -> list[sa.Select]:
    """One SELECT (person_id, kind) per signal, each an indexed lookup."""
    branches: list[sa.Select] = []

    def tagged(column, kind: str):
        return (
            column.label("person_id"),
            sa.literal_column(str(KIND_CODES[kind]), sa.Integer).label("kind"),
            sa.literal_column(repr(WEIGHTS[kind]), sa.Float).label("weight"),
        )

    def by_topic(topic_ids: set[int], kind: str) -> sa.Select:
        return (
            sa.select(*tagged(Registration.user_id, kind))
            .select_from(registration_interests)
            .join(Registration, Registration.id == registration_interests.c.registration_id)
            .where(
                registration_interests.c.term_id.in_(sorted(topic_ids)),
                Registration.event_id == event.id,
            )
        )

    def by_column(column, term_ids: set[int], kind: str) -> sa.Select:
        return sa.select(*tagged(Registration.user_id, kind)).where(
            column.in_(sorted(term_ids)), Registration.event_id == event.id
        )

    if me.topics:
        branches.append(by_topic(me.topics, "topics"))
    if me.looking_topics:
        branches.append(by_topic(me.looking_topics, "looking_topic"))
    columns = {
        "industry": Registration.industry_id,
        "region": Registration.region_id,
        "job_role": Registration.job_role_id,
    }
    for kind, column in columns.items():
        wished = {term_id for term_id, k in me.wishes.items() if k == kind}
        if wished:
            branches.append(by_column(column, wished, kind))
    if me.rare_sessions:
        branches.append(
            sa.select(*tagged(Bookmark.user_id, "bookmarks")).where(
                Bookmark.session_id.in_(sorted(me.rare_sessions))
            )
        )
    if me.sponsors:
        visits = (
            sa.select(Activity.user_id, Activity.sponsor_id)
            .where(
                Activity.sponsor_id.in_(sorted(me.sponsors)),
                Activity.kind == ActivityKind.booth_visit,
                Activity.event_id == event.id,
                Activity.user_id.is_not(None),
            )
            .distinct()
            .subquery("visits")
        )
        branches.append(sa.select(*tagged(visits.c.user_id, "booths")))
    if me.liked_industries:
        branches.append(by_column(Registration.industry_id, me.liked_industries, "similar"))
    if me.liked_roles:
        branches.append(by_column(Registration.job_role_id, me.liked_roles, "similar"))
    if me.liked_topics:
        branches.append(by_topic(me.liked_topics, "similar"))
    return branches


def candidate_query(event: Event, me: _Me, limit: int = CANDIDATES) -> sa.Select | None:
    """The best ``limit`` people by pre-score, with how often each signal matched them;
    None when the viewer gives nothing to match on."""
    branches = _branches(event, me)
    if not branches:
        return None
    present = {branch.selected_columns.kind.element.name for branch in branches}
    hits = sa.union_all(*branches).subquery("hits")
    counts = [
        sa.func.sum(
            sa.case((hits.c.kind == sa.literal_column(str(code), sa.Integer), 1), else_=0)
        ).label(kind)
        for kind, code in KIND_CODES.items()
        if str(code) in present
    ]
    pre = sa.func.sum(hits.c.weight).label("pre")
    query = sa.select(hits.c.person_id, pre, *counts).group_by(hits.c.person_id)
    if me.excluded:
        query = query.where(hits.c.person_id.not_in(sorted(me.excluded)))
    return query.order_by(pre.desc(), hits.c.person_id).limit(limit)


def candidate_ids(event: Event, user: User) -> list[int]:
    """The people the candidate query hands to scoring for ``user``, best first (for
    the benchmark's check against its hand-written query)."""
    query = candidate_query(event, _me(event, user))
    return [] if query is None else list(db.session.scalars(query))


@dataclass
class _Scored:
    user_id: int
    registration_id: int
    score: float
    counts: dict[str, int]
    reasons: list[dict]


def _eligible(event: Event):
    """Conditions (over Registration, User, Profile) for someone who may be suggested."""
    return (
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.approved,
        Registration.directory_visible.is_(True),
        User.is_suspended.is_(False),
        User.deleted_at.is_(None),
        sa.or_(Profile.user_id.is_(None), Profile.directory_visible.is_(True)),
    )


def _score(event: Event, me: _Me, names: dict[int, str]) -> list[_Scored]:
    query = candidate_query(event, me)
    if query is None:
        return []
    rows = db.session.execute(query).all()
    if not rows:
        return []
    counts_by_id = {row.person_id: row for row in rows}
    details = db.session.execute(
        sa.select(
            Registration.id,
            Registration.user_id,
            Registration.industry_id,
            Registration.region_id,
            Registration.job_role_id,
            Profile.looking_for,
            Profile.can_offer,
        )
        # From the people, so the database looks each one up by (event, person) rather
        # than walking the event's whole directory.
        .select_from(User)
        .join(
            Registration,
            sa.and_(Registration.user_id == User.id, Registration.event_id == event.id),
        )
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(User.id.in_(list(counts_by_id)), *_eligible(event))
    ).all()
    scored: list[_Scored] = []
    for detail in details:
        row = counts_by_id[detail.user_id]
        counts = {kind: int(value or 0) for kind, value in row._mapping.items() if kind in WEIGHTS}
        reasons: list[dict] = []
        for kind, term_id in (
            ("industry", detail.industry_id),
            ("region", detail.region_id),
            ("job_role", detail.job_role_id),
        ):
            if term_id is not None and me.wishes.get(term_id) == kind:
                reasons.append({"kind": kind, "names": [names[term_id]]})
            counts[kind] = 1 if term_id is not None and me.wishes.get(term_id) == kind else 0
        offers = common_phrases(me.looking_for, me.looking_grams, _Text.of(detail.can_offer))
        seeks = common_phrases(me.can_offer, me.offer_grams, _Text.of(detail.looking_for))
        if offers:
            reasons.append({"kind": "offers", "names": offers[:PHRASES_COUNTED]})
        if seeks:
            reasons.append({"kind": "seeks", "names": seeks[:PHRASES_COUNTED]})
        counts["offers"] = min(len(offers), PHRASES_COUNTED)
        counts["seeks"] = min(len(seeks), PHRASES_COUNTED)
        counts["bookmarks"] = min(counts.get("bookmarks", 0), BOOKMARKS_COUNTED)
        score = sum(WEIGHTS[kind] * counts.get(kind, 0) for kind in WEIGHTS)
        if score > 0:
            scored.append(_Scored(detail.user_id, detail.id, score, counts, reasons))
    scored.sort(key=lambda s: (-s.score, s.user_id))
    return scored[:KEEP]


def _name_reasons(event: Event, me: _Me, kept: list[_Scored], names: dict[int, str]) -> None:
    """Add the reasons that need names of shared things (topics, sessions, booths,
    similar people), for the kept people only."""
    if not kept:
        return
    interests = _interests_of(s.registration_id for s in kept)
    user_ids = [s.user_id for s in kept]
    sessions: dict[int, list[str]] = defaultdict(list)
    if me.sessions:
        for user_id, title in db.session.execute(
            sa.select(Bookmark.user_id, ProgramSession.title)
            .join(ProgramSession, ProgramSession.id == Bookmark.session_id)
            .where(Bookmark.user_id.in_(user_ids), Bookmark.session_id.in_(sorted(me.sessions)))
            .order_by(Bookmark.user_id, ProgramSession.starts_at, ProgramSession.id)
        ):
            sessions[user_id].append(title)
    booths: dict[int, list[str]] = defaultdict(list)
    if me.sponsors:
        for user_id, sponsor_name in db.session.execute(
            sa.select(Activity.user_id, Sponsor.name)
            .join(Sponsor, Sponsor.id == Activity.sponsor_id)
            .where(
                Activity.event_id == event.id,
                Activity.user_id.in_(user_ids),
                Activity.kind == ActivityKind.booth_visit,
                Activity.sponsor_id.in_(sorted(me.sponsors)),
            )
            .distinct()
            .order_by(Activity.user_id, Sponsor.name)
        ):
            booths[user_id].append(sponsor_name)
    details = {
        row.user_id: row
        for row in db.session.execute(
            sa.select(
                Registration.user_id, Registration.industry_id, Registration.job_role_id
            ).where(Registration.event_id == event.id, Registration.user_id.in_(user_ids))
        )
    }
    for s in kept:
        theirs = interests.get(s.registration_id, set())
        shared = sorted(theirs & me.topics, key=lambda t: names[t])
        if shared:
            s.reasons.append({"kind": "topics", "names": [names[t] for t in shared]})
        looked = sorted(theirs & me.looking_topics, key=lambda t: names[t])
        if looked:
            s.reasons.append({"kind": "looking_topic", "names": [names[t] for t in looked]})
        if sessions.get(s.user_id):
            titles = sessions[s.user_id]
            s.reasons.append(
                {"kind": "bookmarks", "names": titles[:NAMES_PER_REASON], "count": len(titles)}
            )
        if booths.get(s.user_id):
            s.reasons.append({"kind": "booths", "names": booths[s.user_id]})
        detail = details.get(s.user_id)
        best: tuple[int, str, list[str]] | None = None
        for liked_id, liked_name, industry, role, topics in me.liked:
            if liked_id == s.user_id:
                continue
            common = []
            if detail is not None and industry and detail.industry_id == industry:
                common.append(names[industry])
            if detail is not None and role and detail.job_role_id == role:
                common.append(names[role])
            common += [names[t] for t in sorted(theirs & topics, key=lambda t: names[t])]
            if common and (best is None or len(common) > len(best[2])):
                best = (liked_id, liked_name, common)
        if best is not None:
            s.reasons.append(
                {"kind": "similar", "person_id": best[0], "person": best[1], "names": best[2]}
            )
        s.reasons.sort(key=lambda r: REASON_ORDER.index(r["kind"]))


def compute(event: Event, user: User) -> list[_Scored]:
    """Score ``user``'s candidates in ``event`` (nothing stored)."""
    names = {term.id: term.name for term in event.terms}
    me = _me(event, user)
    kept = _score(event, me, names)
    _name_reasons(event, me, kept, names)
    return kept


def refresh(event: Event, user: User) -> int:
    """Compute ``user``'s suggestions in ``event`` again and store them.

    Side effects: replaces the person's ``Suggestion`` rows of the event and marks
    their ``SuggestionList`` fresh. Two requests refreshing the same list at once
    both succeed; the later one's rows stay. Flushes. Returns how many were kept.
    """
    kept = compute(event, user)
    now = utcnow()
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.delete(Suggestion).where(
                    Suggestion.event_id == event.id, Suggestion.user_id == user.id
                )
            )
            if kept:
                db.session.execute(
                    sa.insert(Suggestion),
                    [
                        {
                            "event_id": event.id,
                            "user_id": user.id,
                            "person_id": s.user_id,
                            "rank": rank,
                            "score": s.score,
                            "reasons": s.reasons,
                        }
                        for rank, s in enumerate(kept)
                    ],
                )
            listing = db.session.get(SuggestionList, (event.id, user.id))
            if listing is None:
                db.session.add(
                    SuggestionList(event_id=event.id, user_id=user.id, computed_at=now, stale=False)
                )
            else:
                listing.computed_at = now
                listing.stale = False
            db.session.flush()
    except IntegrityError:
        pass
    return len(kept)


def max_age() -> timedelta:
    if has_app_context():
        return current_app.config.get("SUGGESTIONS_MAX_AGE", MAX_AGE)
    return MAX_AGE


def is_fresh(event: Event, user: User, now: datetime | None = None) -> bool:
    listing = db.session.get(SuggestionList, (event.id, user.id))
    if listing is None or listing.stale:
        return False
    return listing.computed_at > (now or utcnow()) - max_age()


# --- reading a list --------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestedPerson:
    """One card of the "people to meet" page."""

    user_id: int
    display_name: str
    headline: str
    company: str
    job_title: str
    photo: str | None
    score: float
    #: The reasons as data (``describe`` turns one into a sentence).
    reasons: tuple[dict, ...]


def _still_suggestible(event: Event, user_id: int):
    """Conditions on a cached ``Suggestion`` row: the person may still be suggested."""
    dismissed = sa.exists().where(
        SuggestionFeedback.event_id == event.id,
        SuggestionFeedback.user_id == user_id,
        SuggestionFeedback.person_id == Suggestion.person_id,
        SuggestionFeedback.verdict == SuggestionVerdict.dismissed,
    )
    blocked = _blocked_with(user_id, Suggestion.person_id)
    contact = sa.exists().where(
        Contact.owner_id == user_id, Contact.person_id == Suggestion.person_id
    )
    return (
        *_eligible(event),
        Suggestion.person_id != user_id,
        ~dismissed,
        ~blocked,
        ~contact,
    )


def suggestions_for(event: Event, user: User, limit: int = KEEP) -> list[SuggestedPerson]:
    """``user``'s suggested people in ``event``, best first, computed again first when
    the cached list is missing, stale or too old (see ``refresh``; flushes then)."""
    if not is_fresh(event, user):
        refresh(event, user)
    rows = db.session.execute(
        sa.select(
            Suggestion.person_id,
            Suggestion.score,
            Suggestion.reasons,
            User.display_name,
            Profile.headline,
            Profile.company,
            Profile.job_title,
            Profile.photo,
        )
        .join(User, User.id == Suggestion.person_id)
        .outerjoin(Profile, Profile.user_id == Suggestion.person_id)
        .join(
            Registration,
            sa.and_(
                Registration.event_id == Suggestion.event_id,
                Registration.user_id == Suggestion.person_id,
            ),
        )
        .where(
            Suggestion.event_id == event.id,
            Suggestion.user_id == user.id,
            *_still_suggestible(event, user.id),
        )
        .order_by(Suggestion.rank)
        .limit(limit)
    ).all()
    reasons = _current_reasons(event, user, {row.person_id: row.reasons or () for row in rows})
    return [
        SuggestedPerson(
            user_id=row.person_id,
            display_name=row.display_name,
            headline=row.headline or "",
            company=row.company or "",
            job_title=row.job_title or "",
            photo=row.photo,
            score=row.score,
            reasons=reasons[row.person_id],
        )
        for row in rows
    ]


def _current_reasons(
    event: Event, user: User, cached: dict[int, Iterable[dict]]
) -> dict[int, tuple[dict, ...]]:
    """The cached reasons per person, without "similar" reasons naming someone who may
    no longer be suggested (hidden, suspended, blocked since the list was computed) or
    the card's own person. Dropping one marks the list stale so it is computed again
    on the next read. One query, only when some reason names a person."""
    named = {
        reason.get("person_id")
        for reasons in cached.values()
        for reason in reasons
        if reason.get("kind") == "similar"
    }
    named.discard(None)
    still: set[int] = set()
    if named:
        still = set(
            db.session.scalars(
                sa.select(User.id)
                .join(
                    Registration,
                    sa.and_(Registration.user_id == User.id, Registration.event_id == event.id),
                )
                .outerjoin(Profile, Profile.user_id == User.id)
                .where(
                    User.id.in_(sorted(named)),
                    *_eligible(event),
                    ~_blocked_with(user.id, User.id),
                )
            )
        )
    current: dict[int, tuple[dict, ...]] = {}
    dropped = False
    for person_id, reasons in cached.items():
        kept = []
        for reason in reasons:
            if reason.get("kind") == "similar" and (
                reason.get("person_id") not in still or reason.get("person_id") == person_id
            ):
                dropped = True
                continue
            kept.append(reason)
        current[person_id] = tuple(kept)
    if dropped:
        _mark_lists(SuggestionList.event_id == event.id, SuggestionList.user_id == user.id)
    return current


def messageable(event: Event, user: User, person_ids: Iterable[int]) -> set[int]:
    """Which of ``person_ids`` ``user`` may start a conversation with from ``event``:
    the same answer as the ``conversation.start`` rule for each of them, in a fixed
    number of queries (the people with their profiles, blocks, contacts, conversations,
    registrations and roles, each for all of them at once) instead of several per
    person. The rule stays the reference: a test compares the two case by case."""
    ids = sorted(set(person_ids) - {user.id})
    if not ids or not user.is_authenticated or not user.is_active:
        return set()
    if permissions.messaging_suspended(user, event.id):
        return set()
    people = db.session.scalars(
        sa.select(User).options(joinedload(User.profile)).where(User.id.in_(ids))
    ).all()
    blocked = {
        blocker if blocked_id == user.id else blocked_id
        for blocker, blocked_id in db.session.execute(
            sa.select(Block.blocker_id, Block.blocked_id).where(
                sa.or_(
                    sa.and_(Block.blocker_id == user.id, Block.blocked_id.in_(ids)),
                    sa.and_(Block.blocked_id == user.id, Block.blocker_id.in_(ids)),
                )
            )
        )
    }
    contacts = set(
        db.session.scalars(
            sa.select(Contact.person_id).where(
                Contact.owner_id == user.id, Contact.person_id.in_(ids)
            )
        )
    )
    talked = {
        low if high == user.id else high
        for low, high in db.session.execute(
            sa.select(Conversation.user_low_id, Conversation.user_high_id).where(
                sa.or_(
                    sa.and_(
                        Conversation.user_low_id == user.id, Conversation.user_high_id.in_(ids)
                    ),
                    sa.and_(
                        Conversation.user_high_id == user.id, Conversation.user_low_id.in_(ids)
                    ),
                )
            )
        )
    }
    approved = set(
        db.session.scalars(
            sa.select(Registration.user_id).where(
                Registration.event_id == event.id,
                Registration.user_id.in_(ids),
                Registration.status == RegistrationStatus.approved,
            )
        )
    )
    with_role = set(
        db.session.scalars(
            sa.select(EventRole.user_id).where(
                EventRole.event_id == event.id, EventRole.user_id.in_(ids)
            )
        )
    )
    participates = permissions.can(user, "event.participate", event)
    organizer = permissions.standing(user, event).is_organizer
    open_now = permissions.networking_open(event)
    not_closed = permissions.network_phase(event) != NetworkPhase.closed
    allowed: set[int] = set()
    for person in people:
        if not person.is_active or person.id in blocked:
            continue
        profile = person.profile
        policy = profile.message_policy if profile else MessagePolicy.participants
        if person.id in contacts:
            if policy != MessagePolicy.nobody or person.id in talked:
                allowed.add(person.id)
            continue
        takes_part = person.id in approved or person.id in with_role or person.is_platform_admin
        visible = profile is None or profile.directory_visible or organizer
        if not (participates and takes_part and visible):
            continue
        if not open_now:
            if not_closed and person.id in talked:
                allowed.add(person.id)
            continue
        if policy == MessagePolicy.participants or (
            policy == MessagePolicy.contacts and person.id in talked
        ):
            allowed.add(person.id)
    return allowed


def record_shown(event: Event, user: User, person_ids: Iterable[int]) -> int:
    """Remember that ``user`` was shown these people (the first time only), for the
    organizers' counts. Side effects: inserts ``SuggestionShown`` rows. Flushes;
    returns how many were new."""
    wanted = set(person_ids)
    if not wanted:
        return 0
    seen = set(
        db.session.scalars(
            sa.select(SuggestionShown.person_id).where(
                SuggestionShown.event_id == event.id,
                SuggestionShown.user_id == user.id,
                SuggestionShown.person_id.in_(sorted(wanted)),
            )
        )
    )
    new = sorted(wanted - seen)
    if not new:
        return 0
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.insert(SuggestionShown),
                [
                    {
                        "event_id": event.id,
                        "user_id": user.id,
                        "person_id": pid,
                        "shown_at": utcnow(),
                    }
                    for pid in new
                ],
            )
    except IntegrityError:
        return 0
    return len(new)


# --- feedback ---------------------------------------------------------------------------------


def give_feedback(event: Event, user: User, person: User, verdict: SuggestionVerdict) -> None:
    """``user`` dismisses ``person`` or asks for more like them (the last word counts).

    Side effects: writes the ``SuggestionFeedback`` row; a dismissal also removes the
    person from the cached list at once; "more like this" marks the list stale so the
    next view favours similar people. Flushes.
    """
    feedback = db.session.get(SuggestionFeedback, (event.id, user.id, person.id))
    if feedback is None:
        db.session.add(
            SuggestionFeedback(
                event_id=event.id, user_id=user.id, person_id=person.id, verdict=verdict
            )
        )
    else:
        feedback.verdict = verdict
        feedback.created_at = utcnow()
    if verdict == SuggestionVerdict.dismissed:
        db.session.execute(
            sa.delete(Suggestion).where(
                Suggestion.event_id == event.id,
                Suggestion.user_id == user.id,
                Suggestion.person_id == person.id,
            )
        )
    else:
        _mark_lists(SuggestionList.event_id == event.id, SuggestionList.user_id == user.id)
    db.session.flush()


# --- staleness --------------------------------------------------------------------------------


def _mark_lists(*conditions) -> None:
    db.session.execute(
        sa.update(SuggestionList)
        .where(*conditions)
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
    for listing in db.session.identity_map.values():
        if isinstance(listing, SuggestionList):
            db.session.expire(listing, ["stale"])


def _lists_showing(user_id: int):
    return sa.exists().where(
        Suggestion.event_id == SuggestionList.event_id,
        Suggestion.user_id == SuggestionList.user_id,
        Suggestion.person_id == user_id,
    )


def mark_stale(event_id: int, user_id: int) -> None:
    """Something ``user_id``'s suggestions in the event depend on changed (their
    registration, wishes, bookmarks): their list there, and every list there that
    shows them, is computed again on its next read."""
    _mark_lists(
        SuggestionList.event_id == event_id,
        sa.or_(SuggestionList.user_id == user_id, _lists_showing(user_id)),
    )


def mark_stale_for_user(user_id: int) -> None:
    """Like ``mark_stale`` in every event (their profile changed, they blocked someone,
    became someone's contact)."""
    _mark_lists(sa.or_(SuggestionList.user_id == user_id, _lists_showing(user_id)))


# --- the organizers' counts -----------------------------------------------------------------


def conversion_counts(event: Event) -> dict[str, int]:
    """How suggestions worked out in ``event``, as counts only.

    - ``people``: people who were shown suggestions;
    - ``shown``: suggestions shown (one per viewer and person shown);
    - ``pairs``: pairs of people suggested to each other, either way or both (A shown
      B and B shown A are one pair);
    - ``conversations`` / ``meetings`` / ``contacts``: those pairs that, after the pair
      was first shown, started a conversation in this event, asked for a meeting in
      this event (either of them), or became contacts (either way). Each pair counts
      at most once per outcome, however many meetings or contact rows it has.
    """
    shown = SuggestionShown
    low_of = sa.case((shown.user_id < shown.person_id, shown.user_id), else_=shown.person_id)
    high_of = sa.case((shown.user_id < shown.person_id, shown.person_id), else_=shown.user_id)
    pairs = (
        sa.select(
            low_of.label("low"),
            high_of.label("high"),
            sa.func.min(shown.shown_at).label("first_shown"),
        )
        .where(shown.event_id == event.id)
        .group_by(low_of, high_of)
        .subquery("pairs")
    )
    low, high, since = pairs.c.low, pairs.c.high, pairs.c.first_shown
    conversation = sa.exists().where(
        Conversation.event_id == event.id,
        Conversation.user_low_id == low,
        Conversation.user_high_id == high,
        Conversation.created_at >= since,
    )
    meeting = sa.exists().where(
        Meeting.event_id == event.id,
        sa.or_(
            sa.and_(Meeting.requester_id == low, Meeting.invitee_id == high),
            sa.and_(Meeting.requester_id == high, Meeting.invitee_id == low),
        ),
        Meeting.created_at >= since,
    )
    contact = sa.exists().where(
        sa.or_(
            sa.and_(Contact.owner_id == low, Contact.person_id == high),
            sa.and_(Contact.owner_id == high, Contact.person_id == low),
        ),
        Contact.created_at >= since,
    )

    def flag(condition):
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    followed = db.session.execute(
        sa.select(
            sa.func.count().label("pairs"),
            flag(conversation).label("conversations"),
            flag(meeting).label("meetings"),
            flag(contact).label("contacts"),
        ).select_from(pairs)
    ).one()
    viewers = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(shown.user_id)).label("people"),
            sa.func.count().label("shown"),
        ).where(shown.event_id == event.id)
    ).one()
    return {
        "people": int(viewers.people),
        "shown": int(viewers.shown),
        "pairs": int(followed.pairs),
        "conversations": int(followed.conversations),
        "meetings": int(followed.meetings),
        "contacts": int(followed.contacts),
    }
