"""Session materials over HTTP: who gets the bytes, who uploads, deletes and publishes,
and that no address reaches a file it should not."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import render_template

from conference.enums import ActivityKind, EventVisibility, MaterialKind
from conference.extensions import db
from conference.models import Activity, Material, ProgramSession
from conference.services import materials as svc
from tests import factories
from tests.services.test_materials import (
    ELF,
    PPTX,
    ooxml,
    pdf_bytes,
    program_session,
    stored_files,
)

REFUSED = ["anonymous", "outsider", "other_participant", "pending"]
ALLOWED = ["attendee", "speaker", "sponsor_staff", "organizer"]
PARTICIPANTS_PAGE = "visible to registered participants only"
TITLE = "Secret roadmap slides"


def materials_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Material))


def downloads(material: Material) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.material_id == material.id, Activity.kind == ActivityKind.material_download)
    )


@pytest.fixture
def talk(event, speaker):
    return program_session(event, [speaker])


@pytest.fixture
def pdf(talk, speaker):
    material = svc.add_file(speaker, talk, title=TITLE, filename="deck.pdf", data=pdf_bytes())
    db.session.commit()
    return material


@pytest.fixture
def another_speaker(event):
    return factories.participant(event, name="Ava Another", roles=["speaker"])


def fetch(client, url: str, **kwargs):
    """GET ``url`` and close the response (a sent file stays open until then)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def url_of(material: Material, slug: str | None = None) -> str:
    return f"/e/{slug or material.session.event.slug}/materials/{material.id}"


def upload_url(session: ProgramSession) -> str:
    return f"/e/{session.event.slug}/program/{session.id}/materials"


def assert_participants_page_without(response, *secrets: str | bytes) -> None:
    assert response.status_code == 403
    body = response.get_data()
    assert PARTICIPANTS_PAGE in body.decode()
    for secret in secrets:
        needle = secret if isinstance(secret, bytes) else secret.encode()
        assert needle not in body
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response.headers


# --- download ---------------------------------------------------------------------------


@pytest.mark.parametrize("identity", REFUSED)
def test_download_refused_shows_the_participants_page_without_bytes_or_title(
    client, as_identity, pdf, identity
):
    as_identity(identity)

    response = fetch(client, url_of(pdf))

    assert_participants_page_without(response, TITLE, b"%PDF", pdf.original_name)


@pytest.mark.parametrize("identity", ALLOWED)
def test_download_allowed_sends_the_exact_bytes_with_safe_headers(
    client, as_identity, pdf, identity
):
    as_identity(identity)

    response = fetch(client, url_of(pdf))

    assert response.status_code == 200
    assert response.get_data() == svc.material_path(pdf).read_bytes()
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == "inline; filename=deck.pdf"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_download_by_another_speaker_of_the_event_is_allowed(client, login, pdf, another_speaker):
    login(another_speaker)

    assert fetch(client, url_of(pdf)).status_code == 200


def test_download_of_a_document_is_an_attachment(client, login, talk, speaker, attendee):
    deck = svc.add_file(
        speaker,
        talk,
        title="Deck",
        filename="deck.pptx",
        data=ooxml(PPTX + ".main+xml", "ppt/presentation.xml", manifest_first=False),
    )
    db.session.commit()
    login(attendee)

    response = fetch(client, url_of(deck))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == PPTX
    assert response.headers["Content-Disposition"] == "attachment; filename=deck.pptx"


def test_download_records_one_activity_per_download(client, login, pdf, attendee):
    login(attendee)

    fetch(client, url_of(pdf))
    fetch(client, url_of(pdf), headers={"Range": "bytes=1000-"})
    fetch(client, url_of(pdf))

    assert downloads(pdf) == 2
    row = db.session.scalar(sa.select(Activity).where(Activity.material_id == pdf.id).limit(1))
    assert (row.user_id, row.event_id, row.session_id) == (
        attendee.id,
        pdf.event_id,
        pdf.session_id,
    )


@pytest.mark.parametrize("identity", REFUSED)
def test_refused_download_records_nothing(client, as_identity, pdf, identity):
    as_identity(identity)

    fetch(client, url_of(pdf))

    assert downloads(pdf) == 0


