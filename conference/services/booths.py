"""Sponsors' booths: what participants see of a sponsor, what its admins edit, its
materials, its logo, and its one announcement.

- A booth visit is an activity ``booth_visit`` with the sponsor, counted once per
  person, sponsor and day of the event's time zone; the sponsor's own staff and the
  event's organizers are not visitors.
- Materials are checked and stored like session materials
  (``conference.services.materials``); downloading one records ``booth_download``
  and, when the person agreed in the prompt, makes them a lead through
  ``leads.share_for_material``. A material that ``requires_consent`` is only given to
  people who share.
- The logo is checked and re-encoded like the event's badge logo
  (``badge_designs.normalize_logo``) and lives under ``UPLOAD_FOLDER/logos``.
- The announcement is claimed with one conditional UPDATE of
  ``Sponsor.announcement_sent_at``, so two admins pressing "send" at once send it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from conference.enums import ActivityKind, MaterialKind
from conference.extensions import db
from conference.models import (
    Activity,
    BoothMaterial,
    Lead,
    Mailing,
    ProgramSession,
    Sponsor,
    SponsorMember,
    User,
)
from conference.models.types import utcnow
from conference.permissions import can, sponsor_membership, standing
from conference.services import ServiceError, activity, badge_designs, leads, mailings, materials
from conference.services.aftercommit import on_commit
from conference.services.program import local_day_bounds, utc_to_local

TAGLINE_MAX = 200
DESCRIPTION_MAX = 10_000
LOCATION_MAX = 120
EMAIL_MAX = 254
LINK_LABEL_MAX = 80
#: Further links a booth lists besides its website.
LINKS_MAX = 6


# --- what participants see --------------------------------------------------------------


def staff_of(sponsor: Sponsor) -> list[User]:
    """The sponsor's staff, admins first, then by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(SponsorMember, SponsorMember.user_id == User.id)
            .where(SponsorMember.sponsor_id == sponsor.id, User.is_suspended.is_(False))
            .order_by(SponsorMember.is_admin.desc(), User.display_name, User.id)
        )
    )


def sponsored_sessions(viewer, sponsor: Sponsor) -> list[ProgramSession]:
    """The sessions the sponsor presents that ``viewer`` may see, in time order."""
    sessions = db.session.scalars(
        sa.select(ProgramSession)
        .where(ProgramSession.sponsor_id == sponsor.id)
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    )
    return [s for s in sessions if can(viewer, "session.view", s)]


def counts_as_visitor(person: User, sponsor: Sponsor) -> bool:
    """A participant other than the sponsor's own staff and the event's organizers."""
    if standing(person, sponsor.event).is_organizer:
        return False
    member = sponsor_membership(person, sponsor.event)
    return member is None or member.sponsor_id != sponsor.id


def record_visit(person: User, sponsor: Sponsor) -> bool:
    """Count ``person``'s visit to the booth, once per day of the event's time zone.

    Side effects: may add an ``Activity`` of kind ``booth_visit``. Returns whether it did.
    """
    if not counts_as_visitor(person, sponsor):
        return False
    event = sponsor.event
    start, end = local_day_bounds(event, utc_to_local(event, utcnow()).date())
    seen = db.session.scalar(
        sa.select(Activity.id)
        .where(
            Activity.event_id == event.id,
            Activity.user_id == person.id,
            Activity.sponsor_id == sponsor.id,
            Activity.kind == ActivityKind.booth_visit,
            Activity.created_at >= start,
            Activity.created_at < end,
        )
        .limit(1)
    )
    if seen is not None:
        return False
    activity.record(person, event, ActivityKind.booth_visit, sponsor=sponsor)
    return True


def has_shared(person: User, sponsor: Sponsor) -> bool:
    """The sponsor holds ``person``'s details now (they shared and did not withdraw)."""
    lead = leads.lead_of(sponsor, person)
    return lead is not None and lead.withdrawn_at is None


# --- the booth, as its admins edit it ---------------------------------------------------------


@dataclass(frozen=True)
class BoothValues:
    """What the booth form sends; ``links`` are (label, address) pairs, blanks ignored."""

    tagline: str = ""
    description: str = ""
    website: str = ""
    booth_location: str = ""
    contact_email: str = ""
    links: tuple[tuple[str, str], ...] = ()


def _require_editor(actor: User, sponsor: Sponsor) -> None:
    if not can(actor, "booth.edit", sponsor):
        raise ServiceError("forbidden", _("Only the sponsor's admins edit its booth."))


def _limited(value: str, limit: int, field: str, *, one_line: bool = True) -> str:
    value = " ".join(value.split()) if one_line else value.strip()
    if len(value) > limit:
        raise ServiceError(
            f"{field}_too_long", _("At most %(n)d characters, please.", n=limit), field
        )
    return value


