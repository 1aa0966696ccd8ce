"""Profile routes: editing one's own (with photo upload), a person's page, photos."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from conference.extensions import db
from conference.services.profiles import ProfileChanges, photo_path, update_profile
from conference.services.search import refresh_search_keys
from tests import factories
from tests.conftest import IDENTITIES

REFUSED = ["anonymous", "outsider", "other_participant", "pending"]
ALLOWED = [name for name in IDENTITIES if name not in REFUSED]


def hide(person) -> None:
    """What saving "hidden" in the profile form does."""
    person.profile.directory_visible = False
    refresh_search_keys(person)
    db.session.commit()


def png(size=(640, 480), color=(20, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def form(**overrides) -> dict:
    data = {
        "display_name": "Anna Attendee",
        "headline": "",
        "job_title": "",
        "company": "Acme",
        "bio": "",
        "looking_for": "",
        "can_offer": "",
        "website": "",
        "linkedin": "",
        "directory_visible": "y",
        "message_policy": "participants",
        "save": "Save profile",
    }
    data.update(overrides)
    return data


def post_with_photo(client, content: bytes, filename: str, **fields):
    """Save the profile form with ``content`` uploaded as the file ``filename``."""
    return client.post(
        "/me/profile",
        data=form(photo=(io.BytesIO(content), filename), **fields),
        content_type="multipart/form-data",
    )


@pytest.fixture
def target(event):
    """The person whose page and photo the matrix looks at."""
    person = factories.participant(event, "Tanja Target", company="Globex", job_title="CTO")
    update_profile(
        person,
        ProfileChanges(
            display_name="Tanja Target",
            company="Globex",
            job_title="CTO",
            headline="Payments at scale",
            bio="I **love** payments.\n\n<script>alert(1)</script>",
            website="https://tanja.example",
            looking_for="Investors",
            photo=png(),
        ),
    )
    db.session.commit()
    return person


# --- /me/profile ----------------------------------------------------------------


def test_edit_profile_sends_anonymous_to_login(client):
    response = client.get("/me/profile")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_edit_profile_shows_current_values(client, attendee, login):
    login(attendee)

    body = client.get("/me/profile").get_data(as_text=True)

    assert 'value="Anna Attendee"' in body
    assert 'value="Acme"' in body
    assert 'enctype="multipart/form-data"' in body


def test_edit_profile_saves_and_redirects(client, attendee, login):
    login(attendee)

    response = client.post(
        "/me/profile",
        data=form(
            display_name="Anna Berg",
            headline="Payments at scale",
            website="anna.example",
            message_policy="nobody",
            directory_visible="",
        ),
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/me/profile")
    profile = attendee.profile
    assert (attendee.display_name, profile.headline, profile.website) == (
        "Anna Berg",
        "Payments at scale",
        "https://anna.example",
    )
    assert (profile.message_policy.value, profile.directory_visible) == ("nobody", False)


def test_edit_profile_error_keeps_typed_values_and_writes_nothing(client, attendee, login):
    login(attendee)

    response = client.post(
        "/me/profile",
        data=form(headline="My new headline", linkedin="javascript:alert(1)"),
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter a web address starting with http:// or https://." in body
    assert 'value="My new headline"' in body
    db.session.refresh(attendee.profile)
    assert (attendee.profile.headline, attendee.profile.linkedin) == ("", "")


def test_edit_profile_refuses_too_long_input(client, attendee, login):
    login(attendee)

    response = client.post("/me/profile", data=form(headline="x" * 161))

    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)


def test_edit_profile_accepts_a_png_photo(client, attendee, login):
    login(attendee)

    response = post_with_photo(client, png(), "me.png")

    assert response.status_code == 302
    stored = photo_path(attendee.profile.photo)
    with Image.open(stored) as kept:
        assert (kept.format, kept.size) == ("JPEG", (400, 400))


def test_edit_profile_refuses_a_text_file_named_jpg(client, attendee, login):
    login(attendee)

    response = post_with_photo(client, b"not an image at all", "me.jpg", headline="Typed")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This file is not an image we can use" in body
    assert 'value="Typed"' in body
    db.session.refresh(attendee.profile)
    assert attendee.profile.photo is None


def test_edit_profile_refuses_an_oversized_photo(app, client, attendee, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_PHOTO_BYTES", 2000)
    login(attendee)
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    data = io.BytesIO()
    noisy.save(data, "PNG")

    response = post_with_photo(client, data.getvalue(), "big.png")

    assert response.status_code == 200
    assert "The photo is too large" in response.get_data(as_text=True)
    db.session.refresh(attendee.profile)
    assert attendee.profile.photo is None


def test_edit_profile_refuses_other_file_extensions(client, attendee, login):
    login(attendee)

    response = post_with_photo(client, png(), "me.exe")

    assert response.status_code == 200
    assert "Choose a JPEG, PNG, GIF or WebP image." in response.get_data(as_text=True)


def test_edit_profile_removes_the_photo(client, target, login):
    login(target)
    old = photo_path(target.profile.photo)

    response = client.post(
        "/me/profile",
        data=form(display_name="Tanja Target", remove_photo="y"),
    )

    assert response.status_code == 302
    assert (target.profile.photo, old.exists()) == (None, False)


def test_edit_profile_preview_renders_sanitized_markdown_without_saving(client, attendee, login):
    login(attendee)
    data = form(bio="Hello **world** <script>alert(1)</script>", preview="Preview")
    del data["save"]

    response = client.post("/me/profile", data=data)

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Hello <strong>world</strong>" in body
    assert "<script>alert(1)</script>" not in body
    db.session.refresh(attendee.profile)
    assert attendee.profile.bio == ""


def test_edit_profile_links_to_own_profile_in_events(client, event, attendee, login):
    login(attendee)

    body = client.get("/me/profile").get_data(as_text=True)

    assert f'href="/e/northwind/people/{attendee.id}"' in body


# --- /e/<slug>/people/<id> ------------------------------------------------------------


@pytest.mark.parametrize("identity", REFUSED)
def test_person_page_shows_participants_only_page_to(identity, client, target, as_identity):
    as_identity(identity)

    response = client.get(f"/e/northwind/people/{target.id}")

    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "visible to registered participants only" in body
    assert "Tanja Target" not in body
    assert "Globex" not in body


@pytest.mark.parametrize("identity", ALLOWED)
def test_person_page_shows_the_profile_to(identity, client, target, as_identity):
    as_identity(identity)

    response = client.get(f"/e/northwind/people/{target.id}")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tanja Target" in body
    assert "CTO at Globex" in body


def test_person_page_renders_bio_safely_and_links_with_nofollow(client, target, attendee, login):
    login(attendee)

    body = client.get(f"/e/northwind/people/{target.id}").get_data(as_text=True)

    assert "I <strong>love</strong> payments." in body
    assert "<script>alert(1)</script>" not in body
    assert 'href="https://tanja.example" rel="nofollow noopener"' in body
    assert f"/photos/{target.profile.photo}" in body


def test_person_page_shows_event_choices(client, event, attendee, login):
    person = factories.participant(
        event, "Cara Chips", industry="Finance", region="APAC", interests=["Payments", "AI"]
    )
    login(attendee)

    body = client.get(f"/e/northwind/people/{person.id}").get_data(as_text=True)

    assert ["Finance" in body, "APAC" in body, "Payments" in body] == [True, True, True]


def test_person_page_has_no_empty_in_this_event_section(client, target, attendee, login):
    login(attendee)

    body = client.get(f"/e/northwind/people/{target.id}").get_data(as_text=True)

    assert "In this event" not in body


def test_hidden_profile_is_refused_to_attendees(client, target, attendee, login):
    hide(target)
    login(attendee)

    response = client.get(f"/e/northwind/people/{target.id}")

    assert response.status_code == 403
    assert "Tanja Target" not in response.get_data(as_text=True)


def test_hidden_profile_is_shown_to_organizers(client, target, organizer, login):
    hide(target)
    login(organizer)

    response = client.get(f"/e/northwind/people/{target.id}")

    assert response.status_code == 200
    assert "Hidden from attendees" in response.get_data(as_text=True)


def test_pending_person_page_is_refused(client, event, pending, attendee, login):
    login(attendee)

    response = client.get(f"/e/northwind/people/{pending.id}")

    assert response.status_code == 403
    assert "Pat Pending" not in response.get_data(as_text=True)


def test_person_of_another_event_is_refused(client, event, other_participant, attendee, login):
    login(attendee)

    response = client.get(f"/e/northwind/people/{other_participant.id}")

    assert response.status_code == 403
    assert "Oscar Other" not in response.get_data(as_text=True)


def test_unknown_person_is_not_found_for_participants(client, event, attendee, login):
    login(attendee)

    assert client.get("/e/northwind/people/999999").status_code == 404


def test_unknown_person_shows_participants_only_page_to_anonymous(client, event):
    assert client.get("/e/northwind/people/999999").status_code == 403


# --- /photos/<name> -------------------------------------------------------------------


@pytest.mark.parametrize("identity", REFUSED)
def test_photo_is_not_found_for(identity, client, target, as_identity):
    as_identity(identity)

    assert client.get(f"/photos/{target.profile.photo}").status_code == 404


@pytest.mark.parametrize("identity", ALLOWED)
def test_photo_is_served_to(identity, client, target, as_identity):
    as_identity(identity)

    with client.get(f"/photos/{target.profile.photo}") as response:
        assert (response.status_code, response.mimetype) == (200, "image/jpeg")
        assert "private" in response.headers["Cache-Control"]
        assert response.data[:3] == b"\xff\xd8\xff"


def test_photo_is_served_to_its_owner_outside_any_event(client, outsider, login):
    update_profile(outsider, ProfileChanges(display_name="Otto Outsider", photo=png()))
    db.session.commit()
    login(outsider)

    with client.get(f"/photos/{outsider.profile.photo}") as response:
        assert response.status_code == 200


def test_photo_of_hidden_person_is_for_organizers_only(client, target, attendee, organizer, login):
    hide(target)
    url = f"/photos/{target.profile.photo}"

    login(attendee)
    refused = client.get(url).status_code
    login(organizer)
    with client.get(url) as response:
        served = response.status_code

    assert (refused, served) == (404, 200)


@pytest.mark.parametrize("name", ["nothing.jpg", "..%2Fsecret_key", "x.png", "%2E%2E.jpg"])
def test_photo_with_unknown_or_unsafe_name_is_not_found(name, client, attendee, login):
    login(attendee)

    assert client.get(f"/photos/{name}").status_code == 404
