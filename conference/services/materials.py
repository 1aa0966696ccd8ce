"""Session materials: files and links that speakers and organizers attach to a session.

A file's type is found from its content (libmagic through python-magic), never
from its name: a PDF renamed ``.png`` is kept as a PDF, an executable renamed
``.pdf`` is refused. Office documents are ZIP archives, and libmagic only names
them when ``[Content_Types].xml`` happens to be the archive's first entry, so
archives are opened and their declared main part decides (a macro-enabled
document gets its own type, which is not accepted by default). The type must be
one of ``MATERIAL_TYPES`` and the file at most ``MATERIAL_MAX_BYTES``.

Files live under ``UPLOAD_FOLDER/materials`` with a random name the app chose;
the uploaded name is only kept, sanitized, for ``Content-Disposition``.
Sponsors' booth materials (``conference.services.booths``) are checked and stored
by the same functions (``check_upload``, ``store_file``, ``material_path``).

Files and the database change together: a file written by ``add_file`` is
deleted again if the transaction rolls back, and the file of a deleted material
is only removed once the deletion is committed (``conference.services.aftercommit``).
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import magic
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.utils import secure_filename

from conference.enums import MaterialKind
from conference.extensions import db
from conference.models import BoothMaterial, Event, Material, ProgramSession, User
from conference.permissions import can
from conference.services import ServiceError
from conference.services.aftercommit import on_commit, on_rollback

#: Column sizes, shared with the upload form's validators.
TITLE_MAX = 200
URL_MAX = 1000
ORIGINAL_NAME_MAX = 200

#: What the app names stored files: URL-safe base64 from ``secrets.token_urlsafe``.
STORED_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{16,80}$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
ZIP = "application/zip"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The main part an OOXML package declares in ``[Content_Types].xml``, and the
#: type of the whole file. Macro-enabled variants keep their own (Microsoft) types.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
    "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.slideshow"
    ),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml": (
        "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
    ),
    "application/vnd.ms-word.document.macroEnabled.main+xml": (
        "application/vnd.ms-word.document.macroEnabled.12"
    ),
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": (
        "application/vnd.ms-excel.sheet.macroEnabled.12"
    ),
}
_CONTENT_TYPE_RE = re.compile(rb'ContentType="([^"]{1,200})"')
#: Larger ``[Content_Types].xml`` or ``mimetype`` entries are not believed (nor inflated).
_MAX_MANIFEST_BYTES = 1024 * 1024

#: File name extensions that fit each type; the first is used when the uploaded name's does not.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    PPTX: (".pptx",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    "application/vnd.oasis.opendocument.presentation": (".odp",),
    "application/vnd.oasis.opendocument.text": (".odt",),
    "application/vnd.oasis.opendocument.spreadsheet": (".ods",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
    "image/gif": (".gif",),
    "text/plain": (".txt", ".md", ".csv"),
    "text/csv": (".csv",),
    ZIP: (".zip",),
}

#: Types a browser may show in the page instead of saving (never SVG or HTML).
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/webp", "image/gif"})

#: Short names for the types, shown next to a material.
TYPE_LABELS = {
    "application/pdf": "PDF",
    PPTX: "PowerPoint",
    DOCX: "Word",
    XLSX: "Excel",
    "application/vnd.oasis.opendocument.presentation": "ODP",
    "application/vnd.oasis.opendocument.text": "ODT",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/webp": "WebP",
    "text/plain": _l("Text"),
    "text/csv": "CSV",
    ZIP: "ZIP",
}


# --- where files live -----------------------------------------------------------


def materials_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "materials"


def stored_path(stored_name: str | None) -> Path:
    """The file called ``stored_name``, refusing any name the app would not have chosen."""
    if not stored_name or not STORED_NAME_RE.match(stored_name):
        raise ValueError("not a stored material name")
    folder = materials_folder().resolve()
    path = (folder / stored_name).resolve()
    if path.parent != folder:
        raise ValueError("outside the materials folder")
    return path


def material_path(material: Material | BoothMaterial) -> Path:
    """Where a file material's bytes are (a session's or a booth's); always directly
    inside ``UPLOAD_FOLDER/materials``.

    Raises ``ValueError`` for a link, or a stored name the app never produces.
    """
    if material.kind != MaterialKind.file:
        raise ValueError("a link has no file")
    return stored_path(material.stored_name)


# --- checking what is uploaded ------------------------------------------------------


def _inspect_zip(data: bytes) -> str:
    """The type of a ZIP archive: an OOXML or OpenDocument file, or a plain archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            manifest = entries.get("[Content_Types].xml")
            if manifest is not None and manifest.file_size <= _MAX_MANIFEST_BYTES:
                declared = _CONTENT_TYPE_RE.findall(archive.read(manifest))
                for value in declared:
                    found = OOXML_MAIN_PARTS.get(value.decode("ascii", "replace"))
                    if found:
                        return found
            mimetype = entries.get("mimetype")
            if mimetype is not None and mimetype.file_size <= 200:
                value = archive.read(mimetype).decode("ascii", "replace").strip()
                if value.startswith("application/vnd.oasis.opendocument."):
                    return value
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError):
        return ZIP
    return ZIP


