"""What every sponsor view starts with: the event and sponsor of the address, and the
tabs of a sponsor's own pages (only those the person may open)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from conference.blueprints.common import event_or_404
from conference.models import Event, Sponsor
from conference.permissions import can
from conference.services import sponsors as sponsors_service


def sponsor_or_404(slug: str, sponsor_id: int) -> tuple[Event, Sponsor]:
    """The event of ``slug`` and its sponsor ``sponsor_id``; 404 for another event's."""
    event = event_or_404(slug)
    sponsor = sponsors_service.sponsor_in(event, sponsor_id)
    if sponsor is None:
        abort(404)
    return event, sponsor


@dataclass(frozen=True)
class Tab:
    endpoint: str
    label: str
    href: str


#: A sponsor's own pages: (endpoint, label, the permission that opens it).
_TABS = (
    ("sponsors.dashboard", _l("Dashboard"), "sponsor.workspace"),
    ("sponsors.leads", _l("Leads"), "leads.view"),
    ("sponsors.scanner", _l("Scan badges"), "leads.scan"),
    ("sponsors.questions", _l("Questions"), "leads.questions"),
    ("sponsors.booth_edit", _l("Booth"), "booth.edit"),
    ("sponsors.team", _l("Team"), "sponsor.team"),
    ("sponsors.announcement", _l("Announcement"), "sponsor.announcement_view"),
    ("news.sponsor_news", _l("News"), "news.post_sponsor"),
)


def workspace_nav(event: Event, sponsor: Sponsor) -> dict:
    """What ``sponsors/_workspace_nav.html`` needs: the tabs of ``sponsor``'s pages the
    current user may open, and the address of its booth. Pass it to ``render_template``
    as keyword arguments."""
    tabs = [
        Tab(endpoint, str(label), url_for(endpoint, slug=event.slug, sponsor_id=sponsor.id))
        for endpoint, label, action in _TABS
        if can(current_user, action, sponsor)
    ]
    return {
        "tabs": tabs,
        "booth_href": url_for("sponsors.booth", slug=event.slug, sponsor_id=sponsor.id),
    }
