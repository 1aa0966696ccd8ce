"""Profiles: editing one's own, a person's page in an event, photos, the directory.

A person's page has a section "In this event" that other areas fill (the
sessions someone speaks at, their materials, ...): they register a provider
with ``in_this_event`` that returns a ``PersonSection`` or None. The section
is only shown when some provider has something to say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from conference.blueprints.common import (
    authorize,
    authorize_participant,
    event_or_404,
    form_errors_from,
)
from conference.blueprints.contacts.forms import ButtonForm as ContactButtonForm
from conference.blueprints.profiles import bp
from conference.blueprints.profiles.forms import DirectoryFilterForm, ProfileForm
from conference.enums import EventRoleKind, RegistrationStatus, TaxonomyKind
from conference.extensions import db
from conference.formatting import markdown
from conference.models import Event, User
from conference.permissions import can, standing
from conference.services import ServiceError, connections, placements
from conference.services import profiles as profile_service
from conference.services.directory import search_directory
from conference.services.events import ROLE_LABELS, my_events, terms_of


@dataclass(frozen=True)
class PersonSection:
    """A block of the "In this event" part of a person's page."""

    title: str
    #: Included where the section goes; sees ``section`` (with its ``context``),
    #: ``event`` and ``person``.
    template: str
    context: dict = field(default_factory=dict)


PersonSectionProvider = Callable[[Event, User, object], PersonSection | None]
IN_THIS_EVENT: list[PersonSectionProvider] = []


def in_this_event(provider: PersonSectionProvider) -> PersonSectionProvider:
    """Register ``provider(event, person, viewer)`` for the "In this event" section."""
    IN_THIS_EVENT.append(provider)
    return provider


# --- own profile ---------------------------------------------------------------


def _initial_data(person: User) -> dict:
    profile = person.profile
    return {
        "display_name": person.display_name,
        "headline": profile.headline,
        "bio": profile.bio,
        "company": profile.company,
        "job_title": profile.job_title,
        "website": profile.website,
        "linkedin": profile.linkedin,
        "looking_for": profile.looking_for,
        "can_offer": profile.can_offer,
        "directory_visible": profile.directory_visible,
        "message_policy": profile.message_policy.value,
        "contact_after_meeting": profile.contact_after_meeting,
        "contact_on_badge_scan": profile.contact_on_badge_scan,
    }


def _changes_from(form: ProfileForm) -> profile_service.ProfileChanges:
    upload = form.photo.data
    photo = None
    if upload:
        photo = upload.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
    return profile_service.ProfileChanges(
        display_name=form.display_name.data or "",
        headline=form.headline.data or "",
        bio=form.bio.data or "",
        company=form.company.data or "",
        job_title=form.job_title.data or "",
        website=form.website.data or "",
        linkedin=form.linkedin.data or "",
        looking_for=form.looking_for.data or "",
        can_offer=form.can_offer.data or "",
        directory_visible=form.directory_visible.data,
        message_policy=form.message_policy.data,
        contact_after_meeting=form.contact_after_meeting.data,
        contact_on_badge_scan=form.contact_on_badge_scan.data,
        photo=photo,
        remove_photo=form.remove_photo.data,
    )


@bp.route("/me/profile", methods=["GET", "POST"])
@login_required
def edit():
    person = current_user._get_current_object()
    authorize("profile.edit", person)
    form = ProfileForm(data=None if request.method == "POST" else _initial_data(person))
    preview: Markup | None = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = markdown(form.bio.data)
        else:
            try:
                profile_service.update_profile(person, _changes_from(form))
            except ServiceError as exc:
                db.session.rollback()
                form_errors_from(exc, form)
            else:
                db.session.commit()
                flash(_("Your profile is saved."), "success")
                return redirect(url_for("profiles.edit"))
    taking_part = [
        mine.event
        for mine in my_events(person)
        if mine.status == RegistrationStatus.approved or mine.roles
    ]
    return render_template(
        "profiles/edit.html",
        form=form,
        person=person,
        photo=person.profile.photo,
        preview=preview,
        taking_part=taking_part,
    )


