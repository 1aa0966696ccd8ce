"""The "people to meet" page and the feedback buttons on its cards.

The page is for the event's participants (others get the participants-only page);
once new contacts can no longer be made from the event it says so instead of
suggesting anyone. Showing the page records which people were shown (the organizers'
counts). The Message buttons come from ``matchmaking.messageable``, the
``conversation.start`` rule's answer for all cards in a few queries. Dismiss and
"more like this" are small forms that post and come back; the
page script sends them in the background and asks for JSON instead.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from conference.blueprints.common import authorize_participant, event_or_404, json_refusal
from conference.blueprints.matchmaking import bp
from conference.enums import SuggestionVerdict
from conference.extensions import db
from conference.models import User
from conference.permissions import can
from conference.services import matchmaking

VERDICTS = {"dismiss": SuggestionVerdict.dismissed, "more": SuggestionVerdict.more_like_this}


class FeedbackForm(FlaskForm):
    """Dismiss or "more like this" on one card (CSRF only)."""


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.route("")
def suggestions(slug: str):
    event = event_or_404(slug)
    authorize_participant("event.participate", event)
    user = current_user._get_current_object()
    if not can(user, "suggestions.view", event):
        return render_template("matchmaking/closed.html", event=event)
    people = matchmaking.suggestions_for(event, user)
    matchmaking.record_shown(event, user, [person.user_id for person in people])
    db.session.commit()
    return render_template(
        "matchmaking/suggestions.html",
        event=event,
        people=people,
        can_message=matchmaking.messageable(event, user, [person.user_id for person in people]),
        describe=matchmaking.describe,
        form=FeedbackForm(),
    )


@bp.route("/<int:user_id>/<any(dismiss, more):verdict>", methods=["POST"])
@login_required
def feedback(slug: str, user_id: int, verdict: str):
    event = event_or_404(slug)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not can(current_user, "suggestion.feedback", (event, person)):
        if _wants_json():
            return json_refusal("forbidden", _("You cannot do this here."), 403)
        authorize_participant("suggestion.feedback", event, (event, person))
    form = FeedbackForm()
    if not form.validate_on_submit():
        if _wants_json():
            return json_refusal("bad_request", _("Bad request"), 400)
        abort(400)
    matchmaking.give_feedback(event, current_user._get_current_object(), person, VERDICTS[verdict])
    db.session.commit()
    if verdict == "dismiss":
        message = _("%(name)s will not be suggested again.", name=person.display_name)
    else:
        message = _("You will see more people like %(name)s.", name=person.display_name)
    if _wants_json():
        return {"ok": True, "verdict": VERDICTS[verdict].value, "message": message}
    flash(message, "success")
    return redirect(url_for("matchmaking.suggestions", slug=event.slug))
