"""Session materials: type by content, limits, links, and files that follow the database."""

# ruff: noqa: RUF001  (file names and text in Cyrillic on purpose)

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from conference.enums import MaterialKind
from conference.extensions import db
from conference.models import Material, ProgramSession
from conference.services import ServiceError
from conference.services import materials as svc

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00" + bytes(200)
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


def pdf_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (79, 70, 229)).save(out, "PDF")
    return out.getvalue()


def ooxml(main: str, part: str, *, manifest_first: bool = True) -> bytes:
    """A minimal Office Open XML package whose main part has content type ``main``."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="{main}"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if manifest_first:
            archive.writestr("[Content_Types].xml", manifest)
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(part, "<root/>")
        if not manifest_first:
            archive.writestr("[Content_Types].xml", manifest)
    return out.getvalue()


def program_session(event, speakers=(), *, published: bool = True, title: str = "Talk"):
    """A 45-minute session at 09:00 UTC on the event's first day."""
    start = datetime.combine(event.starts_on, time(9), tzinfo=UTC)
    session = ProgramSession(
        event_id=event.id,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(minutes=45),
        published=published,
        speakers=list(speakers),
    )
    db.session.add(session)
    db.session.commit()
    return session


def stored_files() -> set[str]:
    folder = svc.materials_folder()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def talk(event, speaker):
    return program_session(event, [speaker])


def test_add_file_real_pdf_is_kept_under_a_random_name(app, talk, speaker):
    data = pdf_bytes()

    material = svc.add_file(speaker, talk, title="Slides", filename="deck.pdf", data=data)
    db.session.commit()

    path = svc.material_path(material)
    assert (material.kind, material.content_type, material.original_name, material.size) == (
        MaterialKind.file,
        "application/pdf",
        "deck.pdf",
        len(data),
    )
    assert path.read_bytes() == data
    assert path.parent == svc.materials_folder().resolve()
    assert path.name == material.stored_name
    assert svc.STORED_NAME_RE.match(material.stored_name) is not None
    assert "deck" not in material.stored_name


def test_add_file_pdf_renamed_png_is_stored_as_pdf(app, talk, speaker):
    material = svc.add_file(speaker, talk, title="Deck", filename="photo.png", data=pdf_bytes())

    assert (material.content_type, material.original_name) == ("application/pdf", "photo.pdf")


@pytest.mark.parametrize("data", [ELF, WINDOWS_EXE], ids=["elf", "windows-exe"])
def test_add_file_executable_renamed_pdf_is_refused(app, talk, speaker, data):
    before = stored_files()

    with pytest.raises(ServiceError) as refused:
        svc.add_file(speaker, talk, title="Slides", filename="slides.pdf", data=data)

    assert (refused.value.code, refused.value.field) == ("file_type", "file")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == 0
    assert stored_files() == before


def test_add_file_text_renamed_pdf_is_kept_as_text(app, talk, speaker):
    data = "Notes for the talk\nПримечания\n".encode()

    material = svc.add_file(speaker, talk, title="Notes", filename="notes.pdf", data=data)

    assert (material.content_type, material.original_name) == ("text/plain", "notes.txt")


@pytest.mark.parametrize("manifest_first", [True, False], ids=["manifest-first", "manifest-last"])
@pytest.mark.parametrize(
    ("main", "part", "expected", "name"),
    [
        (PPTX + ".main+xml", "ppt/presentation.xml", PPTX, "deck.pptx"),
        (DOCX + ".main+xml", "word/document.xml", DOCX, "paper.docx"),
        (XLSX + ".main+xml", "xl/workbook.xml", XLSX, "numbers.xlsx"),
    ],
    ids=["pptx", "docx", "xlsx"],
)
def test_add_file_office_document_is_recognised(
    app, talk, speaker, main, part, expected, name, manifest_first
):
    data = ooxml(main, part, manifest_first=manifest_first)

    material = svc.add_file(speaker, talk, title="Doc", filename="upload.zip", data=data)

    assert material.content_type == expected
    assert material.original_name == "upload" + name[name.rindex(".") :]


def test_add_file_macro_enabled_presentation_is_refused(app, talk, speaker):
    data = ooxml(
        "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml", "ppt/presentation.xml"
    )

    with pytest.raises(ServiceError) as refused:
        svc.add_file(speaker, talk, title="Deck", filename="deck.pptx", data=data)

    assert refused.value.code == "file_type"