@pytest.mark.parametrize("identity", REFUSED)
def test_link_refused_shows_the_participants_page_without_the_address(
    client, as_identity, talk, speaker, identity
):
    link = svc.add_link(speaker, talk, title=TITLE, url="https://internal.example.com/roadmap")
    db.session.commit()
    as_identity(identity)

    response = fetch(client, url_of(link))

    assert_participants_page_without(response, TITLE, "internal.example.com")


def test_link_allowed_redirects_to_its_address(client, login, talk, speaker, attendee):
    link = svc.add_link(speaker, talk, title="Repo", url="https://github.com/acme/demo")
    db.session.commit()
    login(attendee)

    response = fetch(client, url_of(link))

    assert response.status_code == 302
    assert response.headers["Location"] == "https://github.com/acme/demo"
    assert downloads(link) == 1


def test_public_material_is_open_to_anonymous_on_a_public_event(client, pdf, organizer):
    svc.set_public(organizer, pdf, True)
    db.session.commit()

    response = fetch(client, url_of(pdf))

    assert response.status_code == 200
    assert response.get_data() == svc.material_path(pdf).read_bytes()
    assert downloads(pdf) == 0


def test_public_material_of_an_invitation_only_event_stays_closed(client, event, pdf, organizer):
    svc.set_public(organizer, pdf, True)
    event.visibility = EventVisibility.invitation
    db.session.commit()

    assert_participants_page_without(fetch(client, url_of(pdf)), TITLE, b"%PDF")


def test_material_of_a_draft_session_is_refused_to_attendees(
    client, login, event, speaker, attendee
):
    draft = program_session(event, [speaker], published=False)
    material = svc.add_file(speaker, draft, title=TITLE, filename="d.pdf", data=pdf_bytes())
    db.session.commit()
    login(attendee)

    assert_participants_page_without(fetch(client, url_of(material)), TITLE, b"%PDF")


def test_material_of_another_event_is_not_found_through_this_event(
    client, login, event, other_event, other_participant, attendee
):
    elsewhere = program_session(other_event, [other_participant])
    material = svc.add_file(
        other_participant, elsewhere, title=TITLE, filename="o.pdf", data=pdf_bytes()
    )
    db.session.commit()
    login(attendee)

    response = fetch(client, url_of(material, slug=event.slug))

    assert response.status_code == 404
    assert TITLE not in response.get_data(as_text=True)


def test_material_that_does_not_exist_is_not_found(client, login, event, attendee):
    login(attendee)

    assert client.get(f"/e/{event.slug}/materials/999999").status_code == 404


@pytest.mark.parametrize(
    "tail",
    [
        "..%2F..%2Fsecret.txt",
        "%2E%2E%2F%2E%2E%2Fsecret.txt",
        "..%5C..%5Csecret.txt",
        "%2Fetc%2Fpasswd",
        "..",
        "-1",
        "1.0",
        "{id}%2F..%2F..%2Fsecret.txt",
        "{id}/../../secret.txt",
        "{id}%00",
    ],
)
def test_path_tricks_in_the_address_reach_no_file(client, login, app, pdf, attendee, tail):
    secret = svc.materials_folder().parent / "secret.txt"
    secret.write_text("TOP SECRET")
    login(attendee)

    response = fetch(client, f"/e/{pdf.session.event.slug}/materials/" + tail.format(id=pdf.id))

    assert response.status_code in (404, 405)
    assert b"TOP SECRET" not in response.get_data()
    assert b"%PDF" not in response.get_data()


@pytest.mark.parametrize("stored_name", ["../secret.txt", "/etc/passwd", "..", "sub/dir"])
def test_a_tampered_stored_name_is_never_followed(client, login, pdf, attendee, stored_name):
    secret = svc.materials_folder().parent / "secret.txt"
    secret.write_text("TOP SECRET")
    pdf.stored_name = stored_name
    db.session.commit()
    login(attendee)

    response = fetch(client, url_of(pdf))

    assert response.status_code == 404
    assert b"TOP SECRET" not in response.get_data()


def test_download_of_a_missing_file_is_not_found(client, login, pdf, attendee):
    svc.material_path(pdf).unlink()
    login(attendee)

    assert fetch(client, url_of(pdf)).status_code == 404
    assert downloads(pdf) == 0


# --- upload ---------------------------------------------------------------------------------


