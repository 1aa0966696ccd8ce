"""Badge designs (checked values, one design per target, which design applies) and
the event logo (checked by content, re-encoded, files kept in step with the DB)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from conference.enums import BadgeLayout, BadgeRole
from conference.extensions import db
from conference.models import BadgeDesign
from conference.services import ServiceError
from conference.services import badge_designs as designs
from conference.services.badge_designs import DesignValues
from tests import factories


@pytest.fixture(autouse=True)
def _request(app):
    """Refusals are worded in the request's language."""
    with app.test_request_context():
        yield


def image_bytes(size=(800, 300), fmt="PNG", mode="RGB", color=(200, 30, 60), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def values(**fields) -> DesignValues:
    fields.setdefault("name", "Main")
    return DesignValues(**fields)


def design_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(BadgeDesign))


# --- designs ------------------------------------------------------------------------------


def test_create_design_keeps_the_checked_values(event, organizer):
    made = designs.create_design(
        organizer,
        event,
        values(
            name="  Speakers   A7 ",
            layout="a7",
            target="role:speaker",
            colors={"speaker": "#C2410C"},
            show_qr=False,
        ),
    )
    db.session.commit()

    assert (made.name, made.layout, made.role, made.ticket_type_id) == (
        "Speakers A7",
        BadgeLayout.a7,
        BadgeRole.speaker,
        None,
    )
    assert made.colors == {"speaker": "#c2410c"}
    assert (made.show_qr, made.show_logo, made.show_ribbon) == (False, True, True)


def test_create_design_for_a_ticket_type_of_the_event(event, organizer):
    ticket = factories.ticket(event, "VIP")
    made = designs.create_design(organizer, event, values(target=f"ticket:{ticket.id}"))
    assert (made.ticket_type_id, made.role, designs.target_of(made)) == (
        ticket.id,
        None,
        f"ticket:{ticket.id}",
    )


def test_create_design_refuses_another_events_ticket_type(event, organizer, other_event):
    foreign = factories.ticket(other_event, "Standard")
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(target=f"ticket:{foreign.id}"))
    assert (refused.value.code, refused.value.field) == ("target_invalid", "target")
    assert design_count() == 0


@pytest.mark.parametrize("target", ["", "role:janitor", "ticket:abc", "ticket:", "everyone"])
def test_create_design_refuses_an_unknown_target(event, organizer, target):
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(target=target))
    assert (refused.value.code, refused.value.field) == ("target_invalid", "target")


@pytest.mark.parametrize("color", ["red", "#12345", "#1234567", "#ggg000", "", "javascript:x"])
def test_create_design_refuses_a_bad_colour_on_its_field(event, organizer, color):
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(colors={"sponsor": color}))
    assert (refused.value.code, refused.value.field) == ("color_invalid", "color_sponsor")
    assert design_count() == 0


def test_create_design_refuses_a_colour_of_an_unknown_role(event, organizer):
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(colors={"janitor": "#000000"}))
    assert refused.value.code == "color_role_invalid"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"name": "   "}, "name_missing", "name"),
        ({"name": "x" * 121}, "name_too_long", "name"),
        ({"layout": "a3"}, "layout_invalid", "layout"),
    ],
)
def test_create_design_refuses_bad_values(event, organizer, fields, code, field):
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(**fields))
    assert (refused.value.code, refused.value.field) == (code, field)


def test_second_design_for_the_same_target_is_refused(event, organizer):
    designs.create_design(organizer, event, values(name="First", target="role:sponsor"))
    with pytest.raises(ServiceError) as refused:
        designs.create_design(organizer, event, values(name="Second", target="role:sponsor"))
    assert (refused.value.code, refused.value.field) == ("target_taken", "target")
    assert "First" in refused.value.message


def test_same_target_in_another_event_is_free(event, other_event, organizer):
    designs.create_design(organizer, event, values())
    designs.create_design(organizer, other_event, values())
    assert design_count() == 2


def test_update_design_keeps_its_own_target(event, organizer):
    made = designs.create_design(organizer, event, values(target="role:staff"))
    designs.update_design(organizer, made, values(name="Renamed", target="role:staff"))
    assert (made.name, made.role) == ("Renamed", BadgeRole.staff)


def test_update_design_refuses_a_target_another_design_has(event, organizer):
    designs.create_design(organizer, event, values(name="Default"))
    made = designs.create_design(organizer, event, values(name="Staff", target="role:staff"))
    with pytest.raises(ServiceError) as refused:
        designs.update_design(organizer, made, values(name="Staff", target="default"))
    assert refused.value.code == "target_taken"


def test_unsaved_design_is_not_added_and_ignores_a_taken_target(event, organizer):
    designs.create_design(organizer, event, values(target="role:speaker"))
    preview = designs.unsaved_design(event, values(target="role:speaker", layout="cr80"))
    assert (preview.layout, preview.id) == (BadgeLayout.cr80, None)
    assert preview not in db.session
    assert design_count() == 1


def test_unsaved_design_still_checks_colours(event):
    with pytest.raises(ServiceError) as refused:
        designs.unsaved_design(event, values(colors={"attendee": "blue"}))
    assert refused.value.field == "color_attendee"


