"""An organizer designs a badge and watches the live preview follow the form, then
prints the whole event as one PDF with live progress and downloads it."""

from __future__ import annotations

import io
from pathlib import Path

from flask_babel import force_locale
from playwright.sync_api import expect
from pypdf import PdfReader

from tests import factories

SLUG = "badge-fest"
NAMES = ("Anna Attendee", "Александра Преображенская", "山田 花子", "Sam Speaker")


def _seed(live_server) -> str:
    """An event with an organizer, three participants in three scripts and a speaker;
    returns the organizer's email."""
    with live_server.app.app_context(), force_locale("en"):
        event = factories.event(name="Badge Fest", slug=SLUG)
        organizer = factories.organizer(event, name="Olga Organizer")
        factories.participant(event, NAMES[0], company="Acme")
        factories.participant(event, NAMES[1], company="Научно-производственное объединение")
        factories.participant(event, NAMES[2], company="株式会社グローバル")
        factories.participant(event, NAMES[3], roles=["speaker"])
        factories.participant(event, "Pat Pending", status="pending")
        return organizer.email


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _preview_size(page) -> tuple[int, int]:
    return page.evaluate(
        "() => { const i = document.querySelector('[data-preview-image]');"
        " return [i.naturalWidth, i.naturalHeight]; }"
    )


def _wait_for_new_preview(page, old_src: str) -> str:
    page.wait_for_function(
        "old => { const i = document.querySelector('[data-preview-image]');"
        " return i.getAttribute('src') !== old && i.complete && i.naturalWidth > 0; }",
        arg=old_src,
    )
    return page.get_attribute("[data-preview-image]", "src")


def test_organizer_designs_a_badge_and_prints_the_event(page, live_server, tmp_path: Path):
    _log_in(page, _seed(live_server))

    page.goto(f"/e/{SLUG}/manage/badges")
    page.get_by_role("link", name="Make the default design").click()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-preview-image]');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    width, height = _preview_size(page)
    assert height > width  # A6 portrait, as the server rendered it without the script

    # Changing the format refreshes the preview by itself: the 4 x 3 inch label is landscape.
    first = page.get_attribute("[data-preview-image]", "src")
    page.get_by_label("Format").select_option("label_4x3")
    second = _wait_for_new_preview(page, first)
    expect(page.locator("[data-preview-status]")).to_have_text("Up to date.")
    width, height = _preview_size(page)
    assert width > height

    # A bad colour typed by hand is explained, and the preview stays as it was.
    page.evaluate(
        "() => { const f = document.getElementById('color_attendee'); f.type = 'text';"
        " f.value = '#12'; f.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    expect(page.locator("[data-preview-error]")).to_contain_text("six hexadecimal digits")
    page.evaluate(
        "() => { const f = document.getElementById('color_attendee'); f.value = '#0a0a0a';"
        " f.dispatchEvent(new Event('input', {bubbles: true})); }"
    )
    third = _wait_for_new_preview(page, second)
    expect(page.locator("[data-preview-error]")).to_be_hidden()
    assert third != second

    page.get_by_label("Name", exact=True).fill("Label for everyone")
    page.get_by_role("button", name="Save design").click()
    expect(page.locator(".alert-success")).to_contain_text("Label for everyone")

    # Print: the count follows the filters, then the whole event goes into one PDF.
    page.get_by_role("link", name="Print badges").first.click()
    # The count is the server's until the page's script has run: wait for it, or a
    # click on a filter can come before anything listens (seen on a busy machine).
    page.wait_for_load_state()
    count = page.locator("[data-count]")
    expect(count).to_have_text("5 badges match.")
    page.locator("label", has_text="Speaker").first.click()
    expect(count).to_have_text("1 badge matches.")
    page.locator("label", has_text="Speaker").first.click()
    expect(count).to_have_text("5 badges match.")
    page.get_by_role("button", name="Generate PDF").click()

    download_link = page.get_by_role("link", name="Download the PDF")
    expect(download_link).to_be_visible(timeout=60_000)
    expect(page.locator("[data-status]")).to_have_text("Done: the PDF is ready.")
    with page.expect_download() as info:
        download_link.click()
    saved = tmp_path / "badges.pdf"
    info.value.save_as(saved)
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 5
    for name in (*NAMES, "Olga Organizer"):
        assert name.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    assert "Pat Pending" not in text

    # The history lists the batch.
    page.goto(f"/e/{SLUG}/manage/badges/print")
    expect(page.locator(".batch-history")).to_contain_text("5 badges")
    expect(page.locator(".batch-history")).to_contain_text("Olga Organizer")
