"""The renderer: names in every script print and every QR code scans, text shrinks to
fit or is reported, nothing a participant typed loads anything, formats and sheets."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from conference.badges import DesignSpec, FitWarning
from conference.badges import render as renderer
from conference.badges.fit import fit_text, text_width
from conference.badges.layouts import LAYOUTS
from conference.badges.pdfmerge import PdfAppender
from conference.enums import BadgeLayout, BadgeRole
from tests.badges.helpers import badge, page_sizes_mm, pdf_text, qr_codes

PEOPLE = [
    ("Anna Attendee", "Acme", BadgeRole.attendee),
    ("Дмитрий Соколов", "Яндекс", BadgeRole.speaker),
    ("山田 花子", "株式会社サンプル", BadgeRole.sponsor),
]


def _payload(n: int) -> str:
    return f"B1:{'TESTCODE' * 3}{n:02d}"


@pytest.mark.parametrize("workers", [1, 2])
def test_render_pdf_names_in_three_scripts_print_and_every_qr_code_scans(tmp_path, workers):
    badges = [
        badge(name, company, role=role, payload=_payload(n), registration_id=n, layout=layout)
        for n, ((name, company, role), layout) in enumerate(
            [
                (person, layout)
                for layout in (BadgeLayout.a6, BadgeLayout.a4_sheet)
                for person in PEOPLE
            ]
        )
    ]
    seen = []
    out = tmp_path / "badges.pdf"

    report = renderer.render_pdf(badges, out, seen.append, workers=workers, chunk_pages=2)

    # three A6 pages, then one A4 sheet with the three sheet badges
    assert (report.pages, report.badges, report.warnings) == (4, 6, [])
    assert seen[-1] == 6
    assert seen == sorted(seen)
    assert page_sizes_mm(out) == [(105.0, 148.0)] * 3 + [(210.0, 297.0)]
    assert qr_codes(out) == [
        [_payload(0)],
        [_payload(1)],
        [_payload(2)],
        sorted(_payload(n) for n in (3, 4, 5)),
    ]
    text = pdf_text(out)
    for name, company, _role in PEOPLE:
        assert text.count(name) == 2
        assert text.count(company) == 2
    assert text.count("SPEAKER") == 2


@pytest.mark.parametrize("layout", list(BadgeLayout))
def test_render_one_every_layout_has_its_page_size_and_a_scannable_code(layout):
    spec = LAYOUTS[layout]

    pdf = renderer.render_one(
        badge("Дмитрий Соколов", "Яндекс", layout=layout, payload=_payload(7))
    )

    assert page_sizes_mm(pdf) == [(round(spec.page_width, 1), round(spec.page_height, 1))]
    assert qr_codes(pdf, dpi=200) == [[_payload(7)]]
    assert "Дмитрий Соколов" in pdf_text(pdf)


def test_sheets_hold_four_badges_and_fill_per_format_in_order(tmp_path):
    sheet_badges = [
        badge(f"Person {n}", layout=BadgeLayout.letter_sheet, payload=_payload(n)) for n in range(5)
    ]
    single = badge("Solo", layout=BadgeLayout.cr80, payload=_payload(9))

    sheets = list(renderer.paginate([*sheet_badges[:2], single, *sheet_badges[2:]]))

    assert [(s.layout.key, [b.name for b in s.badges]) for s in sheets] == [
        (BadgeLayout.cr80, ["Solo"]),
        (BadgeLayout.letter_sheet, ["Person 0", "Person 1", "Person 2", "Person 3"]),
        (BadgeLayout.letter_sheet, ["Person 4"]),
    ]
    out = tmp_path / "sheets.pdf"
    report = renderer.render_pdf(sheet_badges, out, workers=1)
    assert report.pages == 2
    assert qr_codes(out) == [sorted(_payload(n) for n in range(4)), [_payload(4)]]


def test_sheet_has_crop_marks_on_every_cut_line():
    layout = LAYOUTS[BadgeLayout.a4_sheet]

    marks = renderer._crop_marks(layout)

    vertical = sorted(
        {round(m["left"] + m["width"] / 2, 2) for m in marks if m["height"] > m["width"]}
    )
    horizontal = sorted(
        {round(m["top"] + m["height"] / 2, 2) for m in marks if m["width"] > m["height"]}
    )
    assert vertical == [10.0, 105.0, 200.0]
    assert horizontal == [13.5, 148.5, 283.5]
    for mark in marks:  # all in the margins, none on a badge
        inside_x = layout.margin_x < mark["left"] + mark["width"] / 2 < 210 - layout.margin_x
        inside_y = layout.margin_y < mark["top"] + mark["height"] / 2 < 297 - layout.margin_y
        assert not (inside_x and inside_y and mark["width"] > 1 and mark["height"] > 1)
        assert not (
            layout.margin_y <= mark["top"] < 297 - layout.margin_y - 0.5
            and layout.margin_x <= mark["left"] < 210 - layout.margin_x - 0.5
        )


def test_long_name_shrinks_to_fit_its_box():
    layout = LAYOUTS[BadgeLayout.a6]
    short = fit_text(
        "Anna Lee", layout.text_width, layout.name.max_pt, layout.name.min_pt, bold=True
    )
    long = fit_text(
        "Bartholomew Fairweather",
        layout.text_width,
        layout.name.max_pt,
        layout.name.min_pt,
        bold=True,
    )

    assert short.size_pt == layout.name.max_pt
    assert layout.name.min_pt <= long.size_pt < layout.name.max_pt
    assert len(long.lines) == 1 and long.fits
    box_pt = layout.text_width * 72 / 25.4
    assert text_width(long.lines[0], long.size_pt, bold=True) <= box_pt


def test_longer_name_wraps_to_two_lines_between_words_and_scripts_without_spaces():
    layout = LAYOUTS[BadgeLayout.cr80]
    latin = fit_text(
        "Maximiliane Alexandra von Hohenzollern-Sigmaringen",
        layout.text_width,
        layout.name.max_pt,
        layout.name.min_pt,
        bold=True,
    )
    japanese = fit_text(
        "勅使河原三郎左衛門之助右衛門尉藤原朝臣",
        layout.text_width,
        layout.name.max_pt,
        layout.name.min_pt,
        bold=True,
    )

    for fitted, text in (
        (latin, "Maximiliane Alexandra von Hohenzollern-Sigmaringen"),
        (japanese, "勅使河原三郎左衛門之助右衛門尉藤原朝臣"),
    ):
        assert fitted.fits and len(fitted.lines) == 2
        assert fitted.size_pt >= layout.name.min_pt
        joined = " ".join(fitted.lines) if " " in text else "".join(fitted.lines)
        assert joined == text
    assert not latin.lines[0].endswith(" ") and " " not in latin.lines[1][:1]


def test_text_that_cannot_fit_is_reported_and_still_printed_whole(tmp_path):
    name = "Wolfeschlegelsteinhausenbergerdorff " * 4
    company = "Acme"
    out = tmp_path / "long.pdf"

    report = renderer.render_pdf(
        [
            badge(
                name.strip(),
                company,
                layout=BadgeLayout.cr80,
                payload=_payload(1),
                registration_id=42,
            )
        ],
        out,
        workers=1,
    )

    assert report.warnings == [FitWarning(42, name.strip(), "name")]
    assert pdf_text(out).replace(" ", "").count("Wolfeschlegelsteinhausenbergerdorff") == 4
    assert report.pages == 1


def test_typed_markup_and_urls_are_text_and_load_nothing(monkeypatch, tmp_path):
    requested = []
    real_fetch = renderer.BadgeFetcher.fetch

    def fetch(self, url, headers=None):
        requested.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(renderer.BadgeFetcher, "fetch", fetch)
    name = '<img src="file:///etc/passwd">'
    company = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
    title = "http://127.0.0.1:9/photo.png"

    pdf = renderer.render_one(badge(name, company, job_title=title, payload=_payload(3)))

    text = pdf_text(pdf)
    assert name in text and company in text and title in text
    assert all(url.startswith("data:image/png;base64,") for url in requested)
    assert len(requested) == 1  # the QR code; nothing else was even asked for
    assert "root:" not in text
    assert qr_codes(pdf) == [[_payload(3)]]


def test_fetcher_refuses_files_hosts_and_data_it_did_not_make():
    fetcher = renderer.BadgeFetcher({})
    html = (
        '<img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/a.png">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        "<p>still renders</p>"
    )

    pdf = HTML(string=html, url_fetcher=fetcher).write_pdf()

    assert sorted(fetcher.refused) == sorted(
        [
            "file:///etc/passwd",
            "http://127.0.0.1:9/a.png",
            "https://example.com/x.css",
            "data:image/png;base64,iVBORw0KGgo=",
        ]
    )
    assert "still renders" in pdf_text(pdf)


def test_design_colours_logo_and_field_toggles():
    logo = io.BytesIO()
    Image.new("RGB", (300, 100), "#ff0000").save(logo, "PNG")
    design = DesignSpec(
        layout=BadgeLayout.a6,
        colors={"speaker": "#00ff00", "attendee": "javascript:alert(1)"},
        show_company=False,
        show_qr=False,
        logo_png=logo.getvalue(),
    )
    speaker = badge(
        "Sam Speaker", "Hidden Co", role=BadgeRole.speaker, payload=_payload(1), design=design
    )
    attendee = badge("Anna", role=BadgeRole.attendee, design=design)

    assert renderer.band_color(speaker) == "#00ff00"
    assert renderer.band_color(attendee) == renderer.PALETTE["attendee"]
    pdf = renderer.render_one(speaker)
    assert "Hidden Co" not in pdf_text(pdf)
    assert qr_codes(pdf) == [[]]
    image = Image.open(io.BytesIO(renderer.preview_png(speaker, width_px=420))).convert("RGB")
    assert image.width == 420
    colours = {colour for _count, colour in image.getcolors(maxcolors=1 << 20)}
    assert (0, 255, 0) in colours  # the band
    assert (255, 0, 0) in colours  # the logo


def test_preview_png_is_the_pdf_drawn_at_the_asked_width():
    png = renderer.preview_png(
        badge("山田 花子", "株式会社サンプル", payload=_payload(5)), width_px=600
    )

    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 600
    assert round(image.height / image.width, 2) == round(148 / 105, 2)
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == [_payload(5)]


def test_qr_svg_is_an_svg_of_the_payload():
    svg = renderer.qr_svg(_payload(8))

    assert svg.startswith("<svg") and "<path" in svg
    pdf = HTML(string=f"<div style='width: 60mm'>{svg}</div>").write_pdf()
    assert qr_codes(pdf) == [[_payload(8)]]


def test_appender_writes_one_valid_pdf_from_many(tmp_path):
    parts = []
    for n in range(3):
        part = tmp_path / f"part-{n}.pdf"
        part.write_bytes(renderer.render_one(badge(f"Person {n}", payload=_payload(n))))
        parts.append(part)
    out = tmp_path / "all.pdf"

    with PdfAppender(out) as appender:
        for part in parts:
            appender.append(part)

    assert len(PdfReader(out).pages) == 3
    document = pypdfium2.PdfDocument(out)
    assert len(document) == 3
    document.close()
    assert qr_codes(out) == [[_payload(0)], [_payload(1)], [_payload(2)]]
    assert (
        pdf_text(out)
        == "Northwind Summit Person 0 Northwind Summit Person 1 Northwind Summit Person 2"
    )


def test_render_pdf_of_nothing_writes_an_empty_document(tmp_path):
    out = tmp_path / "none.pdf"

    report = renderer.render_pdf([], out, workers=2)

    assert (report.pages, report.badges) == (0, 0)
    assert Path(out).read_bytes().startswith(b"%PDF-")
