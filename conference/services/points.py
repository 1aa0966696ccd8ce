"""Engagement points: what taking part in an event is worth, counted from activity rows.

Nothing stores a score. Each kind of point (``PointKind``) counts one kind of activity
row (``KIND_ACTIVITY``); the event's ``PointRule`` rows say how many points one such row
is worth and how many points of that kind one person earns per day at most, the day
being the event's local day. A total is therefore one SQL aggregate over the activity
table: rows counted per person, kind and local day (``event_reports.local_day``, exact
on both databases), each day's count times the value, capped, summed. Reports count the
same rows, so reports and points never disagree, and changing a value re-scores the
past too.

Two kinds of activity rows are written here: ``profile_completed`` (``update_profile``
and the approval of a registration call ``record_profile_completed``) and
``meeting_held`` (the periodic ``record_held_meetings`` job). The others are written
where the action happens (check-in, session attendance, booth visits, question votes).

The leaderboard lists approved participants who did not hide from it
(``Registration.leaderboard_hidden``) and whose profile is visible in the directory
(the registration's ``directory_visible`` copy); deleted accounts have no user on their
rows and never show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab

from conference import jobs
from conference.enums import (
    ActivityKind,
    MeetingStatus,
    NetworkPhase,
    PointKind,
    RegistrationStatus,
)
from conference.extensions import db
from conference.models import Activity, Event, Meeting, PointRule, Profile, Registration, User
from conference.permissions import network_phase
from conference.services import ServiceError, activity
from conference.services.event_reports import local_day
from conference.services.meetings import now as clock_now

#: The activity rows each kind of point counts.
KIND_ACTIVITY: dict[PointKind, ActivityKind] = {
    PointKind.profile_complete: ActivityKind.profile_completed,
    PointKind.check_in: ActivityKind.check_in,
    PointKind.attendance: ActivityKind.attendance,
    PointKind.question_upvoted: ActivityKind.question_upvoted,
    PointKind.meeting_held: ActivityKind.meeting_held,
    PointKind.booth_visit: ActivityKind.booth_visit,
}
ACTIVITY_KIND: dict[ActivityKind, PointKind] = {a: p for p, a in KIND_ACTIVITY.items()}

KIND_LABELS = {
    PointKind.profile_complete: _l("Completing your profile"),
    PointKind.check_in: _l("Checking in at the event"),
    PointKind.attendance: _l("Attending a session"),
    PointKind.question_upvoted: _l("A vote on a question you asked"),
    PointKind.meeting_held: _l("A 1:1 meeting that took place"),
    PointKind.booth_visit: _l("Visiting a sponsor's booth"),
}

#: The highest value and daily cap an organizer may set.
MAX_POINTS = 1000
MAX_CAP = 100_000
#: People on the leaderboard page.
LEADERBOARD_SIZE = 50
#: Meetings that ended this long ago or less are looked at by the periodic job.
MEETING_LOOKBACK = timedelta(days=7)
#: Profile fields that make a profile complete.
PROFILE_FIELDS = ("headline", "company", "job_title", "bio")


@dataclass(frozen=True)
class Rule:
    """What one activity row of a kind is worth, and the most per person and day."""

    points: int
    daily_cap: int | None = None


#: What an event starts with until its organizers change it: modest values, with caps
#: on what can be repeated (votes, sessions, meetings, booths).
DEFAULT_RULES: dict[PointKind, Rule] = {
    PointKind.profile_complete: Rule(20),
    PointKind.check_in: Rule(10),
    PointKind.attendance: Rule(5, 25),
    PointKind.question_upvoted: Rule(1, 10),
    PointKind.meeting_held: Rule(10, 40),
    PointKind.booth_visit: Rule(2, 10),
}


# --- rules ----------------------------------------------------------------------------------


def rules_of(event: Event) -> dict[PointKind, Rule]:
    """The event's value and cap for every kind (``DEFAULT_RULES`` where none is saved)."""
    saved = {
        row.kind: Rule(row.points, row.daily_cap)
        for row in db.session.scalars(sa.select(PointRule).where(PointRule.event_id == event.id))
    }
    return {kind: saved.get(kind, DEFAULT_RULES[kind]) for kind in PointKind}