def _clean_url(value: str, field: str) -> str:
    try:
        return materials.clean_link(value)
    except ServiceError as exc:
        raise ServiceError(exc.code, exc.message, field) from None


def _clean_email(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        found = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise ServiceError(
            "contact_email_invalid", _("Please enter a valid email address."), "contact_email"
        ) from None
    return _limited(found.normalized, EMAIL_MAX, "contact_email")


def _clean_links(pairs) -> list[dict]:
    links = []
    for label, url in pairs:
        label, url = " ".join((label or "").split()), (url or "").strip()
        if not label and not url:
            continue
        url = _clean_url(url, "links")
        label = _limited(label or (urlsplit(url).hostname or url), LINK_LABEL_MAX, "links")
        links.append({"label": label, "url": url})
    if len(links) > LINKS_MAX:
        raise ServiceError(
            "links_too_many", _("At most %(n)d links, please.", n=LINKS_MAX), "links"
        )
    return links


def update_booth(actor: User, sponsor: Sponsor, values: BoothValues) -> Sponsor:
    """Save the booth's texts and links; everything is checked before anything changes.

    Side effects: updates the ``Sponsor`` row. Flushes.
    """
    _require_editor(actor, sponsor)
    tagline = _limited(values.tagline, TAGLINE_MAX, "tagline")
    description = _limited(values.description, DESCRIPTION_MAX, "description", one_line=False)
    website = _clean_url(values.website, "website") if values.website.strip() else ""
    location = _limited(values.booth_location, LOCATION_MAX, "booth_location")
    email = _clean_email(values.contact_email)
    links = _clean_links(values.links)
    sponsor.tagline = tagline
    sponsor.description = description
    sponsor.website = website
    sponsor.booth_location = location
    sponsor.contact_email = email
    sponsor.links = links
    db.session.flush()
    return sponsor


# --- the logo ---------------------------------------------------------------------------------


def logo_path(sponsor: Sponsor) -> Path | None:
    """Where the sponsor's logo lives; None without one (or with a name we never made)."""
    return badge_designs.logo_file(sponsor.logo_filename)


def logo_png(sponsor: Sponsor) -> bytes | None:
    """The sponsor's logo as PNG bytes, or None (no logo, or its file is gone)."""
    return badge_designs.stored_logo_png(sponsor.logo_filename)


def set_logo(actor: User, sponsor: Sponsor, data: bytes) -> None:
    """Replace the sponsor's logo by the uploaded image (checked, re-encoded as PNG).

    Side effects: writes ``UPLOAD_FOLDER/logos/<random>.png`` (removed again on
    rollback) and sets ``Sponsor.logo_filename``; the replaced file goes after the
    commit. Flushes.
    """
    _require_editor(actor, sponsor)
    png = badge_designs.normalize_logo(data)
    old = logo_path(sponsor)
    sponsor.logo_filename = badge_designs.store_logo_png(png)
    if old is not None:
        on_commit(lambda: old.unlink(missing_ok=True))
    db.session.flush()


def remove_logo(actor: User, sponsor: Sponsor) -> None:
    """The booth shows the sponsor's name instead; the file goes after the commit."""
    _require_editor(actor, sponsor)
    old = logo_path(sponsor)
    sponsor.logo_filename = None
    if old is not None:
        on_commit(lambda: old.unlink(missing_ok=True))
    db.session.flush()


def logo_is_visible(viewer, sponsor: Sponsor) -> bool:
    """Anyone may see the logo of a sponsor shown on the public event page, and whoever
    sees the agenda the logo of a sponsor shown there; otherwise whoever may see the
    sponsors' page or the booth."""
    return (
        sponsor.package.logo_on_event_page
        or (sponsor.package.logo_on_agenda and can(viewer, "program.view", sponsor.event))
        or can(viewer, "sponsors.view", sponsor.event)
        or can(viewer, "booth.view", sponsor)
    )


# --- materials --------------------------------------------------------------------------------


def materials_of(sponsor: Sponsor) -> list[BoothMaterial]:
    return list(
        db.session.scalars(
            sa.select(BoothMaterial)
            .where(BoothMaterial.sponsor_id == sponsor.id)
            .order_by(BoothMaterial.position, BoothMaterial.id)
        )
    )


def material_in(sponsor: Sponsor, material_id: int) -> BoothMaterial | None:
    """The sponsor's material ``material_id``; None for another sponsor's."""
    return db.session.scalar(
        sa.select(BoothMaterial).where(
            BoothMaterial.sponsor_id == sponsor.id, BoothMaterial.id == material_id
        )
    )


def _next_position(sponsor: Sponsor) -> int:
    last = db.session.scalar(
        sa.select(sa.func.max(BoothMaterial.position)).where(BoothMaterial.sponsor_id == sponsor.id)
    )
    return (last or 0) + 1


def add_file(
    actor: User,
    sponsor: Sponsor,
    *,
    title: str | None,
    filename: str,
    data: bytes,
    requires_consent: bool = False,
) -> BoothMaterial:
    """Put an uploaded file on the booth (checked like session materials).

    Side effects: writes ``UPLOAD_FOLDER/materials/<random>`` (removed again on
    rollback), adds a ``BoothMaterial``. Flushes.
    """
    _require_editor(actor, sponsor)
    upload = materials.check_upload(title=title, filename=filename, data=data)
    stored_name = materials.store_file(data)
    material = BoothMaterial(
        sponsor_id=sponsor.id,
        event_id=sponsor.event_id,
        uploaded_by_id=actor.id,
        kind=MaterialKind.file,
        title=upload.title,
        stored_name=stored_name,
        original_name=upload.name,
        content_type=upload.content_type,
        size=len(data),
        requires_consent=bool(requires_consent),
        position=_next_position(sponsor),
    )
    db.session.add(material)
    db.session.flush()
    return material


def add_link(
    actor: User, sponsor: Sponsor, *, title: str | None, url: str, requires_consent: bool = False
) -> BoothMaterial:
    """Put a link (a product page, a video) on the booth. Side effects: adds a
    ``BoothMaterial``. Flushes."""
    _require_editor(actor, sponsor)
    url = materials.clean_link(url)
    material = BoothMaterial(
        sponsor_id=sponsor.id,
        event_id=sponsor.event_id,
        uploaded_by_id=actor.id,
        kind=MaterialKind.link,
        title=materials.clean_title(title, fallback=urlsplit(url).hostname or url),
        url=url,
        requires_consent=bool(requires_consent),
        position=_next_position(sponsor),
    )
    db.session.add(material)
    db.session.flush()
    return material


def delete_material(actor: User, material: BoothMaterial) -> None:
    """Remove a booth material; its file goes once that is committed. Flushes."""
    _require_editor(actor, material.sponsor)
    db.session.delete(material)
    db.session.flush()


def take_material(person: User, material: BoothMaterial, *, share: bool, shown: str | None):
    """``person`` answered the prompt before ``material``: with ``share``, they agreed to
    ``shown`` (the sponsor's ``leads.share_text``) and become a lead; without, they take
    it without sharing, which a material that ``requires_consent`` refuses to those who
    could share (the sponsor's own staff, organizers, and everyone at a sponsor that
    collects no leads take it freely).

    Side effects: may write a ``Lead`` (``leads.share_for_material``); adds a
    ``booth_download`` activity for visitors. Returns the lead or None.
    """
    sponsor = material.sponsor
    if not can(person, "booth.view", sponsor):
        raise ServiceError("forbidden", _("This booth is not open to you."))
    lead: Lead | None = None
    if share:
        lead = leads.share_for_material(person, material, shown)
    elif (
        material.requires_consent
        and can(person, "lead.share", sponsor)
        and not has_shared(person, sponsor)
    ):
        raise ServiceError(
            "consent_required",
            _("%(sponsor)s offers this to people who share their details.", sponsor=sponsor.name),
        )
    if counts_as_visitor(person, sponsor):
        activity.record(person, sponsor.event, ActivityKind.booth_download, sponsor=sponsor)
    return lead


# --- the announcement -------------------------------------------------------------------------


def announcement_of(sponsor: Sponsor) -> Mailing | None:
    """The sponsor's sent announcement, if any."""
    return db.session.scalar(
        sa.select(Mailing).where(Mailing.sponsor_id == sponsor.id).order_by(Mailing.id).limit(1)
    )


def _require_announcer(actor: User, sponsor: Sponsor) -> None:
    if not can(actor, "sponsor.announce", sponsor):
        raise ServiceError("forbidden", _("This sponsor cannot send an announcement (any more)."))


def preview_announcement(actor: User, sponsor: Sponsor, subject: str, body: str):
    """The email as the admin writing it would get it (``mailings.Rendered``)."""
    _require_announcer(actor, sponsor)
    return mailings.preview_sponsor_mailing(actor, sponsor, subject, body)


def send_announcement(actor: User, sponsor: Sponsor, subject: str, body: str) -> Mailing:
    """Send the sponsor's one announcement to the participants who accepted sponsors'
    offers, by the event's mailing job.

    Side effects: sets ``Sponsor.announcement_sent_at`` with a conditional UPDATE (a
    second sender, even at the same moment, gets ``already_sent``); writes the mailing
    and its recipients (``mailings.create_sponsor_mailing``), queued after commit.
    """
    _require_announcer(actor, sponsor)
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Sponsor)
        .where(Sponsor.id == sponsor.id, Sponsor.announcement_sent_at.is_(None))
        .values(announcement_sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise ServiceError("already_sent", _("This sponsor's announcement was already sent."))
    set_committed_value(sponsor, "announcement_sent_at", now)
    return mailings.create_sponsor_mailing(actor, sponsor, subject, body)
