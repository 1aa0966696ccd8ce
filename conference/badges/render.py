"""Badges to PDF with WeasyPrint: one badge, a preview image, or a whole event.

``render_pdf`` takes any number of badges as an iterable (read lazily) and writes one
PDF. It lays them out on pages (``paginate``: single formats one per page, sheet
formats four per sheet, each format's sheets filled in the order badges come), cuts
the pages into chunks of ``chunk_pages``, renders each chunk as its own WeasyPrint
document, and appends the chunks' pages to the output as they come. Memory therefore
depends on the chunk size, not on how many badges there are:

- the badges are read one chunk ahead (the caller's iterable can stream from the
  database);
- with ``workers`` > 1 the chunks render in a process pool (``forkserver`` context:
  the workers are forked from a clean server process that has imported this module,
  never from the app's process with its database connections and threads; they need
  no app and no database), at most two chunks per worker in flight;
- ``PdfAppender`` writes each chunk's objects to the output file at once and keeps
  only the offsets of what it wrote, so the merged PDF never is in memory whole.

Everything a badge shows comes in ``BadgeData``; the HTML escapes it all. The only
URLs in the document are ``data:`` URIs this module made (the QR codes and the logos),
and ``BadgeFetcher`` serves exactly those and refuses anything else (``file:``,
``http:``, other ``data:``), so nothing a participant typed can read a local file or
reach a host.
"""

from __future__ import annotations

import base64
import colorsys
import io
import logging
import multiprocessing
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
import pypdfium2
from markupsafe import Markup
from PIL import Image
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from conference.badges import BadgeData, FitWarning
from conference.badges.fit import Fitted, fit_text
from conference.badges.layouts import LAYOUTS, Layout, layout_of
from conference.badges.pdfmerge import PdfAppender
from conference.badges.qr import qr_png_data_uri, qr_svg
from conference.enums import BadgeRole

__all__ = [
    "COLOR_RE",
    "PALETTE",
    "BadgeFetcher",
    "RenderReport",
    "default_workers",
    "paginate",
    "preview_png",
    "qr_svg",
    "render_one",
    "render_pdf",
]

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "badges"
#: Pages per WeasyPrint document: large enough that a document's fixed cost (style
#: sheet, fonts) is shared, small enough that a worker stays under ~200 MiB.
CHUNK_PAGES = 100
#: Band colour per role when a design leaves it out.
PALETTE: dict[str, str] = {
    BadgeRole.organizer.value: "#6d28d9",
    BadgeRole.speaker.value: "#c2410c",
    BadgeRole.sponsor.value: "#0f766e",
    BadgeRole.staff.value: "#be123c",
    BadgeRole.attendee.value: "#1d4ed8",
}
#: A colour a design may give a role: "#rrggbb" (it goes into the badge's CSS).
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
#: Length of the crop marks, and their gap to the cut corner (mm).
_MARK_LENGTH = 6
_MARK_GAP = 2
_MARK_WIDTH = 0.25


@dataclass(frozen=True)
class RenderReport:
    """What ``render_pdf`` wrote."""

    pages: int
    badges: int
    warnings: list[FitWarning] = field(default_factory=list)


@dataclass(frozen=True)
class Sheet:
    """One page: a badge of a single format, or up to four on a sheet format."""

    layout: Layout
    badges: tuple[BadgeData, ...]


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


# --- layout ---------------------------------------------------------------------------------


def paginate(badges: Iterable[BadgeData]) -> Iterator[Sheet]:
    """Badges as pages: each single-format badge on its own page, sheet formats filled
    four at a time in the order their badges come (a part-filled sheet at the end)."""
    open_sheets: dict[Layout, list[BadgeData]] = {}
    for badge in badges:
        layout = layout_of(badge.design.layout)
        if not layout.is_sheet:
            yield Sheet(layout, (badge,))
            continue
        sheet = open_sheets.setdefault(layout, [])
        sheet.append(badge)
        if len(sheet) == layout.per_page:
            yield Sheet(layout, tuple(sheet))
            open_sheets[layout] = []
    for layout, sheet in open_sheets.items():
        if sheet:
            yield Sheet(layout, tuple(sheet))