def save_rules(event: Event, rules: Mapping[PointKind, Rule], leaderboard_visible: bool) -> None:
    """Save the organizer's values and caps for every kind, and whether participants see
    the leaderboard. Totals follow at once, for the past too (nothing is stored).

    Side effects: writes a ``PointRule`` row per kind and ``Event.leaderboard_visible``;
    flushes. Raises ``ServiceError`` (field ``<kind>_points`` or ``<kind>_daily_cap``)
    for a value out of range, before writing anything.
    """
    for kind in PointKind:
        rule = rules.get(kind, DEFAULT_RULES[kind])
        if not 0 <= rule.points <= MAX_POINTS:
            raise ServiceError(
                "out_of_range",
                _("Between 0 and %(max)d points, please.", max=MAX_POINTS),
                f"{kind}_points",
            )
        if rule.daily_cap is not None and not 0 <= rule.daily_cap <= MAX_CAP:
            raise ServiceError(
                "out_of_range",
                _("A cap between 0 and %(max)d, or empty for none.", max=MAX_CAP),
                f"{kind}_daily_cap",
            )
    existing = {
        row.kind: row
        for row in db.session.scalars(sa.select(PointRule).where(PointRule.event_id == event.id))
    }
    for kind in PointKind:
        rule = rules.get(kind, DEFAULT_RULES[kind])
        row = existing.get(kind)
        if row is None:
            row = PointRule(event_id=event.id, kind=kind)
            db.session.add(row)
        row.points = rule.points
        row.daily_cap = rule.daily_cap
    event.leaderboard_visible = bool(leaderboard_visible)
    db.session.flush()


# --- counting --------------------------------------------------------------------------------


def _span(where: list) -> tuple[datetime, datetime] | None:
    low, high = db.session.execute(
        sa.select(sa.func.min(Activity.created_at), sa.func.max(Activity.created_at)).where(*where)
    ).one()
    if low is None:
        return None
    low, high = (_aware(value) for value in (low, high))
    return low, high + timedelta(seconds=1)


def _aware(value) -> datetime:
    """min()/max() over a UTC column: SQLite hands back text, PostgreSQL a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _earned_per_day(event: Event, rules: Mapping[PointKind, Rule], user_ids=None):
    """A subquery of (user_id, kind, day, actions, points): each person's rows of each
    counted kind on each local day, and the points they earn after the day's cap; None
    when no kind is worth anything or there are no rows."""
    worth = {KIND_ACTIVITY[kind]: rule for kind, rule in rules.items() if rule.points > 0}
    if not worth:
        return None
    where = [
        Activity.event_id == event.id,
        Activity.kind.in_(list(worth)),
        Activity.user_id.is_not(None),
    ]
    if user_ids is not None:
        where.append(Activity.user_id.in_(list(user_ids)))
    span = _span(where)
    if span is None:
        return None
    day = local_day(event, Activity.created_at, *span).label("day")
    counted = (
        sa.select(Activity.user_id, Activity.kind, day, sa.func.count().label("actions"))
        .where(*where)
        .group_by(Activity.user_id, Activity.kind, day)
        .subquery("counted")
    )
    value = sa.case(
        *((counted.c.kind == kind, rule.points) for kind, rule in worth.items()), else_=0
    )
    capped = {kind: rule.daily_cap for kind, rule in worth.items() if rule.daily_cap is not None}
    raw = counted.c.actions * value
    if capped:
        cap = sa.case(*((counted.c.kind == kind, limit) for kind, limit in capped.items()))
        earned = sa.case((sa.and_(cap.is_not(None), raw > cap), cap), else_=raw)
    else:
        earned = raw
    return sa.select(
        counted.c.user_id,
        counted.c.kind,
        counted.c.day,
        counted.c.actions,
        raw.label("raw"),
        earned.label("points"),
    ).subquery("earned")


def totals(event: Event, user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Points per person in ``event`` (everyone with points, or only ``user_ids``);
    people without any are left out."""
    earned = _earned_per_day(event, rules_of(event), user_ids)
    if earned is None:
        return {}
    rows = db.session.execute(
        sa.select(earned.c.user_id, sa.func.sum(earned.c.points)).group_by(earned.c.user_id)
    )
    return {user_id: int(total) for user_id, total in rows if total}


def total_of(event: Event, user: User) -> int:
    return totals(event, [user.id]).get(user.id, 0)


@dataclass(frozen=True)
class KindLine:
    """One line of "how I earned my points"."""

    kind: PointKind
    label: str
    rule: Rule
    #: Activity rows of this kind.
    actions: int
    points: int
    #: Days on which the cap held back points.
    capped_days: tuple[date, ...]


