"""Session materials over HTTP: upload, download, delete, make public; and the speaker's
sessions and materials on their profile page.

A material is served only through ``program.material``, after ``material.view``:
anyone refused gets the event's participants-only page (403), never the file or
its title. Files go out with the type found at upload, ``nosniff``, a
``Content-Disposition`` carrying the sanitized original name, and no caching.

The upload form lives in ``templates/program/_materials.html``, which the
session page includes; a refused upload shows that partial again on a page of
its own, with the messages next to the fields.
"""

from __future__ import annotations

from babel.dates import format_skeleton
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length, Optional

from conference.blueprints.common import (
    authorize,
    authorize_participant,
    event_or_404,
    form_errors_from,
    material_file,
    material_response,
)
from conference.blueprints.profiles.views import PersonSection, in_this_event
from conference.blueprints.program import bp
from conference.blueprints.program.agenda import session_or_404
from conference.enums import ActivityKind
from conference.extensions import db
from conference.models import Event, Material, ProgramSession, User
from conference.permissions import can
from conference.services import ServiceError, activity
from conference.services import materials as material_service
from conference.services.program import clock, sessions_of_speaker, utc_to_local


class MaterialForm(FlaskForm):
    """A file or a link for a session; which one is decided by what is filled in."""

    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=material_service.TITLE_MAX)],
        description=_l("E.g. “Slides” or “Demo repository”. Empty: the file's name."),
    )
    file = FileField(_l("File"))
    url = StringField(
        _l("…or a link"),
        validators=[Optional(), Length(max=material_service.URL_MAX)],
        description=_l("An http:// or https:// address: slides online, code, a recording."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "material")
        super().__init__(*args, **kwargs)
        accepted = current_app.config["MATERIAL_TYPES"]
        extensions = sorted(
            {ext for kind in accepted for ext in material_service.EXTENSIONS.get(kind, ())}
        )
        self.file.render_kw = {"accept": ",".join(extensions)}
        self.file.description = _(
            "PDF, slides, documents or images, up to %(mb)s MB.",
            mb=material_service.max_megabytes(),
        )


@bp.app_template_global("material_form")
def material_form() -> MaterialForm:
    """An empty upload form, for pages that include the materials partial."""
    return MaterialForm(formdata=None)


@bp.app_template_filter("material_type")
def material_type(material: Material) -> str:
    return material_service.type_label(material)


def _material_or_404(event: Event, material_id: int) -> Material:
    material = material_service.material_in(event, material_id)
    if material is None:
        abort(404)
    return material


def _material_to_change(slug: str, material_id: int, action: str) -> Material:
    """The material of the address, which the current user must be allowed to ``action``."""
    event = event_or_404(slug)
    material = _material_or_404(event, material_id)
    authorize(action, material)
    return material


def _back_to(session: ProgramSession):
    return redirect(
        url_for("program.session", slug=session.event.slug, session_id=session.id) + "#materials"
    )


def _attach(form: MaterialForm, session: ProgramSession) -> Material:
    actor = current_user._get_current_object()
    upload = form.file.data
    has_file = bool(upload and upload.filename)
    url = (form.url.data or "").strip()
    if has_file and url:
        raise ServiceError("file_and_link", _("Attach a file or a link, not both at once."), "url")
    if has_file:
        data = upload.stream.read(current_app.config["MATERIAL_MAX_BYTES"] + 1)
        return material_service.add_file(
            actor, session, title=form.title.data, filename=upload.filename, data=data
        )
    if url:
        return material_service.add_link(actor, session, title=form.title.data, url=url)
    raise ServiceError("nothing_attached", _("Choose a file or enter a link."), "file")


@bp.post("/program/<int:session_id>/materials")
@login_required
def material_upload(slug: str, session_id: int):
    event = event_or_404(slug)
    session = session_or_404(event, session_id)
    authorize("material.upload", session)
    form = MaterialForm()
    if form.validate_on_submit():
        try:
            material = _attach(form, session)
        except ServiceError as exc:
            db.session.rollback()
            form_errors_from(exc, form)
        else:
            db.session.commit()
            flash(_("“%(title)s” is attached to the session.", title=material.title), "success")
            return _back_to(session)
    return render_template(
        "program/material_upload.html",
        event=event,
        session=session,
        materials=material_service.visible_materials(current_user, session),
        can_upload=True,
        upload_form=form,
    ), 400


def _first_download(req) -> bool:
    """False for the follow-up range requests a PDF viewer makes while reading one file."""
    wanted = req.headers.get("Range", "")
    return not wanted or wanted.replace(" ", "").startswith("bytes=0-")


@bp.get("/materials/<int:material_id>")
def material(slug: str, material_id: int):
    """The file (or a redirect to the link) for whoever may see it; counted as a download."""
    event = event_or_404(slug)
    material = _material_or_404(event, material_id)
    authorize_participant("material.view", event, material)
    path = material_file(material)
    if current_user.is_authenticated and _first_download(request):
        activity.record(
            current_user._get_current_object(),
            event,
            ActivityKind.material_download,
            session=material.session,
            material=material,
        )
        db.session.commit()
    return material_response(material, path)


@bp.post("/materials/<int:material_id>/delete")
@login_required
def material_delete(slug: str, material_id: int):
    material = _material_to_change(slug, material_id, "material.delete")
    session, title = material.session, material.title
    material_service.delete_material(current_user._get_current_object(), material)
    db.session.commit()
    flash(_("“%(title)s” is removed.", title=title), "success")
    return _back_to(session)


@bp.post("/materials/<int:material_id>/publish")
@login_required
def material_publish(slug: str, material_id: int):
    """Make a material public (``public=1``) or for participants only again (``public=0``)."""
    material = _material_to_change(slug, material_id, "material.publish")
    public = request.form.get("public") == "1"
    material_service.set_public(current_user._get_current_object(), material, public)
    db.session.commit()
    if public:
        flash(_("“%(title)s” is now public.", title=material.title), "success")
    else:
        flash(_("“%(title)s” is for participants only again.", title=material.title), "success")
    return _back_to(material.session)


# --- the speaker on their profile page ---------------------------------------------


def session_when(event: Event, session: ProgramSession) -> str:
    """The day and hours of ``session`` in the event's time zone, in the viewer's language."""
    day = format_skeleton("MMMEd", utc_to_local(event, session.starts_at), locale=get_locale())
    return f"{day}, {clock(event, session.starts_at)}\u2013{clock(event, session.ends_at)}"


@in_this_event
def speaker_sessions(event: Event, person: User, viewer) -> PersonSection | None:
    """The published sessions ``person`` speaks in."""
    sessions = [s for s in sessions_of_speaker(event, person) if can(viewer, "session.view", s)]
    if not sessions:
        return None
    return PersonSection(
        title=_("Sessions"),
        template="profiles/_in_this_event_program.html",
        context={"sessions": [(s, session_when(event, s)) for s in sessions]},
    )


@in_this_event
def speaker_materials(event: Event, person: User, viewer) -> PersonSection | None:
    """What ``person`` attached to sessions, as far as the viewer may open it."""
    materials = [
        m
        for m in material_service.materials_of_user(event, person)
        if can(viewer, "material.view", m)
    ]
    if not materials:
        return None
    return PersonSection(
        title=_("Materials"),
        template="profiles/_in_this_event_program.html",
        context={"materials": materials},
    )