def _crop_marks(layout: Layout) -> list[dict]:
    """Short hairlines in the margins, in line with every cut."""
    if not layout.is_sheet:
        return []
    marks = []
    x0, y0 = layout.margin_x, layout.margin_y
    x1 = x0 + layout.columns * layout.badge_width
    y1 = y0 + layout.rows * layout.badge_height
    length_x = min(_MARK_LENGTH, x0 - _MARK_GAP)
    length_y = min(_MARK_LENGTH, y0 - _MARK_GAP)
    half = _MARK_WIDTH / 2
    for column in range(layout.columns + 1):
        x = x0 + column * layout.badge_width - half
        marks.append(
            dict(left=x, top=y0 - _MARK_GAP - length_y, width=_MARK_WIDTH, height=length_y)
        )
        marks.append(dict(left=x, top=y1 + _MARK_GAP, width=_MARK_WIDTH, height=length_y))
    for row in range(layout.rows + 1):
        y = y0 + row * layout.badge_height - half
        marks.append(
            dict(left=x0 - _MARK_GAP - length_x, top=y, width=length_x, height=_MARK_WIDTH)
        )
        marks.append(dict(left=x1 + _MARK_GAP, top=y, width=length_x, height=_MARK_WIDTH))
    return [{key: round(value, 3) for key, value in mark.items()} for mark in marks]


def band_color(badge: BadgeData) -> str:
    """The badge's band colour: the design's for the role if it is a valid #rrggbb."""
    role = BadgeRole(badge.role).value
    chosen = (badge.design.colors or {}).get(role, "")
    return chosen.lower() if COLOR_RE.match(chosen or "") else PALETTE[role]


