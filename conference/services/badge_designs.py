"""Badge designs of an event, and the event logo printed on its badges.

A design says how badges look (print format, band colour per role, which fields
appear) and whom it is for: the event's default, one ticket type, or one badge role.
There is at most one design per target, so which design a badge uses never depends
on the order designs were made in (``conference.services.badges`` picks: the role's
design, else the ticket type's, else the default).

The logo is checked by its content (Pillow), never by its name: it must decode as a
JPEG, PNG, GIF or WebP image with a sane pixel count, and what is kept is a new PNG
(no metadata, at most ``LOGO_MAX_SIDE`` pixels on its longer side) under a random
name in ``UPLOAD_FOLDER/logos``. The PNG is what WeasyPrint embeds as a ``data:``
URI, so nothing typed or uploaded is ever fetched from a path or a host.

Files and the database change together, as for profile photos: a logo written here
is removed again on rollback, and the one it replaces only after the commit.
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image

from conference.badges.render import COLOR_RE
from conference.enums import BadgeLayout, BadgeRole
from conference.extensions import db
from conference.models import BadgeDesign, Event, TicketType, User
from conference.services import ServiceError, images
from conference.services.aftercommit import on_commit, on_rollback

NAME_MAX = 120
#: Largest logo upload, in bytes.
MAX_LOGO_BYTES = 5 * 1024 * 1024
#: Longer side of the kept logo: sharp at 300 dpi across a 8 cm wide badge header.
LOGO_MAX_SIDE = 1000
LOGO_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+\.png$")

#: The target of the event's default design in ``DesignValues.target``.
DEFAULT_TARGET = "default"

LAYOUT_LABELS = {
    BadgeLayout.a6: _l("A6 portrait (105 x 148 mm)"),
    BadgeLayout.a7: _l("A7 portrait (74 x 105 mm)"),
    BadgeLayout.label_4x3: _l("Label, 4 x 3 inches"),
    BadgeLayout.cr80: _l("CR80 card (85.6 x 54 mm)"),
    BadgeLayout.a4_sheet: _l("A4 sheet of badges, with crop marks"),
    BadgeLayout.letter_sheet: _l("US Letter sheet of badges, with crop marks"),
}

ROLE_LABELS = {
    BadgeRole.organizer: _l("Organizer"),
    BadgeRole.speaker: _l("Speaker"),
    BadgeRole.sponsor: _l("Sponsor"),
    BadgeRole.staff: _l("Staff"),
    BadgeRole.attendee: _l("Attendee"),
}

#: The fields a design can show or hide, with their labels, in the form's order.
FIELD_TOGGLES = {
    "show_logo": _l("Event logo"),
    "show_company": _l("Company"),
    "show_job_title": _l("Job title"),
    "show_ribbon": _l("Role ribbon (SPEAKER, SPONSOR…) for everyone but attendees"),
    "show_qr": _l("QR code for check-in"),
}


@dataclass
class DesignValues:
    """A design as typed in the form, before it is checked."""

    name: str = ""
    layout: str = BadgeLayout.a6.value
    #: ``"default"``, ``"ticket:<id>"`` or ``"role:<role>"``.
    target: str = DEFAULT_TARGET
    #: Band colour per role value; roles left out use the built-in palette.
    colors: dict[str, str] = field(default_factory=dict)
    show_logo: bool = True
    show_company: bool = True
    show_job_title: bool = True
    show_ribbon: bool = True
    show_qr: bool = True

    @classmethod
    def of(cls, design: BadgeDesign) -> DesignValues:
        return cls(
            name=design.name,
            layout=design.layout.value,
            target=target_of(design),
            colors=dict(design.colors or {}),
            **{name: getattr(design, name) for name in FIELD_TOGGLES},
        )


@dataclass(frozen=True)
class _Checked:
    name: str
    layout: BadgeLayout
    ticket_type_id: int | None
    role: BadgeRole | None
    colors: dict[str, str]
    toggles: dict[str, bool]


def target_of(design: BadgeDesign) -> str:
    if design.role is not None:
        return f"role:{design.role.value}"
    if design.ticket_type_id is not None:
        return f"ticket:{design.ticket_type_id}"
    return DEFAULT_TARGET


def target_choices(event: Event) -> list[tuple[str, str]]:
    """Whom a design of ``event`` can be for, as (value, label) pairs."""
    choices = [(DEFAULT_TARGET, _("Everyone without a more specific design (default)"))]
    choices += [
        (f"ticket:{ticket.id}", _("Ticket type: %(name)s", name=ticket.name))
        for ticket in event.ticket_types
    ]
    choices += [
        (f"role:{role.value}", _("Role: %(role)s", role=label))
        for role, label in ROLE_LABELS.items()
    ]
    return choices


def designs_of(event: Event) -> list[BadgeDesign]:
    """The event's designs: the default first, then ticket types', then roles'."""
    designs = db.session.scalars(
        sa.select(BadgeDesign).where(BadgeDesign.event_id == event.id).order_by(BadgeDesign.id)
    ).all()
    order = {role: index for index, role in enumerate(ROLE_LABELS)}
    return sorted(
        designs,
        key=lambda d: (
            0 if target_of(d) == DEFAULT_TARGET else 1 if d.role is None else 2,
            order.get(d.role, 0),
            d.name.casefold(),
        ),
    )


