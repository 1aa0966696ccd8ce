"""Routes of calendars: my agenda of an event, one session and one meeting as ``.ics``
downloads, the personal feed calendar apps subscribe to, and the feed's settings on
the account page.

The feed is opened by its secret token alone (calendar apps cannot log in): an
unknown or replaced token is a 404, and its answers are never kept by shared caches.
What it lists is decided per event by ``calendar.export`` for the token's owner
(``conference.services.calendars.feed_items``).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.calendars import bp
from conference.blueprints.common import authorize, authorize_participant, event_or_404
from conference.extensions import db
from conference.models import Meeting, User
from conference.permissions import can
from conference.services import calendars
from conference.services.mail import in_language
from conference.services.program import session_of

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _calendar_response(data: bytes, filename: str | None = None) -> Response:
    """An iCalendar answer that no shared cache keeps: downloads carry personal agendas,
    the feed a secret address."""
    response = Response(data, content_type=CALENDAR_TYPE)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- downloads --------------------------------------------------------------------------


@bp.get("/e/<slug>/my-agenda.ics")
def my_agenda(slug: str):
    """The sessions I bookmarked and my accepted meetings in the event."""
    event = event_or_404(slug)
    authorize_participant("calendar.export", event)
    items = calendars.agenda_items(event, [current_user.id])[current_user.id]
    data = calendars.calendar_bytes(event, items, name=_("%(event)s: my agenda", event=event.name))
    return _calendar_response(data, f"{event.slug}-my-agenda.ics")


@bp.get("/e/<slug>/sessions/<int:session_id>.ics")
def session_ics(slug: str, session_id: int):
    """One session, for whoever may see it (a public event's sessions: anyone)."""
    event = event_or_404(slug)
    program_session = session_of(event, session_id)
    if program_session is None:
        abort(404)
    authorize_participant("session.view", event, program_session)
    data = calendars.calendar_bytes(
        event, [calendars.session_item(program_session)], name=program_session.title
    )
    return _calendar_response(data, f"{event.slug}-session-{program_session.id}.ics")


@bp.get("/e/<slug>/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(slug: str, meeting_id: int):
    """One meeting as its two people (and the event's organizers) see it; for anyone
    else it does not exist."""
    event = event_or_404(slug)
    meeting = db.session.get(Meeting, meeting_id)
    if (
        meeting is None
        or meeting.event_id != event.id
        or not can(current_user, "meeting.view", meeting)
    ):
        abort(404)
    item = calendars.meeting_item(meeting, current_user._get_current_object())
    data = calendars.calendar_bytes(event, [item], name=item.title)
    return _calendar_response(data, f"{event.slug}-meeting-{meeting.id}.ics")


# --- the personal feed -------------------------------------------------------------------


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """Everything the token's owner takes part in, for calendar subscriptions; in the
    owner's language, since calendar apps do not say theirs."""
    owner = calendars.user_by_feed_token(token)
    if owner is None:
        abort(404)
    with in_language(owner.locale):
        data = calendars.feed_bytes(owner, name=_("My events and meetings"))
    response = _calendar_response(data)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@dataclass(frozen=True)
class FeedLinks:
    """The ways to subscribe to a person's feed."""

    #: The plain address (what "subscribe by URL" fields take).
    https: str
    #: The same address with the ``webcal:`` scheme, which opens the calendar app.
    webcal: str
    #: Google Calendar's "add by URL" page with the address filled in.
    google: str


def feed_links(user: User) -> FeedLinks | None:
    """The person's feed addresses, or None while they have no feed."""
    if not getattr(user, "is_authenticated", False) or not user.calendar_token:
        return None
    address = url_for("calendars.feed", token=user.calendar_token, _external=True)
    webcal = "webcal://" + address.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal})
    return FeedLinks(https=address, webcal=webcal, google=google)


@bp.app_context_processor
def _feed_links_for_templates() -> dict:
    return {"calendar_feed_links": feed_links}


def _back_to_account():
    return redirect(url_for("auth.account", _anchor="calendar-feed"))


@bp.post("/account/calendar-feed")
@login_required
def feed_start():
    authorize("account.use")
    calendars.feed_token(current_user._get_current_object())
    db.session.commit()
    flash(_("Your calendar feed is ready. Add its address to your calendar app."), "success")
    return _back_to_account()


@bp.post("/account/calendar-feed/new-address")
@login_required
def feed_regenerate():
    authorize("account.use")
    calendars.regenerate_feed_token(current_user._get_current_object())
    db.session.commit()
    flash(
        _(
            "Your calendar feed has a new address; the old one no longer works. "
            "Subscribe again with the new address."
        ),
        "success",
    )
    return _back_to_account()


@bp.post("/account/calendar-feed/off")
@login_required
def feed_stop():
    authorize("account.use")
    calendars.stop_feed(current_user._get_current_object())
    db.session.commit()
    flash(_("Your calendar feed is turned off; its address no longer works."), "success")
    return _back_to_account()