@dataclass(frozen=True)
class MyPoints:
    total: int
    lines: list[KindLine]
    #: Place on the leaderboard; None when not on it (hidden, no points, not listed).
    rank: int | None
    hidden: bool


def my_points(event: Event, user: User) -> MyPoints:
    """``user``'s points in ``event`` per kind, with the days their caps held."""
    rules = rules_of(event)
    earned = _earned_per_day(event, rules, [user.id])
    per_kind: dict[ActivityKind, list] = {}
    if earned is not None:
        for row in db.session.execute(sa.select(earned).order_by(earned.c.day)):
            per_kind.setdefault(row.kind, []).append(row)
    lines = []
    for kind in PointKind:
        rows = per_kind.get(KIND_ACTIVITY[kind], [])
        lines.append(
            KindLine(
                kind=kind,
                label=str(KIND_LABELS[kind]),
                rule=rules[kind],
                actions=sum(r.actions for r in rows) if rows else _actions_of(event, user, kind),
                points=sum(int(r.points) for r in rows),
                capped_days=tuple(
                    date.fromisoformat(str(r.day)[:10]) for r in rows if r.points < r.raw
                ),
            )
        )
    registration = registration_of(event, user)
    hidden = registration is not None and registration.leaderboard_hidden
    return MyPoints(
        total=sum(line.points for line in lines),
        lines=lines,
        rank=rank_of(event, user),
        hidden=hidden,
    )


def _actions_of(event: Event, user: User, kind: PointKind) -> int:
    """Rows of a kind worth no points (they are not in the scored subquery)."""
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Activity.event_id == event.id,
            Activity.user_id == user.id,
            Activity.kind == KIND_ACTIVITY[kind],
        )
    )


# --- the leaderboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    display_name: str
    headline: str
    photo: str | None
    points: int


def _listed(event: Event):
    """Conditions on ``Registration`` (joined to ``User``) for who may be on the board."""
    return (
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.approved,
        Registration.leaderboard_hidden.is_(False),
        Registration.directory_visible.is_(True),
        User.deleted_at.is_(None),
    )


def _board_query(event: Event):
    earned = _earned_per_day(event, rules_of(event))
    if earned is None:
        return None
    per_person = (
        sa.select(earned.c.user_id, sa.func.sum(earned.c.points).label("total"))
        .group_by(earned.c.user_id)
        .subquery("per_person")
    )
    return (
        sa.select(
            per_person.c.user_id,
            per_person.c.total,
            User.display_name,
            Profile.headline,
            Profile.photo,
        )
        .join(User, User.id == per_person.c.user_id)
        .join(Registration, Registration.user_id == User.id)
        .outerjoin(Profile, Profile.user_id == User.id)
        .where(*_listed(event), per_person.c.total > 0)
    )


def leaderboard(event: Event, limit: int = LEADERBOARD_SIZE) -> list[Standing]:
    """The top ``limit`` listed people, most points first; equal totals share a rank
    (1, 2, 2, 4), and within one the order is by name."""
    query = _board_query(event)
    if query is None:
        return []
    rows = db.session.execute(
        query.order_by(sa.desc("total"), User.display_name, User.id).limit(limit)
    ).all()
    board: list[Standing] = []
    for position, row in enumerate(rows, start=1):
        total = int(row.total)
        rank = board[-1].rank if board and board[-1].points == total else position
        board.append(
            Standing(rank, row.user_id, row.display_name, row.headline or "", row.photo, total)
        )
    return board


def rank_of(event: Event, user: User) -> int | None:
    """``user``'s place on the board (1 + listed people with more points); None when
    they are not listed or have no points."""
    query = _board_query(event)
    if query is None:
        return None
    board = query.subquery("board")
    mine = db.session.scalar(sa.select(board.c.total).where(board.c.user_id == user.id))
    if not mine:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).select_from(board).where(board.c.total > mine)
    )
    return ahead + 1


def registration_of(event: Event, user: User) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id, Registration.user_id == user.id
        )
    )


def set_hidden(event: Event, user: User, hidden: bool) -> None:
    """Keep ``user`` off (or put them back on) the event's leaderboard.

    Raises ``ServiceError("not_registered")`` without a registration. Flushes."""
    registration = registration_of(event, user)
    if registration is None:
        raise ServiceError("not_registered", _("You are not registered for this event."))
    registration.leaderboard_hidden = bool(hidden)
    db.session.flush()