def detect_type(data: bytes) -> str:
    """The MIME type of ``data`` judged by its content alone."""
    found = magic.from_buffer(data, mime=True)
    is_zip = data.startswith(b"PK\x03\x04")
    office = found in EXTENSIONS and found.startswith("application/vnd.")
    if is_zip and (found in (ZIP, "application/octet-stream") or office):
        return _inspect_zip(data)
    return found


def download_name(filename: str, content_type: str, fallback: str = "") -> str:
    """The uploaded name made safe, ending in an extension that fits ``content_type``.

    ``secure_filename`` keeps ASCII only, so a name in another script may come
    out empty: then ``fallback`` (the material's title) is used, else "material".
    """
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = secure_filename(stem) or secure_filename(fallback) or "material"
    fitting = EXTENSIONS.get(content_type, ())
    extension = f".{extension.lower()}" if extension else ""
    if extension not in fitting:
        extension = fitting[0] if fitting else ""
    return stem[: ORIGINAL_NAME_MAX - len(extension)] + extension


def clean_title(title: str | None, fallback: str) -> str:
    title = " ".join((title or "").split()) or fallback
    if len(title) > TITLE_MAX:
        raise ServiceError(
            "title_too_long", _("At most %(n)d characters, please.", n=TITLE_MAX), "title"
        )
    return title


def clean_link(url: str) -> str:
    """A link as stored: http or https with a host name; typed without a scheme, https."""
    value = (url or "").strip()
    if not value:
        raise ServiceError("url_missing", _("Enter the link's address."), "url")
    if not _SCHEME_RE.match(value):
        value = "https://" + value
    invalid = ServiceError(
        "url_invalid", _("Enter a web address starting with http:// or https://."), "url"
    )
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        raise invalid from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in value)
    ):
        raise invalid
    if len(value) > URL_MAX:
        raise ServiceError(
            "url_too_long",
            _("This address is too long (at most %(n)d characters).", n=URL_MAX),
            "url",
        )
    return value


def _type_refused() -> ServiceError:
    accepted = sorted({str(TYPE_LABELS.get(t, t)) for t in current_app.config["MATERIAL_TYPES"]})
    return ServiceError(
        "file_type",
        _(
            "This kind of file cannot be attached. Accepted: %(types)s.",
            types=", ".join(accepted),
        ),
        "file",
    )


def max_megabytes() -> str:
    return f"{current_app.config['MATERIAL_MAX_BYTES'] / 1048576:g}"


@dataclass(frozen=True)
class CheckedUpload:
    """An uploaded file that passed ``check_upload``: its type by content, the name it
    is downloaded under, and its title."""

    content_type: str
    name: str
    title: str


def check_upload(*, title: str | None, filename: str, data: bytes) -> CheckedUpload:
    """Check an uploaded file before anything is written: the size, then the type by
    content, then the title (empty: the file's name). ``ServiceError`` on ``file`` or
    ``title``; ``data`` may be one byte over the limit (see ``add_file``)."""
    limit = current_app.config["MATERIAL_MAX_BYTES"]
    if not data:
        raise ServiceError("file_empty", _("The file is empty."), "file")
    if len(data) > limit:
        raise ServiceError(
            "file_too_large",
            _("The file is too large: at most %(mb)s MB.", mb=max_megabytes()),
            "file",
        )
    content_type = detect_type(data)
    if content_type not in current_app.config["MATERIAL_TYPES"]:
        raise _type_refused()
    name = download_name(filename, content_type, fallback=title or "")
    return CheckedUpload(content_type, name, clean_title(title, fallback=name))


# --- changes ---------------------------------------------------------------------------