def design_of(event: Event, design_id: int | None) -> BadgeDesign | None:
    """The design with ``design_id`` if it belongs to ``event``."""
    design = db.session.get(BadgeDesign, design_id) if design_id is not None else None
    if design is None or design.event_id != event.id:
        return None
    return design


@dataclass(frozen=True)
class Usage:
    """Which design each ticket type and each role of an event prints with."""

    by_ticket_type: list[tuple[TicketType, BadgeDesign | None]]
    by_role: list[tuple[BadgeRole, BadgeDesign | None]]
    default: BadgeDesign | None


def usage(event: Event, designs: list[BadgeDesign]) -> Usage:
    """What prints with which design: a role's design wins over a ticket type's, which
    wins over the default; ``None`` means the built-in look."""
    default = next((d for d in designs if target_of(d) == DEFAULT_TARGET), None)
    by_ticket = {d.ticket_type_id: d for d in designs if d.ticket_type_id and d.role is None}
    by_role = {d.role: d for d in designs if d.role is not None}
    return Usage(
        by_ticket_type=[(t, by_ticket.get(t.id, default)) for t in event.ticket_types],
        by_role=[(role, by_role.get(role)) for role in ROLE_LABELS],
        default=default,
    )


def _check(
    event: Event, values: DesignValues, exclude_id: int | None = None, *, for_saving: bool = True
) -> _Checked:
    """``values`` made sure of, or ``ServiceError`` naming the field that is wrong.

    Whether another design already has the target only matters ``for_saving``: a
    preview shows any values."""
    name = " ".join((values.name or "").split())
    if not name:
        raise ServiceError("name_missing", _("Give the design a name."), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(
            "name_too_long", _("At most %(n)d characters, please.", n=NAME_MAX), "name"
        )
    try:
        layout = BadgeLayout(values.layout)
    except ValueError:
        raise ServiceError("layout_invalid", _("Choose one of the formats."), "layout") from None

    ticket_type_id: int | None = None
    role: BadgeRole | None = None
    target = values.target or ""
    kind, _sep, ref = target.partition(":")
    if target == DEFAULT_TARGET:
        pass
    elif kind == "ticket" and ref.isdigit():
        ticket = db.session.get(TicketType, int(ref))
        if ticket is None or ticket.event_id != event.id:
            raise _bad_target()
        ticket_type_id = ticket.id
    elif kind == "role" and ref in BadgeRole.__members__:
        role = BadgeRole(ref)
    else:
        raise _bad_target()

    if for_saving:
        _check_target_free(event, ticket_type_id, role, exclude_id)
    colors: dict[str, str] = {}
    for key, value in (values.colors or {}).items():
        if key not in BadgeRole.__members__:
            raise ServiceError("color_role_invalid", _("Unknown role."), "colors")
        value = (value or "").strip()
        if not COLOR_RE.match(value):
            raise ServiceError(
                "color_invalid",
                _(
                    "Colours are written as # and six hexadecimal digits, like #1d4ed8 "
                    "(%(role)s: “%(value)s”).",
                    role=ROLE_LABELS[BadgeRole(key)],
                    value=value,
                ),
                f"color_{key}",
            )
        colors[key] = value.lower()
    toggles = {name: bool(getattr(values, name)) for name in FIELD_TOGGLES}
    return _Checked(name, layout, ticket_type_id, role, colors, toggles)


def _check_target_free(
    event: Event, ticket_type_id: int | None, role: BadgeRole | None, exclude_id: int | None
) -> None:
    taken = sa.select(BadgeDesign).where(
        BadgeDesign.event_id == event.id,
        BadgeDesign.ticket_type_id.is_(None)
        if ticket_type_id is None
        else BadgeDesign.ticket_type_id == ticket_type_id,
        BadgeDesign.role.is_(None) if role is None else BadgeDesign.role == role,
    )
    if exclude_id is not None:
        taken = taken.where(BadgeDesign.id != exclude_id)
    other = db.session.scalar(taken.limit(1))
    if other is not None:
        raise ServiceError(
            "target_taken",
            _(
                "The design “%(name)s” is already for them: edit that one, or choose "
                "someone else here.",
                name=other.name,
            ),
            "target",
        )


def _bad_target() -> ServiceError:
    return ServiceError("target_invalid", _("Choose whom this design is for."), "target")


def _apply(design: BadgeDesign, checked: _Checked) -> None:
    design.name = checked.name
    design.layout = checked.layout
    design.ticket_type_id = checked.ticket_type_id
    design.role = checked.role
    design.colors = checked.colors
    for name, value in checked.toggles.items():
        setattr(design, name, value)


def unsaved_design(event: Event, values: DesignValues, design_id: int | None = None) -> BadgeDesign:
    """A design as ``values`` would make it, not added to the session (the preview)."""
    checked = _check(event, values, exclude_id=design_id, for_saving=False)
    design = BadgeDesign(event_id=event.id)
    _apply(design, checked)
    return design


def create_design(by_user: User, event: Event, values: DesignValues) -> BadgeDesign:
    """Add a design to ``event``. Side effects: inserts the row. Flushes."""
    checked = _check(event, values)
    design = BadgeDesign(event_id=event.id)
    _apply(design, checked)
    db.session.add(design)
    db.session.flush()
    return design


def update_design(by_user: User, design: BadgeDesign, values: DesignValues) -> BadgeDesign:
    """Change a design; badges printed from now on use it. Flushes."""
    checked = _check(design.event, values, exclude_id=design.id)
    _apply(design, checked)
    db.session.flush()
    return design


def delete_design(by_user: User, design: BadgeDesign) -> None:
    """Remove a design; its people fall back to the next design that applies. Flushes."""
    db.session.delete(design)
    db.session.flush()


# --- the event logo -----------------------------------------------------------------------


def logos_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "logos"


def store_logo_png(png: bytes) -> str:
    """Keep ``png`` (made by ``normalize_logo``) under a new random name in
    ``logos_folder()`` and return that name; the file goes again if the transaction
    rolls back. Used for the event's logo and for sponsors' logos.

    The file is written beside its final name and renamed into place, so nobody ever
    reads half of it.
    """
    folder = logos_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.png"
    partial = folder / f".{name}.part"
    partial.write_bytes(png)
    partial.replace(folder / name)
    on_rollback(lambda: (folder / name).unlink(missing_ok=True))
    return name


def logo_file(name: str | None) -> Path | None:
    """Where the logo kept as ``name`` lives; None for no name or one we never made."""
    if not name or not LOGO_NAME_RE.match(name):
        return None
    return logos_folder() / name


def stored_logo_png(name: str | None) -> bytes | None:
    """The logo kept as ``name`` as PNG bytes, or None (no name, or its file is gone)."""
    path = logo_file(name)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def logo_path(event: Event) -> Path | None:
    """Where ``event``'s logo lives; None without one (or with a name we never made)."""
    return logo_file(event.logo_filename)


def logo_png(event: Event) -> bytes | None:
    """``event``'s logo as PNG bytes, or None (no logo, or its file is gone)."""
    return stored_logo_png(event.logo_filename)


def normalize_logo(data: bytes) -> bytes:
    """The PNG kept for an uploaded logo, or ``ServiceError`` on field ``logo``.

    Refuses empty files, files over ``MAX_LOGO_BYTES`` and what
    ``images.load_checked`` refuses. Transparency is kept; the image is scaled down to
    ``LOGO_MAX_SIDE`` and saved without metadata.
    """
    if not data:
        raise ServiceError("logo_missing", _("Choose an image file."), "logo")
    if len(data) > MAX_LOGO_BYTES:
        raise ServiceError(
            "logo_too_large",
            _("The logo is too large: at most %(mb)s MB.", mb=f"{MAX_LOGO_BYTES / 1048576:g}"),
            "logo",
        )
    image = images.load_checked(data, "logo")
    try:
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
        image.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)
    except images.DECODE_ERRORS:
        raise images.not_an_image("logo") from None
    return out.getvalue()


def set_logo(by_user: User, event: Event, data: bytes) -> str:
    """Replace ``event``'s logo by the uploaded image.

    Side effects: writes ``UPLOAD_FOLDER/logos/<random>.png`` (removed again on
    rollback) and sets ``Event.logo_filename``; the replaced file is deleted after the
    commit. Flushes.
    """
    png = normalize_logo(data)
    old = logo_path(event)
    name = store_logo_png(png)
    event.logo_filename = name
    if old is not None:
        on_commit(lambda: old.unlink(missing_ok=True))
    db.session.flush()
    return name


def remove_logo(by_user: User, event: Event) -> None:
    """Badges print without a logo from now on; the file goes after the commit. Flushes."""
    old = logo_path(event)
    event.logo_filename = None
    if old is not None:
        on_commit(lambda: old.unlink(missing_ok=True))
    db.session.flush()
