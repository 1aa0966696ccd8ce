"""Profiles: what a person tells others, their photo, and a person seen in an event.

Photos are checked by their content (Pillow), never by their name: the upload
must decode as an image of a few known formats with a sane pixel count. What
is kept is a new file: RGB, cropped to a square, resized to ``PHOTO_SIZE`` and
saved as JPEG without any metadata, under a random name in
``UPLOAD_FOLDER/photos``.

Files and the database change together: a photo written by ``update_profile``
is deleted again if the session rolls back, and the photo it replaces is only
deleted once the session commits (``conference.services.aftercommit``).
"""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps
from sqlalchemy.orm import selectinload

from conference.enums import MessagePolicy
from conference.extensions import db
from conference.models import Event, Registration, User
from conference.models.people import Profile
from conference.services import ServiceError, images, matchmaking, points
from conference.services.aftercommit import on_commit, on_rollback
from conference.services.search import refresh_search_keys

#: Side of the square photo that is kept, in pixels.
PHOTO_SIZE = 400
PHOTO_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+\.jpg$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

#: Column sizes, shared with the form's Length validators.
LIMITS = {
    "display_name": 120,
    "headline": 160,
    "bio": 5000,
    "company": 120,
    "job_title": 120,
    "website": 300,
    "linkedin": 300,
    "looking_for": 500,
    "can_offer": 500,
}


@dataclass(frozen=True)
class ProfileChanges:
    """Everything the profile form submits."""

    display_name: str
    headline: str = ""
    bio: str = ""
    company: str = ""
    job_title: str = ""
    website: str = ""
    linkedin: str = ""
    looking_for: str = ""
    can_offer: str = ""
    directory_visible: bool = True
    message_policy: MessagePolicy = MessagePolicy.participants
    contact_after_meeting: bool = False
    contact_on_badge_scan: bool = False
    #: The uploaded file's bytes, if one was sent.
    photo: bytes | None = None
    remove_photo: bool = False


def photos_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "photos"


def photo_path(name: str | None) -> Path | None:
    """Where the photo called ``name`` lives; None for a name we never produce."""
    if not name or not PHOTO_NAME_RE.match(name):
        return None
    return photos_folder() / name


def clean_url(value: str, field: str) -> str:
    """A web address as stored: http or https with a host; "" stays "".

    An address typed without a scheme ("example.com") gets ``https://``.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if not _SCHEME_RE.match(value):
        value = "https://" + value
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise _invalid_url(field) from None
    host = parts.hostname or ""
    if (
        parts.scheme.lower() not in ("http", "https")
        or "." not in host
        or any(c.isspace() for c in value)
    ):
        raise _invalid_url(field)
    if len(value) > LIMITS[field]:
        raise ServiceError(
            "url_too_long",
            _("This address is too long (at most %(n)d characters).", n=LIMITS[field]),
            field,
        )
    return value


def _invalid_url(field: str) -> ServiceError:
    return ServiceError(
        "url_invalid", _("Enter a web address starting with http:// or https://."), field
    )


def normalize_photo(data: bytes, max_bytes: int) -> bytes:
    """The JPEG kept for an uploaded image, or ``ServiceError`` on field ``photo``.

    Refuses files over ``max_bytes`` and what ``images.load_checked`` refuses; the
    photo is cropped to a square, flattened on white and saved without metadata.
    """
    if len(data) > max_bytes:
        raise ServiceError(
            "photo_too_large",
            _("The photo is too large: at most %(mb)s MB.", mb=f"{max_bytes / 1048576:g}"),
            "photo",
        )
    image = images.load_checked(data, "photo")
    try:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            image = Image.new("RGB", rgba.size, "white")
            image.paste(rgba, mask=rgba.getchannel("A"))
        else:
            image = image.convert("RGB")
        square = ImageOps.fit(image, (PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        square.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    except images.DECODE_ERRORS:
        raise images.not_an_image("photo") from None
    return out.getvalue()


def _check_lengths(changes: ProfileChanges) -> None:
    for field, limit in LIMITS.items():
        if len(getattr(changes, field) or "") > limit:
            raise ServiceError("too_long", _("At most %(n)d characters, please.", n=limit), field)


def update_profile(person: User, changes: ProfileChanges) -> Profile:
    """Save ``person``'s own profile.

    Everything is checked before anything is written, so a refusal leaves the
    account as it was.

    Side effects: writes the user's name and profile; rewrites the directory
    search keys of the person's registrations; with a new photo, writes
    ``UPLOAD_FOLDER/photos/<random>.jpg`` (removed again on rollback); a
    replaced or removed photo file is deleted after the commit; marks the suggestion
    lists depending on the person stale; once the profile is complete, writes a
    ``profile_completed`` activity row per running event (``points``). Flushes.
    """
    display_name = " ".join((changes.display_name or "").split())
    if not display_name:
        raise ServiceError("name_missing", _("Tell people your name."), "display_name")
    _check_lengths(changes)
    website = clean_url(changes.website, "website")
    linkedin = clean_url(changes.linkedin, "linkedin")
    policy = MessagePolicy(changes.message_policy)
    jpeg = None
    if changes.photo:
        jpeg = normalize_photo(changes.photo, current_app.config["MAX_PHOTO_BYTES"])

    profile = person.profile
    if profile is None:
        profile = person.profile = Profile()
    old_photo = profile.photo
    if jpeg is not None:
        profile.photo = _store_photo(jpeg)
    elif changes.remove_photo:
        profile.photo = None
    if old_photo and old_photo != profile.photo:
        on_commit(lambda: _unlink_photo(old_photo))

    searchable_before = (person.display_name, profile.company, profile.job_title)
    person.display_name = display_name
    profile.headline = changes.headline.strip()
    profile.bio = changes.bio.strip()
    profile.company = changes.company.strip()
    profile.job_title = changes.job_title.strip()
    profile.website = website
    profile.linkedin = linkedin
    profile.looking_for = changes.looking_for.strip()
    profile.can_offer = changes.can_offer.strip()
    profile.directory_visible = bool(changes.directory_visible)
    profile.message_policy = policy
    profile.contact_after_meeting = bool(changes.contact_after_meeting)
    profile.contact_on_badge_scan = bool(changes.contact_on_badge_scan)
    db.session.flush()
    if (person.display_name, profile.company, profile.job_title) != searchable_before:
        refresh_search_keys(person)
    matchmaking.mark_stale_for_user(person.id)  # matchmaking: reasons use the profile
    points.record_profile_completed(person)  # points: a complete profile earns them once
    return profile


def _store_photo(jpeg: bytes) -> str:
    folder = photos_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(18)}.jpg"
    partial = folder / f".{name}.part"
    partial.write_bytes(jpeg)
    partial.replace(folder / name)
    on_rollback(lambda: _unlink_photo(name))
    return name


def _unlink_photo(name: str) -> None:
    path = photo_path(name)
    if path is not None:
        path.unlink(missing_ok=True)


# --- a person in an event -----------------------------------------------------


def registration_in(event: Event, person: User) -> Registration | None:
    """``person``'s registration for ``event`` with its interests loaded."""
    return db.session.scalar(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.user_id == person.id)
        .options(selectinload(Registration.interests))
    )


def photo_owner(name: str) -> User | None:
    """The account whose current photo is ``name``."""
    if photo_path(name) is None:
        return None
    return db.session.scalar(sa.select(User).join(Profile).where(Profile.photo == name))