# --- photos --------------------------------------------------------------------


@bp.route("/photos/<name>")
def photo(name: str):
    """A profile photo, for whoever may see its owner somewhere; 404 for anyone else."""
    owner = profile_service.photo_owner(name)
    if owner is None or not can(current_user, "photo.view", owner):
        abort(404)
    response = send_from_directory(
        profile_service.photos_folder(), name, mimetype="image/jpeg", max_age=600
    )
    response.cache_control.public = False
    response.cache_control.private = True
    return response


# --- a person in an event --------------------------------------------------------


@bp.route("/e/<slug>/people/<int:user_id>")
def person(slug: str, user_id: int):
    event = event_or_404(slug)
    authorize_participant("event.participate", event)
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    authorize_participant("profile.view", event, (event, person))
    roles = standing(person, event).roles
    sections = [
        section
        for provider in IN_THIS_EVENT
        if (section := provider(event, person, current_user)) is not None
    ]
    return render_template(
        "profiles/person.html",
        event=event,
        person=person,
        profile=person.profile,
        registration=profile_service.registration_in(event, person),
        role_labels=[ROLE_LABELS[role] for role in EventRoleKind if role in roles],
        is_me=current_user.id == person.id,
        contact_state=connections.state_between(current_user, person, event),
        contact_button=ContactButtonForm(formdata=None),
        sections=sections,
    )


# --- the directory -------------------------------------------------------------------


FILTER_KINDS = {
    "industry": TaxonomyKind.industry,
    "region": TaxonomyKind.region,
    "job_role": TaxonomyKind.job_role,
    "topic": TaxonomyKind.topic,
}


def _filter_form(event: Event) -> DirectoryFilterForm:
    form = DirectoryFilterForm(formdata=request.args)
    for name, kind in FILTER_KINDS.items():
        getattr(form, name).choices = [SelectChoice(t.id, t.name) for t in terms_of(event, kind)]
    form.ticket.choices = [SelectChoice(t.id, t.name) for t in event.ticket_types]
    return form


def _directory_url(event: Event, drop: tuple[str, str] | None = None, **replace) -> str:
    """This directory's address with the current query, minus one value or with others set."""
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    if drop is not None:
        name, value = drop
        args[name] = [v for v in args.get(name, []) if v != value]
    for name, value in replace.items():
        args[name] = [value]
    return url_for("profiles.directory", slug=event.slug, **args)


def _active_filters(event: Event, form: DirectoryFilterForm) -> list[tuple[str, str]]:
    """(label, address without it) for every chosen filter value, to show as removable chips."""
    active = []
    for name in form.FILTERS:
        names = {choice.value: choice.label for choice in getattr(form, name).choices}
        for value in form.chosen(name):
            if value in names:
                active.append((names[value], _directory_url(event, drop=(name, str(value)))))
    return active


@bp.route("/e/<slug>/people/")
def directory(slug: str):
    event = event_or_404(slug)
    authorize_participant("directory.view", event)
    form = _filter_form(event)
    organizer = can(current_user, "event.manage", event)
    result = search_directory(
        event,
        organizer,
        q=form.q.data,
        industry_ids=form.chosen("industry"),
        region_ids=form.chosen("region"),
        job_role_ids=form.chosen("job_role"),
        topic_ids=form.chosen("topic"),
        ticket_type_ids=form.chosen("ticket"),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["DIRECTORY_PAGE_SIZE"],
    )
    return render_template(
        "profiles/directory.html",
        event=event,
        form=form,
        result=result,
        organizer=organizer,
        active_filters=_active_filters(event, form),
        searching=bool((form.q.data or "").strip()) or form.active_count > 0,
        page_url=lambda n: _directory_url(event, page=str(n)),
        clear_url=url_for("profiles.directory", slug=event.slug),
        without_search=_directory_url(event, drop=("q", form.q.data or "")),
        me_hidden=current_user.profile is not None and not current_user.profile.directory_visible,
        featured=placements.featured_sponsors(current_user._get_current_object(), event),
    )
