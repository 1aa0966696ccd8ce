"""Badge benchmark: the app's bulk badge job against plain WeasyPrint.

Makes (or reuses) an event of N participants (``--n``, default 2,000; 10,000 for the
full run) with names in Latin, Cyrillic and Japanese, then in the same run:

(a) the app: ``create_batch`` for every approved participant and the
    ``render_batch`` job, run in this process as a job consumer would run it
    (database reads, codes, fitting, chunked rendering in ``BADGE_RENDER_WORKERS``
    processes, the merge into one PDF, print records);
(b) plain WeasyPrint: the same badges (same page size, fonts, text and QR images)
    as simple HTML, rendered in this one process, in documents of the same number
    of pages (one document of 10,000 pages would measure WeasyPrint's memory, not
    its speed), written as separate files (no merge);

and ends with::

    badges ratio app/plain: R (app X pages/s, plain Y pages/s, peak RSS M MiB)

where R = X / Y and M is the highest resident memory of the app run: this process
and its render workers together, sampled from ``/proc`` (compare M between
``--n 2000`` and ``--n 10000``: it should not grow). The app's PDF is checked: one page per
participant, and the QR codes of its first and last pages decode to the payloads of
those people's badges.

Usage::

    .venv/bin/python bench/badges.py [--n 2000] [--rounds 1]
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/conference_bench \\
        .venv/bin/python bench/badges.py --n 10000

Without ``DATABASE_URL`` the data lives in SQLite at ``instance/bench.db``.
"""

from __future__ import annotations

import argparse
import html
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Run as a script from any folder, with or without an installed package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from weasyprint import HTML

from bench.common import bench_app, organizer_of
from conference.badges import BadgeData
from conference.badges.qr import qr_png_data_uri
from conference.badges.render import CHUNK_PAGES, PALETTE
from conference.demo import ensure_bench_event
from conference.extensions import db
from conference.models import BadgeBatch, BadgePrint, Event, Registration, User
from conference.services import badges

SLUG = "bench-badges"


def forget_printing(event_id: int) -> None:
    db.session.execute(sa.delete(BadgePrint).where(BadgePrint.event_id == event_id))
    db.session.execute(sa.delete(BadgeBatch).where(BadgeBatch.event_id == event_id))
    db.session.commit()


def app_run(event_id: int, organizer_id: int) -> tuple[float, BadgeBatch]:
    """Create the batch for everyone and run its job here; return seconds and batch."""
    db.session.expunge_all()
    started = time.perf_counter()
    batch = badges.create_batch(
        db.session.get(Event, event_id),
        db.session.get(User, organizer_id),
        badges.BadgeFilter(),
        "name",
    )
    db.session.commit()
    batch_id = batch.id
    db.session.expunge_all()
    badges.render_batch.call_local(batch_id)
    took = time.perf_counter() - started
    batch = db.session.get(BadgeBatch, batch_id)
    assert batch.status == "done", f"the batch ended {batch.status}: {batch.error}"
    return took, batch


def decode_page(pdf: Path, number: int) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "page"
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-f", str(number), "-l", str(number), pdf, stem],
            check=True,
        )
        (image_path,) = Path(folder).glob("page*.png")
        with Image.open(image_path) as image:
            return [r.text for r in zxingcpp.read_barcodes(image)]


def check_pdf(path: Path, data: list[BadgeData]) -> int:
    pages = len(PdfReader(path).pages)
    assert pages == len(data), f"{pages} pages for {len(data)} badges"
    for number in (1, pages):
        found = decode_page(path, number)
        assert found == [data[number - 1].qr_payload], f"page {number} reads {found}"
    return pages


# --- plain WeasyPrint ---------------------------------------------------------------------------

PLAIN_CSS = """
@page { size: 105mm 148mm; margin: 0 }
body { margin: 0; font-family: "Noto Sans", "Noto Sans CJK JP", "DejaVu Sans", sans-serif }
section { position: relative; width: 105mm; height: 148mm; break-after: page }
.band { height: 26mm; padding: 0 6mm; color: #fff; font-weight: bold; font-size: 12pt;
        display: flex; align-items: center }
.text { position: absolute; top: 32mm; left: 6mm; width: 93mm; text-align: center }
.name { font-weight: bold; font-size: 24pt }
.title { font-size: 12pt; margin-top: 3mm }
.company { font-size: 14pt; margin-top: 3mm }
.qr { position: absolute; left: 33.5mm; bottom: 17mm; width: 38mm; height: 38mm;
      image-rendering: pixelated }
.ribbon { position: absolute; left: 0; right: 0; bottom: 0; height: 14mm; line-height: 14mm;
          color: #fff; text-align: center; font-weight: bold; font-size: 18pt }
"""