def test_add_file_opendocument_is_recognised_by_its_mimetype_entry(app, talk, speaker):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")

    material = svc.add_file(speaker, talk, title="Paper", filename="paper", data=out.getvalue())

    assert (material.content_type, material.original_name) == (
        "application/vnd.oasis.opendocument.text",
        "paper.odt",
    )


def test_add_file_plain_zip_stays_a_zip(app, talk, speaker):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("code/main.py", "print('hello')\n")

    material = svc.add_file(speaker, talk, title="Code", filename="code.zip", data=out.getvalue())

    assert (material.content_type, material.original_name) == ("application/zip", "code.zip")


def test_add_file_over_the_size_limit_is_refused(app, talk, speaker, monkeypatch):
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 1024 * 1024)

    with pytest.raises(ServiceError) as refused:
        svc.add_file(speaker, talk, title="Big", filename="big.txt", data=b"x" * (1024 * 1024 + 1))

    assert (refused.value.code, refused.value.field) == ("file_too_large", "file")
    assert refused.value.message == "The file is too large: at most 1 MB."


def test_add_file_exactly_at_the_size_limit_is_accepted(app, talk, speaker, monkeypatch):
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 1024)

    material = svc.add_file(speaker, talk, title="Fits", filename="fits.txt", data=b"x" * 1024)

    assert material.size == 1024


def test_add_file_empty_is_refused(app, talk, speaker):
    with pytest.raises(ServiceError) as refused:
        svc.add_file(speaker, talk, title="Nothing", filename="empty.pdf", data=b"")

    assert refused.value.code == "file_empty"


def test_add_file_without_title_takes_the_file_name(app, talk, speaker):
    material = svc.add_file(speaker, talk, title="  ", filename="Deck v2.pdf", data=pdf_bytes())

    assert (material.title, material.original_name) == ("Deck_v2.pdf", "Deck_v2.pdf")


@pytest.mark.parametrize(
    ("filename", "title", "expected"),
    [
        ("../../etc/passwd.pdf", "Slides", "passwd.pdf"),
        ("C:\\Users\\me\\slides.PDF", "Slides", "slides.pdf"),
        ("発表資料.pdf", "Keynote slides", "Keynote_slides.pdf"),
        ("доклад.pdf", "Доклад", "material.pdf"),
        ("slides", "Slides", "slides.pdf"),
        (".htaccess", "Slides", "Slides.pdf"),
    ],
)
def test_download_name_is_sanitized_with_the_detected_extension(filename, title, expected):
    assert svc.download_name(filename, "application/pdf", fallback=title) == expected


def test_download_name_keeps_a_fitting_alternative_extension():
    assert svc.download_name("photo.JPEG", "image/jpeg") == "photo.jpeg"


def test_add_file_rolled_back_leaves_no_file(app, talk, speaker):
    before = stored_files()

    material = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    written = material.stored_name
    assert stored_files() == before | {written}
    db.session.rollback()

    assert stored_files() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == 0


def test_add_file_when_the_disk_refuses_writes_nothing(app, talk, speaker, tmp_path, monkeypatch):
    (tmp_path / "materials").write_text("a file where the folder should be")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))

    with pytest.raises(ServiceError) as refused:
        svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())

    assert refused.value.code == "file_not_stored"
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == 0


def test_add_file_when_the_row_cannot_be_written_removes_the_file(app, event, speaker):
    start = datetime(2030, 5, 1, 9, tzinfo=UTC)
    broken = ProgramSession(
        event_id=event.id, title="Ends as it starts", starts_at=start, ends_at=start
    )
    before = stored_files()

    with pytest.raises(sa.exc.IntegrityError):
        svc.add_file(speaker, broken, title="Slides", filename="s.pdf", data=pdf_bytes())

    assert stored_files() == before
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == 0


def test_delete_material_removes_the_file_once_committed(app, talk, speaker):
    material = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    db.session.commit()
    path = svc.material_path(material)

    svc.delete_material(speaker, material)
    assert path.exists()
    db.session.commit()

    assert not path.exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Material)) == 0


def test_delete_material_rolled_back_keeps_the_file(app, talk, speaker):
    material = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    db.session.commit()
    path = svc.material_path(material)

    svc.delete_material(speaker, material)
    db.session.rollback()

    assert path.exists()
    assert db.session.get(Material, material.id) is not None


def test_deleting_a_session_removes_its_material_files(app, talk, speaker):
    material = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    db.session.commit()
    path = svc.material_path(material)

    db.session.delete(talk)
    db.session.commit()

    assert not path.exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "ftp://files.example.com/slides.pdf",
        "https://",
        "https://exa mple.com/",
        "https://example.com/\nSet-Cookie: x=1",
    ],
)
def test_add_link_refuses_anything_but_http_and_https(app, talk, speaker, url):
    with pytest.raises(ServiceError) as refused:
        svc.add_link(speaker, talk, title="Link", url=url)

    assert (refused.value.code, refused.value.field) == ("url_invalid", "url")


