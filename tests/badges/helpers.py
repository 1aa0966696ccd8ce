"""Reading badge PDFs back the way a printer and a scanner would: the text pdftotext
finds, and every QR code an independent decoder (zxing-cpp) reads off pages rendered
by poppler's pdftoppm."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from conference.badges import BadgeData, DesignSpec
from conference.enums import BadgeLayout, BadgeRole


def pdf_text(pdf: bytes | Path) -> str:
    """The PDF's text, each page's lines joined by spaces (names wrapped on a badge
    read as one)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.pdf"
        path.write_bytes(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes())
        text = subprocess.run(
            ["pdftotext", "-nopgbrk", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
        ).stdout.decode()
    return " ".join(text.split())


def qr_codes(pdf: bytes | Path, dpi: int = 150) -> list[list[str]]:
    """Per page, the QR codes zxing-cpp reads on it."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.pdf"
        path.write_bytes(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes())
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(path), str(Path(folder) / "page")],
            check=True,
        )
        pages = sorted(Path(folder).glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        found = []
        for page in pages:
            with Image.open(page) as image:
                results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            found.append(sorted(result.text for result in results))
        return found


def page_sizes_mm(pdf: bytes | Path) -> list[tuple[float, float]]:
    reader = PdfReader(pdf if isinstance(pdf, Path) else __import__("io").BytesIO(pdf))
    return [
        (
            round(float(p.mediabox.width) * 25.4 / 72, 1),
            round(float(p.mediabox.height) * 25.4 / 72, 1),
        )
        for p in reader.pages
    ]


def badge(
    name: str,
    company: str = "",
    *,
    job_title: str = "",
    role: BadgeRole = BadgeRole.attendee,
    layout: BadgeLayout = BadgeLayout.a6,
    payload: str | None = None,
    registration_id: int | None = None,
    design: DesignSpec | None = None,
) -> BadgeData:
    return BadgeData(
        name=name,
        company=company,
        job_title=job_title,
        role=role,
        ribbon="" if role == BadgeRole.attendee else role.value.upper(),
        ticket_type="Standard",
        event_name="Northwind Summit",
        qr_payload=payload,
        design=design or DesignSpec(layout=layout),
        registration_id=registration_id,
    )
