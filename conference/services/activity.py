"""Activity rows: one per thing a participant does, for the organizer's reports.

Every area that records activity (bookmarks, session views, material
downloads, ...) calls ``record`` inside the transaction of the action itself,
so an action and its row are committed or rolled back together.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.enums import ActivityKind
from conference.extensions import db
from conference.models import (
    Activity,
    Event,
    Material,
    ProgramSession,
    Registration,
    Sponsor,
    User,
)


def record(
    actor: User,
    event: Event,
    kind: ActivityKind,
    *,
    session: ProgramSession | None = None,
    material: Material | None = None,
    sponsor: Sponsor | None = None,
    question_id: int | None = None,
) -> Activity:
    """Write one activity row for ``actor`` in ``event`` and return it.

    The actor's registration answers (industry, region, job role, ticket
    type) are copied onto the row as they are now, so reports group one
    table; someone without a registration (an organizer who never
    registered) gets nulls there. A material implies its session when no
    session is given; ``sponsor`` says whose booth, material or lead it concerns;
    ``question_id`` which question a Q&A row is about.

    Side effects: adds the row and flushes.
    """
    if session is None and material is not None:
        session = material.session
    answers = db.session.execute(
        sa.select(
            Registration.industry_id,
            Registration.region_id,
            Registration.job_role_id,
            Registration.ticket_type_id,
        ).where(Registration.event_id == event.id, Registration.user_id == actor.id)
    ).first()
    row = Activity(
        event_id=event.id,
        user_id=actor.id,
        kind=kind,
        session_id=session.id if session is not None else None,
        material_id=material.id if material is not None else None,
        industry_id=answers.industry_id if answers else None,
        region_id=answers.region_id if answers else None,
        job_role_id=answers.job_role_id if answers else None,
        ticket_type_id=answers.ticket_type_id if answers else None,
        sponsor_id=sponsor.id if sponsor is not None else None,
        question_id=question_id,
    )
    db.session.add(row)
    db.session.flush()
    return row