def ink_on(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lightness = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111111" if lightness > 0.6 or colorsys.rgb_to_hls(r, g, b)[1] > 0.85 else "#ffffff"


@dataclass(frozen=True)
class _Logo:
    uri: str
    width: float
    height: float


@lru_cache(maxsize=32)
def _logo(png: bytes, max_width: float, max_height: float) -> _Logo | None:
    try:
        with Image.open(io.BytesIO(png)) as image:
            width, height = image.size
    except (OSError, ValueError):
        log.warning("a logo is not an image; badges print without it")
        return None
    scale = min(max_width / width, max_height / height)
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return _Logo(uri, round(width * scale, 2), round(height * scale, 2))


def _sponsor_box(
    layout: Layout, has_qr: bool, has_ribbon: bool
) -> tuple[float, float, float, float]:
    """Where a sponsor's logo goes (left, top, width, height in mm from the badge's
    corner): on a portrait badge, left of its QR code (which moves to the right edge,
    see badge.css), under a landscape badge's, and where the QR code would be on a
    badge without one."""
    pad = layout.padding
    bottom = layout.badge_height - (layout.ribbon if has_ribbon else 0) - pad / 2
    if layout.landscape:
        top = layout.band + pad + layout.qr + pad / 2 if has_qr else bottom - layout.qr / 2
        return layout.badge_width - pad - layout.qr, top, layout.qr, bottom - top
    if has_qr:
        width = layout.badge_width - 3 * pad - layout.qr
        return pad, bottom - layout.qr, width, layout.qr
    return pad, bottom - layout.qr / 2, layout.badge_width - 2 * pad, layout.qr / 2


def _sponsor_logo(badge: BadgeData, layout: Layout, has_qr: bool, has_ribbon: bool) -> dict | None:
    """The sponsor's logo scaled into its box and centred there (mm), or None."""
    if not badge.sponsor_logo_png:
        return None
    left, top, width, height = _sponsor_box(layout, has_qr, has_ribbon)
    logo = _logo(badge.sponsor_logo_png, width, height)
    if logo is None:
        return None
    return dict(
        uri=logo.uri,
        left=round(left + (width - logo.width) / 2, 3),
        top=round(top + (height - logo.height) / 2, 3),
        width=logo.width,
        height=logo.height,
    )


def _badge_view(badge: BadgeData, layout: Layout, slot: int, resources: dict) -> tuple[dict, list]:
    """What the template needs for one badge, and the fields that did not fit."""
    design = badge.design
    left, top = layout.slot_origin(slot)
    logo = None
    if design.show_logo and design.logo_png:
        logo = _logo(design.logo_png, layout.logo_max_width, layout.logo_height)
        if logo is not None:
            resources[logo.uri] = ("image/png", design.logo_png)
    event_width = layout.badge_width - 2 * layout.padding
    if logo is not None:
        event_width -= logo.width + layout.padding
    qr = None
    if design.show_qr and badge.qr_payload:
        qr = qr_png_data_uri(badge.qr_payload)
        resources[qr] = ("image/png", base64.b64decode(qr.split(",", 1)[1]))
    width = (
        layout.text_width if qr or not layout.landscape else layout.badge_width - 2 * layout.padding
    )
    fields: dict[str, Fitted | None] = {
        "name": fit_text(badge.name, width, layout.name.max_pt, layout.name.min_pt, bold=True),
        "job_title": fit_text(
            badge.job_title if design.show_job_title else "",
            width,
            layout.job_title.max_pt,
            layout.job_title.min_pt,
        ),
        "company": fit_text(
            badge.company if design.show_company else "",
            width,
            layout.company.max_pt,
            layout.company.min_pt,
        ),
        "event": fit_text(
            badge.event_name, event_width, layout.event.max_pt, layout.event.min_pt, bold=True
        ),
        "ribbon": fit_text(
            badge.ribbon,
            layout.badge_width - 2 * layout.padding,
            layout.ribbon_type.max_pt,
            layout.ribbon_type.min_pt,
            bold=True,
            lines=1,
        )
        if design.show_ribbon and badge.ribbon.strip()
        else None,
    }
    warnings = [
        FitWarning(badge.registration_id, badge.name, name)
        for name, fitted in fields.items()
        if fitted is not None and not fitted.fits
    ]
    sponsor_logo = _sponsor_logo(badge, layout, qr is not None, fields["ribbon"] is not None)
    if sponsor_logo is not None:
        resources[sponsor_logo["uri"]] = ("image/png", badge.sponsor_logo_png)
    color = band_color(badge)
    view = dict(
        left=round(left, 3),
        top=round(top, 3),
        color=color,
        ink=ink_on(color),
        logo=logo,
        qr=qr,
        sponsor_logo=sponsor_logo,
        **fields,
    )
    return view, warnings


# --- WeasyPrint -----------------------------------------------------------------------------


class BadgeFetcher(URLFetcher):
    """Serves the ``data:`` URIs the renderer made and nothing else.

    ``resources`` maps each such URI to its (MIME type, bytes); any other URL,
    whatever its scheme, is refused and remembered in ``refused``.
    """

    def __init__(self, resources: dict[str, tuple[str, bytes]]):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
        self.resources = resources
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url in self.resources:
            mime, body = self.resources[url]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})
        self.refused.append(url)
        raise ValueError(f"badges load nothing from outside the document: {url[:80]}")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _css() -> Markup:
    """The style sheet (trusted: made from the layouts table only)."""
    return Markup(_environment().get_template("badge.css").render(layouts=list(LAYOUTS.values())))


def document_html(sheets: list[Sheet]) -> tuple[str, dict, list[FitWarning]]:
    """The HTML of ``sheets``, the data it embeds, and the fields that did not fit."""
    resources: dict[str, tuple[str, bytes]] = {}
    warnings: list[FitWarning] = []
    pages = []
    for sheet in sheets:
        views = []
        for slot, badge in enumerate(sheet.badges):
            view, missed = _badge_view(badge, sheet.layout, slot, resources)
            views.append(view)
            warnings.extend(missed)
        pages.append(dict(layout=sheet.layout, badges=views, marks=_crop_marks(sheet.layout)))
    title = sheets[0].badges[0].event_name if sheets else ""
    html = _environment().get_template("document.html").render(css=_css(), pages=pages, title=title)
    return html, resources, warnings


