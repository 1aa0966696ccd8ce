"""The news pages.

- ``/e/<slug>/news/``: the feed (``?feed=topic:<id>`` or ``track:<id>`` filters it),
  with follow buttons. Participants read every item; anyone else, on a public event,
  its public items; on other events they get the participants-only page.
- ``/e/<slug>/news/<id>``: one item (``?partial=card`` answers only its card, which
  the feed page's script fetches when ``news`` arrives over the socket).
- ``/e/<slug>/news.atom`` and per topic and track: the public Atom feeds.
- ``/e/<slug>/manage/news`` (organizers) and ``/e/<slug>/sponsors/<id>/news`` (the
  sponsor's staff, when its package includes news): write and list items; editing and
  deleting at ``/e/<slug>/news/<id>/edit`` and ``…/delete`` (``news.edit``).
"""

from __future__ import annotations

from flask import (
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.blueprints.common import (
    ParticipantsOnly,
    authorize,
    event_or_404,
    form_errors_from,
    json_refusal,
)
from conference.blueprints.news import bp
from conference.blueprints.news.forms import ButtonForm, FollowForm, NewsForm
from conference.blueprints.sponsors.common import sponsor_or_404, workspace_nav
from conference.enums import ContentStatus
from conference.extensions import db
from conference.models import Event, NewsPost, Sponsor
from conference.permissions import can
from conference.services import ServiceError
from conference.services import news as service


def _me():
    return current_user._get_current_object()


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _reportable(event: Event) -> bool:
    """Whether the "Report" buttons show: the moderation endpoint exists and the person
    may report in this event."""
    return "moderation.report" in current_app.view_functions and can(
        current_user, "content.report", event
    )


def _item_context(event: Event) -> dict:
    """What ``news/_item.html`` needs besides the item."""
    return {
        "labels": service.labels(event),
        "sponsors": service.sponsor_names(event),
        "reportable": _reportable(event),
        "button_form": ButtonForm(formdata=None),
    }


@bp.app_template_global("landing_news")
def landing_news(event: Event) -> list[NewsPost]:
    """The newest public items of a public event, for its landing page."""
    return service.landing_items(event)


# --- reading -------------------------------------------------------------------------------


@bp.get("/e/<slug>/news/")
def feed(slug: str):
    event = event_or_404(slug)
    me = _me()
    everything = can(me, "news.view", event)
    if not everything and not can(me, "news.public", event):
        raise ParticipantsOnly(event)
    try:
        chosen = service.feed_of(event, request.args.get("feed", service.EVENT_FEED))
    except ServiceError:
        abort(404)
    before = request.args.get("before", type=int)
    rows = service.items(
        event,
        me if everything else None,
        feed=chosen,
        public_only=not everything,
        before_id=before,
    )
    may_follow = can(me, "feed.follow", event)
    return render_template(
        "news/feed.html",
        event=event,
        feed=chosen,
        feeds=service.feeds_of(event),
        rows=rows,
        more=len(rows) == service.PAGE_SIZE,
        everything=everything,
        may_follow=may_follow,
        following=service.followed(me, event) if may_follow else set(),
        follow_form=FollowForm(formdata=None),
        may_post=can(me, "news.post", event),
        public=can(me, "news.public", event),
        **_item_context(event),
    )


@bp.get("/e/<slug>/news/<int:news_id>")
def item(slug: str, news_id: int):
    event = event_or_404(slug)
    entry = service.item_in(event, news_id)
    if entry is None:
        abort(404)
    me = _me()
    if not service.readable(me, entry):
        if entry.status != ContentStatus.visible or can(me, "news.view", event):
            abort(404)
        raise ParticipantsOnly(event)
    context = {"event": event, "entry": entry, **_item_context(event)}
    if request.args.get("partial") == "card":
        response = Response(render_template("news/_item.html", **context))
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return render_template("news/item.html", **context)


# --- following -----------------------------------------------------------------------------


@bp.post("/e/<slug>/news/follow")
@login_required
def follow(slug: str):
    """Follow (``action=follow``) or unfollow a feed; JSON for the page script."""
    event = event_or_404(slug)
    if not can(current_user, "feed.follow", event):
        if _wants_json():
            return json_refusal("forbidden", _("You cannot do this here."), 403)
        raise ParticipantsOnly(event)
    form = FollowForm()
    if not form.validate_on_submit() or form.action.data not in ("follow", "unfollow"):
        if _wants_json():
            return json_refusal("bad_request", _("Bad request"), 400)
        abort(400)
    try:
        if form.action.data == "follow":
            chosen = service.follow(_me(), event, form.feed.data)
            message = _("You follow %(feed)s.", feed=chosen.name)
        else:
            chosen = service.unfollow(_me(), event, form.feed.data)
            message = _("You no longer follow %(feed)s.", feed=chosen.name)
    except ServiceError as exc:
        db.session.rollback()
        if _wants_json():
            return json_refusal(exc.code, exc.message, 404)
        abort(404)
    db.session.commit()
    if _wants_json():
        return jsonify(
            {
                "ok": True,
                "feed": chosen.key,
                "following": form.action.data == "follow",
                "message": message,
            }
        )
    flash(message, "success")
    return redirect(url_for(".feed", slug=event.slug, feed=chosen.key))


# --- Atom ----------------------------------------------------------------------------------


def _atom(event: Event, key: str, self_endpoint: str, **args):
    if not can(None, "news.public", event):
        abort(404)
    try:
        chosen = service.feed_of(event, key)
    except ServiceError:
        abort(404)
    body = service.atom(
        event,
        chosen,
        self_url=url_for(self_endpoint, slug=event.slug, _external=True, **args),
        page_url=url_for(
            ".feed",
            slug=event.slug,
            _external=True,
            **({} if chosen.key == service.EVENT_FEED else {"feed": chosen.key}),
        ),
        item_url=lambda entry: url_for(".item", slug=event.slug, news_id=entry.id, _external=True),
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@bp.get("/e/<slug>/news.atom")
def atom_event(slug: str):
    return _atom(event_or_404(slug), service.EVENT_FEED, ".atom_event")


@bp.get("/e/<slug>/news/topics/<int:topic_id>.atom")
def atom_topic(slug: str, topic_id: int):
    return _atom(event_or_404(slug), f"topic:{topic_id}", ".atom_topic", topic_id=topic_id)


@bp.get("/e/<slug>/news/tracks/<int:track_id>.atom")
def atom_track(slug: str, track_id: int):
    return _atom(event_or_404(slug), f"track:{track_id}", ".atom_track", track_id=track_id)


# --- writing -------------------------------------------------------------------------------


def _write(event: Event, form: NewsForm, sponsor: Sponsor | None) -> bool:
    """Post the form's item; False (with the refusal on the form) when refused."""
    try:
        entry = service.post(_me(), event, sponsor=sponsor, **form.values())
    except ServiceError as exc:
        db.session.rollback()
        form_errors_from(exc, form)
        return False
    db.session.commit()
    if entry.status == ContentStatus.held:
        flash(_("Your news waits for a moderator before anyone else sees it."), "warning")
    else:
        flash(_("Your news is published."), "success")
    return True


@bp.route("/e/<slug>/manage/news", methods=["GET", "POST"])
@login_required
def manage(slug: str):
    """The organizers' news: write an item, see and edit what was posted."""
    event = event_or_404(slug)
    authorize("news.post", event)
    form = NewsForm.for_event(event)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and _write(event, form, None):
            return redirect(url_for(".manage", slug=event.slug))
        status = 400
    return render_template(
        "news/manage.html",
        event=event,
        form=form,
        rows=service.by_organizers(event),
        public=event.is_public,
        labels=service.labels(event),
    ), status


@bp.route("/e/<slug>/sponsors/<int:sponsor_id>/news", methods=["GET", "POST"])
@login_required
def sponsor_news(slug: str, sponsor_id: int):
    """A sponsor's news, for its staff when its package includes posting news."""
    event, sponsor = sponsor_or_404(slug, sponsor_id)
    authorize("news.post_sponsor", sponsor)
    form = NewsForm.for_event(event)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and _write(event, form, sponsor):
            return redirect(url_for(".sponsor_news", slug=event.slug, sponsor_id=sponsor.id))
        status = 400
    return render_template(
        "news/sponsor.html",
        event=event,
        sponsor=sponsor,
        form=form,
        rows=service.by_sponsor(sponsor),
        public=event.is_public,
        labels=service.labels(event),
        **workspace_nav(event, sponsor),
    ), status


def _editable(slug: str, news_id: int) -> tuple[Event, NewsPost]:
    event = event_or_404(slug)
    entry = service.item_in(event, news_id)
    if entry is None:
        abort(404)
    authorize("news.edit", entry)
    return event, entry


def _back(event: Event, entry: NewsPost) -> str:
    """Where the writer came from: the sponsor's or the organizers' news page."""
    if entry.sponsor_id is not None and can(
        current_user, "news.post_sponsor", db.session.get(Sponsor, entry.sponsor_id)
    ):
        return url_for(".sponsor_news", slug=event.slug, sponsor_id=entry.sponsor_id)
    if can(current_user, "news.post", event):
        return url_for(".manage", slug=event.slug)
    return url_for(".feed", slug=event.slug)


@bp.route("/e/<slug>/news/<int:news_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, news_id: int):
    event, entry = _editable(slug, news_id)
    if request.method == "POST":
        form = NewsForm.for_event(event)
    else:
        form = NewsForm.for_event(event, obj=entry)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                service.edit(_me(), entry, **form.values())
            except ServiceError as exc:
                db.session.rollback()
                form_errors_from(exc, form)
            else:
                db.session.commit()
                if entry.status == ContentStatus.held:
                    flash(
                        _("Your news waits for a moderator before anyone else sees it."), "warning"
                    )
                else:
                    flash(_("Your changes are saved."), "success")
                return redirect(_back(event, entry))
        status = 400
    return render_template(
        "news/edit.html",
        event=event,
        entry=entry,
        form=form,
        public=event.is_public,
        back=_back(event, entry),
        delete_form=ButtonForm(formdata=None),
    ), status


@bp.post("/e/<slug>/news/<int:news_id>/delete")
@login_required
def delete(slug: str, news_id: int):
    event, entry = _editable(slug, news_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    back = _back(event, entry)
    service.delete(entry)
    db.session.commit()
    flash(_("The news item is deleted."), "success")
    return redirect(back)