def test_delete_design(event, organizer):
    made = designs.create_design(organizer, event, values())
    designs.delete_design(organizer, made)
    assert design_count() == 0


def test_design_of_another_event_is_none(event, other_event, organizer):
    made = designs.create_design(organizer, other_event, values())
    assert designs.design_of(event, made.id) is None
    assert designs.design_of(other_event, made.id) is made


def test_usage_role_beats_ticket_type_beats_default(event, organizer):
    vip = factories.ticket(event, "VIP")
    standard = factories.ticket(event, "Standard")
    default = designs.create_design(organizer, event, values(name="Default"))
    for_vip = designs.create_design(organizer, event, values(name="VIP", target=f"ticket:{vip.id}"))
    for_speakers = designs.create_design(
        organizer, event, values(name="Speakers", target="role:speaker")
    )
    db.session.commit()

    found = designs.usage(event, designs.designs_of(event))

    assert dict(found.by_ticket_type) == {standard: default, vip: for_vip}
    assert dict(found.by_role)[BadgeRole.speaker] is for_speakers
    assert dict(found.by_role)[BadgeRole.sponsor] is None
    assert found.default is default


def test_designs_of_lists_default_then_tickets_then_roles(event, organizer):
    ticket = factories.ticket(event, "Standard")
    by_role = designs.create_design(organizer, event, values(name="A", target="role:speaker"))
    by_ticket = designs.create_design(
        organizer, event, values(name="B", target=f"ticket:{ticket.id}")
    )
    default = designs.create_design(organizer, event, values(name="C"))
    assert designs.designs_of(event) == [default, by_ticket, by_role]


# --- the logo -----------------------------------------------------------------------------


def test_normalize_logo_keeps_transparency_as_png():
    png = designs.normalize_logo(image_bytes((300, 100), "PNG", mode="RGBA", color=(0, 0, 0, 0)))
    with Image.open(io.BytesIO(png)) as kept:
        assert (kept.format, kept.mode, kept.size) == ("PNG", "RGBA", (300, 100))
        assert kept.getpixel((10, 10))[3] == 0


def test_normalize_logo_scales_a_large_jpeg_down_without_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    png = designs.normalize_logo(image_bytes((4000, 1000), "JPEG", exif=exif.tobytes()))
    with Image.open(io.BytesIO(png)) as kept:
        assert (kept.format, kept.mode, kept.size) == ("PNG", "RGB", (1000, 250))
        assert dict(kept.getexif()) == {}


@pytest.mark.parametrize(
    "data",
    [b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"not an image", b"\x89PNG\r\n\x1a\n"],
)
def test_normalize_logo_refuses_what_is_not_an_image(data):
    with pytest.raises(ServiceError) as refused:
        designs.normalize_logo(data)
    assert (refused.value.code, refused.value.field) == ("logo_invalid", "logo")


def test_normalize_logo_refuses_other_formats():
    with pytest.raises(ServiceError) as refused:
        designs.normalize_logo(image_bytes((40, 40), "BMP"))
    assert refused.value.code == "logo_invalid"


def test_normalize_logo_refuses_an_empty_file():
    with pytest.raises(ServiceError) as refused:
        designs.normalize_logo(b"")
    assert refused.value.code == "logo_missing"


def test_normalize_logo_refuses_a_file_over_the_limit(monkeypatch):
    data = image_bytes()
    monkeypatch.setattr(designs, "MAX_LOGO_BYTES", len(data) - 1)
    with pytest.raises(ServiceError) as refused:
        designs.normalize_logo(data)
    assert refused.value.code == "logo_too_large"


def test_normalize_logo_refuses_a_decompression_bomb_before_decoding():
    bomb = image_bytes((8_000, 8_000), "PNG", mode="1", color=0)
    assert len(bomb) < 100_000
    with pytest.raises(ServiceError) as refused:
        designs.normalize_logo(bomb)
    assert refused.value.code == "logo_too_many_pixels"


def test_set_logo_replaces_the_old_file_after_commit(event, organizer):
    designs.set_logo(organizer, event, image_bytes())
    db.session.commit()
    first = designs.logo_path(event)

    designs.set_logo(organizer, event, image_bytes(color=(0, 0, 255)))
    assert first.exists()
    db.session.commit()

    second = designs.logo_path(event)
    assert (first.exists(), second.exists(), first == second) == (False, True, False)
    with Image.open(io.BytesIO(designs.logo_png(event))) as kept:
        assert kept.getpixel((5, 5)) == (0, 0, 255)


def test_rolled_back_logo_leaves_no_file(event, organizer):
    designs.set_logo(organizer, event, image_bytes())
    written = designs.logo_path(event)
    assert written.exists()

    db.session.rollback()

    assert written.exists() is False
    assert event.logo_filename is None


def test_remove_logo_deletes_the_file_after_commit(event, organizer):
    designs.set_logo(organizer, event, image_bytes())
    db.session.commit()
    path = designs.logo_path(event)

    designs.remove_logo(organizer, event)
    assert path.exists()
    db.session.commit()

    assert (path.exists(), event.logo_filename, designs.logo_png(event)) == (False, None, None)


def test_logo_path_ignores_a_name_we_never_make(event):
    event.logo_filename = "../../etc/passwd"
    assert designs.logo_path(event) is None
    assert designs.logo_png(event) is None
