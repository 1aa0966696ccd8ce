"""The demo's engagement points, written by ``seed_demo`` through ``seed_demo_points``.

Berlin (``northwind-2026``) gets its organizers' point values with daily caps and a
visible leaderboard. The points themselves come from the activity rows the rest of the
demo writes (check-ins, session attendance, booth visits, question votes); the meetings
that took place are recorded as ``meeting_held`` rows, and the demo attendee's complete
profile earns its row, as the running app would.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.demo import DEMO_SLUG
from conference.enums import PointKind
from conference.extensions import db
from conference.models import Event, PointRule, User
from conference.services import points
from conference.services.meetings import now as clock_now

#: Berlin's values: attending and meeting people count most; votes and booths are capped.
BERLIN_RULES = {
    PointKind.profile_complete: points.Rule(20),
    PointKind.check_in: points.Rule(10),
    PointKind.attendance: points.Rule(5, 30),
    PointKind.question_upvoted: points.Rule(2, 10),
    PointKind.meeting_held: points.Rule(10, 40),
    PointKind.booth_visit: points.Rule(3, 15),
}


def seed_demo_points() -> bool:
    """Set Berlin's point rules and show its leaderboard, unless rules exist; record
    held meetings and the demo attendee's complete profile. True if it wrote anything.

    Side effects: writes ``PointRule`` rows, ``Event.leaderboard_visible`` and activity
    rows (``meeting_held``, ``profile_completed``). Flushes.
    """
    berlin = db.session.scalar(sa.select(Event).where(Event.slug == DEMO_SLUG))
    if berlin is None:
        return False
    has_rules = db.session.scalar(sa.select(sa.exists().where(PointRule.event_id == berlin.id)))
    wrote = False
    if not has_rules:
        points.save_rules(berlin, BERLIN_RULES, leaderboard_visible=True)
        wrote = True
    wrote = points.record_held_meetings(clock_now()) > 0 or wrote
    attendee = db.session.scalar(sa.select(User).where(User.email == "attendee@demo.test"))
    if attendee is not None:
        wrote = points.record_profile_completed(attendee) > 0 or wrote
    db.session.flush()
    return wrote