def _write(sheets: list[Sheet], target) -> tuple[int, list[FitWarning]]:
    html, resources, warnings = document_html(sheets)
    document = HTML(string=html, url_fetcher=BadgeFetcher(resources)).render()
    document.write_pdf(target)
    return len(document.pages), warnings


def render_chunk(sheets: list[Sheet], path: str) -> tuple[int, list[FitWarning]]:
    """Render ``sheets`` into the PDF file ``path`` (runs in a worker process)."""
    return _write(sheets, path)


def render_one(badge: BadgeData) -> bytes:
    """One badge as a PDF (on a sheet format: the sheet, with this badge in its first
    place and the crop marks)."""
    out = io.BytesIO()
    _write([Sheet(layout_of(badge.design.layout), (badge,))], out)
    return out.getvalue()


def preview_png(badge: BadgeData, width_px: int = 600) -> bytes:
    """``render_one``'s PDF drawn as a PNG ``width_px`` wide (pdfium): the real output."""
    pdf = pypdfium2.PdfDocument(render_one(badge))
    try:
        page = pdf[0]
        image = page.render(scale=width_px / page.get_width()).to_pil()
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()
    finally:
        pdf.close()


# --- many badges ----------------------------------------------------------------------------


def _chunks(sheets: Iterator[Sheet], size: int) -> Iterator[list[Sheet]]:
    chunk: list[Sheet] = []
    for sheet in sheets:
        chunk.append(sheet)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _green_threads() -> bool:
    """Whether gevent has patched this process's threads (a process pool's helper
    threads then run as greenlets, which can deadlock with its pipes)."""
    try:
        from gevent import monkey
    except ImportError:
        return False
    return monkey.is_module_patched("threading")


def _pool(workers: int) -> ProcessPoolExecutor:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload([__name__])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


def render_pdf(
    badges: Iterable[BadgeData],
    out: Path,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int | None = None,
    chunk_pages: int = CHUNK_PAGES,
) -> RenderReport:
    """Write all ``badges`` into the PDF ``out`` and report what was written.

    ``progress`` is called with the number of badges written so far after each chunk.
    ``workers`` processes render in parallel (default ``default_workers()``; 1 renders
    in this process). Each field that did not fit is reported once per badge.
    """
    out = Path(out)
    workers = default_workers() if workers is None else max(1, workers)
    if _green_threads():
        workers = 1
    chunks = _chunks(paginate(badges), max(1, chunk_pages))
    pages = done = 0
    warnings: dict[tuple, FitWarning] = {}

    def take(chunk: list[Sheet], path: Path, result: tuple[int, list[FitWarning]]) -> None:
        nonlocal pages, done
        appender.append(path)
        path.unlink()
        pages += result[0]
        done += sum(len(sheet.badges) for sheet in chunk)
        for warning in result[1]:
            warnings.setdefault((warning.registration_id, warning.name, warning.field), warning)
        if progress is not None:
            progress(done)

    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="badges-", dir=out.parent) as scratch,
        PdfAppender(out) as appender,
    ):
        paths = (Path(scratch) / f"chunk-{number}.pdf" for number in range(1 << 62))
        if workers == 1:
            for chunk in chunks:
                path = next(paths)
                take(chunk, path, render_chunk(chunk, str(path)))
        else:
            with _pool(workers) as pool:
                waiting: deque[tuple[list[Sheet], Path, Future]] = deque()
                for chunk in chunks:
                    path = next(paths)
                    waiting.append((chunk, path, pool.submit(render_chunk, chunk, str(path))))
                    while len(waiting) >= 2 * workers:
                        first, first_path, future = waiting.popleft()
                        take(first, first_path, future.result())
                while waiting:
                    first, first_path, future = waiting.popleft()
                    take(first, first_path, future.result())
    return RenderReport(pages=pages, badges=done, warnings=list(warnings.values()))
