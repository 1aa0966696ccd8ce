"""The directory's search keys, kept on each registration.

A registration stores its person's name, company and job title normalized by
``search_key``, and a copy of whether the person is visible in directories, so
the directory filters one indexed table. Whenever a name, company, title or
that visibility changes, ``refresh_search_keys`` rewrites them.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.extensions import db
from conference.models import Registration, User
from conference.models.types import search_key


def search_fields(user: User) -> dict[str, str | bool]:
    profile = user.profile
    return {
        "search_text": search_key(user.display_name, profile.company, profile.job_title)[:400],
        "sort_name": search_key(user.display_name)[:120],
        "directory_visible": profile.directory_visible is not False,
    }


def apply_search_keys(registration: Registration, user: User) -> None:
    for name, value in search_fields(user).items():
        setattr(registration, name, value)


def refresh_search_keys(user: User) -> None:
    """Rewrite the search keys (and visibility) of every registration of ``user``."""
    db.session.execute(
        sa.update(Registration).where(Registration.user_id == user.id).values(**search_fields(user))
    )