def add_file(
    actor: User, session: ProgramSession, *, title: str | None, filename: str, data: bytes
) -> Material:
    """Attach an uploaded file to ``session``.

    Everything is checked before anything is written: the size, then the type
    by content, then the title. ``data`` may be one byte longer than the limit
    (the caller reads limit + 1 bytes to notice a larger file without reading it all).

    Side effects: writes ``UPLOAD_FOLDER/materials/<random>`` (removed again if
    the transaction rolls back or the row cannot be written), adds a
    ``Material``. Flushes.
    """
    upload = check_upload(title=title, filename=filename, data=data)
    stored_name = store_file(data)
    material = Material(
        event_id=session.event_id,
        session=session,
        uploaded_by=actor,
        kind=MaterialKind.file,
        title=upload.title,
        stored_name=stored_name,
        original_name=upload.name,
        content_type=upload.content_type,
        size=len(data),
    )
    db.session.add(material)
    try:
        db.session.flush()
    except Exception:
        unlink_file(stored_name)
        raise
    return material


def add_link(actor: User, session: ProgramSession, *, title: str | None, url: str) -> Material:
    """Attach a link (slides online, a repository, a recording) to ``session``.

    Side effects: adds a ``Material``. Flushes.
    """
    url = clean_link(url)
    material = Material(
        event_id=session.event_id,
        session=session,
        uploaded_by=actor,
        kind=MaterialKind.link,
        title=clean_title(title, fallback=urlsplit(url).hostname or url),
        url=url,
    )
    db.session.add(material)
    db.session.flush()
    return material


def delete_material(actor: User, material: Material) -> None:
    """Remove a material.

    Side effects: deletes the ``Material`` row; its file is removed once the
    transaction commits (kept if it rolls back; see ``_material_deleted``). Flushes.
    """
    material.session.materials.remove(material)
    db.session.delete(material)
    db.session.flush()


def set_public(actor: User, material: Material, public: bool) -> Material:
    """Open a material to everyone who may see its session, or close it to participants again.

    Side effects: updates ``Material.is_public``. Flushes.
    """
    material.is_public = public
    db.session.flush()
    return material


# --- reading ------------------------------------------------------------------------------


def material_in(event: Event, material_id: int) -> Material | None:
    """The material ``material_id`` if it belongs to ``event``."""
    return db.session.scalar(
        sa.select(Material)
        .where(Material.id == material_id, Material.event_id == event.id)
        .options(selectinload(Material.session).selectinload(ProgramSession.speakers))
    )


def visible_materials(viewer, session: ProgramSession) -> list[Material]:
    """The materials of ``session`` that ``viewer`` (perhaps anonymous) may open."""
    return [m for m in session.materials if can(viewer, "material.view", m)]


def materials_of_user(event: Event, user: User) -> list[Material]:
    """What ``user`` attached to sessions of ``event``, in the order of the sessions."""
    return list(
        db.session.scalars(
            sa.select(Material)
            .join(ProgramSession, Material.session_id == ProgramSession.id)
            .where(Material.event_id == event.id, Material.uploaded_by_id == user.id)
            .order_by(ProgramSession.starts_at, ProgramSession.id, Material.created_at)
            .options(selectinload(Material.session).selectinload(ProgramSession.speakers))
        )
    )


def type_label(material: Material) -> str:
    """ "PDF", "PowerPoint", ... for a file; "Link" for a link."""
    if material.kind == MaterialKind.link:
        return _("Link")
    return str(TYPE_LABELS.get(material.content_type or "", _("File")))


def shows_inline(material: Material) -> bool:
    """A PDF or an image opens in the browser; anything else is downloaded."""
    return material.content_type in INLINE_TYPES


# --- files and transactions ----------------------------------------------------------------


def store_file(data: bytes) -> str:
    """Write ``data`` under a new random name in the materials folder and return the
    name; the file goes again if the transaction rolls back. ``ServiceError`` if the
    disk refuses."""
    folder = materials_folder()
    name = secrets.token_urlsafe(24)
    partial = folder / f".{name}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(folder / name)
    except OSError:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        current_app.logger.exception("could not store a material")
        raise ServiceError(
            "file_not_stored", _("The file could not be saved. Please try again."), "file"
        ) from None
    on_rollback(lambda: unlink_file(name))
    return name


def unlink_file(name: str) -> None:
    """Remove the stored file ``name`` now (logged, not raised, if that fails)."""
    try:
        stored_path(name).unlink(missing_ok=True)
    except (ValueError, OSError):
        current_app.logger.warning("could not remove material file %r", name)


@sa.event.listens_for(Material, "after_delete")
@sa.event.listens_for(BoothMaterial, "after_delete")
def _material_deleted(_mapper, _connection, material: Material | BoothMaterial) -> None:
    """Whatever deletes a material row (``delete_material``, a session deleted with its
    materials, a booth's material), its file goes once that is committed."""
    stored_name = material.stored_name
    if stored_name:
        on_commit(lambda: unlink_file(stored_name))
