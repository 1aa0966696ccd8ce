"""Discussion pages: the event's threads, a thread with its posts, new threads about the
event, a session or a material, replies, edits, follow and lock buttons, the mention
suggestions for the page script, and the organizers' posting-rights page.

Every route checks a rule: ``discussions.view`` for the list (refusals show the
participants-only page), ``thread.view`` for a thread (a thread one may not see is a
404, so its existence does not leak), ``thread.create``, ``thread.post``, ``post.edit``,
``thread.lock``, ``thread.subscribe``, and ``event.manage`` for the settings. Forms post
and redirect; ``static/js/discussions.js`` only adds the mention picker.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from conference.blueprints.common import (
    authorize,
    authorize_participant,
    event_or_404,
    form_errors_from,
)
from conference.blueprints.discussions import bp
from conference.blueprints.discussions.forms import (
    ButtonForm,
    EditForm,
    LockForm,
    PostForm,
    SettingsForm,
    ThreadForm,
)
from conference.enums import ContentStatus, EventRoleKind, ReportTarget
from conference.extensions import db
from conference.models import Event, Material, Post, ProgramSession, Thread, User
from conference.permissions import can, may_post, moderates, posting_suspended
from conference.services import ServiceError, directory, moderation
from conference.services import discussions as service

#: Roles the organizers may allow to post (organizers and moderators always may).
ROLE_LABELS = {
    EventRoleKind.speaker: _l("Speakers"),
    EventRoleKind.sponsor_staff: _l("Sponsor staff"),
    EventRoleKind.checkin_staff: _l("Check-in staff"),
}
ABOUT = ("all", "event", "sessions", "materials")
#: People offered by the mention picker.
MENTION_SUGGESTIONS = 8


def _me() -> User:
    return current_user._get_current_object()


def _thread_or_404(event: Event, thread_id: int) -> Thread:
    """The event's thread, if the current user may see it (else 404; anonymous visitors
    and non-participants get the participants-only page first)."""
    authorize_participant("discussions.view", event)
    thread = db.session.get(Thread, thread_id)
    if thread is None or thread.event_id != event.id or not service.thread_shown_to(_me(), thread):
        abort(404)
    return thread


def _post_or_404(event: Event, post_id: int) -> tuple[Post, Thread]:
    authorize_participant("discussions.view", event)
    post = db.session.get(Post, post_id)
    if post is None or post.event_id != event.id or not service.post_shown_to(_me(), post):
        abort(404)
    thread = db.session.get(Thread, post.thread_id)
    if not service.thread_shown_to(_me(), thread):
        abort(404)
    return post, thread


def _subject_from_args(event: Event) -> ProgramSession | Material | None:
    """The session or material named by ``?session=`` or ``?material=`` (404 if it is
    not the event's)."""
    session_id = request.args.get("session", type=int)
    material_id = request.args.get("material", type=int)
    if session_id is not None:
        subject = db.session.get(ProgramSession, session_id)
        if subject is None or subject.event_id != event.id:
            abort(404)
        return subject
    if material_id is not None:
        subject = db.session.get(Material, material_id)
        if subject is None or subject.session.event_id != event.id:
            abort(404)
        return subject
    return None


def _subject_visible(subject: ProgramSession | Material | None) -> bool:
    if isinstance(subject, ProgramSession):
        return can(current_user, "session.view", subject)
    if isinstance(subject, Material):
        return can(current_user, "material.view", subject)
    return True


# --- the event's threads ----------------------------------------------------------------


@bp.get("/e/<slug>/discussions/")
def index(slug: str):
    event = event_or_404(slug)
    authorize_participant("discussions.view", event)
    about = request.args.get("about", "all")
    if about not in ABOUT:
        about = "all"
    page = max(1, request.args.get("page", 1, type=int))
    subject = _subject_from_args(event)
    if subject is not None:
        if not _subject_visible(subject):
            abort(404)
        rows, more = service.threads_about(_me(), event, subject), False
    else:
        rows, more = service.event_threads(_me(), event, about=about, page=page)
    return render_template(
        "discussions/index.html",
        event=event,
        rows=rows,
        about=about,
        subject=subject,
        page=page,
        more=more,
        may_create=can(current_user, "thread.create", (event, subject)),
        new_url=_new_url(event, subject),
    )


def _new_url(event: Event, subject) -> str:
    if isinstance(subject, ProgramSession):
        return url_for(".new", slug=event.slug, session=subject.id)
    if isinstance(subject, Material):
        return url_for(".new", slug=event.slug, material=subject.id)
    return url_for(".new", slug=event.slug)


@bp.route("/e/<slug>/discussions/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    """Open a thread about the event, or about ``?session=`` / ``?material=``."""
    event = event_or_404(slug)
    authorize_participant("discussions.view", event)
    subject = _subject_from_args(event)
    if not _subject_visible(subject):
        abort(404)
    authorize("thread.create", (event, subject))
    form = ThreadForm()
    if form.validate_on_submit():
        try:
            thread = service.create_thread(
                _me(), event, form.title.data, form.body.data, subject=subject
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if _opening_held(thread):
                flash(_("Your thread waits for a moderator before others see it."), "info")
            return redirect(url_for(".thread", slug=event.slug, thread_id=thread.id))
    return render_template(
        "discussions/new.html",
        event=event,
        form=form,
        subject=subject,
        back=_back_url(event, subject),
    )


def _opening_held(thread: Thread) -> bool:
    status = db.session.scalar(
        sa.select(Post.status).where(Post.thread_id == thread.id).order_by(Post.id).limit(1)
    )
    return status == ContentStatus.held


def _back_url(event: Event, subject) -> str:
    if isinstance(subject, ProgramSession):
        return url_for("program.session", slug=event.slug, session_id=subject.id)
    if isinstance(subject, Material):
        return url_for("program.session", slug=event.slug, session_id=subject.session_id)
    return url_for(".index", slug=event.slug)


# --- one thread -------------------------------------------------------------------------


def _render_thread(event: Event, thread: Thread, form: PostForm, status: int = 200):
    me = _me()
    posts = service.posts_of(me, thread)
    by_id = {post.id: post for post in posts}
    reply_to = by_id.get(form.reply_to.data) if form.reply_to.data else None
    return (
        render_template(
            "discussions/thread.html",
            event=event,
            thread=thread,
            subject=service.subject_of(thread),
            posts=posts,
            by_id=by_id,
            bodies=service.render_posts(event, posts),
            excerpt=service.plain_excerpt,
            opening_id=posts[0].id if posts else None,
            form=form,
            reply_to=reply_to,
            may_post=can(me, "thread.post", thread),
            may_lock=can(me, "thread.lock", thread),
            may_report=can(me, "content.report", event),
            moderator=moderates(me, event),
            suspended=posting_suspended(me, event.id),
            following=service.following(me, thread),
            follow_form=ButtonForm(formdata=None),
            lock_form=LockForm(formdata=None),
            editable={post.id for post in posts if can(me, "post.edit", post)},
            report_target=ReportTarget.post.value,
            here=url_for(".thread", slug=event.slug, thread_id=thread.id),
        ),
        status,
    )


@bp.get("/e/<slug>/discussions/<int:thread_id>")
def thread(slug: str, thread_id: int):
    event = event_or_404(slug)
    found = _thread_or_404(event, thread_id)
    form = PostForm(formdata=None)
    wanted = request.args.get("reply", type=int)
    if wanted is not None:
        form.reply_to.data = wanted
    return _render_thread(event, found, form)


@bp.post("/e/<slug>/discussions/<int:thread_id>/posts")
@login_required
def reply(slug: str, thread_id: int):
    event = event_or_404(slug)
    found = _thread_or_404(event, thread_id)
    authorize("thread.post", found)
    form = PostForm()
    if form.validate_on_submit():
        quoted = db.session.get(Post, form.reply_to.data) if form.reply_to.data else None
        try:
            post = service.reply(_me(), found, form.body.data, quoted)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if post.status == ContentStatus.held:
                flash(_("Your post waits for a moderator before others see it."), "info")
            return redirect(
                url_for(".thread", slug=event.slug, thread_id=found.id, _anchor=f"post-{post.id}")
            )
    return _render_thread(event, found, form, 400)


@bp.route("/e/<slug>/discussions/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, post_id: int):
    event = event_or_404(slug)
    post, found = _post_or_404(event, post_id)
    authorize("post.edit", post)
    form = EditForm(data={"body": post.body} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            service.edit_post(_me(), post, form.body.data)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            if post.status == ContentStatus.held:
                flash(_("Your post waits for a moderator before others see it."), "info")
            else:
                flash(_("Your post was changed."), "success")
            return redirect(
                url_for(".thread", slug=event.slug, thread_id=found.id, _anchor=f"post-{post.id}")
            )
    return render_template("discussions/edit.html", event=event, thread=found, post=post, form=form)


@bp.post("/e/<slug>/discussions/<int:thread_id>/follow")
@login_required
def follow(slug: str, thread_id: int):
    event = event_or_404(slug)
    found = _thread_or_404(event, thread_id)
    authorize("thread.subscribe", found)
    if not ButtonForm().validate_on_submit():
        abort(400)
    wanted = request.form.get("follow") == "1"
    service.set_following(_me(), found, wanted)
    db.session.commit()
    if wanted:
        flash(_("You follow this thread: new posts appear in your notifications."), "success")
    else:
        flash(_("You no longer follow this thread."), "success")
    return redirect(url_for(".thread", slug=event.slug, thread_id=found.id))


@bp.post("/e/<slug>/discussions/<int:thread_id>/lock")
@login_required
def lock(slug: str, thread_id: int):
    event = event_or_404(slug)
    found = _thread_or_404(event, thread_id)
    authorize("thread.lock", found)
    form = LockForm()
    if not form.validate_on_submit():
        abort(400)
    locked = form.locked.data == "1"
    if service.set_locked(_me(), found, locked, form.reason.data or ""):
        db.session.commit()
    if locked:
        flash(_("The thread is locked: nobody can post in it."), "success")
    else:
        flash(_("The thread is open for posts again."), "success")
    return redirect(url_for(".thread", slug=event.slug, thread_id=found.id))


@bp.get("/e/<slug>/discussions/people")
@login_required
def people(slug: str):
    """Participants matching ``q`` for the mention picker (the directory's rules: hidden
    people are offered to organizers only; nobody the writer blocked or who blocked
    them)."""
    event = event_or_404(slug)
    authorize("discussions.view", event)
    q = (request.args.get("q") or "").strip()[:100]
    if not q:
        return jsonify({"ok": True, "people": []})
    left_out = service.blocked_either_way(current_user.id) | {current_user.id}
    found = directory.search_directory(
        event,
        can(current_user, "event.manage", event),
        q=q,
        per_page=MENTION_SUGGESTIONS + len(left_out),
    )
    offered = [item for item in found.items if item.user_id not in left_out]
    return jsonify(
        {
            "ok": True,
            "people": [
                {"id": item.user_id, "name": item.display_name, "detail": item.company or ""}
                for item in offered[:MENTION_SUGGESTIONS]
            ],
        }
    )


# --- the organizers' settings -----------------------------------------------------------


@bp.route("/e/<slug>/manage/discussions", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    """Who may post in discussions, and the word filter's list."""
    event = event_or_404(slug)
    authorize("event.manage", event)
    form = SettingsForm(
        data={
            "tickets": event.discussion_ticket_type_ids or [],
            "roles": event.discussion_roles or [],
            "held_words": event.held_words or "",
        }
        if request.method == "GET"
        else None
    )
    form.tickets.choices = [(ticket.id, ticket.name) for ticket in event.ticket_types]
    form.roles.choices = [(str(role), label) for role, label in ROLE_LABELS.items()]
    if form.validate_on_submit():
        try:
            service.update_settings(
                event, form.tickets.data or [], form.roles.data or [], form.held_words.data
            )
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("Discussion settings saved."), "success")
            return redirect(url_for(".settings", slug=event.slug))
    return render_template(
        "discussions/settings.html",
        event=event,
        form=form,
        held_count=len(moderation.held_word_list(event)),
    )


# --- boxes on other pages ---------------------------------------------------------------


@bp.app_template_global()
def discussion_box(session: ProgramSession) -> dict | None:
    """What the session page's "Discussion" box shows, or None for people who may not
    read the event's discussions."""
    event = session.event
    if not can(current_user, "discussions.view", event) or not can(
        current_user, "session.view", session
    ):
        return None
    me = _me()
    rows = service.threads_about(me, event, session)
    return {
        "rows": rows[: service.BOX_THREADS],
        "total": len(rows),
        "may_create": can(me, "thread.create", (event, session)),
        "new_url": url_for("discussions.new", slug=event.slug, session=session.id),
        "all_url": url_for("discussions.index", slug=event.slug, session=session.id),
    }


@bp.app_template_global()
def discussion_links(session: ProgramSession) -> dict[int, dict]:
    """The "Discuss" links of a session's materials, by material id: how many threads
    and where; materials without a link (people who may not read the event's
    discussions or the material, or nobody to start a thread) are left out.

    One grouped query for all the materials, kept for the request, so the session page
    costs the same however many materials it lists."""
    cache = g.setdefault("_discussion_links", {})
    if session.id not in cache:
        cache[session.id] = _material_links(session)
    return cache[session.id]


def _material_links(session: ProgramSession) -> dict[int, dict]:
    event = session.event
    if not can(current_user, "discussions.view", event):
        return {}
    me = _me()
    shown = [m for m in session.materials if can(me, "material.view", m)]
    counts = service.material_threads(me, event, [m.id for m in shown])
    # ``thread.create`` for a material one may see is the event's posting rights.
    posting = may_post(me, event)
    links = {}
    for material in shown:
        count, first = counts.get(material.id, (0, None))
        if count == 1:
            url = url_for("discussions.thread", slug=event.slug, thread_id=first)
        elif count:
            url = url_for("discussions.index", slug=event.slug, material=material.id)
        elif posting:
            url = url_for("discussions.new", slug=event.slug, material=material.id)
        else:
            continue
        links[material.id] = {"count": count, "url": url}
    return links
