"""The organizer's badge pages for every identity: designs with the live preview, the
event logo, bulk printing with its count, batch progress and download."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from conference import jobs
from conference.enums import BadgeBatchStatus, BadgeRole
from conference.extensions import db
from conference.models import BadgeBatch, BadgeDesign, BadgePrint, Event, Registration
from conference.services import badge_designs as designs
from conference.services import badges as badge_service
from tests import factories
from tests.conftest import IDENTITIES

REFUSED = [name for name in IDENTITIES if name not in ("anonymous", "organizer")]
BASE = "/e/northwind/manage/badges"


@pytest.fixture(autouse=True)
def _empty_queue():
    jobs.huey.flush()
    yield
    jobs.huey.flush()


def image_bytes(size=(600, 200), fmt="PNG", mode="RGB", color=(200, 30, 60)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt)
    return out.getvalue()


def design_form(**fields) -> dict:
    data = {
        "name": "Main",
        "layout": "a6",
        "target": "default",
        "color_organizer": "#6d28d9",
        "color_speaker": "#c2410c",
        "color_sponsor": "#0f766e",
        "color_staff": "#be123c",
        "color_attendee": "#1d4ed8",
        "show_logo": "y",
        "show_company": "y",
        "show_job_title": "y",
        "show_ribbon": "y",
        "show_qr": "y",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def design(event, organizer):
    with_request = designs.create_design(
        organizer, event, designs.DesignValues(name="House style", layout="a7")
    )
    db.session.commit()
    return with_request


@pytest.fixture
def batch(event, organizer, attendee, speaker):
    made = badge_service.create_batch(event, organizer, badge_service.BadgeFilter(), "name")
    db.session.commit()
    return made


def routes(design_id: int, batch_id: int) -> dict[str, tuple[str, str, dict]]:
    return {
        "list": ("GET", BASE, {}),
        "new": ("GET", f"{BASE}/designs/new", {}),
        "new_post": ("POST", f"{BASE}/designs/new", design_form(name="X", target="role:staff")),
        "edit": ("GET", f"{BASE}/designs/{design_id}", {}),
        "edit_post": ("POST", f"{BASE}/designs/{design_id}", design_form(name="Y")),
        "delete": ("POST", f"{BASE}/designs/{design_id}/delete", {}),
        "preview": ("GET", f"{BASE}/preview.png?name=a&layout=a6&target=default", {}),
        "logo": ("POST", f"{BASE}/logo", {}),
        "logo_remove": ("POST", f"{BASE}/logo/remove", {}),
        "logo_image": ("GET", f"{BASE}/logo.png", {}),
        "print": ("GET", f"{BASE}/print", {}),
        "print_post": ("POST", f"{BASE}/print", {"action": "generate", "sort": "name"}),
        "count": ("GET", f"{BASE}/print/count.json", {}),
        "batch": ("GET", f"{BASE}/batches/{batch_id}", {}),
        "progress": ("GET", f"{BASE}/batches/{batch_id}/progress.json", {}),
        "download": ("GET", f"{BASE}/batches/{batch_id}.pdf", {}),
    }


ROUTE_NAMES = list(routes(0, 0))


def call(client, method: str, path: str, data: dict):
    if method == "POST":
        return client.post(path, data=data)
    return client.get(path)


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(BadgeDesign)),
        db.session.scalar(sa.select(sa.func.count()).select_from(BadgeBatch)),
    )


# --- who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTE_NAMES)
@pytest.mark.parametrize("identity", REFUSED)
def test_badge_routes_refused(client, as_identity, design, batch, route, identity):
    method, path, data = routes(design.id, batch.id)[route]
    as_identity(identity)
    assert call(client, method, path, data).status_code == 403
    assert counts() == (1, 1)
    assert design.name == "House style"


@pytest.mark.parametrize("route", ROUTE_NAMES)
def test_badge_routes_anonymous_redirect_to_login(client, design, batch, route):
    method, path, data = routes(design.id, batch.id)[route]
    response = call(client, method, path, data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    "route", ["list", "new", "edit", "preview", "print", "count", "batch", "progress"]
)
@pytest.mark.parametrize("who", ["organizer", "platform_admin"])
def test_badge_pages_open_for_organizers(request, client, login, design, batch, route, who):
    login(request.getfixturevalue(who))
    method, path, data = routes(design.id, batch.id)[route]
    assert call(client, method, path, data).status_code == 200


@pytest.mark.parametrize("route", ["edit", "edit_post", "delete", "batch", "progress", "download"])
def test_design_or_batch_of_another_event_is_404(client, login, organizer, other_event, route):
    other_organizer = factories.organizer(other_event, name="Otto Org")
    foreign_design = designs.create_design(
        other_organizer, other_event, designs.DesignValues(name="Theirs")
    )
    foreign_batch = badge_service.create_batch(
        other_event, other_organizer, badge_service.BadgeFilter(), "name"
    )
    db.session.commit()
    login(organizer)
    method, path, data = routes(foreign_design.id, foreign_batch.id)[route]
    assert call(client, method, path, data).status_code == 404
    assert foreign_design.name == "Theirs"


def test_preview_with_another_events_design_id_is_404(client, login, organizer, other_event):
    foreign = designs.create_design(
        factories.organizer(other_event, name="Otto Org"),
        other_event,
        designs.DesignValues(name="Theirs"),
    )
    db.session.commit()
    login(organizer)
    response = client.get(
        f"{BASE}/preview.png?name=a&layout=a6&target=default&design_id={foreign.id}"
    )
    assert response.status_code == 404


# --- designs ------------------------------------------------------------------------------


def test_designs_list_empty_state(client, login, organizer):
    login(organizer)
    page = client.get(BASE).get_data(as_text=True)
    assert "No design yet" in page
    assert f"{BASE}/designs/new" in page


def test_designs_list_shows_designs_and_who_uses_them(client, login, event, organizer):
    vip = factories.ticket(event, "VIP")
    designs.create_design(organizer, event, designs.DesignValues(name="Default look"))
    designs.create_design(
        organizer, event, designs.DesignValues(name="VIP gold", target=f"ticket:{vip.id}")
    )
    db.session.commit()
    login(organizer)
    page = client.get(BASE).get_data(as_text=True)
    assert "Default look" in page
    assert "VIP gold" in page
    assert "Ticket type: VIP" in page
    # The usage table: Standard prints with the default, VIP with its own.
    assert '<td class="text-break">Standard</td><td class="text-break">Default look</td>' in page
    assert '<td class="text-break">VIP</td><td class="text-break">VIP gold</td>' in page


def test_create_design_saves_and_redirects(client, login, event, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/designs/new",
        data=design_form(
            name="Speakers",
            layout="cr80",
            target="role:speaker",
            color_speaker="#112233",
            show_qr=None,
        ),
    )
    made = db.session.scalar(sa.select(BadgeDesign))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/designs/{made.id}"
    assert (made.name, made.layout.value, made.role, made.show_qr, made.show_logo) == (
        "Speakers",
        "cr80",
        BadgeRole.speaker,
        False,
        True,
    )
    # Only the colour that differs from the built-in palette is stored.
    assert made.colors == {"speaker": "#112233"}


def test_create_design_with_a_bad_colour_keeps_what_was_typed(client, login, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/designs/new",
        data=design_form(name="Typed name", color_sponsor="not-a-colour", layout="a7"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Colours are written as # and six hexadecimal digits" in page
    assert 'value="Typed name"' in page
    assert '<option selected value="a7">' in page
    assert counts() == (0, 0)


def test_create_design_for_a_taken_target_says_so(client, login, design, organizer):
    login(organizer)
    response = client.post(f"{BASE}/designs/new", data=design_form(name="Second"))
    page = response.get_data(as_text=True)
    assert "The design “House style” is already for them" in page
    assert 'value="Second"' in page
    assert counts() == (1, 0)


def test_create_design_with_a_forged_target_is_refused(client, login, organizer, other_event):
    foreign = factories.ticket(other_event, "VIP")
    login(organizer)
    response = client.post(f"{BASE}/designs/new", data=design_form(target=f"ticket:{foreign.id}"))
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_create_design_without_a_name(client, login, organizer):
    login(organizer)
    response = client.post(f"{BASE}/designs/new", data=design_form(name=""))
    assert "This field is required." in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_edit_design_shows_saved_values_and_a_preview_of_them(client, login, design, organizer):
    login(organizer)
    page = client.get(f"{BASE}/designs/{design.id}").get_data(as_text=True)
    assert 'value="House style"' in page
    assert '<option selected value="a7">' in page
    assert "preview.png?name=House+style&amp;layout=a7&amp;target=default" in page
    assert f"design_id={design.id}" in page


def test_edit_design_saves(client, login, design, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/designs/{design.id}",
        data=design_form(name="Renamed", layout="letter_sheet", show_company=None),
    )
    assert response.status_code == 302
    assert (design.name, design.layout.value, design.show_company) == (
        "Renamed",
        "letter_sheet",
        False,
    )


def test_delete_design(client, login, design, organizer):
    login(organizer)
    response = client.post(f"{BASE}/designs/{design.id}/delete")
    assert response.status_code == 302
    assert counts() == (0, 0)


# --- the preview --------------------------------------------------------------------------


def test_preview_is_a_png_of_the_badge(client, login, organizer, attendee):
    login(organizer)
    response = client.get(f"{BASE}/preview.png", query_string=design_form(layout="a6"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"
    with Image.open(io.BytesIO(response.data)) as png:
        width, height = png.size
    # A6 is portrait, 105 x 148 mm.
    assert width == 720
    assert abs(height / width - 148 / 105) < 0.02


def test_preview_follows_the_layout(client, login, organizer, attendee):
    login(organizer)
    response = client.get(f"{BASE}/preview.png", query_string=design_form(layout="label_4x3"))
    with Image.open(io.BytesIO(response.data)) as png:
        width, height = png.size
    assert abs(height / width - 3 / 4) < 0.02


def test_preview_follows_the_colours(client, login, organizer):
    login(organizer)
    red = client.get(
        f"{BASE}/preview.png", query_string=design_form(color_organizer="#ff0000")
    ).data
    green = client.get(
        f"{BASE}/preview.png", query_string=design_form(color_organizer="#00ff00")
    ).data
    assert red != green


def test_preview_with_a_bad_colour_answers_a_json_error(client, login, organizer):
    login(organizer)
    response = client.get(f"{BASE}/preview.png", query_string=design_form(color_staff="#12"))
    assert response.status_code == 400
    assert response.json["ok"] is False
    assert response.json["field"] == "color_staff"
    assert "six hexadecimal digits" in response.json["message"]


def test_preview_with_a_bad_layout_answers_a_json_error(client, login, organizer):
    login(organizer)
    response = client.get(f"{BASE}/preview.png", query_string=design_form(layout="a2"))
    assert response.status_code == 400
    assert response.json["field"] == "layout"


def test_preview_of_a_taken_target_still_shows(client, login, organizer, design):
    login(organizer)
    response = client.get(f"{BASE}/preview.png", query_string=design_form())
    assert response.status_code == 200


# --- the logo -----------------------------------------------------------------------------


def test_upload_logo_stores_a_png_and_shows_it(client, login, event, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/logo", data={"logo": (io.BytesIO(image_bytes(fmt="JPEG")), "logo.jpg")}
    )
    assert response.status_code == 302
    assert designs.logo_path(event).is_file()
    with client.get(f"{BASE}/logo.png") as image:
        assert image.mimetype == "image/png"
        data = image.data
    with Image.open(io.BytesIO(data)) as png:
        assert (png.format, png.size) == ("PNG", (600, 200))
    page = client.get(BASE).get_data(as_text=True)
    assert f"{BASE}/logo.png" in page


def test_upload_logo_refuses_a_file_that_is_not_an_image(client, login, event, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/logo",
        data={"logo": (io.BytesIO(b"<svg onload='alert(1)'/>"), "logo.png")},
        follow_redirects=True,
    )
    assert "This file is not an image we can use" in response.get_data(as_text=True)
    assert event.logo_filename is None


def test_upload_logo_without_a_file(client, login, event, organizer):
    login(organizer)
    response = client.post(f"{BASE}/logo", data={}, follow_redirects=True)
    assert "Choose an image file." in response.get_data(as_text=True)
    assert event.logo_filename is None


def test_remove_logo(client, login, event, organizer):
    designs.set_logo(organizer, event, image_bytes())
    db.session.commit()
    path = designs.logo_path(event)
    login(organizer)
    client.post(f"{BASE}/logo/remove")
    assert (event.logo_filename, path.exists()) == (None, False)
    assert client.get(f"{BASE}/logo.png").status_code == 404


# --- printing -----------------------------------------------------------------------------


def test_print_page_counts_approved_badges(client, login, organizer, attendee, speaker, pending):
    login(organizer)
    page = client.get(f"{BASE}/print").get_data(as_text=True)
    # organizer, attendee and speaker are approved; pending is not.
    assert "3 badges match." in page


def test_count_follows_the_filters(client, login, event, organizer, attendee, speaker, pending):
    login(organizer)
    vip = factories.participant(event, name="Vera VIP", ticket_type="VIP")
    assert vip is not None

    def count(**args):
        response = client.get(f"{BASE}/print/count.json", query_string=args)
        assert response.status_code == 200
        return response.json["count"]

    assert count() == 4
    assert count(roles="speaker") == 1
    assert count(ticket_types=factories.ticket(event, "VIP").id) == 1
    assert count(statuses=["pending", "approved"]) == 5
    assert count(query="vera") == 1
    assert count(not_printed="y") == 4


def test_count_with_a_bad_filter_answers_a_json_error(client, login, organizer, other_event):
    login(organizer)
    for args in (
        {"ticket_types": "abc"},
        {"ticket_types": factories.ticket(other_event, "VIP").id},
        {"statuses": "archived"},
        {"roles": "janitor"},
    ):
        response = client.get(f"{BASE}/print/count.json", query_string=args)
        assert response.status_code == 400, args
        assert response.json["ok"] is False
        assert response.json["message"]


def test_print_with_a_bad_filter_keeps_what_was_typed(client, login, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/print",
        data={"action": "generate", "statuses": "archived", "query": "Müller", "sort": "company"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please correct the fields marked below." in page
    assert 'value="Müller"' in page
    assert "&#39;archived&#39; is not a valid choice for this field." in page
    assert (
        'checked class="form-check-input" id="sort-1" name="sort" type="radio" value="company"'
        in page
    )
    assert counts() == (0, 0)


def test_print_with_nothing_matching_makes_no_batch(client, login, organizer):
    login(organizer)
    response = client.post(
        f"{BASE}/print", data={"action": "generate", "query": "nobody-like-this", "sort": "name"}
    )
    assert "No badge matches these filters: choose fewer or other ones." in response.get_data(
        as_text=True
    )
    assert counts() == (0, 0)


def test_print_count_action_counts_without_a_batch(client, login, organizer, attendee):
    login(organizer)
    response = client.post(f"{BASE}/print", data={"action": "count", "sort": "name"})
    assert "2 badges match." in response.get_data(as_text=True)
    assert counts() == (0, 0)


def test_batch_end_to_end(client, login, event, organizer, attendee, speaker, pending):
    login(organizer)
    response = client.post(
        f"{BASE}/print",
        data={"action": "generate", "sort": "name", "roles": ["speaker", "attendee"]},
    )
    made = db.session.scalar(sa.select(BadgeBatch))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{BASE}/batches/{made.id}"
    assert made.sort == "name"
    assert made.created_by_id == organizer.id

    before = client.get(f"{BASE}/batches/{made.id}/progress.json").json
    assert (before["status"], before["download_url"]) == ("queued", None)
    assert client.get(f"{BASE}/batches/{made.id}.pdf").status_code == 404

    jobs.run_pending()

    after = client.get(f"{BASE}/batches/{made.id}/progress.json").json
    assert (after["status"], after["total"], after["done"], after["percent"]) == ("done", 2, 2, 100)
    assert after["download_url"] == f"{BASE}/batches/{made.id}.pdf"
    page = client.get(f"{BASE}/batches/{made.id}").get_data(as_text=True)
    assert "Download the PDF" in page
    assert "Done: the PDF is ready." in page

    with client.get(after["download_url"]) as download:
        assert download.status_code == 200
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        data = download.data
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    assert "Anna Attendee" in text
    assert "Sam Speaker" in text
    assert "Pat Pending" not in text
    printed = db.session.scalars(sa.select(BadgePrint.registration_id)).all()
    assert len(printed) == 2

    history = client.get(f"{BASE}/print").get_data(as_text=True)
    assert "Olga Organizer" in history
    assert "Speaker, Attendee" in history


def test_batch_of_not_printed_leaves_out_those_printed(client, login, organizer, attendee, speaker):
    login(organizer)
    client.post(f"{BASE}/print", data={"action": "generate", "sort": "name"})
    jobs.run_pending()
    response = client.get(f"{BASE}/print/count.json", query_string={"not_printed": "y"})
    assert response.json["count"] == 0


def test_failed_batch_shows_its_error(client, login, event, organizer, batch):
    batch.status = BadgeBatchStatus.failed
    batch.error = "The disk is full."
    db.session.commit()
    login(organizer)
    page = client.get(f"{BASE}/batches/{batch.id}").get_data(as_text=True)
    assert "The PDF could not be made." in page
    assert "The disk is full." in page
    assert client.get(f"{BASE}/batches/{batch.id}.pdf").status_code == 404


def test_batch_warnings_are_listed_with_a_link_to_the_person(
    client, login, event, organizer, attendee, batch
):
    registration_id = db.session.scalar(
        sa.select(Registration.id).where(Registration.user_id == attendee.id)
    )
    batch.status = BadgeBatchStatus.done
    batch.warnings = [
        {"registration_id": registration_id, "name": "Anna Attendee", "field": "company"},
        {"registration_id": None, "name": "Ōkubo Extraordinarily-Long", "field": "name"},
    ]
    db.session.commit()
    login(organizer)
    page = client.get(f"{BASE}/batches/{batch.id}").get_data(as_text=True)
    assert "Texts that did not fit" in page
    assert (
        f'<a href="/e/northwind/manage/registrations/{registration_id}">Anna Attendee</a>'
        " — company" in page
    )
    assert "Ōkubo Extraordinarily-Long — name" in page
    progress = client.get(f"{BASE}/batches/{batch.id}/progress.json").json
    assert progress["warnings"] == batch.warnings


def test_event_is_unchanged_by_other_events_organizer(client, login, other_event, event):
    login(factories.organizer(other_event, name="Otto Org"))
    assert client.get(BASE).status_code == 403
    assert db.session.get(Event, event.id).logo_filename is None


def test_design_page_after_a_bad_colour_previews_the_built_in_one(client, login, organizer):
    login(organizer)
    response = client.post(f"{BASE}/designs/new", data=design_form(color_sponsor="nope"))
    page = response.get_data(as_text=True)
    assert "color_sponsor=" not in page
    assert "color_speaker=%23c2410c" in page


def test_preview_shows_the_chosen_sample_person(client, login, organizer, attendee, speaker):
    login(organizer)
    page = client.get(f"{BASE}/designs/new").get_data(as_text=True)
    assert "Olga Organizer" in page
    assert "Anna Attendee" in page
    first = client.get(f"{BASE}/preview.png", query_string=design_form(sample=0)).data
    second = client.get(f"{BASE}/preview.png", query_string=design_form(sample=1)).data
    out_of_range = client.get(f"{BASE}/preview.png", query_string=design_form(sample=99)).data
    assert first != second
    assert out_of_range == first
