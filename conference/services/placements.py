"""Where sponsors appear outside their booths, as their packages entitle them: logos on
the event's landing page and on the agenda, "Sponsored by" on the sessions they
present, and the featured sponsors above the people directory. (Their logos on their
staff's badges are loaded with the badges, in ``conference.services.badges``.)

Each function loads what one page needs in a query or two whatever the page holds, so
an agenda of hundreds of sessions costs one query for its sponsors, not one a session.
What a viewer gets of each sponsor is a ``Placement``: whether its logo is shown to
them (``booths.logo_is_visible``; else its name stands in) and whether its name links
to its booth (``booth.view``), so nobody is sent to a page that would refuse them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from conference.extensions import db
from conference.models import Event, ProgramSession, Sponsor, SponsorPackage
from conference.permissions import can
from conference.services.booths import logo_is_visible
from conference.services.sponsors import sponsors_by_tier


@dataclass(frozen=True)
class Placement:
    """One sponsor as one viewer sees it on a page."""

    sponsor: Sponsor
    #: Its logo is shown (it has one and the viewer may load it); else its name.
    show_logo: bool
    #: Its name and logo link to its booth.
    links_to_booth: bool


def placement(viewer, sponsor: Sponsor) -> Placement:
    return Placement(
        sponsor=sponsor,
        show_logo=bool(sponsor.logo_filename) and logo_is_visible(viewer, sponsor),
        links_to_booth=can(viewer, "booth.view", sponsor),
    )


def _tiers_with(
    viewer, event: Event, entitlement: str
) -> list[tuple[SponsorPackage, list[Placement]]]:
    """``sponsors.sponsors_by_tier`` narrowed to packages with ``entitlement``, as
    ``viewer`` sees them (one query: the agenda and the directory pay it on every view)."""
    return [
        (package, [placement(viewer, sponsor) for sponsor in group])
        for package, group in sponsors_by_tier(event, entitlement)
    ]


def _flat(tiers: list[tuple[SponsorPackage, list[Placement]]]) -> list[Placement]:
    return [shown for _package, placements in tiers for shown in placements]


def event_page_sponsors(viewer, event: Event) -> list[tuple[SponsorPackage, list[Placement]]]:
    """The sponsors the landing page shows (``logo_on_event_page``), by tier in package
    order, names sorted within a tier."""
    return _tiers_with(viewer, event, "logo_on_event_page")


def agenda_sponsors(viewer, event: Event) -> list[Placement]:
    """The sponsors the agenda's strip shows (``logo_on_agenda``), in tier order."""
    return _flat(_tiers_with(viewer, event, "logo_on_agenda"))


def featured_sponsors(viewer, event: Event) -> list[Placement]:
    """The sponsors highlighted above the directory (``directory_featured``), in tier
    order."""
    return _flat(_tiers_with(viewer, event, "directory_featured"))


def session_sponsors(viewer, sessions: Iterable[ProgramSession]) -> dict[int, Placement]:
    """The sponsors presenting ``sessions``, by sponsor id, in one query for all of
    them; empty when none of them is sponsored."""
    ids = {session.sponsor_id for session in sessions if session.sponsor_id is not None}
    if not ids:
        return {}
    sponsors = db.session.scalars(
        sa.select(Sponsor).where(Sponsor.id.in_(ids)).options(selectinload(Sponsor.package))
    )
    return {sponsor.id: placement(viewer, sponsor) for sponsor in sponsors}