# --- activity rows written here ----------------------------------------------------------------


def profile_complete(user: User) -> bool:
    profile = user.profile
    return profile is not None and all(
        (getattr(profile, name) or "").strip() for name in PROFILE_FIELDS
    )


def record_profile_completed(user: User, event: Event | None = None) -> int:
    """When ``user``'s profile is complete, write a ``profile_completed`` row for each
    running event they take part in (approved) that has none for them yet, or only for
    ``event``. Called when the profile changes (``update_profile``) and when a
    registration becomes approved (``registrations``), so a profile completed before
    the approval earns it too. Returns how many it wrote; flushes."""
    if not profile_complete(user):
        return 0
    where = [
        Registration.user_id == user.id,
        Registration.status == RegistrationStatus.approved,
        ~sa.exists().where(
            Activity.event_id == Event.id,
            Activity.user_id == user.id,
            Activity.kind == ActivityKind.profile_completed,
        ),
    ]
    if event is not None:
        where.append(Event.id == event.id)
    events = db.session.scalars(
        sa.select(Event).join(Registration, Registration.event_id == Event.id).where(*where)
    ).all()
    written = 0
    for running in events:
        if network_phase(running) != NetworkPhase.live:
            continue
        activity.record(user, running, ActivityKind.profile_completed)
        written += 1
    return written


#: The PostgreSQL advisory lock (its two keys) that runs of ``record_held_meetings``
#: take in turn: arbitrary numbers no other part of the app uses.
_HELD_MEETINGS_LOCK = (62012, 1)


def record_held_meetings(now: datetime) -> int:
    """Write a ``meeting_held`` row for each person of every accepted meeting that ended
    (in the last ``MEETING_LOOKBACK``), dated at the meeting's end, with the person's
    registration answers copied on as ``activity.record`` does. Deleted accounts are
    skipped. Returns how many rows it wrote; flushes.

    Idempotent, also when consumers run it at the same moment: one ``INSERT ... SELECT
    ... WHERE NOT EXISTS`` writes only the rows missing for an (event, person, moment)
    (one person's accepted meetings never overlap, so at most one of theirs ends at a
    moment). NOT EXISTS alone cannot see a row another transaction has not committed
    yet, so runs take turns: on PostgreSQL behind a transaction-level advisory lock
    (the statement after it sees what the previous run committed), on SQLite through
    its single writer (transactions begin ``IMMEDIATE``, ``conference.web``).
    """
    since = now - MEETING_LOOKBACK
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(*_HELD_MEETINGS_LOCK)))
    window = (
        Meeting.status == MeetingStatus.accepted,
        Meeting.ends_at <= now,
        Meeting.ends_at > since,
    )
    people = sa.union_all(
        sa.select(Meeting.event_id, Meeting.requester_id.label("user_id"), Meeting.ends_at).where(
            *window
        ),
        sa.select(Meeting.event_id, Meeting.invitee_id, Meeting.ends_at).where(*window),
    ).subquery("people")
    missing = (
        sa.select(
            people.c.event_id,
            people.c.user_id,
            sa.literal(ActivityKind.meeting_held, Activity.kind.type),
            Registration.industry_id,
            Registration.region_id,
            Registration.job_role_id,
            Registration.ticket_type_id,
            people.c.ends_at,
        )
        .distinct()
        .join(User, User.id == people.c.user_id)
        .outerjoin(
            Registration,
            sa.and_(
                Registration.event_id == people.c.event_id,
                Registration.user_id == people.c.user_id,
            ),
        )
        .where(
            User.deleted_at.is_(None),
            ~sa.exists().where(
                Activity.event_id == people.c.event_id,
                Activity.user_id == people.c.user_id,
                Activity.kind == ActivityKind.meeting_held,
                Activity.created_at == people.c.ends_at,
            ),
        )
    )
    written = db.session.scalars(
        sa.insert(Activity)
        .from_select(
            [
                "event_id",
                "user_id",
                "kind",
                "industry_id",
                "region_id",
                "job_role_id",
                "ticket_type_id",
                "created_at",
            ],
            missing,
        )
        .returning(Activity.id)
    ).all()
    return len(written)


@jobs.periodic(crontab(minute="*/10"))
def record_held_meetings_job() -> None:
    """Every ten minutes: the meetings that took place earn their people points."""
    record_held_meetings(clock_now())
    db.session.commit()