def upload(client, session, *, title="Slides", data=None, filename="deck.pdf", url=""):
    form = {"material-title": title, "material-url": url}
    if data is not None:
        form["material-file"] = (io.BytesIO(data), filename)
    return client.post(upload_url(session), data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("identity", ["speaker", "organizer"])
def test_upload_by_the_sessions_speaker_or_an_organizer(client, as_identity, talk, identity):
    who = as_identity(identity)
    data = pdf_bytes()

    response = upload(client, talk, title="My slides", data=data)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{talk.event.slug}/program/{talk.id}#materials"
    material = db.session.scalar(sa.select(Material))
    assert (material.title, material.uploaded_by_id, material.content_type) == (
        "My slides",
        who.id,
        "application/pdf",
    )
    assert svc.material_path(material).read_bytes() == data


@pytest.mark.parametrize(
    "identity", ["attendee", "sponsor_staff", "outsider", "other_participant", "pending"]
)
def test_upload_refused_to_everyone_else(client, as_identity, talk, identity):
    as_identity(identity)
    before = stored_files()

    response = upload(client, talk, data=pdf_bytes())

    assert response.status_code == 403
    assert (materials_count(), stored_files()) == (0, before)


def test_upload_refused_to_a_speaker_of_another_session(client, login, talk, another_speaker):
    login(another_speaker)

    assert upload(client, talk, data=pdf_bytes()).status_code == 403
    assert materials_count() == 0


def test_upload_by_anonymous_asks_to_log_in(client, talk):
    response = upload(client, talk, data=pdf_bytes())

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert materials_count() == 0


def test_upload_to_a_session_of_another_event_is_not_found(
    client, login, event, other_event, organizer
):
    elsewhere = program_session(other_event)
    login(organizer)

    response = client.post(
        f"/e/{event.slug}/program/{elsewhere.id}/materials",
        data={"material-url": "https://example.com"},
    )

    assert response.status_code == 404
    assert materials_count() == 0


def test_upload_of_an_executable_renamed_pdf_is_refused_next_to_the_field(
    client, login, talk, speaker
):
    login(speaker)
    before = stored_files()

    response = upload(client, talk, title="Totally slides", data=ELF, filename="slides.pdf")

    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This kind of file cannot be attached." in body
    assert 'id="material-file-errors"' in body
    assert 'value="Totally slides"' in body
    assert (materials_count(), stored_files()) == (0, before)


def test_upload_over_the_size_limit_is_refused_with_a_message(
    client, login, app, talk, speaker, monkeypatch
):
    # Under 500 KB, so the test client keeps the request body in memory.
    monkeypatch.setitem(app.config, "MATERIAL_MAX_BYTES", 256 * 1024)
    login(speaker)

    response = upload(client, talk, data=b"x" * (256 * 1024 + 1), filename="big.txt")

    assert response.status_code == 400
    assert "The file is too large: at most 0.25 MB." in response.get_data(as_text=True)
    assert materials_count() == 0


def test_upload_of_a_javascript_link_is_refused(client, login, talk, speaker):
    login(speaker)

    response = upload(client, talk, title="Click me", url="javascript:alert(1)")

    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a web address starting with http:// or https://." in body
    assert materials_count() == 0


def test_upload_of_a_file_and_a_link_at_once_is_refused(client, login, talk, speaker):
    login(speaker)

    response = upload(client, talk, data=pdf_bytes(), url="https://example.com/")

    assert response.status_code == 400
    assert "Attach a file or a link, not both at once." in response.get_data(as_text=True)
    assert materials_count() == 0


def test_upload_of_nothing_is_refused(client, login, talk, speaker):
    login(speaker)

    response = upload(client, talk, title="Empty")

    assert response.status_code == 400
    assert "Choose a file or enter a link." in response.get_data(as_text=True)


def test_upload_of_a_link(client, login, talk, speaker):
    login(speaker)

    response = upload(client, talk, title="Repository", url="https://github.com/acme/demo")

    assert response.status_code == 302
    material = db.session.scalar(sa.select(Material))
    assert (material.kind, material.url, material.title) == (
        MaterialKind.link,
        "https://github.com/acme/demo",
        "Repository",
    )


# --- delete and publish ----------------------------------------------------------------------


def delete_url(material: Material) -> str:
    return url_of(material) + "/delete"


def publish_url(material: Material) -> str:
    return url_of(material) + "/publish"


@pytest.mark.parametrize("identity", ["speaker", "organizer"])
def test_delete_by_its_uploader_or_an_organizer_removes_row_and_file(
    client, as_identity, pdf, identity
):
    path = svc.material_path(pdf)
    as_identity(identity)

    response = client.post(delete_url(pdf))

    assert response.status_code == 302
    assert materials_count() == 0
    assert not path.exists()


@pytest.mark.parametrize(
    "identity", ["attendee", "sponsor_staff", "outsider", "other_participant", "pending"]
)
def test_delete_refused_keeps_row_and_file(client, as_identity, pdf, identity):
    path = svc.material_path(pdf)
    as_identity(identity)

    response = client.post(delete_url(pdf))

    assert response.status_code == 403
    assert materials_count() == 1
    assert path.exists()


def test_delete_refused_to_a_speaker_of_another_session(client, login, pdf, another_speaker):
    login(another_speaker)

    assert client.post(delete_url(pdf)).status_code == 403
    assert materials_count() == 1


def test_delete_by_anonymous_asks_to_log_in(client, pdf):
    response = client.post(delete_url(pdf))

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert materials_count() == 1


def test_publish_by_an_organizer_opens_and_closes_a_material(client, login, pdf, organizer):
    data = svc.material_path(pdf).read_bytes()
    login(organizer)

    opened = client.post(publish_url(pdf), data={"public": "1"})
    is_public = db.session.get(Material, pdf.id).is_public
    closed = client.post(publish_url(pdf), data={"public": "0"})

    assert (opened.status_code, closed.status_code) == (302, 302)
    assert is_public is True
    assert db.session.get(Material, pdf.id).is_public is False
    assert svc.material_path(pdf).read_bytes() == data


@pytest.mark.parametrize(
    "identity", ["speaker", "attendee", "sponsor_staff", "outsider", "other_participant", "pending"]
)
def test_publish_refused_to_everyone_but_organizers(client, as_identity, pdf, identity):
    as_identity(identity)

    response = client.post(publish_url(pdf), data={"public": "1"})

    assert response.status_code == 403
    assert db.session.get(Material, pdf.id).is_public is False


# --- pages: the session's materials, the speaker's profile -----------------------------------


def test_session_page_lists_materials_and_the_upload_form_for_its_speaker(
    client, login, talk, pdf, speaker
):
    login(speaker)

    body = client.get(f"/e/{talk.event.slug}/program/{talk.id}").get_data(as_text=True)

    assert TITLE in body
    assert f'href="/e/{talk.event.slug}/materials/{pdf.id}"' in body
    assert f'action="/e/{talk.event.slug}/program/{talk.id}/materials"' in body
    assert f'action="/e/{talk.event.slug}/materials/{pdf.id}/delete"' in body
    assert "/publish" not in body


def test_session_page_for_an_attendee_lists_materials_without_the_form(
    client, login, talk, pdf, attendee
):
    login(attendee)

    body = client.get(f"/e/{talk.event.slug}/program/{talk.id}").get_data(as_text=True)

    assert TITLE in body
    assert '/materials"' not in body
    assert "/delete" not in body


def test_session_page_for_anonymous_hides_the_titles_of_participants_materials(client, talk, pdf):
    response = client.get(f"/e/{talk.event.slug}/program/{talk.id}")

    assert response.status_code == 200
    assert TITLE not in response.get_data(as_text=True)
    assert "for registered participants" in response.get_data(as_text=True)


def test_materials_partial_renders_alone(app, talk, pdf, organizer):
    with app.test_request_context():
        html = render_template(
            "program/_materials.html",
            event=talk.event,
            session=talk,
            materials=[pdf],
            can_upload=True,
        )

    assert TITLE in html
    assert 'name="material-title"' in html
    assert 'accept=".csv,.docx' in html


def test_speaker_profile_lists_their_sessions_and_materials(
    client, login, event, talk, pdf, speaker, attendee
):
    program_session(event, [speaker], published=False, title="Unannounced keynote")
    login(attendee)

    body = client.get(f"/e/{event.slug}/people/{speaker.id}").get_data(as_text=True)

    assert "Sessions" in body
    assert f'href="/e/{event.slug}/program/{talk.id}"' in body
    assert "Materials" in body
    assert f'href="/e/{event.slug}/materials/{pdf.id}"' in body
    assert TITLE in body
    assert "Unannounced keynote" not in body


def test_profile_of_someone_who_does_not_speak_has_no_program_section(
    client, login, event, attendee, organizer
):
    login(organizer)

    body = client.get(f"/e/{event.slug}/people/{attendee.id}").get_data(as_text=True)

    assert "In this event" not in body