def test_add_link_without_scheme_gets_https(app, talk, speaker):
    material = svc.add_link(speaker, talk, title="", url=" github.com/acme/demo ")

    assert (material.kind, material.url, material.title, material.stored_name) == (
        MaterialKind.link,
        "https://github.com/acme/demo",
        "github.com",
        None,
    )


def test_add_link_too_long_is_refused(app, talk, speaker):
    with pytest.raises(ServiceError) as refused:
        svc.add_link(speaker, talk, title="Long", url="https://example.com/" + "a" * 1000)

    assert refused.value.code == "url_too_long"


def test_add_link_title_too_long_is_refused(app, talk, speaker):
    with pytest.raises(ServiceError) as refused:
        svc.add_link(speaker, talk, title="t" * 201, url="https://example.com/")

    assert (refused.value.code, refused.value.field) == ("title_too_long", "title")


@pytest.mark.parametrize("name", ["../secret", "/etc/passwd", "..", "a/b", "", "%2e%2e%2fx" * 2])
def test_material_path_never_leaves_the_materials_folder(app, talk, name):
    material = Material(kind=MaterialKind.file, stored_name=name)

    with pytest.raises(ValueError):
        svc.material_path(material)


def test_material_path_of_a_link_is_refused(app, talk, speaker):
    link = svc.add_link(speaker, talk, title="Repo", url="https://example.com/repo")

    with pytest.raises(ValueError):
        svc.material_path(link)


def test_visible_materials_depend_on_the_viewer(
    app, event, talk, speaker, attendee, organizer, outsider, other_participant
):
    hidden = svc.add_link(speaker, talk, title="Recording", url="https://example.com/r")
    public = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    svc.set_public(organizer, public, True)
    db.session.commit()

    assert svc.visible_materials(attendee, talk) == [hidden, public]
    assert svc.visible_materials(organizer, talk) == [hidden, public]
    assert svc.visible_materials(None, talk) == [public]
    assert svc.visible_materials(outsider, talk) == [public]
    assert svc.visible_materials(other_participant, talk) == [public]


def test_visible_materials_of_a_draft_only_for_its_speakers_and_organizers(
    app, event, speaker, attendee, organizer
):
    draft = program_session(event, [speaker], published=False)
    material = svc.add_link(speaker, draft, title="Draft notes", url="https://example.com/d")
    svc.set_public(organizer, material, True)
    db.session.commit()

    assert svc.visible_materials(speaker, draft) == [material]
    assert svc.visible_materials(organizer, draft) == [material]
    assert svc.visible_materials(attendee, draft) == []
    assert svc.visible_materials(None, draft) == []


def test_materials_of_user_lists_what_they_attached_in_this_event(
    app, event, other_event, speaker, organizer
):
    later = program_session(event, [speaker], title="Later")
    later.starts_at += timedelta(hours=3)
    later.ends_at += timedelta(hours=3)
    first = program_session(event, [speaker], title="First")
    elsewhere = program_session(other_event, [], title="Elsewhere")
    b = svc.add_link(speaker, later, title="B", url="https://example.com/b")
    a = svc.add_link(speaker, first, title="A", url="https://example.com/a")
    svc.add_link(organizer, first, title="Not theirs", url="https://example.com/o")
    svc.add_link(speaker, elsewhere, title="Other event", url="https://example.com/e")
    db.session.commit()

    assert svc.materials_of_user(event, speaker) == [a, b]


def test_set_public_toggles(app, talk, speaker, organizer):
    material = svc.add_link(speaker, talk, title="Repo", url="https://example.com/repo")

    assert svc.set_public(organizer, material, True).is_public is True
    assert svc.set_public(organizer, material, False).is_public is False


def test_type_label_names_files_and_links(app, talk, speaker):
    pdf = svc.add_file(speaker, talk, title="Slides", filename="s.pdf", data=pdf_bytes())
    link = svc.add_link(speaker, talk, title="Repo", url="https://example.com/repo")
    deck = svc.add_file(
        speaker,
        talk,
        title="Deck",
        filename="d.pptx",
        data=ooxml(PPTX + ".main+xml", "ppt/presentation.xml"),
    )

    assert [svc.type_label(m) for m in (pdf, link, deck)] == ["PDF", "Link", "PowerPoint"]