def plain_page(data: BadgeData) -> str:
    color = PALETTE[data.role.value]
    ribbon = (
        f'<div class="ribbon" style="background: {color}">{html.escape(data.ribbon)}</div>'
        if data.ribbon
        else ""
    )
    return (
        f'<section><div class="band" style="background: {color}">'
        f"{html.escape(data.event_name)}</div>"
        f'<div class="text"><div class="name">{html.escape(data.name)}</div>'
        f'<div class="title">{html.escape(data.job_title)}</div>'
        f'<div class="company">{html.escape(data.company)}</div></div>'
        f'<img class="qr" src="{qr_png_data_uri(data.qr_payload)}">{ribbon}</section>'
    )


def plain_run(data: list[BadgeData], folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    pages = 0
    for start in range(0, len(data), CHUNK_PAGES):
        body = "".join(plain_page(item) for item in data[start : start + CHUNK_PAGES])
        document = HTML(
            string=f"<!doctype html><html><head><meta charset=utf-8><style>{PLAIN_CSS}</style>"
            f"</head><body>{body}</body></html>"
        ).render()
        document.write_pdf(folder / f"plain-{start}.pdf")
        pages += len(document.pages)
    return time.perf_counter() - started, pages


class MemorySampler:
    """Samples the resident memory of this process and all its descendants (the
    forkserver and the render workers) from ``/proc`` every 0.1 s while it runs;
    ``peak_mib`` is the largest sum seen."""

    def __init__(self):
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _family() -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        family, frontier = [os.getpid()], [os.getpid()]
        while frontier:
            frontier = [pid for pid, parent in parents.items() if parent in frontier]
            family += frontier
        return family

    @staticmethod
    def _rss_kib(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            total = sum(self._rss_kib(pid) for pid in self._family()) / 1024
            self.peak_mib = max(self.peak_mib, total)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="badges (participants)")
    parser.add_argument("--slug", default=None, help="the bench event (made once, reused)")
    parser.add_argument("--rounds", type=int, default=1, help="app and plain runs, alternated")
    args = parser.parse_args()
    slug = args.slug or f"{SLUG}-{args.n}"

    with bench_app() as app:
        started = time.perf_counter()
        event, added = ensure_bench_event(slug, args.n)
        db.session.commit()
        event_id = event.id
        organizer_id = organizer_of(event).id
        forget_printing(event_id)
        count = badges.count_matching(event, badges.BadgeFilter())
        workers = app.config["BADGE_RENDER_WORKERS"]
        print(
            f"{db.engine.dialect.name}: event {slug!r} with {count} approved participants"
            f" ({added} added in {time.perf_counter() - started:.1f} s);"
            f" {workers} render workers, {app.config['BADGE_CHUNK_PAGES']} pages a chunk"
        )
        print(f"{'round':<6} {'app s':>8} {'plain s':>8} {'ratio':>6}")
        app_times, plain_times, peaks = [], [], []
        for number in range(1, args.rounds + 1):
            with MemorySampler() as memory:
                took, batch = app_run(event_id, organizer_id)
            app_times.append(took)
            peaks.append(memory.peak_mib)
            path = badges.batch_file(batch)
            ids = db.session.scalars(
                badges.matching_registrations(
                    db.session.get(Event, event_id), badges.BadgeFilter(), "name"
                ).with_only_columns(Registration.id)
            ).all()
            data = list(badges.stream_badge_data(db.session.get(Event, event_id), ids))
            pages = check_pdf(path, data)
            size = path.stat().st_size
            path.unlink()
            forget_printing(event_id)
            with tempfile.TemporaryDirectory(prefix="bench-badges-") as folder:
                plain_seconds, plain_pages = plain_run(data, Path(folder))
            assert plain_pages == pages
            plain_times.append(plain_seconds)
            print(f"{number:<6} {took:>8.1f} {plain_seconds:>8.1f} {plain_seconds / took:>6.2f}")
        app_rate = pages / statistics.median(app_times)
        plain_rate = pages / statistics.median(plain_times)
        print(f"app PDF: {pages} pages, {size / 1048576:.1f} MiB")
        print(
            f"badges ratio app/plain: {app_rate / plain_rate:.2f}"
            f" (app {app_rate:.1f} pages/s, plain {plain_rate:.1f} pages/s,"
            f" peak RSS {max(peaks):.0f} MiB)"
        )


if __name__ == "__main__":
    main()
