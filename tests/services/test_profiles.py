"""Profile changes: fields, links, photos checked by content, files kept in step with the DB."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from conference.enums import MessagePolicy
from conference.extensions import db
from conference.services import ServiceError
from conference.services.directory import search_directory
from conference.services.profiles import (
    PHOTO_SIZE,
    ProfileChanges,
    clean_url,
    normalize_photo,
    photo_path,
    update_profile,
)


@pytest.fixture(autouse=True)
def _request(app):
    """Refusals are worded in the request's language."""
    with app.test_request_context():
        yield


def image_bytes(size=(800, 600), fmt="PNG", mode="RGB", color=(200, 30, 60), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def changes(**fields) -> ProfileChanges:
    fields.setdefault("display_name", "Anna Attendee")
    return ProfileChanges(**fields)


def test_update_profile_saves_every_field(attendee):
    update_profile(
        attendee,
        changes(
            display_name="  Anna   Berg ",
            headline="Payments at scale",
            bio="I **build** things.",
            company="Globex",
            job_title="CTO",
            website="https://anna.example",
            linkedin="https://www.linkedin.com/in/anna",
            looking_for="Investors",
            can_offer="Advice",
            directory_visible=False,
            message_policy=MessagePolicy.contacts,
        ),
    )
    db.session.commit()

    profile = attendee.profile
    assert attendee.display_name == "Anna Berg"
    assert (profile.headline, profile.bio, profile.company, profile.job_title) == (
        "Payments at scale",
        "I **build** things.",
        "Globex",
        "CTO",
    )
    assert (profile.website, profile.linkedin) == (
        "https://anna.example",
        "https://www.linkedin.com/in/anna",
    )
    assert (profile.looking_for, profile.can_offer) == ("Investors", "Advice")
    assert (profile.directory_visible, profile.message_policy) == (False, MessagePolicy.contacts)


def test_update_profile_refreshes_the_directory_search(event, attendee):
    update_profile(attendee, changes(display_name="Иван Петров", company="Ладога Софт"))
    db.session.commit()

    found = search_directory(event, False, q="ладога")
    assert [item.user_id for item in found.items] == [attendee.id]


def test_hiding_in_the_profile_takes_the_person_out_of_directories(event, attendee):
    update_profile(attendee, changes(directory_visible=False))
    db.session.commit()

    assert search_directory(event, False).total == 0
    assert [item.hidden for item in search_directory(event, True).items] == [True]


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("https://example.com/me", "https://example.com/me"),
        ("http://example.com", "http://example.com"),
        ("example.com/me", "https://example.com/me"),
        ("", ""),
    ],
)
def test_clean_url_accepts_web_addresses(typed, kept):
    assert clean_url(typed, "website") == kept


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "ftp://example.com",
        "https://",
        "https://exa mple.com",
        "localhost",
        "https://example.com:99999",
    ],
)
def test_clean_url_refuses_other_schemes_and_malformed_addresses(typed):
    with pytest.raises(ServiceError) as refused:
        clean_url(typed, "website")
    assert (refused.value.code, refused.value.field) == ("url_invalid", "website")


def test_refused_change_writes_nothing(attendee):
    with pytest.raises(ServiceError) as refused:
        update_profile(
            attendee,
            changes(display_name="New Name", company="New Co", linkedin="javascript:alert(1)"),
        )
    db.session.rollback()

    assert refused.value.field == "linkedin"
    assert (attendee.display_name, attendee.profile.company) == ("Anna Attendee", "Acme")


def test_empty_name_is_refused(attendee):
    with pytest.raises(ServiceError) as refused:
        update_profile(attendee, changes(display_name="   "))
    assert (refused.value.code, refused.value.field) == ("name_missing", "display_name")


def test_too_long_headline_is_refused(attendee):
    with pytest.raises(ServiceError) as refused:
        update_profile(attendee, changes(headline="x" * 161))
    assert (refused.value.code, refused.value.field) == ("too_long", "headline")


def test_normalize_photo_makes_a_square_jpeg_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"
    jpeg = normalize_photo(image_bytes((900, 500), "JPEG", exif=exif.tobytes()), 10**7)

    with Image.open(io.BytesIO(jpeg)) as kept:
        assert (kept.format, kept.size, kept.mode) == ("JPEG", (PHOTO_SIZE, PHOTO_SIZE), "RGB")
        assert dict(kept.getexif()) == {}
    assert b"Secret Camera Maker" not in jpeg


def test_normalize_photo_flattens_transparency_on_white():
    jpeg = normalize_photo(image_bytes((50, 50), "PNG", mode="RGBA", color=(0, 0, 0, 0)), 10**7)

    with Image.open(io.BytesIO(jpeg)) as kept:
        assert kept.getpixel((200, 200)) == (255, 255, 255)


def test_normalize_photo_refuses_a_text_file():
    with pytest.raises(ServiceError) as refused:
        normalize_photo(b"just some text, named photo.jpg", 10**7)
    assert (refused.value.code, refused.value.field) == ("photo_invalid", "photo")


def test_normalize_photo_refuses_a_truncated_image():
    with pytest.raises(ServiceError) as refused:
        normalize_photo(image_bytes((400, 400), "PNG")[:200], 10**7)
    assert refused.value.code == "photo_invalid"


def test_normalize_photo_refuses_other_image_formats():
    with pytest.raises(ServiceError) as refused:
        normalize_photo(image_bytes((40, 40), "BMP"), 10**7)
    assert refused.value.code == "photo_invalid"


def test_normalize_photo_refuses_files_over_the_limit():
    data = image_bytes((300, 300), "PNG")
    with pytest.raises(ServiceError) as refused:
        normalize_photo(data, len(data) - 1)
    assert refused.value.code == "photo_too_large"


@pytest.mark.parametrize("side", [8_000, 10_000, 20_000])
def test_normalize_photo_refuses_a_decompression_bomb_before_decoding(side):
    bomb = image_bytes((side, side), "PNG", mode="1", color=0)
    assert len(bomb) < 100_000

    with pytest.raises(ServiceError) as refused:
        normalize_photo(bomb, 10**7)
    assert refused.value.code == "photo_too_many_pixels"


def test_new_photo_replaces_the_old_file_after_commit(attendee):
    update_profile(attendee, changes(photo=image_bytes()))
    db.session.commit()
    first = photo_path(attendee.profile.photo)

    update_profile(attendee, changes(photo=image_bytes(color=(0, 0, 255))))
    assert first.exists()
    db.session.commit()

    second = photo_path(attendee.profile.photo)
    assert (first.exists(), second.exists(), first == second) == (False, True, False)


def test_rolled_back_photo_leaves_no_file(attendee):
    update_profile(attendee, changes(photo=image_bytes()))
    written = photo_path(attendee.profile.photo)
    assert written.exists()

    db.session.rollback()

    assert written.exists() is False
    assert attendee.profile.photo is None


def test_remove_photo_deletes_the_file_after_commit(attendee):
    update_profile(attendee, changes(photo=image_bytes()))
    db.session.commit()
    path = photo_path(attendee.profile.photo)

    update_profile(attendee, changes(remove_photo=True))
    db.session.commit()

    assert (attendee.profile.photo, path.exists()) == (None, False)


@pytest.mark.parametrize(
    "name", ["../secret.jpg", "a.png", "a.jpg/x", ".a.jpg.part", "", "a b.jpg"]
)
def test_photo_path_refuses_names_we_never_produce(name):
    assert photo_path(name) is None
